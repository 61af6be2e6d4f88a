"""The import use case: files → items (+ claims and suggested coverage), one transaction per file."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from db.connection import write_transaction
from review import coverage, text
from review.audit import record_event
from review.claims import extract_claims
from review.ingest import IngestError, iter_articles
from review.models import Article
from review.stories import MAX_STORY_CLAIMS, merge_stories
from review.triage import triage_rank

CLAIM_KINDS = ("article",)  # headlines and earlier fact-checks are coverage to link to, not claims to triage
IMPORT_MIN_SCORE = 0.5  # the model's decision threshold (chosen by cross-validation): ≥ 0.5 = check-worthy
MAX_CLAIMS_PER_ITEM = 10  # the triage queue wants an article's strongest claims, not every sentence

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

    @property
    def ok(self) -> bool:
        return self.error is None


def content_hash(article: Article) -> str:
    """Identity of an item's content: same kind, outlet, title and body (normalised) → same hash."""
    parts = (article.kind, text.normalize(article.outlet or ""), text.normalize(article.title),
             text.normalize(article.body))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _insert_item(db: Database, article: Article, language: str) -> int | None:
    """Insert one item; None when it is already stored (same content hash or same url)."""
    row = db.execute(
        "INSERT OR IGNORE INTO items (kind, title, body, outlet, url, published, language, "
        "source_file, source_id, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [article.kind, article.title, article.body, article.outlet, article.url or None,
         article.published, language, article.source_file, article.source_id, content_hash(article)],
    ).fetchone()
    return row[0] if row else None


def add_claim_appearance(db: Database, claim_text: str, *, item_id: int | None, span: tuple[int, int] | None,
                         score: float, signals: list[str], language: str, origin: str = "import") -> tuple[int, bool]:
    """Store a claim (or find the same claim already stored) and its appearance; returns (id, created)."""
    norm = text.normalize(claim_text)
    # A claim's identity is its normalised text: spelling variants of one sentence are one claim.
    digest = hashlib.sha256(norm.encode("utf-8")).hexdigest()
    start, end = span if span else (None, None)
    row = db.execute(
        "INSERT OR IGNORE INTO claims (text, norm_text, norm_hash, language, item_id, span_start, span_end, "
        "score, signals, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [claim_text, norm, digest, language, item_id, start, end, round(score, 4), json.dumps(signals),
         origin]).fetchone()
    created = row is not None
    claim_id = row[0] if created else db.execute("SELECT id FROM claims WHERE norm_hash = ?", [digest]).fetchone()[0]
    if item_id is not None:
        db.execute("INSERT OR IGNORE INTO claim_appearances (claim_id, item_id, span_start, span_end) "
                   "VALUES (?, ?, ?, ?)", [claim_id, item_id, start, end])
    return claim_id, created


def _store_claims(db: Database, item_id: int, article: Article, language: str) -> tuple[list[int], int]:
    """Extract an article's check-worthy sentences; returns (claim ids touched, claims created)."""
    touched, created = [], 0
    candidates = extract_claims(article.title, article.body, language, min_score=IMPORT_MIN_SCORE)
    for cand in candidates[:MAX_CLAIMS_PER_ITEM]:
        # Spans index the item's full text: title + blank line + body (as the review page shows it).
        offset = 0 if cand.in_title else len(article.title) + 2
        claim_id, new = add_claim_appearance(db, cand.text, item_id=item_id, language=language,
                                             span=(cand.start + offset, cand.end + offset),
                                             score=cand.score, signals=cand.signals)
        touched.append(claim_id)
        created += new
    merge_stories(db, touched, max_size=MAX_STORY_CLAIMS)  # the claims of one article tell one story
    return touched, created


def refresh_claim_stats(db: Database, claim_ids: Iterable[int]) -> None:
    """Recompute spread, first/last appearance and triage rank of these claims from their appearances."""
    ids = sorted(set(claim_ids))
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        marks = ",".join("?" * len(chunk))
        stats = db.execute(
            "SELECT c.id, c.score, c.priority, count(a.id), count(DISTINCT i.outlet), "
            "min(coalesce(i.published, substr(i.imported_at, 1, 10))), "
            "max(coalesce(i.published, substr(i.imported_at, 1, 10))), substr(c.created_at, 1, 10) "
            f"FROM claims c LEFT JOIN claim_appearances a ON a.claim_id = c.id LEFT JOIN items i ON i.id = a.item_id "
            f"WHERE c.id IN ({marks}) GROUP BY c.id", chunk).fetchall()
        db.conn.executemany(
            "UPDATE claims SET appearance_count = ?, outlet_count = ?, first_seen = ?, last_seen = ?, "
            "triage_rank = ? WHERE id = ?",
            [(n, outlets, first or created, last or created,
              triage_rank(score, outlets=outlets, appearances=n, last_seen=last or created, priority=priority), cid)
             for cid, score, priority, n, outlets, first, last, created in stats])


def store_articles(db: Database, articles: Iterable[Article], result: FileResult,
                   progress: ProgressFn | None = None, *, claims: bool = True) -> None:
    """Insert articles (and, unless ``claims`` is False, their claims) in the caller's transaction."""
    touched: list[int] = []
    created_before = db.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0]
    for n, article in enumerate(articles, 1):
        language = article.language or text.detect_language(f"{article.title} {article.body[:500]}")
        item_id = _insert_item(db, article, language)
        if item_id is None:
            result.duplicates += 1
        else:
            result.imported += 1
            result.item_ids.append(item_id)
            if claims and article.kind in CLAIM_KINDS:
                claim_ids, created = _store_claims(db, item_id, article, language)
                touched.extend(claim_ids)
                result.claims += created
        if progress and n % 500 == 0:
            progress(n)
    refresh_claim_stats(db, touched)
    new_claims = [r[0] for r in db.execute("SELECT id FROM claims WHERE id > ?", [created_before]).fetchall()]
    result.links += coverage.on_import(db, result.item_ids, new_claims)


def import_file(db: Database, path: str | Path, *, fmt: str = "auto", actor: str = "system",
                progress: ProgressFn | None = None, skip_invalid: bool = False, claims: bool = True) -> FileResult:
    """Import one file in one transaction; on any error the database is left exactly as it was.

    With ``skip_invalid``, bad records of a feed are skipped and listed in ``result.skipped``
    instead of failing the whole file (file-level problems still fail it). With ``claims=False`` the
    items are stored as coverage only (an archive to match against), without extracting claims.
    """
    result = FileResult(path=str(path), format=fmt)
    on_error = result.skipped.append if skip_invalid else None
    try:
        with write_transaction(db):
            store_articles(db, iter_articles(Path(path), fmt, on_error=on_error), result, progress, claims=claims)
            run_id = db.execute(
                "INSERT INTO import_runs (path, format, imported, duplicates, claims, actor) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [str(path), fmt, result.imported, result.duplicates, result.claims, actor],
            ).lastrowid
            record_event(db, actor=actor, action="import", entity="import_run", entity_id=run_id,
                         after={"path": str(path), "imported": result.imported,
                                "duplicates": result.duplicates, "claims": result.claims})
    except IngestError as exc:
        return FileResult(path=str(path), format=fmt, error=exc)
    except (OSError, UnicodeError, ValueError) as exc:  # a bug must not become a traceback; nothing was stored
        problem = f"internal error ({type(exc).__name__}: {exc}); nothing was imported, please report it"
        return FileResult(path=str(path), format=fmt, error=IngestError(Path(path), None, problem))
    return result


def import_files(db: Database, paths: Iterable[str | Path], *, fmt: str = "auto", actor: str = "system",
                 progress: ProgressFn | None = None, skip_invalid: bool = False,
                 claims: bool = True) -> list[FileResult]:
    """Import each file independently: one failing file does not stop the others."""
    return [import_file(db, p, fmt=fmt, actor=actor, progress=progress, skip_invalid=skip_invalid, claims=claims)
            for p in paths]
