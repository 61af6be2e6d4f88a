"""Speed of review.matching at 10k/100k/1M items vs brute-force rapidfuzz and FTS5 OR-of-all-terms BM25.

Items: SaudiNewsNet (31k Arabic articles), blown up past 31k with synthetic variants (sentences shuffled
across articles, numbers swapped, words dropped). Claims: sentences sampled from the stored items, lightly
edited. One database grows through the sizes (under /tmp, never in the repo). Prints timings; asserts none.
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

from db import open_db  # noqa: E402
from review.matching import index_claims, index_items, search, suggest_for_items  # noqa: E402
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


def grow(db, target: int, base, sentences, rng: random.Random) -> tuple[float, float]:
    """Insert and index items until there are ``target``; (seconds in total, seconds in index_items)."""
    have = db.execute("SELECT count(*) FROM items").fetchone()[0]
    t0 = time.perf_counter()
    indexing = 0.0
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
        have += n
    return time.perf_counter() - t0, indexing


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
    base = load_articles()
    sentences = [s for _, b in base[:5000] for s in _SENT.split(b) if len(s.split()) >= 6]
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="matchspeed-")) / "speed.db"
    db = open_db(path)
    print(f"db {path}; {len(base)} real articles; python {sys.version.split()[0]}")
    for size in [int(s) for s in args.sizes.split(",")]:
        before = db.execute("SELECT count(*) FROM items").fetchone()[0]
        spent, indexing = grow(db, size, base, sentences, rng)
        added = size - before
        qs = claims(db, random.Random(size), args.queries)
        if not db.execute("SELECT count(*) FROM claims").fetchone()[0]:
            add_open_claims(db, claims(db, random.Random(1), 2000))
        cold = timed(lambda q: search(db, q, limit=10), claims(db, random.Random(size + 1), 20))  # fills the df cache
        ours = timed(lambda q: search(db, q, limit=10), qs)
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
              f"index_items alone {added / max(indexing, 1e-9):,.0f} items/s")
        print(f"  db size {size_mb:,.0f} MB, peak RSS {peak_ours:,.0f} MB before brute force, {peak_mb:,.0f} MB after")
        print(f"  ours, first {len(cold)} claims of the process (doc-freq cache cold): {summary(cold)}")
        print(f"  ours (fts5+rerank, {len(ours)} claims):  {summary(ours)}")
        print(f"  suggest_for_items, 2,000 open claims (100 items): {summary(per_item)}")
        print(f"  fts5 OR-all bm25 ({len(plain)} claims):   {summary(plain)}"
              f"  -> ours is {statistics.median(plain) / statistics.median(ours):,.1f}x faster")
        if brute:
            print(f"  brute WRatio ({len(brute)} claims):          {summary(brute)}"
                  f"  -> ours is {statistics.median(brute) / statistics.median(ours):,.0f}x faster")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
