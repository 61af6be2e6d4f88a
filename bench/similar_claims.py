"""Which cosine makes two claims "the same claim"? Measured on ANS (dev and train): human paraphrases and
contradictions of real Arabic news titles (same event) against every other title, both embedded as claims
(e5 'query:' side, as review.embedding does). Prints precision and recall of "cosine ≥ t" over all pairs.
Usage: python bench/similar_claims.py   (vectors cached in bench/out/emb by embed_cache.embed_missing)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embed_cache import embed_missing  # noqa: E402
from matching_quality import load  # noqa: E402


def main() -> None:
    for split in ("dev", "train"):
        corpus, queries, qrels = load("ans", split)
        q = embed_missing(f"ans_{split}.queries", {x["id"]: x["text"] for x in queries}, "query")
        t = embed_missing(f"ans_{split}.titles_q", {d["id"]: d["title"] for d in corpus}, "query")
        qids, tids = list(q), list(t)
        sims = np.stack([q[i] for i in qids]) @ np.stack([t[i] for i in tids]).T
        rel = np.array([[d in qrels[i] for d in tids] for i in qids])
        print(f"\n== ANS {split}: {len(qids)} claims x {len(tids)} titles, {int(rel.sum())} same-event pairs")
        print(f"  cosine of same-event pairs: median {np.median(sims[rel]):.3f}, 10th pct {np.percentile(sims[rel], 10):.3f};"
              f" other pairs: 99th pct {np.percentile(sims[~rel], 99):.3f}, 99.9th {np.percentile(sims[~rel], 99.9):.3f}")
        print("  threshold  precision  recall  false pairs per claim")
        for thr in (0.86, 0.88, 0.89, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95):
            kept = sims >= thr
            tp = (kept & rel).sum()
            print(f"  {thr:9.2f}  {tp / max(1, kept.sum()):9.3f}  {tp / rel.sum():6.3f}  "
                  f"{(kept & ~rel).sum() / len(qids):8.3f}")


if __name__ == "__main__":
    main()
