"""Speed of review.matching (v3 hybrid and v2 lexical) at 10k/100k/1M items vs brute force and FTS5 OR-all BM25.

Items: SaudiNewsNet (31k Arabic articles), blown up past 31k with synthetic variants (sentences shuffled
across articles, numbers swapped, words dropped), each split into passages and indexed as the product does.
Vectors: embedding 1M items here would take days, so each item's title and first window (what `embed
--max-ord 1` embeds) get a *real* e5 passage vector from bench/out/emb (run bench/embed_cache.py first) plus
small noise, which keeps the clustered shape of real vectors that the inverted file depends on. Queries are
embedded for real with the encoder, and that time is included. One database grows through the sizes (under
/tmp, never in the repo). Prints timings; asserts none.
Usage: python bench/matching_speed.py --sizes 10000,100000,1000000 [--queries 200]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "saudinewsnet" / "corpus.jsonl.gz"

from rapidfuzz import fuzz, process  # noqa: E402

import numpy as np  # noqa: E402

from db import open_db  # noqa: E402
from review.matching import encoder, hybrid, index_claims, index_items, lexical_search, search, suggest_for_items  # noqa: E402,E501
from review.matching import vectors  # noqa: E402
from review.matching.analysis import analyse_query  # noqa: E402
from review.matching.engine import fts_query  # noqa: E402

_SENT = re.compile(r"(?<=[.!؟?])\s+|\n+")
_DIGITS = re.compile(r"\d+")


def load_articles() -> list[tuple[str, str]]:
    """(title, body) of every SaudiNewsNet article."""
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        return [(d["title"] or "", d["body"] or "") for d in map(json.loads, fh)]


def variant(rng: random.Random, base: list[tuple[str, str]], sentences: list[str]) -> tuple[str, str]:
    """A synthetic article: a real one with foreign sentences mixed in, numbers swapped, words dropped."""
    title, body = rng.choice(base)
    parts = [s for s in _SENT.split(body) if s.strip()]
    parts += rng.sample(sentences, min(len(sentences), rng.randint(1, 4)))
    rng.shuffle(parts)
    body = " ".join(parts)
    body = _DIGITS.sub(lambda m: str(rng.randint(1, 5000)) if rng.random() < 0.5 else m.group(), body)
    words = title.split()
    title = " ".join(w for w in words if rng.random() > 0.15) or title
    return title, body


def real_vectors() -> np.ndarray:
    """Real e5 passage vectors cached by bench/embed_cache.py (Arabic and English news, claims, titles)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from embed_cache import OUT, load_cache
    pool = [v for f in sorted(OUT.glob("*.passages.npz")) for v in load_cache(f.name[:-4]).values()]
    if not pool:
        raise SystemExit("no cached vectors: run bench/embed_cache.py first")
    return np.stack(pool)


def add_vectors(db, item_ids: list[int], pool: np.ndarray, rng: np.random.Generator) -> float:
    """Store a vector for passages 0 and 1 of these items (real vector + noise); returns seconds."""
    t0 = time.perf_counter()
    pids = [r[0] for r in db.execute(
        "SELECT id FROM item_passages WHERE ord <= 1 AND item_id BETWEEN ? AND ?", [min(item_ids), max(item_ids)])]
    base = pool[rng.integers(0, len(pool), len(pids))]
    noisy = base + rng.standard_normal(base.shape).astype(np.float32) * 0.01
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    vectors.store(db, "passage", list(zip(pids, noisy)))
    return time.perf_counter() - t0


def grow(db, target: int, base, sentences, rng: random.Random, pool: np.ndarray) -> tuple[float, float, float]:
    """Insert and index items (and vectors) until there are ``target``; (seconds total, in index_items, in vectors)."""
    have = db.execute("SELECT count(*) FROM items").fetchone()[0]
    t0 = time.perf_counter()
    indexing = storing = 0.0
    nrng = np.random.default_rng(target)
    batch = 5000
    while have < target:
        n = min(batch, target - have)
        rows = []
        for k in range(n):
            i = have + k
            title, body = base[i] if i < len(base) else variant(rng, base, sentences)
            rows.append({"id": i + 1, "kind": "article", "title": title, "body": body, "content_hash": f"h{i}"})
        with db.conn:
            db["items"].insert_all(rows, batch_size=1000)
            t1 = time.perf_counter()
            index_items(db, [r["id"] for r in rows])
            indexing += time.perf_counter() - t1
            storing += add_vectors(db, [r["id"] for r in rows], pool, nrng)
        have += n
    return time.perf_counter() - t0, indexing, storing


def claims(db, rng: random.Random, count: int) -> list[str]:
    """Claim-like sentences from random stored items, one word dropped from some."""
    top = db.execute("SELECT max(id) FROM items").fetchone()[0]
    out = []
    while len(out) < count:
        row = db.execute("SELECT body FROM items WHERE id = ?", [rng.randint(1, top)]).fetchone()
        sents = [s for s in _SENT.split(row[0]) if 8 <= len(s.split()) <= 40]
        if sents:
            words = rng.choice(sents).split()
            if rng.random() < 0.5:
                del words[rng.randrange(len(words))]
            out.append(" ".join(words))
    return out


def add_open_claims(db, texts: list[str]) -> None:
    """Store and index claims (status new) so new items can be matched against them."""
    with db.conn:
        first = db.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0] + 1
        db.conn.executemany("INSERT INTO claims (id, text, norm_text, norm_hash) VALUES (?, ?, ?, ?)",
                            [(first + k, t, t, f"bench{first + k}") for k, t in enumerate(texts)])
        index_claims(db, range(first, first + len(texts)))


def suggest_cost(db, item_ids: list[int]) -> list[float]:
    """Milliseconds of suggest_for_items per item (as the import calls it), rolled back."""
    out = []
    for item_id in item_ids:
        db.execute("BEGIN")
        t0 = time.perf_counter()
        suggest_for_items(db, [item_id])
        out.append(1000 * (time.perf_counter() - t0))
        db.execute("ROLLBACK")
    return out


def bm25_or_all(db, text: str) -> None:
    """Baseline: FTS5 BM25 with every query term OR-ed (the plain approach)."""
    db.execute("SELECT rowid FROM match_items_fts WHERE match_items_fts MATCH ? ORDER BY rank LIMIT 10",
               [fts_query(analyse_query(text).terms)]).fetchall()


def timed(fn, queries) -> list[float]:
    """Milliseconds per call of fn(query)."""
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append(1000 * (time.perf_counter() - t0))
    return out


def embedding_rates(db, n: int = 64) -> str:
    """Encoder throughput on this machine: real titles, first windows and claims."""
    titles = [r[0] for r in db.execute("SELECT title FROM items WHERE title != '' LIMIT ?", [n])]
    windows = [r[0] for r in db.execute(
        "SELECT substr(i.body, p.start - length(i.title) - 1, p.end - p.start) FROM item_passages p "
        "JOIN items i ON i.id = p.item_id WHERE p.ord = 1 LIMIT ?", [n])]
    out = []
    for label, texts, fn in (("titles", titles, encoder.embed_passages), ("first windows", windows,
                             encoder.embed_passages), ("claims as queries", claims(db, random.Random(5), n),
                                                       encoder.embed_queries)):
        t0 = time.perf_counter()
        fn(texts)
        dt = time.perf_counter() - t0
        out.append(f"{label} {len(texts) / dt:.1f}/s ({sum(map(len, texts)) / len(texts):.0f} chars)")
    return ", ".join(out)


def summary(ms: list[float]) -> str:
    """median / p95."""
    ms = sorted(ms)
    return f"median {statistics.median(ms):8.1f} ms  p95 {ms[int(0.95 * (len(ms) - 1))]:8.1f} ms"


def main() -> None:
    """Grow the database through the sizes and measure at each."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,30000,100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--brute", type=int, default=None, help="brute-force queries per size (default 10, 3 at 1M)")
    ap.add_argument("--db", default=None, help="database path (default: a new file under /tmp)")
    args = ap.parse_args()
    rng = random.Random(11)
    pool = real_vectors()
    base = load_articles()
    sentences = [s for _, b in base[:5000] for s in _SENT.split(b) if len(s.split()) >= 6]
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="matchspeed-")) / "speed.db"
    db = open_db(path)
    print(f"db {path}; {len(base)} real articles; python {sys.version.split()[0]}")
    for size in [int(s) for s in args.sizes.split(",")]:
        before = db.execute("SELECT count(*) FROM items").fetchone()[0]
        spent, indexing, storing = grow(db, size, base, sentences, rng, pool)
        t0 = time.perf_counter()
        with db.conn:
            cells = vectors.build_cells(db, "passage") if vectors.cells_stale(db, "passage") else 0
        cell_time = time.perf_counter() - t0
        n_vectors = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
        n_passages = db.execute("SELECT count(*) FROM item_passages").fetchone()[0]
        added = size - before
        qs = claims(db, random.Random(size), args.queries)
        if not db.execute("SELECT count(*) FROM claims").fetchone()[0]:
            add_open_claims(db, claims(db, random.Random(1), 2000))
        t0 = time.perf_counter()
        cold = timed(lambda q: search(db, q, limit=10), claims(db, random.Random(size + 1), 20))  # df cache, vectors
        load_s = time.perf_counter() - t0
        # each line gets claims of its own: a new claim's rare terms are not in the doc-freq cache yet, as in use
        ours = timed(lambda q: search(db, q, limit=10), qs)
        other = claims(db, random.Random(size + 2), args.queries)
        qvecs = {q: encoder.embed_queries([q])[0] for q in other}
        embed_only = timed(lambda q: encoder.embed_queries([q]), qs)
        no_embed = timed(lambda q: search(db, q, limit=10, qvec=qvecs[q]), other)
        dense_ivf = timed(lambda q: hybrid.dense_hits(db, qvecs[q], "ar"), other)
        dense_exact = timed(lambda q: vectors.nearest(db, "passage", qvecs[q], hybrid.DENSE_K, exact=True),
                            other[: max(5, args.queries // 10)])
        v2 = timed(lambda q: lexical_search(db, q, limit=10), claims(db, random.Random(size + 3), args.queries))
        per_item = suggest_cost(db, random.Random(size).sample(range(1, size + 1), 100))
        plain = timed(lambda q: bm25_or_all(db, q), qs[: max(5, args.queries // (10 if size >= 10**6 else 2))])
        n_brute = args.brute if args.brute is not None else 3 if size >= 10**6 else 10
        peak_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        brute = []
        if n_brute:
            choices = [t for (t,) in db.execute("SELECT title || ' ' || substr(body, 1, 300) FROM items")]
            brute = timed(lambda q: process.extract(q, choices, scorer=fuzz.WRatio, limit=10), qs[:n_brute])
            del choices
        size_mb = sum(os.path.getsize(p) for p in path.parent.glob(path.name + "*")) / 1e6
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n== {size:,} items")
        print(f"  build: +{added:,} items in {spent:.1f} s = {added / max(spent, 1e-9):,.0f} items/s (insert + index), "
              f"index_items alone {added / max(indexing, 1e-9):,.0f} items/s; {n_passages:,} passages, "
              f"{n_vectors:,} vectors (storing {storing:.1f} s); inverted file {cells} cells in {cell_time:.1f} s")
        print(f"  db size {size_mb:,.0f} MB, peak RSS {peak_ours:,.0f} MB before brute force, {peak_mb:,.0f} MB after")
        print(f"  v3, first {len(cold)} claims of the process (loads vectors, doc-freq cache): {summary(cold)} "
              f"({load_s:.1f} s in all)")
        print(f"  v3 hybrid incl. embedding the claim ({len(ours)} claims): {summary(ours)}")
        print(f"    of which embedding the claim alone:           {summary(embed_only)}")
        print(f"    v3 hybrid with the claim's vector stored:      {summary(no_embed)}")
        print(f"    dense search, inverted file (nprobe {vectors.NPROBE}):      {summary(dense_ivf)}")
        print(f"    dense search, exact over every vector ({len(dense_exact)}): {summary(dense_exact)}  "
              f"-> inverted file {statistics.median(dense_exact) / max(1e-9, statistics.median(dense_ivf)):,.1f}x faster")
        print(f"  v2 lexical (fts5+rerank, lead only):          {summary(v2)}")
        if size == int(args.sizes.split(",")[0]):
            print(f"  encoder throughput: {embedding_rates(db)}")
        print(f"  suggest_for_items, 2,000 open claims (100 items): {summary(per_item)}")
        print(f"  fts5 OR-all bm25 ({len(plain)} claims):   {summary(plain)}"
              f"  -> v3 is {statistics.median(plain) / statistics.median(ours):,.1f}x faster")
        if brute:
            print(f"  brute WRatio ({len(brute)} claims):          {summary(brute)}"
                  f"  -> ours is {statistics.median(brute) / statistics.median(ours):,.0f}x faster")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
