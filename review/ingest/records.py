"""Field checks shared by the parsers: dates, languages, sizes and URLs as an Article stores them."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from review.ingest.dates import DateError, parse_date
from review.ingest.source import IngestError
from review.models import Article
from review.text import detect_language

LANGUAGES = ("ar", "en")
_LANGUAGE_SAMPLE = 500  # characters the language guess looks at (the placeholder costs ~0.1 µs per char)


def checked_date(value: str | None, field: str, path: Path, line: int | None) -> str | None:
    """ISO date of a field's value (None when absent); IngestError naming field and value otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return parse_date(value.strip())
    except DateError:
        raise IngestError(path, line, f"unparseable date in field {field!r}: {value!r}") from None


def checked_language(value: str | None, text: str, path: Path, line: int | None) -> str:
    """'ar' or 'en' from a stated language ('ar', 'en-US', ...), else detected from ``text``."""
    if value is None or not value.strip():
        return detect_language(text[:_LANGUAGE_SAMPLE])
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise IngestError(path, line, f"field 'language' must be 'ar' or 'en', found {value!r}")
    return code


MAX_TITLE_CHARS = 2_000  # a real headline is under 300; a longer "title" is a page without line breaks
MAX_BODY_CHARS = 1_000_000  # ~150 pages of text: far above any article, small enough to analyse
MAX_ITEMS_PER_FILE = 250_000  # a year of a busy feed; bigger archives are split into several files
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WEB_URL = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)


def checked_article(article: Article, path: Path) -> Article:
    """The article with control characters removed and a non-web URL dropped; IngestError when it is too big."""
    where = article.line
    if len(article.title) > MAX_TITLE_CHARS:
        raise IngestError(path, where, f"title of {len(article.title):,} characters (at most {MAX_TITLE_CHARS:,}): "
                                       "a page without line breaks, or a body in the title field")
    if len(article.body) > MAX_BODY_CHARS:
        raise IngestError(path, where, f"body of {len(article.body):,} characters (at most {MAX_BODY_CHARS:,})")
    title, body = CONTROL_CHARS.sub("", article.title).strip(), CONTROL_CHARS.sub("", article.body).strip()
    if not title and not body:
        raise IngestError(path, where, "title and body hold only control characters")
    outlet = CONTROL_CHARS.sub("", article.outlet).strip() or None if article.outlet else None
    return replace(article, title=title, body=body, outlet=outlet, url=web_url(article.url))


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address; None otherwise (javascript:, data:, file:, relative paths)."""
    if not url:
        return None
    url = CONTROL_CHARS.sub("", url).strip()
    return url if _WEB_URL.match(url) and not any(c.isspace() for c in url) else None
