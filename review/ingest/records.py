"""Field checks shared by the parsers: dates and languages as an Article stores them."""
from __future__ import annotations

from pathlib import Path

from review.ingest.dates import DateError, parse_date
from review.ingest.source import IngestError
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
