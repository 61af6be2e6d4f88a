"""JSON Lines and CSV feeds in the corpus format (id, title, body, url, outlet, published, language)."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from review.ingest.records import checked_date, checked_language
from review.ingest.source import ErrorHandler, IngestError, decoded_lines, report
from review.models import ITEM_KINDS, Article

FIELDS = ("id", "title", "body", "url", "outlet", "published", "language")
_OPTIONAL_TEXT = ("url", "outlet", "published", "language", "kind")
_MAX_CSV_FIELD = 16 * 1024 * 1024  # csv's default 128 KB limit is below some real article bodies


def iter_jsonl(path: Path, on_error: ErrorHandler | None = None) -> Iterator[Article]:
    """Articles from a JSON Lines file (optionally .gz), one object per line, read line by line.

    A bad line raises IngestError, or goes to ``on_error`` and is skipped when that is given.
    """
    found = False
    for number, text in decoded_lines(path, on_error):
        if not text.strip():
            continue
        found = True
        try:
            article = to_article(_json_object(text, path, number), path, number)
        except IngestError as error:
            report(error, on_error)
            continue
        yield article
    if not found:
        raise IngestError(path, None, "empty file: no JSON records")


def iter_csv(path: Path, on_error: ErrorHandler | None = None) -> Iterator[Article]:
    """Articles from a CSV file (optionally .gz) whose header names the corpus fields, in any order.

    A bad row raises IngestError, or goes to ``on_error`` and is skipped when that is given;
    a bad header, bad UTF-8 or broken quoting always raises.
    """
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_CSV_FIELD))
    reader = csv.reader(text for _, text in decoded_lines(path))
    header: list[str] | None = None
    record_start = 1
    try:
        for row in reader:
            start, record_start = record_start, reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue
            if header is None:
                header = _check_header(path, start, row)
                continue
            try:
                article = to_article(_row_record(header, row, path, start), path, start)
            except IngestError as error:
                report(error, on_error)
                continue
            yield article
    except csv.Error as error:
        raise IngestError(path, record_start, f"malformed CSV: {error}") from None
    if header is None:
        raise IngestError(path, None, "empty file: no CSV header")


def _json_object(text: str, path: Path, line: int) -> dict[str, Any]:
    """The JSON object on one line; IngestError for invalid or truncated JSON or a non-object."""
    try:
        record = json.loads(text)
    except RecursionError:
        raise IngestError(path, line, "JSON nested too deeply (a news record is a flat object)") from None
    except json.JSONDecodeError as error:
        hint = " (truncated: the file ends inside this line)" if not text.endswith("\n") else ""
        raise IngestError(path, line, f"invalid JSON{hint}: {error.msg} at column {error.colno}") from None
    if not isinstance(record, dict):
        raise IngestError(path, line, f"expected a JSON object, found {_type_name(record)}")
    return record


def _row_record(header: list[str], row: list[str], path: Path, line: int) -> dict[str, str | None]:
    """A CSV row as a record (empty cells are None); IngestError when its width differs from the header."""
    if len(row) != len(header):
        which = "missing" if len(row) < len(header) else "extra"
        raise IngestError(path, line, f"{which} column: expected {len(header)} columns as in the header, found {len(row)}")
    return dict(zip(header, (cell.replace("\r\n", "\n") or None for cell in row)))


def _check_header(path: Path, line: int, row: list[str]) -> list[str]:
    """The normalised column names; IngestError when a corpus field is missing or a name repeats."""
    names = [cell.strip().lower().removeprefix("\ufeff") for cell in row]
    missing = [field for field in FIELDS if field not in names]
    if missing:
        raise IngestError(path, line, f"CSV header lacks required columns: {', '.join(missing)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise IngestError(path, line, f"CSV header repeats columns: {', '.join(repeated)}")
    return names


def to_article(record: Mapping[str, Any], path: Path, line: int) -> Article:
    """Check one feed record's fields and turn it into an Article (unknown keys are ignored)."""
    for field in ("title", "body", *_OPTIONAL_TEXT):
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise IngestError(path, line, f"field {field!r} must be a string or null, found {_type_name(value)}")
    source_id = record.get("id")
    if source_id is not None and (isinstance(source_id, bool) or not isinstance(source_id, (str, int))):
        raise IngestError(path, line, f"field 'id' must be a string, number or null, found {_type_name(source_id)}")
    title = (record.get("title") or "").strip()
    body = (record.get("body") or "").strip()
    if not title and not body:
        raise IngestError(path, line, "missing required field: title or body must be non-empty")
    kind = (record.get("kind") or "article").strip().lower()
    if kind not in ITEM_KINDS:
        raise IngestError(path, line, f"field 'kind' must be one of {', '.join(ITEM_KINDS)}, found {kind!r}")
    return Article(
        kind=kind,
        title=title,
        body=body,
        outlet=_clean(record.get("outlet")),
        url=_clean(record.get("url")),
        published=checked_date(record.get("published"), "published", path, line),
        language=checked_language(record.get("language"), f"{title}\n{body}", path, line),
        source_file=str(path),
        source_id=None if source_id is None else str(source_id),
        line=line,
    )


def _clean(value: str | None) -> str | None:
    """The stripped string, or None for an absent or blank value."""
    if value is None:
        return None
    return value.strip() or None


def _type_name(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
