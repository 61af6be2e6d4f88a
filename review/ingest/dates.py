"""Date parsing for imported items: Arabic and Latin forms → ISO 'YYYY-MM-DD' (pure, table-driven)."""
from __future__ import annotations

import datetime as dt
import re
import time


class DateError(ValueError):
    """A date string none of the known forms could read."""


# One table of month names; spellings are normalised (_fold) before lookup, so hamza
# and alef variants (أبريل/ابريل/إبريل) need no entries of their own.
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "كانون ثاني", "جانفي", "january", "jan"),
    2: ("فبراير", "شباط", "فيفري", "february", "feb"),
    3: ("مارس", "آذار", "march", "mar"),
    4: ("أبريل", "نيسان", "أفريل", "april", "apr"),
    5: ("مايو", "أيار", "ماي", "may"),
    6: ("يونيو", "حزيران", "جوان", "june", "jun"),
    7: ("يوليو", "تموز", "يوليوز", "جويلية", "july", "jul"),
    8: ("أغسطس", "آب", "غشت", "أوت", "august", "aug"),
    9: ("سبتمبر", "أيلول", "شتنبر", "september", "sep", "sept"),
    10: ("أكتوبر", "تشرين الأول", "تشرين أول", "october", "oct"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر", "november", "nov"),
    12: ("ديسمبر", "كانون الأول", "كانون أول", "دجنبر", "december", "dec"),
}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TASHKEEL = re.compile(r"[\u064B-\u0652\u0640]")  # harakat and tatweel
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


def _fold(text: str) -> str:
    """Lower-case, ASCII digits, no harakat/tatweel, unified alef/yeh/teh marbuta."""
    return _TASHKEEL.sub("", text.translate(_DIGITS)).translate(_LETTERS).lower()


_MONTH_BY_NAME = {_fold(name): month for month, names in _MONTHS.items() for name in names}
_TWO_WORD_MONTHS = {name for name in _MONTH_BY_NAME if " " in name}

_TIME = re.compile(r"(?<=\d)t(?=\d)|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?(?:\s*[ap]\.?m\.?)?")
_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_MIN_YEAR = 1800  # below this it is a Hijri year or noise, not a Gregorian one


def parse_date(text: str) -> str:
    """ISO 'YYYY-MM-DD' for a date written as Y-M-D, D-M-Y, D/M/Y numbers or day, month name, year."""
    if len(text) == 10 and text[4] == text[7] == "-":  # the common case, 'YYYY-MM-DD', without the general machinery
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    folded = " ".join(_TIME.sub(" ", _fold(text)).split())  # a time of day never decides the date
    if not folded:
        raise DateError(f"cannot read a date in {text!r}")
    if m := _YEAR_FIRST.search(folded):
        return _iso(text, int(m[1]), int(m[3]), int(m[4]))
    if m := _DAY_FIRST.search(folded):  # the aggregator's "DD - MM - YYYY", "03/05/2016"
        day, month, year = int(m[1]), int(m[3]), int(m[4])
        if month > 12 >= day:  # written month-first (05/23/2016)
            day, month = month, day
        return _iso(text, year, month, day)
    return _named_month_date(text, folded)


def _named_month_date(text: str, folded: str) -> str:
    """Read 'الثلاثاء 3 ماي 2016', '3 أيار (مايو) 2016', 'May 3, 2016' and the like."""
    tokens = _TOKEN.findall(folded)
    months: set[int] = set()
    numbers: list[int] = []
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i:i + 2])
        if pair in _TWO_WORD_MONTHS:
            months.add(_MONTH_BY_NAME[pair])
            i += 2
            continue
        token = tokens[i]
        if token.isdigit():
            numbers.append(int(token))
        elif token in _MONTH_BY_NAME:
            months.add(_MONTH_BY_NAME[token])
        i += 1
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if 1 <= n <= 31]
    if len(months) != 1 or len(years) != 1 or len(days) != 1:
        raise DateError(f"cannot read a date in {text!r}")
    return _iso(text, years[0], months.pop(), days[0])


def _iso(text: str, year: int, month: int, day: int) -> str:
    """The ISO string for a real calendar date, else DateError naming ``text``."""
    if year < _MIN_YEAR:
        raise DateError(f"year {year} in {text!r} is not a Gregorian year")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as error:
        raise DateError(f"no such date {text!r}: {error}") from None


def from_struct_time(value: time.struct_time) -> str:
    """ISO date of a time tuple such as feedparser's ``published_parsed``."""
    return _iso(time.strftime("%Y-%m-%d", value), value.tm_year, value.tm_mon, value.tm_mday)
