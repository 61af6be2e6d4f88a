"""Records/s of review.ingest.iter_articles on the SaudiNewsNet JSONL.gz feed, against a bare-json baseline.

Run from the repo root: python bench/ingest_parse_speed.py [path]. Needs ../shared/data (not part of the repo).
"""
from __future__ import annotations

import gzip
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review.ingest import IngestError, iter_articles  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT = DATA / "saudinewsnet" / "corpus.jsonl.gz"
TARGET = 2000  # records/s the whole import must reach; parsing is one part of it


def baseline(path: Path) -> int:
    """gzip + json.loads alone: the floor any JSONL parser stands on. Returns records read."""
    count = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            json.loads(line)
            count += 1
    return count


def ours(path: Path) -> int:
    """iter_articles with format detection, field checks and Article records; bad records skipped."""
    skipped: list[IngestError] = []
    articles = sum(1 for _ in iter_articles(path, on_error=skipped.append))
    return articles + len(skipped)


def timed(run, path: Path, repeat: int = 3) -> tuple[int, float]:
    """Records and best wall time over ``repeat`` runs."""
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = run(path)
        best = min(best, time.perf_counter() - start)
    return count, best


def main() -> None:
    """Print records/s for the baseline and for iter_articles, skipped records and peak memory."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.exists():
        sys.exit(f"no data at {path} (this benchmark needs ../shared/data)")
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB on disk)")
    for name, run in (("gzip+json.loads baseline", baseline), ("iter_articles", ours)):
        count, seconds = timed(run, path)
        print(f"{name:26} {count:7d} records  {seconds:6.2f} s  {count / seconds:9.0f} records/s")
    skipped: list[IngestError] = []
    tracemalloc.start()
    articles = sum(1 for _ in iter_articles(path, on_error=skipped.append))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"iter_articles: {articles} articles, {len(skipped)} bad records skipped"
          f"{f' (first: {skipped[0]})' if skipped else ''}; peak traced memory {peak / 1e6:.2f} MB")
    print(f"target for the whole import (parse + store): >= {TARGET} records/s")


if __name__ == "__main__":
    main()
