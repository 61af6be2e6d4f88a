"""Check-worthiness benchmark on CheckThat! 2022 Task 1A (ar/en dev; train for reference).

Usage: python bench/checkworthiness.py
Prints per split: precision@30 (rank by score), positive-class P/R/F1 at the decision threshold
(score >= 0.5 for our model), and the same for baselines computed in the same run:
  majority   - every tweet gets the majority label (negative) -> F1 of the positive class is 0
  all-pos    - every tweet is check-worthy (the F1 a classifier must beat to be useful)
  keywords   - score = count of a small fixed keyword list, positive when count >= 1
  signals    - our rule signals only: (#positive signals - #negative signals), positive when >= 2
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

from review.checkworthy import NEGATIVE_SIGNALS, score_sentence, signals_of  # noqa: E402
from review.claims import split_sentences  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ct22_cw"
SPLITS = ("ar_dev", "en_dev", "ar_train", "en_train")
KEYWORDS = re.compile(r"\d|%|قال|أعلن|وزارة|حالات|وفاة|مليون|said|announced|cases|deaths|million|percent",
                      re.IGNORECASE)


def read_jsonl(path: Path) -> list[dict]:
    """All records of a JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def precision_at(scores: list[float], labels: list[int], k: int = 30) -> float:
    """Expected precision of the k highest scores when ties are broken at random."""
    cutoff = sorted(scores, reverse=True)[k - 1]
    above = [y for s, y in zip(scores, labels) if s > cutoff]
    tied = [y for s, y in zip(scores, labels) if s == cutoff]
    return (sum(above) + (k - len(above)) * sum(tied) / len(tied)) / k


def prf(pred: list[bool], labels: list[int]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class."""
    tp = sum(1 for p, y in zip(pred, labels) if p and y)
    n_pred, n_pos = sum(pred), sum(labels)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_pos if n_pos else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


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
    """Print the table rows for one split."""
    rows = read_jsonl(DATA / f"{split}.jsonl")
    language = split[:2]
    labels = [r["label"] for r in rows]
    note = "  (TRAINED ON THIS SPLIT: optimistic)" if split.endswith("train") else ""
    print(f"\n{split}: {len(rows)} tweets, {sum(labels)} check-worthy{note}")
    print(f"  {'system':<9} {'P@30':>5} {'P':>5} {'R':>5} {'F1':>5}")
    for name, (fn, threshold) in systems(language).items():
        scores = [fn(r["text"]) for r in rows]
        p, r, f1 = prf([s >= threshold for s in scores], labels)
        print(f"  {name:<9} {precision_at(scores, labels):5.3f} {p:5.3f} {r:5.3f} {f1:5.3f}")


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
    speed()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
