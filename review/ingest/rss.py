"""RSS 2.0 and Atom feeds via feedparser: one Article per entry."""
from __future__ import annotations

import re
import xml.sax
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser

from review.ingest.dates import DateError, from_struct_time
from review.ingest.records import checked_date, checked_language
from review.ingest.source import ErrorHandler, IngestError, read_text, report
from review.models import Article

_ENTRY_START = re.compile(r"<(?:item|entry)[\s>/]")
_BLOCK_TAGS = {"p", "br", "div", "li", "ul", "ol", "tr", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "figure", "figcaption", "pre", "table", "hr"}
_SKIP_TAGS = {"script", "style", "noscript", "template"}
_SPACES = re.compile(r"[^\S\n]+")


def iter_rss(path: Path, on_error: ErrorHandler | None = None) -> Iterator[Article]:
    """The entries of an RSS or Atom feed file as Articles (a bad entry goes to ``on_error`` when given)."""
    text = read_text(path)
    parsed = feedparser.parse(text.encode("utf-8"))
    error = parsed.get("bozo_exception")
    if parsed.get("bozo") and isinstance(error, xml.sax.SAXException):
        line = error.getLineNumber() if isinstance(error, xml.sax.SAXParseException) else None
        raise IngestError(path, line, f"malformed feed XML: {error.getMessage()}")
    if parsed.get("version", "") == "" and not parsed.entries:
        raise IngestError(path, None, "not an RSS or Atom feed")
    outlet = strip_html(parsed.feed.get("title", "")) or None
    feed_language = parsed.feed.get("language")
    starts = _line_numbers(text, (m.start() for m in _ENTRY_START.finditer(text)))
    if len(starts) != len(parsed.entries):  # e.g. '<item' inside CDATA: line numbers unknown
        starts = [None] * len(parsed.entries)
    for entry, line in zip(parsed.entries, starts):
        try:
            article = _entry_article(entry, outlet, feed_language, path, line)
        except IngestError as error:
            report(error, on_error)
            continue
        yield article


def _line_numbers(text: str, offsets: Iterator[int]) -> list[int | None]:
    """1-based line numbers of increasing ``offsets``, counting newlines once (linear in the text)."""
    numbers: list[int | None] = []
    line, last = 1, 0
    for offset in offsets:
        line += text.count("\n", last, offset)
        last = offset
        numbers.append(line)
    return numbers


def _entry_article(entry: Any, outlet: str | None, feed_language: str | None, path: Path, line: int | None) -> Article:
    """One feed entry as an Article: id/guid, link, title, content or summary as text, date."""
    title_detail = entry.get("title_detail") or {}
    title = entry.get("title", "")
    title = strip_html(title) if "html" in title_detail.get("type", "") else " ".join(title.split())
    detail = _body_detail(entry)
    body = strip_html(detail.get("value", "")) if detail else ""
    if not title and not body:
        raise IngestError(path, line, "feed entry has neither title nor content")
    declared = detail.get("language") or title_detail.get("language") or feed_language
    return Article(
        kind="article",
        title=title,
        body=body,
        outlet=outlet,
        url=entry.get("link") or None,
        published=_entry_date(entry, path, line),
        language=checked_language(declared, f"{title}\n{body}", path, line),
        source_file=str(path),
        source_id=entry.get("id") or None,
        line=line,
    )


def _body_detail(entry: Any) -> dict[str, Any]:
    """The richest text of an entry: its content (content:encoded, Atom content), else its summary."""
    for content in entry.get("content") or []:
        if content.get("value", "").strip():
            return content
    return entry.get("summary_detail") or {}


def _entry_date(entry: Any, path: Path, line: int | None) -> str | None:
    """ISO date from feedparser's parsed published (else updated) tuple, else our parser on the raw text."""
    for field in ("published", "updated"):
        parsed = entry.get(f"{field}_parsed")
        if parsed:
            try:
                return from_struct_time(parsed)
            except DateError:
                pass
        if entry.get(field):  # a form feedparser does not know, e.g. an Arabic month name
            return checked_date(entry[field], field, path, line)
    return None


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment, one paragraph per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a paragraph at a block tag; start skipping script/style."""
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        """Close a paragraph at a block tag; stop skipping script/style."""
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Keep text outside script/style."""
        if not self.skipping:
            self.parts.append(data)


def strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment: paragraphs separated by a blank line, spaces collapsed."""
    text = fragment
    if "<" in fragment or "&" in fragment:
        collector = _TextCollector()
        collector.feed(fragment)
        collector.close()
        text = "".join(collector.parts)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)
