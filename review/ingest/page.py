"""Aggregator text pages: a ticker of headlines, widget boilerplate, title, 'نشر في … يوم …' line, body."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from review.ingest.records import checked_date, checked_language
from review.ingest.source import ErrorHandler, IngestError, read_text
from review.models import Article

# Whole lines that are page furniture, not article text (matched after whitespace is collapsed).
BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"شكر[اًا]* (?:لك )?على (?:ال)?[إا]بلاغ ?[!.]*",  # report-image widget
        r"سيتم حجب هذه الصورة تلقائيا?ً? عندما يتم (?:ال)?[إا]بلاغ عنها من طرف عدة أشخاص ?\.?",
        r"(?:ال)?[إاأ]بلاغ عن (?:هذه )?(?:ال)?(?:صورة|محتوى)(?: غير لائق[ةه]?)? ?[!.]*",
        r"(?:[إا]?نقر|[إا]ضغط) هنا (?:لقراءة|لمتابعة) (?:ال)?(?:خبر|مقال|موضوع)(?: كاملا?ً?)? من (?:مصدره|المصدر) ?\.?",
        r"[إا]قر[أا] (?:ال)?(?:خبر|مقال) من (?:مصدره|المصدر)(?: الأصلي)? ?\.?",
        r"المصدر ?: ?.{0,40}",  # a bare source credit under the body
    )
)

# 'نشر في <outlet> يوم <date>' (also with harakat on نُشر); the outlet may itself contain يوم (المصري اليوم).
DATE_LINE = re.compile(r"نُ?شِ?رَ? في (?P<outlet>.+) يوم (?P<date>.+)")

# Ticker separators, tried in order: runs of no-break spaces, tabs, then ' | '.
# (' | ' last: a headline inside a no-break-space ticker may contain it.)
_TICKER_SEPARATORS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(?:[ \t]*\u00a0){2,}[ \t]*"), 2),
    (re.compile(r" *\t+ *"), 2),
    (re.compile(r"\s+\|\s+"), 3),  # minimum parts: two would also fit a title like 'كيوسك | …'
)
MAX_TICKER_HEADLINES = 500  # a real ticker carries a few dozen; thousands mean a list, not a page
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def iter_page(path: Path, on_error: ErrorHandler | None = None) -> Iterator[Article]:
    """The ticker headlines and article of an aggregator page; one record, so errors always raise."""
    yield from parse_page(read_text(path), path)


def parse_page(text: str, path: Path) -> list[Article]:
    """Split page text (with '\\n' line endings) into headline Articles and one article Article."""
    raw_lines = text.split("\n")
    content = [(n, clean_line(line)) for n, line in enumerate(raw_lines, start=1)]
    content = [(n, line) for n, line in content if line and not is_boilerplate(line)]
    date_at = _date_line_index(content)
    items: list[Article] = []
    if content and date_at != 1:  # a first line right above the date line is the title, not a ticker
        first_number = content[0][0]
        headlines = split_ticker(raw_lines[first_number - 1])
        if len(headlines) > MAX_TICKER_HEADLINES:
            raise IngestError(path, first_number, f"ticker line with {len(headlines):,} headlines (at most "
                                                  f"{MAX_TICKER_HEADLINES}): import a list of headlines as JSONL or CSV")
        if headlines:
            items = [_headline(h, path, first_number) for h in headlines]
            content = content[1:]
            date_at = None if date_at is None else date_at - 1
    if date_at is None:
        if content:
            items.append(_article(content[:1], None, content[1:], path))
        return items
    title = content[date_at - 1: date_at] if date_at > 0 else []
    items.append(_article(title, content[date_at], content[date_at + 1:], path))
    return items


def _date_line_index(content: list[tuple[int, str]]) -> int | None:
    """Index of the first 'نشر في … يوم …' line in ``content``, or None."""
    return next((i for i, (_, line) in enumerate(content) if DATE_LINE.fullmatch(line)), None)


def _article(
    title: list[tuple[int, str]],
    dated: tuple[int, str] | None,
    body: list[tuple[int, str]],
    path: Path,
) -> Article:
    """The page's article from its title line, its 'نشر في' line (if any) and its paragraphs."""
    title_text = title[0][1] if title else ""
    body_text = "\n\n".join(line for _, line in body)
    line = title[0][0] if title else (dated[0] if dated else body[0][0])
    if not title_text and not body_text:
        raise IngestError(path, line, "page has a date line but no title or body")
    outlet, published = None, None
    if dated and (match := DATE_LINE.fullmatch(dated[1])):
        outlet = match["outlet"].strip()
        published = checked_date(match["date"], "published", path, dated[0])
    return Article(
        kind="article",
        title=title_text,
        body=body_text,
        outlet=outlet,
        published=published,
        language=checked_language(None, f"{title_text}\n{body_text}", path, line),
        source_file=str(path),
        line=line,
    )


def _headline(text: str, path: Path, line: int) -> Article:
    """A ticker headline: an item with a title and nothing else."""
    return Article(
        kind="headline", title=text, language=checked_language(None, text, path, line), source_file=str(path), line=line
    )


def split_ticker(line: str) -> list[str]:
    """The headlines of a ticker line, or [] when the line does not look like one."""
    for separator, minimum in _TICKER_SEPARATORS:
        parts = [clean_line(part) for part in separator.split(line)]
        parts = [part for part in parts if part]
        if len(parts) >= minimum:
            return parts
    return []


def clean_line(line: str) -> str:
    """The line without invisible direction marks, with every run of spaces as one space."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()


def is_boilerplate(line: str) -> bool:
    """True for a (cleaned) line that is page furniture listed in BOILERPLATE."""
    return any(pattern.fullmatch(line) for pattern in BOILERPLATE)
