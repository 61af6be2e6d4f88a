"""Records/s of review.ingest.iter_articles on the SaudiNewsNet JSONL.gz feed, against a bare-json baseline.

Run from the repo root: python bench/ingest_parse_speed.py [path]. Needs ../shared/data (not part of the repo).
"""
from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review.ingest import IngestError, iter_articles  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT = DATA / "saudinewsnet" / "corpus.jsonl.gz"
TARGET = 2000  # records/s the whole import must reach; parsing is one part of it


def baseline(path: Path) -> tuple[int, float]:
    """Records and seconds for gzip + json.loads alone: the floor any JSONL parser stands on."""
    start = time.perf_counter()
    count = 0
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            json.loads(line)
            count += 1
    return count, time.perf_counter() - start


def ours(path: Path) -> tuple[int, float]:
    """Lines and seconds for iter_articles (detection, checks, Article records; bad records skipped)."""
    skipped: list[IngestError] = []
    start = time.perf_counter()
    count = sum(1 for _ in iter_articles(path, on_error=skipped.append))
    seconds = time.perf_counter() - start
    print(f"  iter_articles: {count} articles, {len(skipped)} bad records skipped, first: {skipped[:1]}")
    return count + len(skipped), seconds


def main() -> None:
    """Print records/s for the baseline and for iter_articles, best of three runs each."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.exists():
        sys.exit(f"no data at {path} (this benchmark needs ../shared/data)")
    for name, run in (("gzip+json.loads baseline", baseline), ("iter_articles", ours)):
        best = min((run(path) for _ in range(3)), key=lambda result: result[1])
        count, seconds = best
        print(f"{name:26} {count:7d} records  {seconds:6.2f} s  {count / seconds:9.0f} records/s")
    print(f"target for the whole import: >= {TARGET} records/s")


if __name__ == "__main__":
    main()
