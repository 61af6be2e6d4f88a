"""Hostile imports: time and peak memory of refusing (or importing) each, against a normal file in the same run.

Usage: python bench/hostile_imports.py
Each import runs in a fresh child process (peak RSS is its own) on a fresh database. Baseline: the bundled
saudinewsnet-200.jsonl sample imported in full. The files are the ones the hardening issue reported:
a 1 GB-of-text .txt.gz page (1 MB on disk), a 1 GB .jsonl.gz, a 100 MB single-line page, a page with a ticker of
1,000,000 headlines, and an RSS feed with 50,000 items.
"""
from __future__ import annotations

import gzip
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "samples" / "saudinewsnet-200.jsonl"


def _bombs(tmp: Path) -> list[tuple[str, Path]]:
    page_bomb = tmp / "bomb.txt.gz"
    with gzip.open(page_bomb, "wb", compresslevel=9) as out:
        chunk = b"a" * (1024 * 1024)
        for _ in range(1024):
            out.write(chunk)
    feed_bomb = tmp / "bomb.jsonl.gz"
    line = (json.dumps({"title": "عنوان", "body": "نص " * 200}, ensure_ascii=False) + "\n").encode()
    with gzip.open(feed_bomb, "wb", compresslevel=9) as out:
        block = line * (1024 * 1024 // len(line))
        for _ in range(1024):
            out.write(block)
    one_line = tmp / "one-line.txt"
    one_line.write_text("كلمة " * 10_000_000, encoding="utf-8")
    ticker = tmp / "ticker.txt"
    ticker.write_text("\u00a0\u00a0".join(f"headline {i}" for i in range(1_000_000)) + "\nTitle\nBody text.\n",
                      encoding="utf-8")
    rss = tmp / "big.rss"
    items = "".join(f"<item><title>Item {i}</title><description>Body of item {i}.</description></item>\n"
                    for i in range(50_000))
    rss.write_text(f'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Feed</title>\n{items}'
                   "</channel></rss>\n", encoding="utf-8")
    return [("baseline: saudinewsnet-200.jsonl", SAMPLE), (".txt.gz page, 1 GB of text", page_bomb),
            (".jsonl.gz, 1 GB of records", feed_bomb), ("100 MB single-line page", one_line),
            ("ticker of 1,000,000 headlines", ticker), ("RSS feed, 50,000 items (coverage only)", rss)]


def _run(path: Path, db_file: Path, queue: mp.Queue) -> None:
    from db import open_db
    from review.importing import import_file
    db = open_db(db_file)
    start = time.perf_counter()
    result = import_file(db, path, claims=path.suffix != ".rss")
    queue.put({"seconds": time.perf_counter() - start, "imported": result.imported,
               "error": result.error.problem if result.error else "",
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        cases = _bombs(tmp)
        print(f"{'file':<42}{'on disk MB':>11}{'seconds':>9}{'peak MB':>9}{'items':>8}  outcome")
        for n, (label, path) in enumerate(cases):
            queue: mp.Queue = mp.Queue()
            proc = mp.Process(target=_run, args=(path, tmp / f"db-{n}.db", queue))
            proc.start()
            proc.join()
            r = queue.get()
            print(f"{label:<42}{path.stat().st_size / 2**20:>11.1f}{r['seconds']:>9.1f}{r['peak_mb']:>9.0f}"
                  f"{r['imported']:>8,}  {r['error'][:90] or 'imported'}")


if __name__ == "__main__":
    main()
