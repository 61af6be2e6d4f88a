"""Check-worthiness on ALL labelled CheckThat! 2022 Task 1A tweets by grouped cross-validation.

Usage: python bench/checkworthiness_cv.py
The dev splits have 231 (ar) and 195 (en) tweets: a 95% interval on their F1 is about +-0.06, too
wide to tell systems apart. Here train+dev of each language are pooled (2,670 ar / 2,316 en) and
scored out-of-fold by grouped 5-fold CV (reposts share a fold), with the configuration of the
shipped model (review/checkworthy_model.json: char n-grams, L2) and the decision threshold chosen
by an inner CV on each training part only, exactly as scripts/train_checkworthy.py does. The
keyword, all-positive and majority baselines (no training) are scored on the same tweets, and a
paired bootstrap over tweet groups gives the 95% interval of each margin.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.checkworthiness import DATA, bootstrap_margin, metrics, read_jsonl, systems, text_groups  # noqa: E402
from review.checkworthy import MODEL_PATH  # noqa: E402
from scripts.train_checkworthy import (FOLDS, best_f1_threshold, cross_validate, featurise, fold_of,  # noqa: E402
                                       predict, train)


def out_of_fold(rows: list[dict], language: str, char_ngrams: bool, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """(probability, positive?) of every row from a model that never saw its fold (nested threshold)."""
    y = np.asarray([r["label"] for r in rows], dtype=float)
    feats, offset = featurise(rows, language, char_ngrams)
    folds = fold_of(rows)
    prob, positive = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
    for k in range(FOLDS):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        inner_rows = [rows[i] for i in tr]
        inner = cross_validate([feats[i] for i in tr], offset[tr], y[tr], fold_of(inner_rows), l2)
        _, threshold = best_f1_threshold(inner, y[tr])
        weights, b = train([feats[i] for i in tr], y[tr], offset[tr], l2)
        prob[te] = predict([feats[i] for i in te], weights, b, offset[te])
        positive[te] = prob[te] >= threshold
        print(f"  fold {k + 1}/{FOLDS}: inner-CV threshold {threshold:.2f}", flush=True)
    return prob, positive


def evaluate(language: str) -> None:
    """Pooled out-of-fold table and bootstrap margins for one language."""
    rows = read_jsonl(DATA / f"{language}_train.jsonl") + read_jsonl(DATA / f"{language}_dev.jsonl")
    config = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["languages"][language]
    labels = np.asarray([r["label"] for r in rows])
    print(f"\n{language} train+dev: {len(rows)} tweets, {labels.sum()} check-worthy; model config "
          f"char_ngrams={config['char_ngrams']} l2={config['l2']}")
    prob, positive = out_of_fold(rows, language, config["char_ngrams"], config["l2"])
    runs = {}
    for name, (fn, threshold) in systems(language).items():
        if name != "model":
            scores = np.asarray([fn(r["text"]) for r in rows], dtype=float)
            runs[name] = (scores, scores >= threshold)
    runs["model"] = (prob, positive)
    print(f"  {'system':<9} {'P@30':>5} {'AUC':>5} {'P':>5} {'R':>5} {'F1':>5}   (P@30 over the pooled set)")
    for name, run in runs.items():
        m = metrics(*run, labels)
        print(f"  {name:<9} {m['P@30']:5.3f} {m['AUC']:5.3f} {m['P']:5.3f} {m['R']:5.3f} {m['F1']:5.3f}")
    groups = text_groups([r["text"] for r in rows])
    print("  model minus baseline, paired bootstrap over tweet groups: observed [95% interval]")
    for other in ("keywords", "all-pos", "majority"):
        margins = bootstrap_margin(runs["model"], runs[other], labels, groups)
        print(f"    vs {other:<9}" + "  ".join(f"{m} {d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                                              for m, (d, lo, hi) in margins.items()))


def main() -> int:
    """Both languages."""
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    for language in ("ar", "en"):
        evaluate(language)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
