"""Micro-benchmark: normalize()/canonical() per SaudiNewsNet article (first 2,000 bodies).

Baseline in the same run: the old placeholder (NFKC + lower + \\w+ findall) on the same bodies.
Run from the repo root: python bench/text_speed.py
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "saudinewsnet" / "corpus.jsonl.gz"


def load_bodies(limit: int = 2000) -> list[str]:
    """The first ``limit`` article bodies."""
    bodies = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            bodies.append(json.loads(line)["body"])
            if len(bodies) >= limit:
                break
    return bodies


def placeholder(text: str) -> str:
    """The placeholder normalize() this module replaced (baseline)."""
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower()))


def timed(fn, bodies: list[str], repeat: int = 3) -> float:
    """Best-of-``repeat`` seconds for running ``fn`` over all bodies."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for body in bodies:
            fn(body)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    """Print ms per article and per 2 KB for each function."""
    t0 = time.perf_counter()
    from review import text
    import_s = time.perf_counter() - t0
    bodies = load_bodies()
    kb = sum(len(b.encode("utf-8")) for b in bodies) / 1024
    chars = sum(map(len, bodies))
    print(f"{len(bodies)} bodies, mean {chars / len(bodies):.0f} chars, {kb / len(bodies):.1f} KB UTF-8;"
          f" import review.text {import_s * 1000:.0f} ms")
    for name, fn in [("placeholder (baseline)", placeholder), ("normalize", text.normalize),
                     ("canonical", text.canonical), ("numbers", text.numbers),
                     ("number_mentions", text.number_mentions), ("detect_language", text.detect_language)]:
        sec = timed(fn, bodies)
        per_art = sec / len(bodies) * 1000
        print(f"{name:24s} {per_art:7.3f} ms/article  {sec / kb * 2 * 1000:7.3f} ms/2KB"
              f"  {len(bodies) / sec:8.0f} articles/s")


if __name__ == "__main__":
    main()
