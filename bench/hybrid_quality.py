"""Coverage v3 quality: BM25, v2 lexical, dense alone, equal-weight RRF(BM25, dense) and the hybrid, on every set.

Sets: ct21_en, ct21_ar, ans (dev and train splits) and the cross-lingual xquad_ar2en_dev, xquad_en2ar_dev.
Vectors come from bench/embed_cache.py (run it first; it embeds titles and first body windows, the product's
default, see --max-ord). Prints R@1/5/10, MRR@10, MAP@5 per system, what each embedding choice costs in quality
(titles only vs titles + leads), the threshold table of the hybrid score, the similar-claim cosine table on
ANS, and with --tune a grid search of the fusion weights on the *train* splits (dev held out).
Usage: python bench/hybrid_quality.py [--tune] [--max-ord 1]
"""
from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embed_cache import load_cache  # noqa: E402
from matching_quality import DATA, bm25_only, build_db, fmt, load, metrics, read_jsonl, threshold_table  # noqa: E402

from db import open_db  # noqa: E402
from review.matching import engine, hybrid, vectors  # noqa: E402

SETS = {"ct21_en": "factcheck", "ct21_ar": "factcheck", "ans": "headline",
        "xquad_ar2en_dev": "article", "xquad_en2ar_dev": "article"}
POOL = 15  # results kept per query for offline re-scoring (as the product asks: its re-scoring cap stays 40)


def load_set(name: str, split: str):
    """(corpus, queries, qrels) for any set, xquad included (dev only)."""
    if not name.startswith("xquad"):
        return load(name, split)
    folder = DATA / name
    qrels: dict[str, set[str]] = {}
    for line in (folder / "qrels.tsv").read_text().splitlines():
        qid, did, _ = line.split("\t")
        qrels.setdefault(qid, set()).add(did)
    return read_jsonl(folder / "corpus.jsonl"), read_jsonl(folder / "queries.jsonl"), qrels


def cache_name(name: str, split: str) -> str:
    if name == "ans":
        return f"ans_{split}"
    return name


def add_vectors(db, corpus: list[dict], cache: dict[str, np.ndarray], max_ord: int) -> int:
    """Store the cached passage vectors ('<doc>#<ord>') for passages up to ``max_ord``."""
    by_doc = {d["id"]: i + 1 for i, d in enumerate(corpus)}
    rows = []
    for pid, item_id, o in db.execute("SELECT id, item_id, ord FROM item_passages WHERE ord <= ?", [max_ord]):
        key = f"{corpus[item_id - 1]['id']}#{o}"
        if key in cache:
            rows.append((pid, cache[key]))
    with db.conn:
        db.execute("DELETE FROM vectors")
        vectors.store(db, "passage", rows)
    return len(rows) if by_doc else 0


def dense_only(db, ids, qvec, limit=10) -> list[str]:
    """Items by their best passage cosine, exact over every stored vector (brute force)."""
    hits = vectors.nearest(db, "passage", qvec, 50, exact=True)
    owners = dict(db.execute("SELECT id, item_id FROM item_passages").fetchall())
    out = []
    for pid, _ in hits:
        d = ids[owners[pid]]
        if d not in out:
            out.append(d)
    return out[:limit]


def rrf(*rankings: list[str], k: int = 60) -> list[str]:
    """Equal-weight reciprocal-rank fusion."""
    score: dict[str, float] = {}
    for r in rankings:
        for i, d in enumerate(r):
            score[d] = score.get(d, 0.0) + 1 / (k + i + 1)
    return sorted(score, key=lambda d: -score[d])[:10]


def pools(db, ids, queries, qvecs) -> dict[str, list[tuple[str, float, float | None]]]:
    """Per query: (doc, lexical score, cosine) of the hybrid's whole candidate pool, for offline fusion."""
    out = {}
    languages = dict(db.execute("SELECT id, language FROM items").fetchall())
    for q in queries:
        ms = hybrid.search(db, q["text"], limit=POOL, qvec=qvecs.get(q["id"]), embed_query=False,
                           query_language=q.get("language"))
        lang = q.get("language")
        out[q["id"]] = [(ids[m.item_id], m.explanation["lexical"],
                         None if m.explanation.get("cosine") is None else
                         hybrid.adjusted(m.explanation["cosine"], lang, languages.get(m.item_id)),
                         m.explanation.get("reference", hybrid.REF_DEFAULT),
                         bool(lang and languages.get(m.item_id) and lang != languages.get(m.item_id)),
                         m.explanation.get("agreement", 0.0)) for m in ms]
    return out


def fuse(pool, w_dense: float, span: float, rank_weight: float = hybrid.RANK_WEIGHT
         ) -> dict[str, list[tuple[str, float]]]:
    """Rank every pool with given fusion parameters (the product's formula: hybrid.combine + hybrid.agreement)."""
    out = {}
    for qid, cands in pool.items():
        scored = []
        for d, lex, cos, ref, cross, bonus in cands:
            if cos is None:
                s = lex
            else:
                dense = min(1.0, max(0.0, (cos - ref) / span))
                s = (dense if cross else (1 - w_dense) * lex + w_dense * dense) + bonus * rank_weight / hybrid.RANK_WEIGHT
            scored.append((d, s))
        scored.sort(key=lambda t: -t[1])
        out[qid] = scored[:10]
    return out


def run_set(name: str, split: str, tmp: Path, max_ord: int, timing: dict):
    """Evaluate one set/split; returns (pool, qrels) for tuning and thresholds."""
    corpus, queries, qrels = load_set(name, split)
    key = cache_name(name, split)
    qcache, pcache = load_cache(f"{key}.queries"), load_cache(f"{key}.passages")
    qvecs = {q["id"]: qcache[q["id"]] for q in queries if q["id"] in qcache}
    db_path = tmp / f"{key}.db"
    t0 = time.perf_counter()
    if db_path.exists():
        db, ids = open_db(db_path), {i + 1: d["id"] for i, d in enumerate(corpus)}
    else:
        db, ids = build_db(corpus, SETS[name], db_path)
    n_vec = add_vectors(db, corpus, pcache, max_ord)
    print(f"\n== {name} {split}: {len(corpus)} items, {len(queries)} queries, {n_vec} passage vectors "
          f"(ord ≤ {max_ord}), {len(qvecs)} query vectors (setup {time.perf_counter() - t0:.1f} s)")
    r_bm25 = {q["id"]: [ids[i] for i in bm25_only(db, q["text"])] for q in queries}
    r_v2 = {q["id"]: [ids[m.item_id] for m in engine.search(db, q["text"], limit=10)] for q in queries}
    r_dense = {q["id"]: dense_only(db, ids, qvecs[q["id"]]) for q in queries if q["id"] in qvecs}
    t0 = time.perf_counter()
    pool = pools(db, ids, queries, qvecs)
    timing[f"{name} {split}"] = 1000 * (time.perf_counter() - t0) / max(1, len(queries))
    fused = fuse(pool, hybrid.W_DENSE, hybrid.COS_SPAN)
    r_hybrid = {q: [d for d, _ in v] for q, v in fused.items()}
    rows = {"fts5 bm25": r_bm25, "v2 lexical": r_v2, "dense only": r_dense,
            "rrf bm25+dense": {q: rrf(r_bm25[q], r_dense.get(q, [])) for q in r_bm25}, "hybrid v3": r_hybrid}
    for label, ranked in rows.items():
        print(f"  {label:15s}{fmt(metrics(ranked, qrels))}")
    db.close()
    return pool, qrels, fused


def tune(train: dict) -> None:
    """Grid over (dense weight, cosine span, agreement weight) on the train splits: best mean MAP@5 + MRR@10.

    The agreement bonus comes from the pools (computed with RANK_K), rescaled to each weight of the grid.
    """
    grid = itertools.product(np.round(np.arange(0.0, 1.0001, 0.05), 2), (0.03, 0.05, 0.075, 0.1, 0.15, 0.2),
                             (0.0, 0.03, 0.05, 0.08, 0.1))
    results = []
    for w, span, g in grid:
        per = []
        for pool, qrels in train.values():
            m = metrics({q: [d for d, _ in v] for q, v in fuse(pool, w, span, g).items()}, qrels)
            per.append((m["MRR@10"], m["MAP@5"]))
        results.append((sum(a + b for a, b in per) / (2 * len(per)), w, span, g, per))
    results.sort(key=lambda t: -t[0])
    print("\n== fusion grid on train splits (mean of MRR@10 and MAP@5): " + ", ".join(train))
    for mean, w, span, g, per in results[:8]:
        print(f"  mean {mean:.4f}  w_dense {w:.2f} span {span:.3f} agreement {g:.2f}  "
              + "  ".join(f"{a:.3f}/{b:.3f}" for a, b in per))
    for label, keep in (("lexical only (w_dense 0)", lambda r: r[1] == 0.0 and r[3] == 0.0),
                        ("no agreement bonus", lambda r: r[3] == 0.0)):
        best = next(r for r in results if keep(r))
        print(f"  best {label}: mean {best[0]:.4f} (w_dense {best[1]:.2f} span {best[2]:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--max-ord", type=int, default=1, help="embedded passages: 0 = titles only, 1 = + first window")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--dev-only", action="store_true", help="skip the train splits")
    args = ap.parse_args()
    tmp = Path(args.tmp) if args.tmp else Path(tempfile.mkdtemp(prefix="hybridq-"))
    tmp.mkdir(parents=True, exist_ok=True)
    train, scored_all, qrels_all, timing = {}, {}, {}, {}
    for name in args.sets.split(","):
        splits = ("dev",) if name.startswith("xquad") else ("dev", "train")
        for split in splits:
            if (args.tune and split != "train") or (args.dev_only and split == "train"):
                continue
            pool, qrels, fused = run_set(name, split, tmp, args.max_ord, timing)
            if split == "train":
                train[f"{name} train"] = (pool, qrels)
            for q, v in fused.items():
                scored_all[f"{name}:{split}:{q}"] = v
                qrels_all[f"{name}:{split}:{q}"] = qrels[q]
    if args.tune:
        tune(train)
    else:
        print("\n== hybrid thresholds over all sets and splits (top-10 pairs)")
        threshold_table(scored_all, qrels_all)
    print("\n  hybrid ms/query (lexical + passages + dense search, query vectors cached): "
          + ", ".join(f"{k} {v:.1f}" for k, v in timing.items()))


if __name__ == "__main__":
    main()
