"""Eight processes writing to one database file: no lost updates, conflicts reported, never 'locked'."""
from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

from db import open_db
from review import users

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("TABAYYUN_STRESS_SECONDS", "30"))
WORKERS = [("rev1", "reviewer"), ("rev2", "reviewer"), ("rev3", "reviewer"), ("rev4", "reviewer"),
           ("rev5", "reviewer"), ("rev6", "reviewer"), ("ed1", "editor"), ("ed2", "editor")]


def _seed(path: Path, n_claims: int = 3000) -> None:
    db = open_db(path)
    users.add_user(db, None, "admin", "password-admin", "admin")
    for name, role in WORKERS:
        users.add_user(db, None, name, f"password-{name}", role)
    with db.atomic():
        for i in range(n_claims):
            claim = db.execute("INSERT INTO claims (text, norm_text, norm_hash) VALUES (?, ?, ?)",
                               [f"claim {i}", f"claim {i}", f"h{i}"]).lastrowid
            for j in range(3):
                item = db.execute("INSERT INTO items (kind, title, content_hash) VALUES ('article', ?, ?)",
                                  [f"item {i}-{j}", f"c{i}-{j}"]).lastrowid
                db.execute("INSERT INTO coverage_links (claim_id, item_id, score, method) VALUES (?, ?, .5, 't')",
                           [claim, item])
    db.close()


def test_eight_processes_mixed_writes_lose_nothing(tmp_path, capsys):
    path = tmp_path / "stress.db"
    _seed(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.workers.stress_worker", str(path), name,
                               str(SECONDS), str(seed)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for seed, (name, _) in enumerate(WORKERS)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=SECONDS + 120)
        assert proc.returncode == 0, err[-3000:]
        reports.append(json.loads(out))

    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = [tuple(d) for r in reports for d in r["done"]]
    claim_actions = [d for d in done if d[0] != "comment"]
    comments = [d for d in done if d[0] == "comment"]

    # Every successful claim action produced a distinct (claim, version) and exactly one audit event.
    assert len(set((c, v) for _, c, v in claim_actions)) == len(claim_actions)
    events = collections.Counter()
    for action, entity_id, after in db.execute(
            "SELECT action, entity_id, after FROM audit_events WHERE entity = 'claim'").fetchall():
        payload = json.loads(after)
        key = ("comment", entity_id, -payload["comment_id"]) if action == "comment.add" else \
            (action.removeprefix("claim."), entity_id, payload["version"])
        events[key] += 1
    assert sorted(events) == sorted(done) and set(events.values()) == {1}

    # No lost update: each claim's version counts exactly the successful actions on it.
    per_claim = collections.Counter(c for _, c, _ in claim_actions)
    for claim_id, version in db.execute("SELECT id, version FROM claims").fetchall():
        assert version == 1 + per_claim[claim_id]
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == len(comments)
    verdicts = sum(1 for d in done if d[0] == "propose_verdict")
    assert db.execute("SELECT count(*) FROM verdicts").fetchone()[0] == verdicts

    locked = sum(r["locked"] for r in reports)
    assert locked == 0, "a user would have seen 'database is locked'"
    conflicts = sum(r["conflicts"] for r in reports)
    with capsys.disabled():
        print(f"\nstress: {len(WORKERS)} processes x {SECONDS:.0f}s: {len(done)} actions "
              f"({len(done) / SECONDS:.1f}/s), conflicts reported {conflicts}, "
              f"retried after conflict {sum(r['retries_after_conflict'] for r in reports)}, "
              f"refused by workflow {sum(r['refused'] for r in reports)}, "
              f"BEGIN retries {sum(r['begin_retries'] for r in reports)}, locked {locked}; "
              f"by action {dict(collections.Counter(d[0] for d in done))}")
    assert conflicts > 0 or len(done) > 0
