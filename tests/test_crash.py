"""SIGKILL in the middle of a large import or a burst of review actions leaves a whole, consistent database."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db import open_db
from review.import_runs import recover_interrupted
from review.importing import import_file
from tests.test_concurrency import WORKERS, _seed

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "marsum-goud-200.jsonl"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _big_feed(path: Path, copies: int) -> int:
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            for rec in records:
                n += 1
                out.write(json.dumps({**rec, "id": f"{rec['id']}-{copy}", "title": f"{rec['title']} ({copy})",
                                      "body": f"{rec['body']}\n\nنسخة رقم {copy}."}, ensure_ascii=False) + "\n")
    return n


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.05)
    assert proc.poll() is None, "the process finished before it could be killed: make the workload bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_import_is_cleaned_up_and_can_be_repeated(tmp_path):
    db_path, feed = tmp_path / "crash.db", tmp_path / "big.jsonl"
    total = _big_feed(feed, copies=15)
    open_db(db_path).close()
    wal = Path(f"{db_path}-wal")
    proc = subprocess.Popen([sys.executable, "-m", "review", "--db", str(db_path), "import", str(feed)],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill once some batches are committed: the import is well under way.
    _kill_when(proc, lambda: wal.exists() and wal.stat().st_size > 2_000_000)
    db = open_db(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Imports commit in batches: the killed run is visible as running until the next import cleans it up.
    (run_id, status), = db.execute("SELECT id, status FROM import_runs").fetchall()
    assert status == "running" and db.execute("SELECT count(*) FROM items").fetchone()[0] > 0
    assert recover_interrupted(db) == [run_id]
    for table in ("items", "claims", "claim_appearances", "coverage_links", "item_passages", "match_items_fts",
                  "match_passages_fts", "match_claims_fts"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert db.execute("SELECT status FROM import_runs").fetchone()[0] == "failed"
    assert [r[0] for r in db.execute("SELECT action FROM audit_events")] == ["import.failed"]
    first = import_file(db, feed, claims=False)
    assert first.ok and first.imported == total
    again = import_file(db, feed, claims=False)
    assert again.imported == 0 and again.duplicates == total


def test_killed_review_burst_holds_no_half_done_action(tmp_path):
    db_path = tmp_path / "burst.db"
    _seed(db_path, n_claims=300)
    procs = [subprocess.Popen([sys.executable, "-m", "tests.workers.stress_worker", str(db_path), name, "60",
                               str(seed)], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for seed, (name, _) in enumerate(WORKERS[:4])]
    probe = open_db(db_path)
    count = lambda: probe.execute("SELECT count(*) FROM audit_events WHERE entity = 'claim'").fetchone()[0]
    for proc in procs:
        _kill_when(proc, lambda: count() > 300)
    probe.close()

    db = open_db(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    events = db.execute("SELECT action, entity_id, after FROM audit_events WHERE entity = 'claim'").fetchall()
    assert len(events) > 300
    per_claim: dict[int, int] = {}
    for action, claim_id, _ in events:
        if action != "comment.add":
            per_claim[claim_id] = per_claim.get(claim_id, 0) + 1
    # Every committed action bumped the version once and wrote exactly one event, and nothing else survived.
    for claim_id, version in db.execute("SELECT id, version FROM claims").fetchall():
        assert version == 1 + per_claim.get(claim_id, 0)
    actions = [a for a, _, _ in events]
    assert db.execute("SELECT count(*) FROM verdicts").fetchone()[0] == actions.count("claim.propose_verdict")
    assert db.execute("SELECT count(*) FROM signoffs").fetchone()[0] == (
        actions.count("claim.sign_off") + actions.count("claim.return"))
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == actions.count("comment.add")
    proposed = db.execute("SELECT count(*) FROM claims WHERE status = 'verdict_proposed' AND id NOT IN "
                          "(SELECT claim_id FROM verdicts)").fetchone()[0]
    assert proposed == 0
