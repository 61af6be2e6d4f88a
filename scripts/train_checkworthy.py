"""Train the check-worthiness logistic regression (numpy only) and write review/checkworthy_model.json.

Usage: python scripts/train_checkworthy.py [--data DIR] [--out FILE]
Trains one model per language on CheckThat! 2022 Task 1A TRAIN splits only ({ar,en}_train.jsonl).
The L2 strength and decision threshold are chosen by 5-fold cross-validation on train (fixed seed);
the bias is then shifted so that score 0.5 is the decision threshold. Dev is never read here.
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

from review.checkworthy import MODEL_PATH, features, prior_logit, signals_of  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ct22_cw"
SEED = 20220
MIN_DF = 2
L2_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
EPOCHS = 300
PRUNE = 1e-3


def read_jsonl(path: Path) -> list[dict]:
    """All records of a JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def featurise(rows: list[dict], language: str) -> tuple[list[list[str]], np.ndarray]:
    """Feature names of every row, and each row's fixed signal-prior offset."""
    feats = [features(r["text"], language) for r in rows]
    offset = np.asarray([prior_logit(signals_of(r["text"], language)) for r in rows])
    return feats, offset


def to_matrix(feats: list[list[str]], vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """CSR-like (indices, row_of_index) for binary features known to ``vocab``."""
    idx, rows = [], []
    for i, fs in enumerate(feats):
        cols = [vocab[f] for f in fs if f in vocab]
        idx.extend(cols)
        rows.extend([i] * len(cols))
    return np.asarray(idx, dtype=np.int64), np.asarray(rows, dtype=np.int64)


def fit(idx: np.ndarray, rows: np.ndarray, y: np.ndarray, dim: int, l2: float,
        offset: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression with a fixed per-row logit offset, by full-batch Adam (bias unpenalised)."""
    n = len(y)
    w, b = np.zeros(dim), 0.0
    m, v, mb, vb = np.zeros(dim), np.zeros(dim), 0.0, 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, EPOCHS + 1):
        z = np.bincount(rows, weights=w[idx], minlength=n) + b + offset
        g = 1.0 / (1.0 + np.exp(-z)) - y
        gw = np.bincount(idx, weights=g[rows], minlength=dim) / n + 2 * l2 / n * w
        gb = g.mean()
        m = beta1 * m + (1 - beta1) * gw
        v = beta2 * v + (1 - beta2) * gw**2
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb**2
        corr1, corr2 = 1 - beta1**t, 1 - beta2**t
        w -= lr * (m / corr1) / (np.sqrt(v / corr2) + eps)
        b -= lr * (mb / corr1) / (math.sqrt(vb / corr2) + eps)
    return w, b


def predict(idx: np.ndarray, rows: np.ndarray, n: int, w: np.ndarray, b: float,
            offset: np.ndarray) -> np.ndarray:
    """Probabilities for ``n`` rows."""
    z = np.bincount(rows, weights=w[idx], minlength=n) + b + offset
    return 1.0 / (1.0 + np.exp(-z))


def best_f1_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(F1, threshold) maximising the positive-class F1 over candidate thresholds."""
    best = (0.0, 0.5)
    for thr in np.linspace(0.1, 0.9, 81):
        pred = p >= thr
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / (pred.sum() + (y == 1).sum()) if tp else 0.0
        best = max(best, (f1, float(thr)))
    return best


def build_vocab(feats: list[list[str]]) -> dict[str, int]:
    """Features occurring in at least MIN_DF rows."""
    df = Counter(f for fs in feats for f in fs)
    keep = sorted(f for f, c in df.items() if c >= MIN_DF)
    return {f: i for i, f in enumerate(keep)}


def cross_validate(feats: list[list[str]], offset: np.ndarray, y: np.ndarray, l2: float,
                   rng_seed: int) -> np.ndarray:
    """Out-of-fold probabilities from 5-fold CV (vocabulary rebuilt inside each fold)."""
    n = len(y)
    folds = np.random.default_rng(rng_seed).permutation(n) % 5
    oof = np.zeros(n)
    for k in range(5):
        tr, te = np.where(folds != k)[0], np.where(folds == k)[0]
        vocab = build_vocab([feats[i] for i in tr])
        i_tr, r_tr = to_matrix([feats[i] for i in tr], vocab)
        w, b = fit(i_tr, r_tr, y[tr], len(vocab), l2, offset[tr])
        i_te, r_te = to_matrix([feats[i] for i in te], vocab)
        oof[te] = predict(i_te, r_te, len(te), w, b, offset[te])
    return oof


def train_language(rows: list[dict], language: str) -> dict:
    """Choose l2 and threshold by CV, fit on all rows, and return the JSON-ready model."""
    feats, offset = featurise(rows, language)
    y = np.asarray([r["label"] for r in rows], dtype=float)
    results = []
    for l2 in L2_GRID:
        f1, thr = best_f1_threshold(cross_validate(feats, offset, y, l2, SEED), y)
        print(f"  {language} l2={l2:<5} cv F1={f1:.3f} at threshold {thr:.2f}")
        results.append((f1, -l2, thr))
    f1, neg_l2, thr = max(results)
    vocab = build_vocab(feats)
    idx, r = to_matrix(feats, vocab)
    w, b = fit(idx, r, y, len(vocab), -neg_l2, offset)
    weights = {f: round(float(w[i]), 4) for f, i in vocab.items() if abs(w[i]) >= PRUNE}
    bias = b - math.log(thr / (1 - thr))  # score 0.5 <=> probability == CV-best threshold
    print(f"  {language}: l2={-neg_l2} threshold={thr:.2f} cv F1={f1:.3f} features={len(weights)}")
    return {"bias": round(bias, 4), "l2": -neg_l2, "cv_f1": round(f1, 4), "cv_threshold": thr,
            "train_rows": len(rows), "weights": weights}


def main(argv: list[str] | None = None) -> int:
    """Train both languages and write the weights file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    model = {"version": 1, "trained_on": "CheckThat! 2022 Task 1A train (ar_train.jsonl, en_train.jsonl)",
             "seed": SEED, "languages": {}}
    for language in ("ar", "en"):
        rows = read_jsonl(args.data / f"{language}_train.jsonl")
        model["languages"][language] = train_language(rows, language)
    args.out.write_text(json.dumps(model, ensure_ascii=False, sort_keys=True, indent=0), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
