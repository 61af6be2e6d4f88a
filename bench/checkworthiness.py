"""Check-worthiness benchmark on CheckThat! 2022 Task 1A (ar/en dev; train for reference).

Usage: python bench/checkworthiness.py
Prints per split: precision@30 (rank by score), ROC AUC (ranking quality over the whole split),
positive-class P/R/F1 at the decision threshold (score >= 0.5 for our model), and the same for
baselines computed in the same run:
  majority   - every tweet gets the majority label (negative) -> F1 of the positive class is 0
  all-pos    - every tweet is check-worthy (the F1 a classifier must beat to be useful)
  keywords   - score = count of a small fixed keyword list, positive when count >= 1
  signals    - our rule signals only: (#positive signals - #negative signals), positive when >= 2
For the dev splits, a paired bootstrap over tweets (reposts of one text resampled together) gives the 95% interval of model minus baseline
(F1, P@30, AUC): a margin is "clear" when its interval excludes 0. A label-noise check measures how
often near-duplicate training tweets (same text up to links, emoji, a word or two) carry the same
label, against the agreement two random labels would have: the ceiling any text-only scorer faces.
Also prints scoring speed (sentences/s) against the keyword baseline's speed.
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from review.checkworthy import NEGATIVE_SIGNALS, score_sentence, signals_of  # noqa: E402
from review.claims import split_sentences  # noqa: E402
from scripts.train_checkworthy import auc as roc_auc, repost_key  # noqa: E402  (one AUC for training and benches)

DATA = ROOT.parent / "shared" / "data" / "ct22_cw"
SPLITS = ("ar_dev", "en_dev", "ar_train", "en_train")
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 0
TOP_K = 30
KEYWORDS = re.compile(r"\d|%|قال|أعلن|وزارة|حالات|وفاة|مليون|said|announced|cases|deaths|million|percent",
                      re.IGNORECASE)


def read_jsonl(path: Path) -> list[dict]:
    """All records of a JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def precision_at(scores: np.ndarray, labels: np.ndarray, k: int = TOP_K) -> float:
    """Expected precision of the k highest scores when ties are broken at random."""
    cutoff = np.sort(scores)[::-1][k - 1]
    above, tied = labels[scores > cutoff], labels[scores == cutoff]
    return float((above.sum() + (k - len(above)) * tied.mean()) / k)


def prf(pred: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class."""
    tp = float((pred & (labels == 1)).sum())
    n_pred, n_pos = float(pred.sum()), float(labels.sum())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_pos if n_pos else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


Run = tuple[np.ndarray, np.ndarray]  # (ranking scores, positive decisions) of one system over a split


def metrics(scores: np.ndarray, positive: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """P@30 and AUC of the ranking, P, R and F1 of the decisions."""
    p, r, f1 = prf(positive, labels)
    return {"P@30": precision_at(scores, labels), "AUC": roc_auc(scores, labels), "P": p, "R": r, "F1": f1}


def text_groups(texts: list[str]) -> np.ndarray:
    """Group id per text: texts equal after folding (the same tweet reposted) share a group."""
    keys = map(repost_key, texts)
    ids: dict[str, int] = {}
    return np.asarray([ids.setdefault(k, len(ids)) for k in keys])


def bootstrap_margin(model: Run, other: Run, labels: np.ndarray, groups: np.ndarray) -> dict[str, tuple[float, float, float]]:
    """Paired bootstrap over groups of tweets: metric -> (observed model - other, 2.5th, 97.5th percentile)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    names = ("F1", "P@30", "AUC")
    observed = {m: metrics(*model, labels)[m] - metrics(*other, labels)[m] for m in names}
    members = [np.flatnonzero(groups == g) for g in range(groups.max() + 1)]
    samples: dict[str, list[float]] = {m: [] for m in names}
    for _ in range(BOOTSTRAP_SAMPLES):
        idx = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
        y = labels[idx]
        a, b = metrics(model[0][idx], model[1][idx], y), metrics(other[0][idx], other[1][idx], y)
        for m in names:
            samples[m].append(a[m] - b[m])
    return {m: (observed[m], *np.percentile(samples[m], [2.5, 97.5])) for m in names}


def signal_score(text: str, language: str) -> float:
    """Rule-only score: positive signals minus negative ones."""
    sigs = signals_of(text, language)
    return sum(-1 if s in NEGATIVE_SIGNALS else 1 for s in sigs)


def systems(language: str) -> dict[str, tuple[Callable[[str], float], float]]:
    """name -> (scoring function, decision threshold)."""
    return {
        "majority": (lambda t: 0.0, 1.0),
        "all-pos": (lambda t: 1.0, 1.0),
        "keywords": (lambda t: float(len(KEYWORDS.findall(t))), 1.0),
        "signals": (lambda t: signal_score(t, language), 2.0),
        "model": (lambda t: score_sentence(t, language).score, 0.5),
    }


def evaluate(split: str) -> None:
    """Print the table rows for one split (and, for dev, the bootstrap margins of the model)."""
    rows = read_jsonl(DATA / f"{split}.jsonl")
    language = split[:2]
    labels = np.asarray([r["label"] for r in rows])
    note = "  (TRAINED ON THIS SPLIT: optimistic)" if split.endswith("train") else ""
    print(f"\n{split}: {len(rows)} tweets, {labels.sum()} check-worthy{note}")
    print(f"  {'system':<9} {'P@30':>5} {'AUC':>5} {'P':>5} {'R':>5} {'F1':>5}")
    runs = {}
    for name, (fn, threshold) in systems(language).items():
        scores = np.asarray([fn(r["text"]) for r in rows], dtype=float)
        runs[name] = (scores, scores >= threshold)
        m = metrics(*runs[name], labels)
        print(f"  {name:<9} {m['P@30']:5.3f} {m['AUC']:5.3f} {m['P']:5.3f} {m['R']:5.3f} {m['F1']:5.3f}")
    if split.endswith("dev"):
        print(f"  model minus baseline, paired bootstrap ({BOOTSTRAP_SAMPLES} resamples): "
              "observed [95% interval]")
        groups = text_groups([r["text"] for r in rows])
        for other in ("keywords", "all-pos", "majority"):
            margins = bootstrap_margin(runs["model"], runs[other], labels, groups)
            print(f"    vs {other:<9}" + "  ".join(f"{m} {d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                                                  for m, (d, lo, hi) in margins.items()))


def label_agreement(split: str) -> None:
    """How often near-duplicate tweets of ``split`` share a label, per similarity band, vs chance."""
    rows = read_jsonl(DATA / f"{split}.jsonl")
    labels = np.asarray([r["label"] for r in rows])
    texts = [repost_key(r["text"]) for r in rows]
    sim = process.cdist(texts, texts, scorer=fuzz.ratio, dtype=np.uint8, workers=-1)
    upper = np.triu(np.ones_like(sim, dtype=bool), 1)
    p = labels.mean()
    print(f"\n{split} label agreement of near-duplicate tweet pairs (chance {p * p + (1 - p) ** 2:.3f}):")
    for lo, hi in ((95, 101), (85, 95), (75, 85)):
        i, j = np.nonzero(upper & (sim >= lo) & (sim < hi))
        if len(i):
            print(f"  similarity {lo}-{min(hi, 100)}: {len(i):4d} pairs, same label {np.mean(labels[i] == labels[j]):.3f}")


def news_sentences(limit: int = 400) -> list[tuple[str, str]]:
    """Sentences of the first ``limit`` SaudiNewsNet articles (the real workload: news sentences)."""
    path = DATA.parent / "saudinewsnet" / "corpus.jsonl.gz"
    if not path.exists():
        return []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        bodies = [json.loads(line)["body"] for line, _ in zip(fh, range(limit))]
    return [(s.text, "ar") for body in bodies for s in split_sentences(body)]


def speed() -> None:
    """Sentences per second of score_sentence vs the keyword baseline (tweets, then news sentences)."""
    tweets = [(r["text"], r["language"]) for s in ("ar_dev", "en_dev") for r in read_jsonl(DATA / f"{s}.jsonl")]
    for label, texts in (("dev tweets x20", tweets * 20), ("SaudiNewsNet sentences", news_sentences())):
        if texts:
            _speed(label, texts)


def _speed(label: str, texts: list[tuple[str, str]]) -> None:
    """Time the keyword baseline and the model on ``texts``."""
    t0 = time.perf_counter()
    for t, _ in texts:
        len(KEYWORDS.findall(t))
    t1 = time.perf_counter()
    for t, lang in texts:
        score_sentence(t, lang)
    t2 = time.perf_counter()
    print(f"\nspeed on {len(texts)} {label}: keywords {len(texts) / (t1 - t0):,.0f}/s, "
          f"model {len(texts) / (t2 - t1):,.0f}/s (aim >= 20,000/s)")


def main() -> int:
    """Run every split and the speed check."""
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    for split in SPLITS:
        evaluate(split)
    for split in ("ar_train", "en_train"):
        label_agreement(split)
    speed()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
