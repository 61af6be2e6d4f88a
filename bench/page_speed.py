"""Server-side render time of every dashboard page (AppTest) at 1k and 100k claims; the 1k run is the baseline.

Usage: python bench/page_speed.py [--sizes 1000 100000] [--repeat 3]
The databases are synthetic but shaped like real ones (items with outlets and dates, claims with appearances,
links, verdicts and audit events), written straight with SQL so building 100k claims takes seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from db import open_db  # noqa: E402
from review import sessions, users  # noqa: E402

PAGES = ["home", "triage", "review", "signoff", "search", "imports", "analytics", "export", "admin", "organisation",
         "account"]
WORDS = ("وزارة الصحة أعلنت تسجيل إصابات جديدة مليار درهم الحكومة قالت صحيفة قناة الرئيس الأسد تدمر داعش وثائق "
         "مسربة اتفاق سري النفط الأسمدة الاقتصاد ارتفاع انخفاض المغرب السعودية الرياض الرباط").split()
OUTLETS = [f"outlet-{i}" for i in range(40)]


def build(path: Path, n_claims: int, seed: int = 1) -> int:
    """A database with n_claims claims; returns a claim id that has a proposed verdict."""
    rng = random.Random(seed)
    db = open_db(path)
    users.add_user(db, None, "admin", "bench-password", "admin")
    users.add_user(db, None, "rita", "bench-password", "reviewer")
    n_items = max(n_claims // 2, 10)
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO items (id, kind, title, body, outlet, published, language, content_hash) "
            "VALUES (?, 'article', ?, ?, ?, ?, 'ar', ?)",
            ((i, " ".join(rng.choices(WORDS, k=8)), " ".join(rng.choices(WORDS, k=120)), rng.choice(OUTLETS),
              f"2016-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", f"h{i}") for i in range(1, n_items + 1)))
        statuses = ["new"] * 80 + ["in_review"] * 10 + ["verdict_proposed"] * 3 + ["signed_off"] * 4 + \
                   ["dismissed"] * 3
        db.conn.executemany(
            "INSERT INTO claims (id, text, norm_text, norm_hash, language, item_id, score, signals, status, "
            "appearance_count, outlet_count, first_seen, last_seen, triage_rank) "
            "VALUES (?, ?, ?, ?, 'ar', ?, ?, '[\"number\"]', ?, 2, 2, '2016-01-01', '2016-02-01', ?)",
            ((c, t, t, f"c{c}", rng.randint(1, n_items), s, rng.choice(statuses), s + c / n_claims)
             for c in range(1, n_claims + 1)
             for t, s in [(" ".join(rng.choices(WORDS, k=14)), round(rng.random(), 3))]))
        db.conn.executemany("INSERT OR IGNORE INTO claim_appearances (claim_id, item_id) VALUES (?, ?)",
                            ((c, rng.randint(1, n_items)) for c in range(1, n_claims + 1) for _ in range(2)))
        db.conn.executemany("INSERT OR IGNORE INTO coverage_links (claim_id, item_id, score, method, explanation) "
                            "VALUES (?, ?, ?, 'bench', '{}')",
                            ((c, rng.randint(1, n_items), rng.random()) for c in range(1, n_claims + 1)))
        rita = db.execute("SELECT id FROM users WHERE name = 'rita'").fetchone()[0]
        proposed = [r[0] for r in db.execute("SELECT id FROM claims WHERE status IN ('verdict_proposed', "
                                             "'signed_off')").fetchall()]
        db.conn.executemany("INSERT INTO verdicts (claim_id, label, rationale, evidence, reviewer_id) "
                            "VALUES (?, 'False', 'bench', '{\"links\": [], \"urls\": []}', ?)",
                            ((c, rita) for c in proposed))
        db.conn.executemany("INSERT INTO audit_events (actor, action, entity, entity_id, after) "
                            "VALUES ('rita', 'claim.propose_verdict', 'claim', ?, '{}')", ((c,) for c in proposed))
    from review.matching import index_items  # the coverage index the search page needs
    with db.atomic():
        index_items(db, range(1, n_items + 1))
    target = db.execute("SELECT id FROM claims WHERE status = 'verdict_proposed' LIMIT 1").fetchone()[0]
    db.execute("ANALYZE")
    db.close()
    return target


def render_times(path: Path, claim_id: int, repeat: int) -> dict[str, float]:
    """Median seconds per page (AppTest run after switching to it), logged in as admin."""
    os.environ["TABAYYUN_DB"] = str(path)
    os.environ["TABAYYUN_SECRET_KEY"] = "bench"
    db = open_db(path)
    account = users.get_user(db, "admin")
    session = sessions.start_session(db, b"bench", account)  # as a login leaves it (re-checked every run)
    db.close()
    times = {}
    for page in PAGES:
        samples = []
        for _ in range(repeat):
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
            at.session_state["user_id"] = account.id
            at.session_state["session"] = session
            at.query_params["claim"] = str(claim_id)
            at.run()
            at.switch_page(f"app_pages/{page}.py")
            if page == "search":
                at.run()
                at.text_area(key="search_query").input("وثائق مسربة اتفاق سري تدمر")
                at.button[0].click()
            start = time.perf_counter()
            at.run()
            samples.append(time.perf_counter() - start)
            assert not at.exception, (page, at.exception)
        times[page] = statistics.median(samples)
        times[page + " (first)"] = samples[0]  # cold: the analytics aggregates are cached after the first render
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"claims-{size}.db"
            start = time.perf_counter()
            claim = build(path, size)
            print(f"built {size:,} claims in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 2**20:.0f} MB)",
                  flush=True)
            results[size] = render_times(path, claim, args.repeat)
    base = args.sizes[0]
    print(f"\nmedian of {args.repeat} renders (warm), and the first render of analytics (cold cache)")
    print(f"\n{'page':<18}" + "".join(f"{f'{s:,} claims':>16}" for s in args.sizes) + f"{'ratio':>9}")
    for page in [*PAGES, "analytics (first)"]:
        cells = "".join(f"{results[s][page] * 1000:>13.0f} ms" for s in args.sizes)
        ratio = results[args.sizes[-1]][page] / results[base][page]
        print(f"{page:<18}{cells}{ratio:>9.2f}")
    print(json.dumps({str(s): {p: round(v, 4) for p, v in r.items()} for s, r in results.items()}))


if __name__ == "__main__":
    main()
