"""Train the check-worthiness logistic regression (numpy only) and write review/checkworthy_model.json.

Usage: python scripts/train_checkworthy.py [--data DIR] [--out FILE]
Trains one model per language on CheckThat! 2022 Task 1A TRAIN splits only ({ar,en}_train.jsonl).
Features (review.checkworthy.features) are scaled by their naive-Bayes log-count ratio (NB-LR), which
is folded into the stored weights. Character n-grams (English only), the L2 strength and the decision threshold are chosen by 5-fold
cross-validation on train (fixed seed; tweets with the same folded text share a fold, since the
Arabic split repeats tweets); the bias is then shifted so that score 0.5 is the decision threshold.
Dev is never read here.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from review.checkworthy import MODEL_PATH, features, fold, prior_logit, signals_of  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ct22_cw"
SEED = 20220
FOLDS = 5
MIN_DF = 2
L2_GRID = (3.0, 10.0, 30.0, 100.0)
# Per-word character n-grams: off / on. Arabic keeps them off: in CV they gained 0.006 F1 (noise on 2,439 noisy
# tweets) while their many small tweet-fitted weights pushed claims of a real news page (the Palmyra acceptance
# test in tests/test_claims.py) out of the top 8.
CHAR_NGRAMS_GRID = {"ar": (False,), "en": (False, True)}
TOLERANCE = 0.005  # CV F1 this close to the best counts as a tie: take the simpler, more regularised model
EPOCHS = 300
PRUNE = 5e-3  # stored weights below this magnitude are dropped (file size; checked inside CV too)
Matrix = tuple[np.ndarray, np.ndarray, np.ndarray]  # (column, row, value) of the non-zero entries


def read_jsonl(path: Path) -> list[dict]:
    """All records of a JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def featurise(rows: list[dict], language: str, char_ngrams: bool) -> tuple[list[dict[str, int]], np.ndarray]:
    """Feature counts of every row, and each row's fixed signal-prior offset."""
    feats = [features(r["text"], language, char_ngrams=char_ngrams) for r in rows]
    offset = np.asarray([prior_logit(signals_of(r["text"], language)) for r in rows])
    return feats, offset


def build_vocab(feats: list[dict[str, int]]) -> dict[str, int]:
    """Features occurring in at least MIN_DF rows, in sorted order."""
    df = Counter(f for fs in feats for f in fs)
    return {f: i for i, f in enumerate(sorted(f for f, c in df.items() if c >= MIN_DF))}


def to_matrix(feats: list[dict[str, int]], vocab: dict[str, int]) -> Matrix:
    """Sparse (column, row, value) entries for the features known to ``vocab``."""
    cols, rows, vals = [], [], []
    for i, fs in enumerate(feats):
        for f, v in fs.items():
            if (j := vocab.get(f)) is not None:
                cols.append(j)
                rows.append(i)
                vals.append(v)
    return np.asarray(cols, dtype=np.int64), np.asarray(rows, dtype=np.int64), np.asarray(vals, dtype=float)


def nb_ratio(x: Matrix, y: np.ndarray, dim: int) -> np.ndarray:
    """|log-count ratio| of every feature between positive and negative rows (add-one smoothed)."""
    cols, rows, vals = x
    pos = np.bincount(cols, weights=vals * y[rows], minlength=dim) + 1.0
    neg = np.bincount(cols, weights=vals * (1.0 - y[rows]), minlength=dim) + 1.0
    return np.abs(np.log(pos / pos.sum()) - np.log(neg / neg.sum()))


def logits(x: Matrix, n: int, w: np.ndarray, b: float, offset: np.ndarray) -> np.ndarray:
    """Logits of ``n`` rows."""
    cols, rows, vals = x
    return np.bincount(rows, weights=w[cols] * vals, minlength=n) + b + offset


def fit(x: Matrix, y: np.ndarray, dim: int, l2: float, offset: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression with a fixed per-row logit offset, by full-batch Adam (bias unpenalised)."""
    cols, rows, vals = x
    n = len(y)
    w, b = np.zeros(dim), 0.0
    m, v, mb, vb = np.zeros(dim), np.zeros(dim), 0.0, 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, EPOCHS + 1):
        g = 1.0 / (1.0 + np.exp(-logits(x, n, w, b, offset))) - y
        gw = np.bincount(cols, weights=g[rows] * vals, minlength=dim) / n + 2 * l2 / n * w
        gb = g.mean()
        m = beta1 * m + (1 - beta1) * gw
        v = beta2 * v + (1 - beta2) * gw**2
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb**2
        corr1, corr2 = 1 - beta1**t, 1 - beta2**t
        w -= lr * (m / corr1) / (np.sqrt(v / corr2) + eps)
        b -= lr * (mb / corr1) / (math.sqrt(vb / corr2) + eps)
    return w, b


def train(feats: list[dict[str, int]], y: np.ndarray, offset: np.ndarray,
          l2: float) -> tuple[dict[str, float], float]:
    """Fit NB-scaled logistic regression; return the pruned effective weights (ratio folded in) and the bias."""
    vocab = build_vocab(feats)
    x = to_matrix(feats, vocab)
    ratio = nb_ratio(x, y, len(vocab))
    cols, rows, vals = x
    w, b = fit((cols, rows, vals * ratio[cols]), y, len(vocab), l2, offset)
    effective = w * ratio
    return {f: float(effective[i]) for f, i in vocab.items() if abs(effective[i]) >= PRUNE}, b


def predict(feats: list[dict[str, int]], weights: dict[str, float], b: float, offset: np.ndarray) -> np.ndarray:
    """Probabilities of rows under stored-form weights (exactly what review.checkworthy computes)."""
    z = np.asarray([sum(weights.get(f, 0.0) * v for f, v in fs.items()) for fs in feats]) + b + offset
    return 1.0 / (1.0 + np.exp(-z))


def best_f1_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(F1, threshold) maximising the positive-class F1 over candidate thresholds."""
    best = (0.0, 0.5)
    for thr in np.linspace(0.05, 0.95, 91):
        pred = p >= thr
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / (pred.sum() + (y == 1).sum()) if tp else 0.0
        best = max(best, (f1, round(float(thr), 2)))
    return best


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (ties count half)."""
    pos, neg = p[y == 1], p[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def repost_key(text: str) -> str:
    """What reposts of one tweet share: the folded text (no links, mentions, diacritics) with single spaces."""
    return " ".join(fold(text).split())


def fold_of(rows: list[dict]) -> np.ndarray:
    """CV fold per row; rows with the same folded text share a fold (no duplicate leaks across folds)."""
    keys = [repost_key(r["text"]) for r in rows]
    distinct = sorted(set(keys))
    assigned = dict(zip(distinct, np.random.default_rng(SEED).permutation(len(distinct)) % FOLDS))
    return np.asarray([assigned[k] for k in keys])


def cross_validate(feats: list[dict[str, int]], offset: np.ndarray, y: np.ndarray, folds: np.ndarray,
                   l2: float) -> np.ndarray:
    """Out-of-fold probabilities (vocabulary, NB ratios and pruning redone inside each fold)."""
    oof = np.zeros(len(y))
    for k in range(FOLDS):
        tr, te = np.where(folds != k)[0], np.where(folds == k)[0]
        weights, b = train([feats[i] for i in tr], y[tr], offset[tr], l2)
        oof[te] = predict([feats[i] for i in te], weights, b, offset[te])
    return oof


def train_language(rows: list[dict], language: str) -> dict:
    """Choose char n-grams, l2 and threshold by CV, fit on all rows, and return the JSON-ready model."""
    y = np.asarray([r["label"] for r in rows], dtype=float)
    folds = fold_of(rows)
    results = []
    for char_ngrams in CHAR_NGRAMS_GRID[language]:
        feats, offset = featurise(rows, language, char_ngrams)
        for l2 in L2_GRID:
            oof = cross_validate(feats, offset, y, folds, l2)
            f1, thr = best_f1_threshold(oof, y)
            print(f"  {language} char_ngrams={char_ngrams:d} l2={l2:<5} cv F1={f1:.3f} at threshold {thr:.2f}, "
                  f"cv AUC={auc(oof, y):.3f}", flush=True)
            results.append((round(f1, 3), char_ngrams, l2, thr))
    # tweets are not news sentences: among CV ties prefer no char n-grams, then the strongest L2
    best = max(r[0] for r in results)
    f1, chars, l2, thr = max((r for r in results if r[0] >= best - TOLERANCE), key=lambda r: (not r[1], r[2]))
    feats, offset = featurise(rows, language, chars)
    weights, b = train(feats, y, offset, l2)
    bias = b - math.log(thr / (1 - thr))  # score 0.5 <=> probability == CV-best threshold
    print(f"  {language}: char_ngrams={chars} l2={l2} threshold={thr:.2f} cv F1={f1:.3f} features={len(weights)}")
    return {"bias": round(bias, 4), "char_ngrams": chars, "l2": l2, "cv_f1": f1, "cv_threshold": thr,
            "train_rows": len(rows), "weights": {f: round(w, 3) for f, w in sorted(weights.items())}}


def main(argv: list[str] | None = None) -> int:
    """Train both languages and write the weights file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    model = {"version": 2, "trained_on": "CheckThat! 2022 Task 1A train (ar_train.jsonl, en_train.jsonl)",
             "seed": SEED, "languages": {}}
    for language in ("ar", "en"):
        rows = read_jsonl(args.data / f"{language}_train.jsonl")
        model["languages"][language] = train_language(rows, language)
    args.out.write_text(json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"), indent=0),
                        encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
