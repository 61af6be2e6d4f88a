"""What the top of the triage queue holds on the bundled samples, against the v1 ranking in the same run.

Usage: python bench/triage_quality.py [--top 20 50]
Loads samples/ into a fresh database (lexical only) and reads the queue as a reviewer sees it (priority order).
Baseline "v1": the same claims ranked as v1 did: the score without the two lowering signals added in the desk-UX
work (crime/personal incident, over-long digest), undated claims dated by their import day, no story languages.
(v1 also kept 1,000+-character digests as one claim; those are split now, so the baseline is kinder than v1 was.)
Prints per ordering: where the seed story's claims (the aggregator page) rank, and in the top N how many claims are
incident briefs, longer than 400 characters, undated, and the longest claim.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TABAYYUN_ENCODER", "off")

from db import open_db  # noqa: E402
from review.checkworthy import SIGNAL_PRIOR  # noqa: E402
from review.samples import load_samples_once  # noqa: E402
from review.triage import triage_rank  # noqa: E402

NEW_SIGNALS = ("incident", "too_long")


def _v1_score(score: float, signals: list[str]) -> float:
    """The score without the new lowering signals' prior (the logit shifted back)."""
    score = min(max(score, 1e-6), 1 - 1e-6)
    logit = math.log(score / (1 - score)) - sum(SIGNAL_PRIOR[s] for s in signals if s in NEW_SIGNALS)
    return 1 / (1 + math.exp(-logit))


def _report(name: str, ordered: list[dict], tops: list[int]) -> None:
    seed = [i + 1 for i, c in enumerate(ordered) if c["seed"]]
    print(f"{name}: seed story claims at ranks {seed[:12]}{' …' if len(seed) > 12 else ''} "
          f"({len(seed)} claims, median rank {sorted(seed)[len(seed) // 2] if seed else '-'})")
    for n in tops:
        top = ordered[:n]
        print(f"  top {n:>3}: seed {sum(c['seed'] for c in top):>2}, incident {sum('incident' in c['signals'] for c in top):>2}, "
              f"over 400 chars {sum(len(c['text']) > 400 for c in top):>2}, undated "
              f"{sum(c['last_seen'] is None for c in top):>2}, longest {max(len(c['text']) for c in top)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, nargs="+", default=[20, 50])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "triage.db")
        load_samples_once(db)
        rows = [dict(zip(("id", "text", "score", "signals", "outlets", "n", "last_seen", "rank", "imported", "seed"), r))
                for r in db.execute("""
            SELECT c.id, c.text, c.score, c.signals, c.outlet_count, c.appearance_count, c.last_seen, c.triage_rank,
                   (SELECT min(substr(i.imported_at, 1, 10)) FROM claim_appearances a JOIN items i ON i.id = a.item_id
                     WHERE a.claim_id = c.id),
                   EXISTS (SELECT 1 FROM claim_appearances a JOIN items i ON i.id = a.item_id
                            WHERE a.claim_id = c.id AND i.outlet = 'الأول')  -- the seed page's outlet
            FROM claims c""")]
        db.close()
    for row in rows:
        row["signals"] = json.loads(row["signals"])
        row["v1"] = triage_rank(_v1_score(row["score"], row["signals"]), outlets=row["outlets"], appearances=row["n"],
                                last_seen=row["last_seen"] or row["imported"] or dt.date.today().isoformat())
    print(f"{len(rows)} claims from the bundled samples, {sum(r['seed'] for r in rows)} from the seed page")
    _report("v1 ranking (baseline)", sorted(rows, key=lambda r: (-r["v1"], -r["id"])), args.top)
    _report("current ranking", sorted(rows, key=lambda r: (-r["rank"], -r["id"])), args.top)
    undated = [r for r in rows if r["last_seen"] is None]  # one outlet, no dates: only the score orders them
    print(f"\n{len(undated)} undated claims (Goud), ordered by score alone:")
    _report("v1 score (baseline)", sorted(undated, key=lambda r: (-_v1_score(r["score"], r["signals"]), -r["id"])),
            args.top)
    _report("current score", sorted(undated, key=lambda r: (-r["score"], -r["id"])), args.top)


if __name__ == "__main__":
    main()
