"""Import parsers: files (aggregator pages, HTML, JSON Lines, CSV, RSS/Atom) → Article records (pure).

Every parser streams ``review.models.Article`` values and raises ``IngestError`` naming the file,
the line where known, and the problem. The database side (storing, transactions) lives elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from review.ingest.records import MAX_ITEMS_PER_FILE, checked_article
from review.ingest.source import ErrorHandler, IngestError, check_head, is_gzip, read_head, report
from review.models import Article

__all__ = ["FORMATS", "IngestError", "detect_format", "expand_paths", "iter_articles"]

FORMATS = ("page", "html", "jsonl", "csv", "rss")

_BY_EXTENSION = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json-lines": "jsonl", ".csv": "csv",
    ".rss": "rss", ".atom": "rss", ".xml": "rss", ".html": "html", ".htm": "html",
}
_PAGE_EXTENSIONS = {".txt", ".text", ""}  # aggregator pages are saved as plain text
KNOWN_EXTENSIONS = frozenset({*_BY_EXTENSION, ".json", *_PAGE_EXTENSIONS} - {""})
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_FEED_TAG = re.compile(r"<(?:rss|feed|rdf:RDF)[\s>]")


def detect_format(path: Path) -> str:
    """One of FORMATS for ``path``, from its extension and its first 64 KB; IngestError if empty or binary."""
    path = Path(path)
    head = check_head(path, read_head(path))
    name = path.name.lower().removesuffix(".gz") if is_gzip(path) else path.name.lower()
    extension = Path(name).suffix
    by_extension = _BY_EXTENSION.get(extension)
    if by_extension == "rss":
        if not _FEED_TAG.search(head):
            raise IngestError(path, None, f"a {extension} file without <rss> or <feed>: not an RSS/Atom feed")
        return "rss"
    if by_extension:
        return by_extension
    if _HTML_START.match(head):
        return "html"
    if head.lstrip().startswith("<?xml") and _FEED_TAG.search(head):
        return "rss"
    if extension == ".json" and head.lstrip().startswith("{"):
        return "jsonl"
    if extension not in _PAGE_EXTENSIONS:
        raise IngestError(path, None, f"unknown file type {extension!r}: Tabayyun imports "
                                      f"{', '.join(sorted(KNOWN_EXTENSIONS))} (optionally .gz); "
                                      "give --format to import it anyway")
    return "page"


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """(files to import, files skipped): folders are walked for the file types the importer knows.

    A file named explicitly is always kept (its type is checked when it is imported); inside a
    folder, hidden files and unknown types (README.md, images…) are skipped and listed.
    """
    files: list[Path] = []
    skipped: list[Path] = []
    for given in map(Path, paths):
        if not given.is_dir():
            files.append(given)
            continue
        for found in sorted(p for p in given.rglob("*") if p.is_file()):
            name = found.name.lower().removesuffix(".gz")
            hidden = any(part.startswith(".") for part in found.relative_to(given).parts)
            known = Path(name).suffix in KNOWN_EXTENSIONS
            (files if known and not hidden else skipped).append(found)
    return files, skipped


def iter_articles(path: Path, fmt: str = "auto", *, on_error: ErrorHandler | None = None) -> Iterator[Article]:
    """Stream the Articles of a file in format ``fmt`` ('auto' detects it); IngestError on bad input.

    With ``on_error``, a bad record of a JSONL/CSV/RSS file is passed to it and skipped instead
    of stopping the import; file-level problems (empty, binary, bad header) always raise.
    """
    path = Path(path)
    if fmt == "auto":
        fmt = detect_format(path)
    elif fmt in FORMATS:
        # Line-based formats report bad UTF-8 per line (with its number), so skip that check here.
        check_head(path, read_head(path), utf8=fmt not in ("jsonl", "csv"))
    else:
        raise IngestError(path, None, f"unknown format {fmt!r} (expected auto or one of {', '.join(FORMATS)})")
    return _bounded(_parser(fmt)(path, on_error), path, on_error)


def _bounded(articles: Iterator[Article], path: Path, on_error: ErrorHandler | None) -> Iterator[Article]:
    """Each article checked (size, control characters, URL), at most MAX_ITEMS_PER_FILE of them."""
    count = 0
    for article in articles:
        try:
            article = checked_article(article, path)
        except IngestError as error:
            report(error, on_error)
            continue
        count += 1
        if count > MAX_ITEMS_PER_FILE:
            raise IngestError(path, article.line, f"more than {MAX_ITEMS_PER_FILE:,} items in one file: split it")
        yield article


def _parser(fmt: str) -> Callable[[Path, ErrorHandler | None], Iterator[Article]]:
    """The parse function of a format (imported on demand: trafilatura alone takes ~0.2 s to import)."""
    if fmt == "jsonl":
        from review.ingest.feeds import iter_jsonl
        return iter_jsonl
    if fmt == "csv":
        from review.ingest.feeds import iter_csv
        return iter_csv
    if fmt == "rss":
        from review.ingest.rss import iter_rss
        return iter_rss
    if fmt == "html":
        from review.ingest.html import iter_html
        return iter_html
    from review.ingest.page import iter_page
    return iter_page
