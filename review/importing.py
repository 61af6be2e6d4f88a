"""The import use case: files → items (+ claims and suggested coverage), one transaction per file."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from db.connection import write_transaction
from review import text
from review.audit import record_event
from review.ingest import IngestError, iter_articles
from review.models import Article

ProgressFn = Callable[[int], None]


@dataclass
class FileResult:
    """What importing one file did (or why it did nothing)."""

    path: str
    format: str = "auto"
    imported: int = 0
    duplicates: int = 0
    claims: int = 0
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


def _insert_item(db: Database, article: Article) -> int | None:
    """Insert one item; None when it is already stored (same content hash or same url)."""
    language = article.language or text.detect_language(f"{article.title} {article.body}")
    row = db.execute(
        "INSERT OR IGNORE INTO items (kind, title, body, outlet, url, published, language, "
        "source_file, source_id, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [article.kind, article.title, article.body, article.outlet, article.url or None,
         article.published, language, article.source_file, article.source_id, content_hash(article)],
    ).fetchone()
    return row[0] if row else None


def store_articles(db: Database, articles: Iterable[Article], result: FileResult,
                   progress: ProgressFn | None = None) -> None:
    """Insert articles inside the caller's transaction, counting new items and duplicates."""
    for n, article in enumerate(articles, 1):
        item_id = _insert_item(db, article)
        if item_id is None:
            result.duplicates += 1
        else:
            result.imported += 1
            result.item_ids.append(item_id)
        if progress and n % 500 == 0:
            progress(n)


def import_file(db: Database, path: str | Path, *, fmt: str = "auto", actor: str = "system",
                progress: ProgressFn | None = None, skip_invalid: bool = False) -> FileResult:
    """Import one file in one transaction; on any error the database is left exactly as it was.

    With ``skip_invalid``, bad records of a feed are skipped and listed in ``result.skipped``
    instead of failing the whole file (file-level problems still fail it).
    """
    result = FileResult(path=str(path), format=fmt)
    on_error = result.skipped.append if skip_invalid else None
    try:
        with write_transaction(db):
            store_articles(db, iter_articles(Path(path), fmt, on_error=on_error), result, progress)
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
    except (OSError, UnicodeError, ValueError) as exc:  # a parser bug must not become a traceback
        return FileResult(path=str(path), format=fmt, error=IngestError(Path(path), None, str(exc)))
    return result


def import_files(db: Database, paths: Iterable[str | Path], *, fmt: str = "auto", actor: str = "system",
                 progress: ProgressFn | None = None, skip_invalid: bool = False) -> list[FileResult]:
    """Import each file independently: one failing file does not stop the others."""
    return [import_file(db, p, fmt=fmt, actor=actor, progress=progress, skip_invalid=skip_invalid)
            for p in paths]
