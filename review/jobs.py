"""Background jobs: what the desk asked to run outside a browser session, and how far each one is.

A job is a row (kind, who, params, status, progress, total, result, error) that everyone sees on the Jobs page;
``review.queue`` hands its id to a worker process through huey, and ``review.job_runner`` does the work. This
module is the state only: every change is one short transaction, and every rule (who may cancel, which job may
start) is checked here, not in the page.
"""
from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass

from sqlite_utils import Database

from db.connection import write_transaction
from review.audit import record_event
from review.errors import NotFoundError, ValidationError, WorkflowError
from review.import_runs import alive
from review.users import acting_admin, acting_user

KINDS = ("import", "match", "embed")
ACTIVE = ("queued", "running")
MAX_ATTEMPTS = 3  # a job whose worker died this many times is failed, not started again
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


@dataclass(frozen=True, slots=True)
class Job:
    """One job as the runner needs it."""

    id: int
    kind: str
    actor: str
    params: dict


def submit(db: Database, actor: str, kind: str, params: dict | None = None) -> int:
    """Record a queued job for ``actor`` (any signed-in role; 'system' for run.sh); returns its id."""
    if kind not in KINDS:
        raise ValidationError("kind", f"unknown job kind {kind!r} (one of {', '.join(KINDS)})")
    with write_transaction(db):
        if actor != "system":
            acting_user(db, actor)
        job_id = db.execute("INSERT INTO jobs (kind, actor, params) VALUES (?, ?, ?)",
                            [kind, actor, json.dumps(params or {}, ensure_ascii=False)]).lastrowid
        record_event(db, actor=actor, action=f"job.{kind}", entity="job", entity_id=job_id, after=params or {})
    return job_id


def submit_unless_active(db: Database, kind: str, actor: str = "system") -> int | None:
    """Queue a ``kind`` job unless one is already queued or running (background matching and embedding)."""
    if db.execute("SELECT 1 FROM jobs WHERE kind = ? AND status IN ('queued', 'running')", [kind]).fetchone():
        return None
    return submit(db, actor, kind)


def start(db: Database, job_id: int) -> Job | None:
    """A worker takes a queued job (atomically: two workers never run one job); None when it is not queued
    (cancelled while waiting, or already taken)."""
    with write_transaction(db):
        row = db.execute(
            f"UPDATE jobs SET status = 'running', started_at = {_NOW}, host = ?, pid = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status = 'queued' RETURNING id, kind, actor, params",
            [socket.gethostname(), os.getpid(), job_id]).fetchone()
    return Job(row[0], row[1], row[2], json.loads(row[3])) if row else None


def record_progress(db: Database, job_id: int, progress: int, *, total: int | None = None,
                    detail: str | None = None) -> str | None:
    """How far a running job is; returns who asked to cancel it, if anyone."""
    with write_transaction(db):
        row = db.execute("UPDATE jobs SET progress = ?, total = coalesce(?, total), detail = coalesce(?, detail) "
                         "WHERE id = ? RETURNING cancel_requested_by", [progress, total, detail, job_id]).fetchone()
    return row[0] if row else None


def finish(db: Database, job_id: int, status: str, *, result: object = None, error: str | None = None) -> None:
    """A running job ends: done, failed or cancelled, with its result (JSON) and error."""
    if status not in ("done", "failed", "cancelled"):
        raise ValidationError("status", f"a job cannot end as {status!r}")
    with write_transaction(db):
        db.execute(f"UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = {_NOW} "
                   "WHERE id = ? AND status = 'running'",
                   [status, json.dumps(result, ensure_ascii=False) if result is not None else None, error, job_id])
        kind, actor = db.execute("SELECT kind, actor FROM jobs WHERE id = ?", [job_id]).fetchone()
        record_event(db, actor=actor, action=f"job.{status}", entity="job", entity_id=job_id,
                     after={"kind": kind, "error": error} if error else {"kind": kind})


def request_cancel(db: Database, actor: str, job_id: int) -> str:
    """An admin cancels a job: a queued one at once, a running one after its current batch (what it committed
    stays consistent: the import of the current file is removed, files already finished stay). Returns the new
    status ('cancelled' or 'running')."""
    with write_transaction(db):
        user = acting_admin(db, actor, "cancel a job")
        row = db.execute("SELECT status FROM jobs WHERE id = ?", [job_id]).fetchone()
        if row is None:
            raise NotFoundError(f"job {job_id} does not exist")
        if row[0] not in ACTIVE:
            raise WorkflowError(f"job {job_id} is {row[0]}, not queued or running")
        if row[0] == "queued":
            db.execute(f"UPDATE jobs SET status = 'cancelled', cancel_requested_by = ?, finished_at = {_NOW}, "
                       "error = ? WHERE id = ?", [user.name, f"cancelled by {user.name} before it started", job_id])
        else:
            db.execute("UPDATE jobs SET cancel_requested_by = ? WHERE id = ?", [user.name, job_id])
        record_event(db, actor=user.name, action="job.cancel", entity="job", entity_id=job_id)
    return "cancelled" if row[0] == "queued" else "running"


def register_worker(db: Database) -> None:
    """A worker process starts: it is listed (host + pid) so the pages can tell whether jobs will run."""
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO job_workers (host, pid) VALUES (?, ?)", [socket.gethostname(), os.getpid()])


def unregister_worker(db: Database) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM job_workers WHERE host = ? AND pid = ?", [socket.gethostname(), os.getpid()])


def worker_running(db: Database) -> bool:
    """Whether a live worker process is registered on this machine (dead ones are ignored)."""
    host = socket.gethostname()
    return any(alive(pid) for (pid,) in db.execute("SELECT pid FROM job_workers WHERE host = ?", [host]))


def recover(db: Database) -> list[int]:
    """Jobs whose worker process died (stopped with the dashboard, killed): queued again, or failed after
    MAX_ATTEMPTS; dead workers are forgotten. Returns the ids queued again (the caller hands them to the queue)."""
    host = socket.gethostname()
    with write_transaction(db):
        dead_workers = [pid for (pid,) in db.execute("SELECT pid FROM job_workers WHERE host = ?", [host])
                        if pid != os.getpid() and not alive(pid)]
        db.conn.executemany("DELETE FROM job_workers WHERE host = ? AND pid = ?", [(host, pid) for pid in dead_workers])
        rows = db.execute("SELECT id, pid, attempts FROM jobs WHERE status = 'running' AND host = ?",
                          [host]).fetchall()
        requeued = []
        for job_id, pid, attempts in rows:
            if pid == os.getpid() or alive(pid):
                continue
            if attempts >= MAX_ATTEMPTS:
                db.execute(f"UPDATE jobs SET status = 'failed', finished_at = {_NOW}, error = ? WHERE id = ?",
                           [f"its worker stopped {attempts} times before the job was done", job_id])
            else:
                db.execute("UPDATE jobs SET status = 'queued', host = NULL, pid = NULL, detail = NULL WHERE id = ?",
                           [job_id])
                requeued.append(job_id)
    return requeued


def queued(db: Database) -> list[int]:
    """Ids of the jobs waiting for a worker, oldest first."""
    return [r[0] for r in db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY id")]


def get(db: Database, job_id: int) -> dict:
    """One job as a dict (params and result decoded)."""
    rows = listing(db, where="id = ?", args=[job_id])
    if not rows:
        raise NotFoundError(f"job {job_id} does not exist")
    return rows[0]


def listing(db: Database, *, where: str = "1", args: list | None = None, limit: int = 30) -> list[dict]:
    """Active jobs first (oldest first), then the most recent finished ones."""
    cursor = db.execute(
        f"SELECT id, kind, actor, params, status, progress, total, detail, result, error, attempts, "
        f"cancel_requested_by, created_at, started_at, finished_at FROM jobs WHERE {where} "
        "ORDER BY status IN ('queued', 'running') DESC, "
        "CASE WHEN status IN ('queued', 'running') THEN id ELSE -id END LIMIT ?", [*(args or []), limit])
    names = [c[0] for c in cursor.description]
    jobs = [dict(zip(names, row)) for row in cursor.fetchall()]
    for job in jobs:
        job["params"] = json.loads(job["params"])
        job["result"] = json.loads(job["result"]) if job["result"] else None
    return jobs
