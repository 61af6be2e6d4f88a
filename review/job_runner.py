"""What a worker does with a job: import uploaded files, match pending claims, embed pending text.

Each runner records its progress (and learns of an admin's cancel) after every committed batch, so what a
cancelled or failed job leaves behind is always consistent: an import removes the file it was in the middle of
(``review.importing``), matching and embedding keep the batches they finished. After a job, the follow-up work it
created (claims to match, text to embed) is queued as its own job.
"""
from __future__ import annotations

import gzip
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlite_utils import Database

from db import open_db
from review import coverage, embedding, jobs, taskqueue
from review.importing import FileResult, import_file
from review.errors import ValidationError
from review.ingest import IngestError
from review.matching import encoder

log = logging.getLogger(__name__)
LINE_FORMATS = (".jsonl", ".ndjson", ".csv")  # one record per line: the total is known before the import
FEED_FORMATS = (".rss", ".atom", ".xml")
FEED_TAGS = (b"<item>", b"<item ", b"<entry>", b"<entry ")  # a tag split across two 1 MB chunks is missed: an estimate
COUNT_LIMIT_BYTES = 512 * 2**20
MAX_LISTED_SKIPS = 20
UPLOADS_DIR = "uploads"  # beside the database: files uploaded on the Import page wait here for their job


class JobCancelled(Exception):
    """An admin asked a running job to stop."""


def estimate_records(path: Path) -> int | None:
    """Records a file will give, counted before the import (the denominator of 'time left'): lines of JSONL/CSV,
    item/entry tags of RSS/Atom (gzipped or not); None for pages and HTML (a handful of items each)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(LINE_FORMATS):
        count = _count(path, lambda chunk: chunk.count(b"\n"))
    elif name.endswith(FEED_FORMATS):
        count = _count(path, lambda chunk: sum(chunk.count(tag) for tag in FEED_TAGS))
    else:
        return None
    if count is None:
        return None
    lines, last = count
    if name.endswith(FEED_FORMATS):
        return lines
    lines += last != b"\n"
    return max(lines - name.endswith(".csv"), 0)


def _count(path: Path, counter: Callable[[bytes], int]) -> tuple[int, bytes] | None:
    """(sum of ``counter`` over the file's first COUNT_LIMIT_BYTES, its last byte), or None if unreadable."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    total, read, last = 0, 0, b"\n"
    try:
        with opener(path, "rb") as handle:
            while read < COUNT_LIMIT_BYTES and (chunk := handle.read(2**20)):
                total += counter(chunk)
                read += len(chunk)
                last = chunk[-1:]
    except (OSError, EOFError):
        return None  # the import itself will name the problem
    return total, last


def file_summary(name: str, result: FileResult) -> dict:
    """One file's line in a job's result (what the Import and Jobs pages show)."""
    summary = {"file": name, "ok": result.ok, "imported": result.imported, "duplicates": result.duplicates,
               "claims": result.claims, "skipped": len(result.skipped),
               "skipped_records": [f"line {e.line}: {e.problem}" if e.line else e.problem
                                   for e in result.skipped[:MAX_LISTED_SKIPS]]}
    if result.error:
        summary["error"] = (f"line {result.error.line}: " if result.error.line else "") + result.error.problem
    return summary


def _run_import(db: Database, job: jobs.Job) -> tuple[str, object, str | None]:
    files = job.params.get("files", [])
    estimates = [estimate_records(Path(f["path"])) for f in files]
    total = sum(estimates) if files and all(e is not None for e in estimates) else None
    summaries: list[dict] = []
    base = 0
    cancelled_by = None
    for entry, estimate in zip(files, estimates):
        name = entry["name"]
        cancelled_by = jobs.record_progress(db, job.id, base, total=total, detail=name) or cancelled_by
        if cancelled_by:
            summaries.append({"file": name, "ok": False, "error": f"not imported: cancelled by {cancelled_by}"})
            continue
        progress = _checked_progress(db, job, base, lambda who, name=name: IngestError(
            Path(name), None, f"cancelled by {who}; nothing from this file was kept"))
        result = import_file(db, entry["path"], fmt=entry.get("format", "auto"), actor=job.actor,
                             progress=progress, skip_invalid=bool(job.params.get("skip_invalid")),
                             claims=not job.params.get("coverage_only"), workers=None, job_id=job.id)
        summaries.append(file_summary(name, result))
        base += result.imported + result.duplicates + len(result.skipped) if result.ok else (estimate or 0)
        cancelled_by = db.execute("SELECT cancel_requested_by FROM jobs WHERE id = ?", [job.id]).fetchone()[0]
    jobs.record_progress(db, job.id, base, detail="")
    failed = sum(1 for s in summaries if not s["ok"])
    if cancelled_by:
        return "cancelled", summaries, f"cancelled by {cancelled_by}; files finished before that were kept"
    if files and failed == len(files):
        return "failed", summaries, f"{failed} of {len(files)} file(s) failed"
    return "done", summaries, None


def _checked_progress(db: Database, job: jobs.Job, offset: int,
                      cancelled: Callable[[str], Exception]) -> Callable[[int], None]:
    """A progress callback that records ``offset + done`` after each batch and raises ``cancelled(admin)`` once an
    admin has asked the job to stop (the batch before it is committed: what is kept stays consistent)."""
    def progress(done: int) -> None:
        who = jobs.record_progress(db, job.id, offset + done)
        if who:
            raise cancelled(who)
    return progress


def _cancel_check(db: Database, job: jobs.Job) -> Callable[[int], None]:
    return _checked_progress(db, job, 0, lambda who: JobCancelled(
        f"cancelled by {who}; the batches finished before that were kept"))


def _run_match(db: Database, job: jobs.Job) -> tuple[str, object, str | None]:
    jobs.record_progress(db, job.id, 0, total=coverage.pending_count(db), detail="claims")
    try:
        done, links = coverage.match_pending(db, progress=_cancel_check(db, job))
    except JobCancelled as exc:
        return "cancelled", None, str(exc)
    return "done", {"claims": done, "links": links}, None


def _run_embed(db: Database, job: jobs.Job) -> tuple[str, object, str | None]:
    todo = embedding.pending(db)
    jobs.record_progress(db, job.id, 0, total=todo["claims"] + todo["passages"], detail="claims")
    check = _cancel_check(db, job)

    def progress(what: str, done: int, _total: int) -> None:
        check(done if what == "claims" else todo["claims"] + done)

    try:
        done = embedding.embed_pending(db, progress=progress)
    except JobCancelled as exc:
        return "cancelled", None, str(exc)
    except (embedding.EmbeddingError, taskqueue.AnalysisUnavailable) as exc:
        return "failed", None, str(exc)
    return "done", done, None


RUNNERS = {"import": _run_import, "match": _run_match, "embed": _run_embed}


def queue_follow_up(db: Database, db_path: str, *, after: str | None = None) -> list[int]:
    """Queue background matching and embedding when there is work for them (and none queued), except more of the
    kind that just ran (``after``: what it left is what it could not do); returns the job ids queued."""
    queued = []
    if after != "match" and coverage.pending_count(db):
        queued.append(jobs.submit_unless_active(db, "match"))
    todo = embedding.pending(db)
    if after != "embed" and encoder.enabled() and (todo["claims"] or todo["passages"]):
        queued.append(jobs.submit_unless_active(db, "embed"))
    for job_id in filter(None, queued):
        taskqueue.enqueue_job(db_path, job_id)
    return [j for j in queued if j]


def submit_import(db: Database, db_path: str | os.PathLike, actor: str, uploads: Sequence[tuple[str, bytes]], *,
                  coverage_only: bool = False, skip_invalid: bool = False) -> int:
    """Save uploaded files (name, content) in a private folder beside the database and queue one import job for
    them; returns the job id. The folder is removed when the job ends."""
    if not uploads:
        raise ValidationError("files", "choose at least one file to import")
    root = Path(db_path).resolve().parent / UPLOADS_DIR
    root.mkdir(mode=0o700, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=root))
    entries = []
    for n, (name, content) in enumerate(uploads):
        safe = Path(name).name.lstrip(".") or "upload.txt"  # keep the name: formats are detected from it
        (folder / f"{n:03d}").mkdir()  # one folder per file: two uploads may share a name
        path = folder / f"{n:03d}" / safe
        path.write_bytes(content)
        entries.append({"path": str(path), "name": Path(name).name})
    try:
        job_id = jobs.submit(db, actor, "import", {"files": entries, "upload_dir": str(folder),
                                                   "coverage_only": coverage_only, "skip_invalid": skip_invalid})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    taskqueue.enqueue_job(db_path, job_id)
    return job_id


def _remove_uploads(params: dict) -> None:
    """Uploaded files live only until their job ends (their content is in the database, or was refused)."""
    folder = params.get("upload_dir")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def run(db_path: str, job_id: int) -> None:
    """Run job ``job_id`` if it is still queued; every outcome ends in the job's row, never in a traceback."""
    db = open_db(db_path)
    try:
        job = jobs.start(db, job_id)
        if job is None:  # cancelled while it waited (or taken by another worker)
            waited = jobs.get(db, job_id)
            if waited["status"] == "cancelled":
                _remove_uploads(waited["params"])
            return
        try:
            status, result, error = RUNNERS[job.kind](db, job)
        except Exception as exc:  # noqa: BLE001 - a bug must end the job visibly, not leave it 'running'
            log.exception("job %s failed", job_id)
            status, result, error = "failed", None, f"internal error ({type(exc).__name__}: {exc}); please report it"
        jobs.finish(db, job.id, status, result=result, error=error)
        if job.kind == "import":
            _remove_uploads(job.params)
        if status != "cancelled":
            queue_follow_up(db, db_path, after=job.kind)
    finally:
        db.close()
