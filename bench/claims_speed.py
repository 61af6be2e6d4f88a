"""Speed of claim extraction on real news: extract_claims over the first 3,000 SaudiNewsNet articles.

Usage: python bench/claims_speed.py [--articles N] [--repeat R]
Prints articles/s and sentences/s (best of R runs) for:
  baseline - naive split (re.split on [.!?؟\\n]) + the keyword-count scorer of bench/checkworthiness.py,
             keep sentences with count >= 1, sort by count (no offsets, no boilerplate, no model)
  current  - review.claims.extract_claims(title, body, "ar", min_score=0.6), as the importer calls it
Sentences/s counts the sentences each system itself splits (split_sentences for ours).
Goal for the importer: >= 1,500 articles/s.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.checkworthiness import KEYWORDS  # noqa: E402  (the same keyword baseline)
from review.claims import extract_claims, split_sentences  # noqa: E402
from review.importing import IMPORT_MIN_SCORE  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "saudinewsnet" / "corpus.jsonl.gz"
NAIVE_SPLIT = re.compile(r"[.!?؟\n]")


def load_articles(limit: int) -> list[tuple[str, str]]:
    """(title, body) of the first ``limit`` SaudiNewsNet articles."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        return [(r["title"] or "", r["body"] or "") for r in map(json.loads, (line for line, _ in zip(fh, range(limit))))]


def naive_sentences(text: str) -> list[str]:
    """Baseline splitter: cut at every terminator or newline."""
    return [s.strip() for s in NAIVE_SPLIT.split(text) if s.strip()]


def baseline_extract(title: str, body: str) -> list[tuple[int, str]]:
    """Baseline extraction: naive split, keyword count as score, keep count >= 1, best first."""
    scored = [(len(KEYWORDS.findall(s)), s) for s in naive_sentences(title) + naive_sentences(body)]
    return sorted((x for x in scored if x[0] >= 1), key=lambda x: -x[0])


def ours_extract(title: str, body: str) -> list:
    """Our extraction exactly as review/importing.py calls it."""
    return extract_claims(title, body, "ar", min_score=IMPORT_MIN_SCORE)


def time_best(fn: Callable[[str, str], list], articles: list[tuple[str, str]], repeat: int) -> tuple[float, int]:
    """(best wall time in seconds over ``repeat`` runs, number of results of the last run)."""
    best, found = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = sum(len(fn(title, body)) for title, body in articles)
        best = min(best, time.perf_counter() - t0)
    return best, found


def main(argv: list[str] | None = None) -> int:
    """Load the articles, time both systems and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    articles = load_articles(args.articles)
    n = len(articles)
    ours_sentences = sum(len(split_sentences(t)) + len(split_sentences(b)) for t, b in articles)
    naive_count = sum(len(naive_sentences(t)) + len(naive_sentences(b)) for t, b in articles)
    print(f"{n} SaudiNewsNet articles, {sum(len(b) for _, b in articles) / 1e6:.1f} M body chars; "
          f"best of {args.repeat} runs")
    print(f"  {'system':<9} {'articles/s':>11} {'sentences/s':>12} {'ms/article':>11} {'sentences':>10} {'kept':>7}")
    for name, fn, sentences in (("baseline", baseline_extract, naive_count), ("current", ours_extract, ours_sentences)):
        seconds, kept = time_best(fn, articles, args.repeat)
        print(f"  {name:<9} {n / seconds:11,.0f} {sentences / seconds:12,.0f} {1000 * seconds / n:11.3f} "
              f"{sentences:10,} {kept:7,}")
    print("  goal: current >= 1,500 articles/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
