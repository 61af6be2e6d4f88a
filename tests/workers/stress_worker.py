"""One process of the concurrency stress test: random review actions for N seconds.

Usage: python -m tests.workers.stress_worker DB USER SECONDS SEED
Prints one JSON object: every successful action with the claim version it produced, and counts.
"""
from __future__ import annotations

import json
import random
import sqlite3
import sys
import time

from db import open_db
from db.connection import STATS
from review import reviewing
from review.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError


def act(db, rng: random.Random, user: str, user_id: int, role: str) -> tuple[str, int, int] | None:
    """Try one random action suited to the claim's status; returns (action, claim_id, new_version)."""
    where = "status != 'signed_off'" if rng.random() < 0.9 else "1"
    row = db.execute(f"SELECT id, status, version, assignee_id FROM claims WHERE {where} "
                     "ORDER BY random() LIMIT 1").fetchone()
    if row is None:
        return None
    claim_id, status, version, assignee = row
    if role == "reviewer" and assignee not in (None, user_id):
        status = "someone else's"  # reviewers may only comment on claims assigned to others
    if status == "new" or (status == "in_review" and rng.random() < 0.2):
        after = reviewing.assign(db, user, claim_id, version, user)
        return "assign", claim_id, after["version"]
    if status == "in_review":
        if rng.random() < 0.5:
            link = db.execute("SELECT id FROM coverage_links WHERE claim_id = ? ORDER BY random() LIMIT 1",
                              [claim_id]).fetchone()[0]
            after = reviewing.decide_link(db, user, link, version, status=rng.choice(["confirmed", "rejected"]),
                                          stance=rng.choice(["supports", "refutes", "discusses"]))
            return "decide_link", claim_id, after["version"]
        after = reviewing.propose_verdict(db, user, claim_id, version, label=rng.choice(["True", "False"]),
                                          rationale=f"stress {user}", evidence_urls=["https://example.org/e"])
        return "propose_verdict", claim_id, after["version"]
    if status == "verdict_proposed":
        if rng.random() < 0.7:
            after = reviewing.sign_off(db, user, claim_id, version, "ok")
            return "sign_off", claim_id, after["version"]
        after = reviewing.return_verdict(db, user, claim_id, version, "again")
        return "return", claim_id, after["version"]
    comment_id = reviewing.add_comment(db, user, claim_id, f"note from {user}")
    return "comment", claim_id, -comment_id


def main() -> None:
    path, user, seconds, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    db = open_db(path)
    user_id, role = db.execute("SELECT id, role FROM users WHERE name = ?", [user]).fetchone()
    done, counts = [], {"conflicts": 0, "refused": 0, "locked": 0, "retries_after_conflict": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for attempt in range(2):  # a conflict is reported, then retried once on fresh data
            try:
                result = act(db, rng, user, user_id, role)
                if result:
                    done.append(result)
                break
            except ConflictError:
                counts["conflicts"] += 1
                if attempt == 0:
                    counts["retries_after_conflict"] += 1
            except (WorkflowError, PermissionDenied, ValidationError):
                counts["refused"] += 1  # someone moved the claim on between our read and our write
                break
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    counts["locked"] += 1
                    break
                raise
    print(json.dumps({"user": user, "done": done, **counts, "begin_retries": STATS["begin_retries"]}))


if __name__ == "__main__":
    main()
