"""`backup` writes a consistent copy while other processes write."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db import open_db
from review.backup import BackupError, backup
from tests.test_concurrency import WORKERS, _seed

ROOT = Path(__file__).resolve().parents[1]


def _consistent(path: Path) -> int:
    """Open a copy and check the review invariants; returns how many claim events it holds."""
    copy = open_db(path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    events: dict[int, int] = {}
    for action, claim_id in copy.execute("SELECT action, entity_id FROM audit_events WHERE entity = 'claim'"):
        if action != "comment.add":
            events[claim_id] = events.get(claim_id, 0) + 1
    for claim_id, version in copy.execute("SELECT id, version FROM claims"):
        assert version == 1 + events.get(claim_id, 0)
    total = sum(events.values())
    copy.close()
    return total


def test_backup_during_concurrent_writes_is_consistent(tmp_path):
    db_path = tmp_path / "live.db"
    _seed(db_path, n_claims=300)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.workers.stress_worker", str(db_path), name, "6",
                               str(seed)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for seed, (name, _) in enumerate(WORKERS[:3])]
    db = open_db(db_path)
    changes = "SELECT count(*) FROM audit_events WHERE entity = 'claim' AND action != 'comment.add'"
    seen: list[int] = []
    deadline = time.monotonic() + 300
    # Back up whenever the history has grown since the last copy (waiting for that, not for a fixed time: on a
    # loaded machine the workers may start late or write slowly).
    while len(seen) < 4 and time.monotonic() < deadline and any(p.poll() is None for p in procs):
        if db.execute(changes).fetchone()[0] > (seen[-1] if seen else 0):
            seen.append(_consistent(backup(db, tmp_path / f"copy-{len(seen)}.db")))
        else:
            time.sleep(0.02)
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    assert len(seen) == 4 and seen == sorted(seen) and seen[0] > 0  # each copy a later snapshot of a growing history
    assert not list(tmp_path.glob("*.partial"))


def test_cli_backup_and_bad_destination(tmp_path):
    db_path = tmp_path / "a.db"
    open_db(db_path).close()
    out = subprocess.run([sys.executable, "-m", "review", "--db", str(db_path), "backup", str(tmp_path / "b.db")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "backup written" in out.stdout
    assert "claims" in open_db(tmp_path / "b.db").table_names()
    with pytest.raises(BackupError, match="is a directory"):
        backup(open_db(db_path), tmp_path)
