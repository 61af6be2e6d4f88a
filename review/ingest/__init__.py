"""Import parsers: files (aggregator pages, HTML, JSON Lines, CSV, RSS/Atom) → Article records (pure).

Every parser streams ``review.models.Article`` values and raises ``IngestError`` naming the file,
the line where known, and the problem. The database side (storing, transactions) lives elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from review.ingest.source import ErrorHandler, IngestError, check_head, is_gzip, read_head
from review.models import Article

__all__ = ["FORMATS", "IngestError", "detect_format", "iter_articles"]

FORMATS = ("page", "html", "jsonl", "csv", "rss")

_BY_EXTENSION = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json-lines": "jsonl", ".csv": "csv",
    ".rss": "rss", ".atom": "rss", ".xml": "rss", ".html": "html", ".htm": "html",
}
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
    return "page"


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
    return _parser(fmt)(path, on_error)


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
