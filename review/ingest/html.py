"""Saved news web pages: trafilatura extracts title, body, outlet (site name), date and canonical URL."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import trafilatura

from review.ingest.records import checked_date, checked_language
from review.ingest.source import ErrorHandler, IngestError, read_text
from review.models import Article

# Prefer the first-publication date over a 'modified' one; the page is the only source (no network).
_DATE_PARAMS = {"original_date": True, "extensive_search": True}
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z_-]+)", re.IGNORECASE)


def iter_html(path: Path, on_error: ErrorHandler | None = None) -> Iterator[Article]:
    """The one article of a saved HTML page; one record, so errors always raise."""
    yield parse_html(read_text(path), path)


def parse_html(markup: str, path: Path) -> Article:
    """Extract the main article of ``markup``; IngestError when the page holds no article text."""
    document = trafilatura.bare_extraction(
        markup, with_metadata=True, include_comments=False, include_tables=True, date_extraction_params=_DATE_PARAMS
    )
    if document is None or not (document.text or "").strip():
        raise IngestError(path, None, "no article text found in the HTML page")
    paragraphs = [line.strip() for line in document.text.split("\n") if line.strip()]
    title = (document.title or "").strip()
    if not title:
        title = paragraphs.pop(0) if len(paragraphs) > 1 else ""
    elif paragraphs and paragraphs[0] == title:  # trafilatura keeps the <h1> as the first line
        paragraphs.pop(0)
    body = "\n\n".join(paragraphs)
    return Article(
        kind="article",
        title=title,
        body=body,
        outlet=(document.sitename or "").strip() or None,
        url=(document.url or "").strip() or None,
        published=checked_date(document.date, "published", path, None),
        language=checked_language(_declared_language(markup), f"{title}\n{body}", path, None),
        source_file=str(path),
        line=1,
    )


def _declared_language(markup: str) -> str | None:
    """The <html lang> value when it is Arabic or English; None (detect from the text) otherwise."""
    match = _HTML_LANG.search(markup[:4096])
    code = match[1].lower()[:2] if match else None
    return code if code in ("ar", "en") else None
