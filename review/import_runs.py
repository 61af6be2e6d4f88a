"""Import runs: one per imported file, committed in batches; a failed run is cleaned up as if it never ran."""
from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from sqlite_utils import Database

from db.connection import write_transaction
from review.audit import record_event
from review.errors import NotFoundError, WorkflowError
from review.users import acting_admin

if TYPE_CHECKING:  # importing.py imports this module
    from review.importing import FileResult

# What a failed run created, as temp tables the clean-up statements read from.
_DISCARD = """
CREATE TEMP TABLE IF NOT EXISTS discard_items (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS discard_claims (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS discard_touched (id INTEGER PRIMARY KEY);
DELETE FROM temp.discard_items;
DELETE FROM temp.discard_claims;
DELETE FROM temp.discard_touched
"""
# A claim someone already worked on (assigned, commented, a verdict) outlives the failed run as a hand-made claim.
_UNTOUCHED = ("status = 'new' AND assignee_id IS NULL AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.claim_id = "
              "claims.id) AND NOT EXISTS (SELECT 1 FROM comments m WHERE m.claim_id = claims.id)")


def start_run(db: Database, path: str, fmt: str, actor: str, job_id: int | None = None) -> int:
    """Inside the first batch's transaction: record a running import of ``path`` (part of background job
    ``job_id``, if any); returns its id."""
    return db.execute("INSERT INTO import_runs (path, format, actor, status, host, pid, job_id) "
                      "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                      [path, fmt, actor, socket.gethostname(), os.getpid(), job_id]).lastrowid


def record_progress(db: Database, run_id: int, done: int) -> str | None:
    """Inside a batch's transaction: how many records the run has handled; returns who asked to cancel it, if anyone."""
    row = db.execute("UPDATE import_runs SET progress = ? WHERE id = ? RETURNING cancel_requested_by",
                     [done, run_id]).fetchone()
    return row[0] if row else None


def request_cancel(db: Database, actor: str, run_id: int) -> None:
    """An admin asks a running import to stop: it stops after its current batch and removes what it stored."""
    with write_transaction(db):
        user = acting_admin(db, actor, "cancel an import")
        row = db.execute("SELECT status FROM import_runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise NotFoundError(f"import run {run_id} does not exist")
        if row[0] != "running":
            raise WorkflowError(f"import run {run_id} is {row[0]}, not running")
        db.execute("UPDATE import_runs SET cancel_requested_by = ? WHERE id = ?", [user.name, run_id])
        record_event(db, actor=user.name, action="import.cancel", entity="import_run", entity_id=run_id)


def alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def recover_interrupted(db: Database) -> list[int]:
    """Discard the runs of this machine whose import process died mid-file (killed, crashed); returns their ids."""
    rows = db.execute("SELECT id, pid FROM import_runs WHERE status = 'running' AND host = ?",
                      [socket.gethostname()]).fetchall()
    dead = [run_id for run_id, pid in rows if pid != os.getpid() and not alive(pid)]
    for run_id in dead:
        discard_run(db, run_id, "the import process stopped before the file was complete (killed or crashed)",
                    "system")
    return dead


def finish_run(db: Database, run_id: int, result: FileResult, actor: str) -> None:
    """Inside the last transaction: the run's counts, status done, and its audit event."""
    db.execute("UPDATE import_runs SET imported = ?, duplicates = ?, claims = ?, status = 'done', "
               "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
               [result.imported, result.duplicates, result.claims, run_id])
    record_event(db, actor=actor, action="import", entity="import_run", entity_id=run_id,
                 after={"path": result.path, "imported": result.imported, "duplicates": result.duplicates,
                        "claims": result.claims})


def discard_run(db: Database, run_id: int, problem: str, actor: str) -> None:
    """Remove everything a failed run stored (items, claims, links, index rows, vectors); mark it failed."""
    with write_transaction(db):
        if db.execute("SELECT status FROM import_runs WHERE id = ?", [run_id]).fetchone()[0] != "running":
            return  # another process cleaned it up first
        for statement in _DISCARD.split(";\n"):
            db.execute(statement)
        db.execute("INSERT INTO temp.discard_items SELECT id FROM items WHERE import_run_id = ?", [run_id])
        db.execute(f"INSERT INTO temp.discard_claims SELECT id FROM claims WHERE import_run_id = ? AND {_UNTOUCHED}",
                   [run_id])
        # older claims that also appeared in the run's items: their spread is recomputed afterwards
        db.execute("INSERT OR IGNORE INTO temp.discard_touched SELECT claim_id FROM claim_appearances "
                   "WHERE item_id IN temp.discard_items AND claim_id NOT IN temp.discard_claims")
        for statement in (
            "DELETE FROM coverage_links WHERE item_id IN temp.discard_items OR claim_id IN temp.discard_claims",
            "DELETE FROM claim_similar WHERE claim_id IN temp.discard_claims OR other_id IN temp.discard_claims",
            "DELETE FROM vectors WHERE kind = 'claim' AND ref_id IN temp.discard_claims",
            "DELETE FROM match_claims_fts WHERE rowid IN temp.discard_claims",
            "DELETE FROM match_items_fts WHERE rowid IN temp.discard_items",
            "DELETE FROM match_passages_fts WHERE rowid IN "
            "(SELECT id FROM item_passages WHERE item_id IN temp.discard_items)",
            "DELETE FROM item_passages WHERE item_id IN temp.discard_items",  # its trigger drops their vectors
            "DELETE FROM claim_appearances WHERE item_id IN temp.discard_items OR claim_id IN temp.discard_claims",
            "INSERT OR IGNORE INTO temp.discard_touched SELECT id FROM claims "
            "WHERE item_id IN temp.discard_items AND id NOT IN temp.discard_claims",
            "UPDATE claims SET item_id = NULL, span_start = NULL, span_end = NULL, import_run_id = NULL "
            "WHERE item_id IN temp.discard_items",  # kept: someone worked on them during the import
            "DELETE FROM claims WHERE id IN temp.discard_claims",
            "DELETE FROM items WHERE id IN temp.discard_items",
        ):
            db.execute(statement)
        from review.importing import refresh_claim_stats  # importing.py imports this module

        refresh_claim_stats(db, [r[0] for r in db.execute("SELECT id FROM temp.discard_touched")])
        db.execute("UPDATE import_runs SET status = 'failed', error = ?, imported = 0, duplicates = 0, claims = 0, "
                   "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?", [problem, run_id])
        record_event(db, actor=actor, action="import.failed", entity="import_run", entity_id=run_id,
                     after={"error": problem})
