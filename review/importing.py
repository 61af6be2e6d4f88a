"""The import use case: files → items (+ claims and suggested coverage), one import run per file in short batches."""
from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.pool import Pool
from pathlib import Path

from sqlite_utils import Database

from db.connection import write_transaction
from review import coverage, import_runs, matching, taskqueue, text
from review.claims import ClaimCandidate, extract_claims
from review.errors import ValidationError
from review.ingest import IngestError, iter_articles
from review.ingest.records import CONTROL_CHARS
from review.ingest.source import ErrorHandler, report
from review.matching.engine import ItemAnalysis, analyse_item, claim_index_terms, claim_terms, write_claim_terms
from review.models import Article
from review.stories import MAX_STORY_CLAIMS, merge_stories, refresh_claim_stats

CLAIM_KINDS = ("article",)  # headlines and earlier fact-checks are coverage to link to, not claims to triage
IMPORT_MIN_SCORE = 0.5  # the model's decision threshold (chosen by cross-validation): ≥ 0.5 = check-worthy
MAX_CLAIMS_PER_ITEM = 10  # the triage queue wants an article's strongest claims, not every sentence
BATCH_ITEMS = 50  # articles per write transaction: a reviewer's action waits ~0.1-0.3 s (bench/import_speed.py --desk)
PARALLEL_MIN_BYTES = 4 * 2**20  # below this a file imports faster than worker processes start
MAX_WORKERS = 8  # the single writer saturates well before this (bench/import_speed.py)
CLAIMS_INDEX_BATCH = 500  # a bulk import's claims indexed per transaction at its end
MAX_KEPT_TERMS = 100_000  # claims whose index terms (from the workers) are kept for the end of a file: ~40 MB

ProgressFn = Callable[[int], None]


@dataclass
class FileResult:
    """What importing one file did (or why it did nothing)."""

    path: str
    format: str = "auto"
    imported: int = 0
    duplicates: int = 0
    claims: int = 0
    links: int = 0
    error: IngestError | None = None
    skipped: list[IngestError] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list, repr=False)
    claim_ids: list[int] = field(default_factory=list, repr=False)  # claims this file created
    claim_terms: dict[int, str] = field(default_factory=dict, repr=False)  # their index terms, analysed in prepare

    @property
    def ok(self) -> bool:
        return self.error is None


def content_hash(article: Article) -> str:
    """Identity of an item's content: same kind, outlet, title and body (normalised) → same hash."""
    parts = (article.kind, text.normalize(article.outlet or ""), text.normalize(article.title),
             text.normalize(article.body))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _insert_item(db: Database, article: Article, language: str, run_id: int | None,
                 digest: str | None = None) -> int | None:
    """Insert one item; None when it is already stored (same content hash or same url)."""
    row = db.execute(
        "INSERT OR IGNORE INTO items (kind, title, body, outlet, url, published, language, "
        "source_file, source_id, content_hash, import_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [article.kind, article.title, article.body, article.outlet, article.url or None,
         article.published, language, article.source_file, article.source_id, digest or content_hash(article),
         run_id],
    ).fetchone()
    return row[0] if row else None


def clean_claim_text(text: str) -> str:
    """A claim's text as stored: control characters removed, outer blanks trimmed."""
    return CONTROL_CHARS.sub("", text).strip()


def add_claim_appearance(db: Database, claim_text: str, *, item_id: int | None, span: tuple[int, int] | None,
                         score: float, signals: list[str], language: str, origin: str = "import",
                         import_run_id: int | None = None) -> tuple[int, bool]:
    """Store a claim (or find the same claim already stored) and its appearance; returns (id, created)."""
    claim_text = clean_claim_text(claim_text)
    if not claim_text:
        raise ValidationError("text", "a claim needs words, not only blank or control characters")
    norm = text.normalize(claim_text)
    # A claim's identity is its normalised text: spelling variants of one sentence are one claim.
    digest = hashlib.sha256(norm.encode("utf-8")).hexdigest()
    start, end = span if span else (None, None)
    row = db.execute(
        "INSERT OR IGNORE INTO claims (text, norm_text, norm_hash, language, item_id, span_start, span_end, "
        "score, signals, origin, import_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [claim_text, norm, digest, language, item_id, start, end, round(score, 4), json.dumps(signals),
         origin, import_run_id]).fetchone()
    created = row is not None
    if not created:
        found = db.execute("SELECT id FROM claims WHERE norm_hash = ?", [digest]).fetchone()
        if found is None:  # ignored for another reason than a duplicate: a CHECK constraint
            raise ValidationError("text", f"cannot be stored as a claim: {claim_text[:60]!r}")
        row = found
    claim_id = row[0]
    if item_id is not None:
        db.execute("INSERT OR IGNORE INTO claim_appearances (claim_id, item_id, span_start, span_end) "
                   "VALUES (?, ?, ?, ?)", [claim_id, item_id, start, end])
    return claim_id, created


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article with the work done before the write lock is taken: its language, claim candidates and the
    analysis the matching index needs (None for an article already stored: its insert is ignored)."""

    article: Article
    language: str
    candidates: tuple[ClaimCandidate, ...] = ()
    analysis: ItemAnalysis | None = None
    digest: str | None = None  # content_hash(article) when already computed
    claim_terms: tuple[str, ...] = ()  # the matching-index terms of each candidate (same order)


def prepare(article: Article, *, claims: bool = True, new: bool = True, digest: str | None = None) -> Prepared:
    """The pure part of importing one article (language, sentence scoring, index analysis); no database."""
    language = article.language or text.detect_language(f"{article.title} {article.body[:500]}")
    if not new:
        return Prepared(article, language, digest=digest)
    candidates: tuple[ClaimCandidate, ...] = ()
    if claims and article.kind in CLAIM_KINDS:
        found = extract_claims(article.title, article.body, language, min_score=IMPORT_MIN_SCORE)
        candidates = tuple(found[:MAX_CLAIMS_PER_ITEM])
    terms = tuple(claim_index_terms(clean_claim_text(c.text)) for c in candidates)
    return Prepared(article, language, candidates, analyse_item(article.title, article.body), digest, terms)


def prepare_job(job: tuple[Article, bool, bool, str]) -> Prepared:
    """``prepare`` for a worker process (one picklable argument)."""
    article, claims, new, digest = job
    return prepare(article, claims=claims, new=new, digest=digest)


def _store_claims(db: Database, item_id: int, prepared: Prepared, run_id: int | None,
                  ) -> tuple[list[int], list[tuple[int, str]]]:
    """Store an article's claim candidates; returns (claim ids touched, (claim id, index terms) of those created)."""
    touched, created = [], []
    title = prepared.article.title
    for cand, cand_terms in zip(prepared.candidates, prepared.claim_terms, strict=True):
        # Spans index the item's full text: title + blank line + body (as the review page shows it).
        offset = 0 if cand.in_title else len(title) + 2
        claim_id, new = add_claim_appearance(db, cand.text, item_id=item_id, language=prepared.language,
                                             span=(cand.start + offset, cand.end + offset),
                                             score=cand.score, signals=cand.signals, import_run_id=run_id)
        touched.append(claim_id)
        if new:
            created.append((claim_id, cand_terms))
    merge_stories(db, touched, max_size=MAX_STORY_CLAIMS)  # the claims of one article tell one story
    return touched, created


def _store_one(db: Database, prepared: Prepared, result: FileResult, run_id: int | None) -> list[int]:
    """Insert one prepared article and its claims, count it in ``result``; returns the claim ids touched."""
    item_id = _insert_item(db, prepared.article, prepared.language, run_id, prepared.digest)
    if item_id is None:
        result.duplicates += 1
        return []
    result.imported += 1
    result.item_ids.append(item_id)
    touched, created = _store_claims(db, item_id, prepared, run_id)
    result.claims += len(created)
    result.claim_ids.extend(claim_id for claim_id, _ in created)
    if len(result.claim_terms) < MAX_KEPT_TERMS:  # bounded memory: past it, the end of the file analyses again
        result.claim_terms.update(created)
    return touched


def store_batch(db: Database, batch: Sequence[Prepared], result: FileResult, *, run_id: int | None = None,
                on_error: ErrorHandler | None = None) -> None:
    """Inside the caller's transaction: store prepared articles, index and match the new items.

    A record the database refuses (a constraint, text the analysers cannot handle) becomes an
    IngestError naming its line; with ``on_error`` it is rolled back alone and skipped. New items
    are matched against the claims open before this file; the file's own claims are indexed by
    ``finish_claims`` at its end, so they cannot crowd older claims out of the candidates.
    """
    path = Path(result.path)
    touched: list[int] = []
    analysed: dict[int, ItemAnalysis] = {}
    first_item = len(result.item_ids)
    for prepared in batch:
        counts = (result.imported, result.duplicates, result.claims, len(result.item_ids), len(result.claim_ids))
        try:
            with db.atomic():  # a savepoint: a refused record leaves nothing behind
                touched.extend(_store_one(db, prepared, result, run_id))
            if len(result.item_ids) > counts[3] and prepared.analysis is not None:
                analysed[result.item_ids[-1]] = prepared.analysis
        except (sqlite3.IntegrityError, ValidationError, RecursionError, ValueError, TypeError) as exc:
            result.imported, result.duplicates, result.claims = counts[:3]
            for claim_id in result.claim_ids[counts[4]:]:
                result.claim_terms.pop(claim_id, None)
            del result.item_ids[counts[3]:], result.claim_ids[counts[4]:]
            report(IngestError(path, prepared.article.line, f"record cannot be stored: {_problem(exc)}"), on_error)
    refresh_claim_stats(db, touched)
    new_items = result.item_ids[first_item:]
    matching.index_items(db, new_items, analysed=analysed)
    result.links += matching.suggest_for_items(db, new_items)


def finish_claims(db: Database, result: FileResult) -> None:
    """Inside the caller's transaction: index the file's new claims; match them now when there are few."""
    matching.index_claims(db, result.claim_ids)
    if len(result.claim_ids) <= coverage.INLINE_CLAIMS:
        result.links += coverage.match_claims_now(db, result.claim_ids)


def store_articles(db: Database, articles: Iterable[Article], result: FileResult, *, claims: bool = True,
                   on_error: ErrorHandler | None = None) -> None:
    """Store articles in the caller's transaction (one batch): for tests and small in-memory imports."""
    store_batch(db, [prepare(a, claims=claims) for a in articles], result, on_error=on_error)
    finish_claims(db, result)


def _problem(exc: BaseException) -> str:
    """A short description of why a record or file could not be stored."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValidationError) else str(exc)


def database_problem(exc: sqlite3.Error) -> str:
    """A one-line reason for a database failure the user can act on (disk full, read-only, locked)."""
    message = str(exc).lower()
    if "full" in message:
        return "the disk holding the database is full: free some space and import again"
    if "readonly" in message or "read-only" in message:
        return "the database is read-only (file or folder permissions): nothing was changed"
    if "locked" in message or "busy" in message:
        return "the database stayed busy (another long write): try again"
    return f"database error: {exc}"


def _leave_the_lock(held: float) -> None:
    """Pause as long as the lock was just held (at most 50 ms) between back-to-back bulk transactions.

    SQLite has no queue for writers: a reviewer's action retries on a back-off of up to 100 ms, and a loop that
    re-takes the lock at once starved it for seconds (bench/import_speed.py --desk, max 3.9-7.0 s). Half the time
    free is a window every waiting writer gets within a few retries.
    """
    time.sleep(min(held, 0.05))


def _jobs(db: Database, raw: list[Article], claims: bool) -> list[tuple[Article, bool, bool, str]]:
    """(article, claims, new, content hash) per article; new = not stored yet and not repeated earlier in ``raw``
    (only those are scored and analysed; the hash is computed once, here, and reused at insert)."""
    hashes = [content_hash(a) for a in raw]
    marks = ",".join("?" * len(hashes))
    seen = {r[0] for r in db.execute(f"SELECT content_hash FROM items WHERE content_hash IN ({marks})", hashes)}
    jobs = []
    for article, digest in zip(raw, hashes):
        jobs.append((article, claims, digest not in seen, digest))
        seen.add(digest)
    return jobs


Submit = Callable[[list[tuple[Article, bool, bool, str]]], Callable[[], list[Prepared]]]


def pool_submit(pool: Pool) -> Submit:
    """``submit`` for a local process pool: the batch is shared by its workers in chunks of 5."""
    def submit(jobs: list[tuple[Article, bool, bool, str]]) -> Callable[[], list[Prepared]]:
        return pool.map_async(prepare_job, jobs, chunksize=5).get
    return submit


def _batches(db: Database, articles: Iterator[Article], size: int, claims: bool,
             submit: Submit | None = None) -> Iterator[list[Prepared]]:
    """Prepared articles in lists of ``size``: parsing, sentence scoring and index analysis happen here, outside
    the lock. With ``submit`` (a local pool, or analysis workers behind a queue: ``taskqueue.RemoteAnalysis``)
    the next batch is prepared by the workers while the caller stores this one (the batches come back in file
    order, so the database ends up exactly as after a serial import).

    Articles already stored (a re-imported archive) or repeated in the batch skip scoring and analysis: their
    insert is ignored anyway.
    """
    if submit is None:
        while raw := list(islice(articles, size)):
            yield [prepare_job(job) for job in _jobs(db, raw, claims)]
        return
    pending = None
    while True:  # a bad record in the batch read ahead fails the file one batch earlier than a serial import would
        raw = list(islice(articles, size))
        job = submit(_jobs(db, raw, claims)) if raw else None
        if pending is not None:
            yield pending()
        if job is None:
            return
        pending = job


def _claim_terms(db: Database, result: FileResult, claim_ids: list[int]) -> list[tuple[int, str]]:
    """(claim id, index terms) of the file's new claims: analysed by the prepare stage (in the workers), else here
    (outside the lock)."""
    missing = [i for i in claim_ids if i not in result.claim_terms]
    found = dict(claim_terms(db, missing)) if missing else {}
    return [(i, result.claim_terms[i] if i in result.claim_terms else found[i]) for i in claim_ids]


def worker_count(path: str | Path, requested: int | None) -> int:
    """Worker processes for one file: as asked, else one per core for files over PARALLEL_MIN_BYTES."""
    if requested is not None:
        return max(1, requested)
    try:
        size = Path(path).stat().st_size
    except OSError:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS)) if size >= PARALLEL_MIN_BYTES else 1


def import_file(db: Database, path: str | Path, *, fmt: str = "auto", actor: str = "system",
                progress: ProgressFn | None = None, skip_invalid: bool = False, claims: bool = True,
                batch_size: int = BATCH_ITEMS, workers: int | None = 1, job_id: int | None = None) -> FileResult:
    """Import one file as one import run, committed in batches; a file that fails changes nothing.

    The write lock is held per batch of ``batch_size`` articles (reviewers' actions wait at most one
    batch). A file that fails in its first batch is rolled back; one that fails later is cleaned
    up (``import_runs.discard_run``) and its run recorded as failed. With ``skip_invalid``, bad
    records are skipped and listed in ``result.skipped`` instead of failing the whole file (file-level
    problems still fail it). With ``claims=False`` the items are stored as coverage only. ``workers`` > 1 runs
    the pure stages in that many processes (None: one per core for a big file); the result is the same.
    ``job_id`` is the background job the import belongs to (shown on the Jobs page as that job).
    """
    result = FileResult(path=str(path), format=fmt)
    on_error = result.skipped.append if skip_invalid else None
    run_id: int | None = None  # set once the run's first batch is committed
    import_runs.recover_interrupted(db)
    remote = taskqueue.analysis_url()
    count = 1 if remote else worker_count(path, workers)
    pool = mp.get_context("forkserver").Pool(count) if count > 1 else None
    submit = taskqueue.RemoteAnalysis(remote).submit if remote else pool_submit(pool) if pool else None
    try:
        articles = iter_articles(Path(path), fmt, on_error=on_error)
        for batch in _batches(db, articles, batch_size, claims, submit):
            with write_transaction(db):
                current = run_id or import_runs.start_run(db, result.path, fmt, actor, job_id)
                store_batch(db, batch, result, run_id=current, on_error=on_error)
                done = result.imported + result.duplicates + len(result.skipped)
                cancelled_by = import_runs.record_progress(db, current, done)
            run_id = current
            if progress:
                progress(done)
            if cancelled_by:  # an admin asked: stop here, and the clean-up below removes what the run stored
                raise IngestError(Path(path), None, f"cancelled by {cancelled_by}; nothing from this file was kept")
        if len(result.claim_ids) > coverage.INLINE_CLAIMS:  # a bulk import: index its claims in steps, match later
            for at in range(0, len(result.claim_ids), CLAIMS_INDEX_BATCH):
                terms = _claim_terms(db, result, result.claim_ids[at:at + CLAIMS_INDEX_BATCH])
                began = time.monotonic()
                with write_transaction(db):
                    write_claim_terms(db, terms)
                _leave_the_lock(time.monotonic() - began)
        with write_transaction(db):
            current = run_id or import_runs.start_run(db, result.path, fmt, actor, job_id)
            if len(result.claim_ids) <= coverage.INLINE_CLAIMS:
                finish_claims(db, result)
            import_runs.finish_run(db, current, result, actor)
        return result
    except IngestError as exc:
        error = exc
    except sqlite3.Error as exc:  # disk full, read-only file: one line naming the file
        error = IngestError(Path(path), None, database_problem(exc))
    except taskqueue.AnalysisUnavailable as exc:
        error = IngestError(Path(path), None, f"{exc}: start `python -m review analysis-worker` or unset "
                                              f"{taskqueue.ANALYSIS_QUEUE_ENV}")
    except (OSError, UnicodeError, ValueError) as exc:  # a bug must not become a traceback
        error = IngestError(Path(path), None, f"internal error ({type(exc).__name__}: {exc}); please report it")
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    if run_id is not None:
        import_runs.discard_run(db, run_id, str(error), actor)
    return FileResult(path=str(path), format=fmt, error=error)


def import_files(db: Database, paths: Iterable[str | Path], *, fmt: str = "auto", actor: str = "system",
                 progress: ProgressFn | None = None, skip_invalid: bool = False,
                 claims: bool = True, workers: int | None = 1) -> list[FileResult]:
    """Import each file independently: one failing file does not stop the others."""
    return [import_file(db, p, fmt=fmt, actor=actor, progress=progress, skip_invalid=skip_invalid, claims=claims,
                        workers=workers) for p in paths]
