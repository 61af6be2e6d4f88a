"""Ranking quality of review.matching against FTS5 BM25 alone and brute-force rapidfuzz WRatio.

Data: ../shared/data/{ct21_en,ct21_ar,ans_train,ans_dev} (see its README). Prints recall@1/5/10, MRR@10 and
MAP@5 per set and split, a precision/recall table of our score thresholds, and with --tune a weight grid
search on the train splits. Usage: python bench/matching_quality.py [--tune] [--brute-sample N]
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from rapidfuzz import fuzz, process  # noqa: E402

from db import open_db  # noqa: E402
from review.matching import analysis, engine as msearch, rerank  # noqa: E402
from review.matching.engine import fts_query, index_items, search  # noqa: E402

SETS = {"ct21_en": "factcheck", "ct21_ar": "factcheck", "ans": "headline"}


def read_jsonl(path: Path) -> list[dict]:
    """All records of a JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(name: str, split: str) -> tuple[list[dict], list[dict], dict[str, set[str]]]:
    """(corpus, queries of the split, qrels) of one set."""
    folder = DATA / (f"ans_{split}" if name == "ans" else name)
    corpus = read_jsonl(folder / "corpus.jsonl")
    queries = read_jsonl(folder / "queries.jsonl")
    if name != "ans":
        splits = dict(line.split("\t") for line in (folder / "query_splits.tsv").read_text().split("\n") if line)
        queries = [q for q in queries if splits.get(q["id"], "").strip() == split]
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in (folder / "qrels.tsv").read_text().splitlines():
        qid, did, _ = line.split("\t")
        qrels[qid].add(did)
    return corpus, queries, qrels


def build_db(corpus: list[dict], kind: str, path: Path):
    """A fresh database holding and indexing the corpus; returns (db, item id → corpus id)."""
    db = open_db(path)
    rows = [{"id": i + 1, "kind": kind, "title": d["title"] or "", "body": d["body"] or "",
             "content_hash": f"h{i}", "language": d.get("language")} for i, d in enumerate(corpus)]
    with db.conn:
        db["items"].insert_all(rows, batch_size=1000)
        index_items(db, [r["id"] for r in rows])
    return db, {i + 1: d["id"] for i, d in enumerate(corpus)}


def metrics(ranked: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """recall@1/5/10, MRR@10, MAP@5 averaged over the queries in ``ranked``."""
    out = defaultdict(float)
    for qid, docs in ranked.items():
        rel = qrels[qid]
        for k in (1, 5, 10):
            out[f"R@{k}"] += len(rel & set(docs[:k])) / len(rel)
        out["MRR@10"] += next((1 / (i + 1) for i, d in enumerate(docs[:10]) if d in rel), 0.0)
        hits, ap = 0, 0.0
        for i, d in enumerate(docs[:5]):
            if d in rel:
                hits += 1
                ap += hits / (i + 1)
        out["MAP@5"] += ap / min(len(rel), 5)
    return {k: v / max(1, len(ranked)) for k, v in out.items()}


def bm25_only(db, text: str, limit: int = 10) -> list[int]:
    """Baseline: FTS5 BM25 over the same analysed text, an OR of all the query's terms."""
    terms = analysis.analyse_query(text).terms
    if not terms:
        return []
    return [r[0] for r in db.execute(
        "SELECT rowid FROM match_items_fts WHERE match_items_fts MATCH ? ORDER BY rank LIMIT ?",
        [fts_query(terms), limit])]


def brute(corpus: list[dict], queries: list[dict]) -> dict[str, list[str]]:
    """Baseline: rapidfuzz WRatio of the query against title + first 300 body chars of every item."""
    choices = [(d["title"] or "") + " " + (d["body"] or "")[:300] for d in corpus]
    matrix = process.cdist([q["text"] for q in queries], choices, scorer=fuzz.WRatio,
                           processor=lambda s: s.lower(), workers=-1)
    out = {}
    for q, row in zip(queries, matrix):
        top = row.argsort()[::-1][:10]
        out[q["id"]] = [corpus[i]["id"] for i in top]
    return out


def fmt(m: dict[str, float]) -> str:
    """One line of metrics."""
    return "  ".join(f"{k} {m[k]:.3f}" for k in ("R@1", "R@5", "R@10", "MRR@10", "MAP@5"))


def ours(db, ids, queries) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, float]]], float]:
    """Our ranking, the scored top 10 for the threshold table, and median ms per query."""
    ranked, scored, times = {}, {}, []
    for q in queries:
        t0 = time.perf_counter()
        ms = search(db, q["text"], limit=10)
        times.append(time.perf_counter() - t0)
        ranked[q["id"]] = [ids[m.item_id] for m in ms]
        scored[q["id"]] = [(ids[m.item_id], m.score) for m in ms]
    times.sort()
    return ranked, scored, 1000 * times[len(times) // 2]


def threshold_table(scored: dict[str, list[tuple[str, float]]], qrels) -> None:
    """Precision and recall of 'score ≥ t' over every (query, top-10 item) pair."""
    pairs = [(s, d in qrels[q]) for q, lst in scored.items() for d, s in lst]
    total_rel = sum(len(qrels[q]) for q in scored)
    print("  threshold  precision  recall(of all relevant)  links/query")
    for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        kept = [r for s, r in pairs if s >= t]
        p = sum(kept) / len(kept) if kept else 0.0
        print(f"  {t:9.2f}  {p:9.3f}  {sum(kept) / total_rel:23.3f}  {len(kept) / len(scored):11.2f}")


FEATURES = ("cover", "focus", "reverse", "fuzz", "bm25")


def tune(sets) -> None:
    """Grid search of the re-ranker weights on train splits (candidate features computed once)."""
    import numpy as np
    cache = []  # per query: (set key, feature matrix, number adjustment, relevance vector)
    for key, (db, ids, queries, qrels) in enumerate(sets):
        for q in queries:
            query = analysis.analyse_query(q["text"])
            n = msearch.corpus_size(db)
            df = msearch.doc_freqs(db, query.terms)
            terms = msearch.select_terms(query.terms, df, n)
            rows = db.execute("SELECT rowid, title, lead FROM match_items_fts WHERE match_items_fts MATCH ? "
                              "ORDER BY rank LIMIT ?", [fts_query(terms), msearch.CANDIDATES]).fetchall() if terms else []
            if not rows:
                cache.append((key, None, None, None))
                continue
            w, d = msearch.term_weights(query, df, n)
            feats, adj, rel = [], [], []
            for i, t, l in rows:
                _, why = rerank.score_pair(query, w, d, t.split(), l.split())
                feats.append([why["features"][f] for f in FEATURES])
                adj.append((min(2, len(why["shared_numbers"])), min(2, len(why["conflicting_numbers"]))))
                rel.append(ids[i] in qrels[q["id"]])
            cache.append((key, np.array(feats), np.array(adj), np.array(rel)))
    steps = [x / 10 for x in range(11)]
    results = []
    for *combo, bonus, penalty in itertools.product(*[steps] * len(FEATURES), (0, 0.05), (0, 0.05, 0.1, 0.2)):
        if abs(sum(combo) - 1.0) > 1e-6:
            continue
        wv = np.array(combo)
        av = np.array([bonus, -penalty])
        mrr = defaultdict(lambda: [0.0, 0])
        for key, feats, adj, rel in cache:
            mrr[key][1] += 1
            if feats is None:
                continue
            order = np.argsort(-(feats @ wv + adj @ av), kind="stable")[:10]
            hit = np.flatnonzero(rel[order])
            if hit.size:
                mrr[key][0] += 1 / (hit[0] + 1)
        results.append((sum(a / b for a, b in mrr.values()) / len(mrr), (*combo, bonus, penalty)))
    results.sort(reverse=True)
    for name, probe in [("fts order", None)] + [(f, np.eye(len(FEATURES))[i]) for i, f in enumerate(FEATURES)]:
        per = defaultdict(lambda: [0.0, 0])
        for key, feats, adj, rel in cache:
            per[key][1] += 1
            if feats is not None:
                order = np.arange(len(rel))[:10] if probe is None else np.argsort(-(feats @ probe), kind="stable")[:10]
                hit = np.flatnonzero(rel[order])
                per[key][0] += 1 / (hit[0] + 1) if hit.size else 0.0
        print(f"  {name:10s} MRR@10 per train set: " + "  ".join(f"{a / b:.3f}" for a, b in per.values()))
    print("  weights " + "/".join(FEATURES) + " number bonus/penalty")
    for score, combo in results[:5]:
        print(f"  mean MRR@10 {score:.4f}  {combo}")
    seen = set()
    for score, combo in results:
        if combo[-2:] not in seen:
            seen.add(combo[-2:])
            print(f"  best with number bonus/penalty {combo[-2:]}: {score:.4f}  {combo}")


def main() -> None:
    """Run every set and print the tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--brute-sample", type=int, default=200, help="queries per split for brute force")
    args = ap.parse_args()
    random.seed(7)
    tmp = Path(tempfile.mkdtemp(prefix="matchq-"))
    train_sets, all_scored, all_qrels = [], {}, {}
    for name, kind in SETS.items():
        for split in ("dev", "train"):
            corpus, queries, qrels = load(name, split)
            db_key = name if name != "ans" else f"ans_{split}"
            db_path = tmp / f"{db_key}.db"
            if not db_path.exists():
                t0 = time.perf_counter()
                db, ids = build_db(corpus, kind, db_path)
                build = time.perf_counter() - t0
            else:
                db, ids = open_db(db_path), {i + 1: d["id"] for i, d in enumerate(corpus)}
                build = 0.0
            print(f"\n== {name} {split}: {len(corpus)} items, {len(queries)} queries (index {build:.1f} s)")
            if args.tune and split == "train":
                train_sets.append((db, ids, queries, qrels))
                continue
            r_ours, scored, med = ours(db, ids, queries)
            print(f"  ours        {fmt(metrics(r_ours, qrels))}  (median {med:.1f} ms/query)")
            r_bm25 = {q["id"]: [ids[i] for i in bm25_only(db, q["text"])] for q in queries}
            print(f"  fts5 bm25   {fmt(metrics(r_bm25, qrels))}")
            sample = queries if len(queries) <= args.brute_sample else random.sample(queries, args.brute_sample)
            t0 = time.perf_counter()
            r_brute = brute(corpus, sample)
            note = "" if sample is queries else f" [sample of {len(sample)} queries]"
            print(f"  brute wratio {fmt(metrics(r_brute, qrels))}  ({time.perf_counter() - t0:.1f} s){note}")
            sub_ours = {q["id"]: r_ours[q["id"]] for q in sample}
            if sample is not queries:
                print(f"  ours, same sample {fmt(metrics(sub_ours, qrels))}")
            for q in queries:
                all_scored[f"{name}:{q['id']}"] = scored[q["id"]]
                all_qrels[f"{name}:{q['id']}"] = qrels[q["id"]]
            if split == "train" or name == "ans":
                pass
    if args.tune:
        print("\n== weight grid on train splits (mean of per-set MRR@10)")
        tune(train_sets)
    else:
        print("\n== thresholds over all sets and splits (top-10 pairs)")
        threshold_table(all_scored, all_qrels)


if __name__ == "__main__":
    main()
