"""Ranking quality of review.matching against FTS5 BM25 alone and brute-force rapidfuzz (WRatio, token_set_ratio).

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

from rapidfuzz import fuzz, process, utils  # noqa: E402

from db import open_db  # noqa: E402
from review.matching import analysis, engine, rerank  # noqa: E402
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


BRUTE = {"wratio": fuzz.WRatio, "token_set": fuzz.token_set_ratio}


def brute(corpus: list[dict], queries: list[dict], scorer) -> dict[str, list[str]]:
    """Baseline: a rapidfuzz scorer of the query against title + first 300 body chars of every item.

    Ties (WRatio gives thousands of short items the same 85.5) are broken by corpus order.
    """
    import numpy as np
    choices = [(d["title"] or "") + " " + (d["body"] or "")[:300] for d in corpus]
    matrix = process.cdist([q["text"] for q in queries], choices, scorer=scorer,
                           processor=utils.default_process, workers=-1)
    out = {}
    for q, row in zip(queries, matrix):
        top = np.argsort(-row, kind="stable")[:10]
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
    for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        kept = [r for s, r in pairs if s >= t]
        p = sum(kept) / len(kept) if kept else 0.0
        print(f"  {t:9.2f}  {p:9.3f}  {sum(kept) / total_rel:23.3f}  {len(kept) / len(scored):11.2f}")


def candidate_table(db, ids, queries, qrels, limit: int) -> tuple[list, list, list, list]:
    """Per query: feature matrix of our candidates, conflict counts, relevance, number relevant."""
    import numpy as np
    out = []
    for q in queries:
        prepared, terms = engine.prepare_query(db, q["text"])
        rows = engine.candidates(db, terms, limit)
        feats, conf, rel = [], [], []
        for i, t, l in rows:
            f, why = rerank.features(prepared, t.split(), l.split())
            feats.append([f[k] for k in rerank.FEATURES])
            conf.append(min(2, len(why["conflicting_numbers"])))
            rel.append(ids[i] in qrels[q["id"]])
        out.append((np.array(feats).reshape(-1, len(rerank.FEATURES)), np.array(conf), np.array(rel, bool),
                    len(qrels[q["id"]])))
    return out


def stack(table, limit: int):
    """Pad per-query candidate lists into arrays (queries × limit)."""
    import numpy as np
    nq, nf = len(table), len(rerank.FEATURES)
    x = np.zeros((nq, limit, nf))
    c = np.zeros((nq, limit))
    r = np.zeros((nq, limit), bool)
    valid = np.zeros((nq, limit), bool)
    nrel = np.array([t[3] for t in table], float)
    for k, (f, conf, rel, _) in enumerate(table):
        m = len(rel)
        x[k, :m], c[k, :m], r[k, :m], valid[k, :m] = f, conf, rel, True
    return x, c, r, valid, nrel


def rank_metrics(scores, r, valid, nrel) -> tuple[float, float]:
    """MRR@10 and MAP@5 of candidate scores (queries × candidates)."""
    import numpy as np
    scores = np.where(valid, scores, -1e9)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    hits = np.take_along_axis(r, order, axis=1)
    first = np.where(hits.any(axis=1), hits.argmax(axis=1), -1)
    mrr = (np.where(first >= 0, 1.0, 0.0) / (np.abs(first) + 1)).mean()
    h5 = hits[:, :5]
    prec = np.cumsum(h5, axis=1) / np.arange(1, 6)
    ap = (prec * h5).sum(axis=1) / np.minimum(nrel, 5)
    return float(mrr), float(ap.mean())


def tune(train_sets) -> None:
    """Grid search of the re-ranker weights on train splits; each set must stay at or above BM25 alone."""
    import numpy as np
    limit = engine.CANDIDATES
    data, base = [], []
    for name, (db, ids, queries, qrels) in train_sets.items():
        table = candidate_table(db, ids, queries, qrels, limit)
        data.append(stack(table, limit))
        r_bm25 = {q["id"]: [ids[i] for i in bm25_only(db, q["text"], limit)] for q in queries}
        m = metrics({k: v[:10] for k, v in r_bm25.items()}, qrels)
        base.append((m["MRR@10"], m["MAP@5"]))
        cand = sum(t[2].sum() for t in table) / sum(t[3] for t in table)
        orall = sum(len(qrels[q] & set(v)) for q, v in r_bm25.items()) / sum(len(qrels[q]) for q in r_bm25)
        print(f"  {name}: candidate recall@{limit} ours {cand:.3f} vs fts5 OR-all {orall:.3f}; "
              f"fts5 bm25 MRR@10 {base[-1][0]:.3f} MAP@5 {base[-1][1]:.3f}")
    def evaluate(w, pen):
        """(all sets ≥ BM25, mean of MRR@10 and MAP@5, worst margin, per-set metrics)."""
        per = [rank_metrics(x @ w - pen * c, r, v, n) for x, c, r, v, n in data]
        margin = min(min(a - b[0], m - b[1]) for (a, m), b in zip(per, base))
        return margin >= 0, sum(a + m for a, m in per) / (2 * len(per)), margin, per

    nf = len(rerank.FEATURES)
    current = np.array([rerank.WEIGHTS[f] for f in rerank.FEATURES])
    results = [(*evaluate(current, rerank.NUMBER_PENALTY), current, rerank.NUMBER_PENALTY)]
    grid = itertools.product(np.round(np.arange(0, 1.0001, 0.1), 1), repeat=nf - 1) if nf <= 6 else []
    for combo in grid:  # with more features, coordinate ascent from the current weights only
        if sum(combo) <= 1.0001:
            w = np.array([*combo, max(0.0, 1 - sum(combo))])
            for pen in (0.0, 0.05):
                results.append((*evaluate(w, pen), w, pen))
    results.sort(key=lambda t: (t[0], t[1]), reverse=True)
    best = results[0]
    for step in (0.05, 0.025, 0.01):  # coordinate ascent: move weight between two features
        improved = True
        while improved:
            improved = False
            for i, j in itertools.permutations(range(nf), 2):
                w = best[4].copy()
                if w[j] < step - 1e-9:
                    continue
                w[i] += step
                w[j] -= step
                for pen in (best[5], max(0.0, best[5] - 0.025), best[5] + 0.025):
                    cand = (*evaluate(w, pen), w, pen)
                    if (cand[0], cand[1]) > (best[0], best[1]) + (0, 1e-5):
                        best, improved = cand, True
    print("  weights " + "/".join(rerank.FEATURES) + ", number penalty: mean of MRR@10 and MAP@5 over train sets")
    for ok, mean, margin, per, w, pen in [best] + results[:5]:
        print(f"  {'ok ' if ok else 'LOW'} mean {mean:.4f} margin {margin:+.4f} "
              f"{[round(float(x), 3) for x in w]} pen {pen:.3f}  " + "  ".join(f"{a:.3f}/{m:.3f}" for a, m in per))
    alone = evaluate(np.eye(nf)[rerank.FEATURES.index("bm25")], 0.0)
    print(f"  bm25 feature alone: mean {alone[1]:.4f} " + "  ".join(f"{a:.3f}/{m:.3f}" for a, m in alone[3]))


def main() -> None:
    """Run every set and print the tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--brute-sample", type=int, default=200, help="queries per split for brute force")
    ap.add_argument("--no-brute", action="store_true")
    ap.add_argument("--tmp", default=None, help="reuse databases in this folder")
    args = ap.parse_args()
    random.seed(7)
    tmp = Path(args.tmp) if args.tmp else Path(tempfile.mkdtemp(prefix="matchq-"))
    tmp.mkdir(parents=True, exist_ok=True)
    train_sets, all_scored, all_qrels = {}, {}, {}
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
            if args.tune:
                if split == "train":
                    train_sets[f"{name} train"] = (db, ids, queries, qrels)
                continue
            print(f"\n== {name} {split}: {len(corpus)} items, {len(queries)} queries (index {build:.1f} s)")
            r_ours, scored, med = ours(db, ids, queries)
            print(f"  ours          {fmt(metrics(r_ours, qrels))}  (median {med:.1f} ms/query)")
            r_bm25 = {q["id"]: [ids[i] for i in bm25_only(db, q["text"])] for q in queries}
            print(f"  fts5 bm25     {fmt(metrics(r_bm25, qrels))}")
            for q in queries:
                all_scored[f"{name}:{q['id']}"] = scored[q["id"]]
                all_qrels[f"{name}:{q['id']}"] = qrels[q["id"]]
            if args.no_brute:
                continue
            sample = queries if len(queries) <= args.brute_sample else random.sample(queries, args.brute_sample)
            note = "" if sample is queries else f" [sample of {len(sample)} queries]"
            for label, scorer in BRUTE.items():
                t0 = time.perf_counter()
                r_brute = brute(corpus, sample, scorer)
                print(f"  brute {label:10s}{fmt(metrics(r_brute, qrels))}  ({time.perf_counter() - t0:.1f} s){note}")
            if sample is not queries:
                print(f"  ours, sample  {fmt(metrics({q['id']: r_ours[q['id']] for q in sample}, qrels))}")
    if args.tune:
        print("\n== weight grid on train splits")
        tune(train_sets)
    else:
        print("\n== thresholds over all sets and splits (top-10 pairs)")
        threshold_table(all_scored, all_qrels)


if __name__ == "__main__":
    main()
