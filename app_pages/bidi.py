"""Text direction and local formats in one place: isolates for mixed runs, captions aligned with the page's
language, dates and times as a reader of that language writes them.

Rule of thumb for pages: every value that comes from data (an id, a date, a number, a name, an outlet, a URL)
goes into a sentence through ``ltr`` (ids, dates, numbers, URLs) or ``iso`` (names and text of either direction),
so the Unicode bidi algorithm never reorders it with its neighbours ("#55" never shows as "55#" in Arabic).
"""
from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from app_pages.i18n import current_language, t

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"  # left-to-right isolate, first-strong isolate, pop isolate
AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
             "نوفمبر", "ديسمبر")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ltr(value: object) -> str:
    """A left-to-right run (id, ISO date, number, URL) isolated from the text around it."""
    return f"{LRI}{value}{PDI}"


def iso(value: object) -> str:
    """A run of either direction (a name, an outlet, a title) isolated: it keeps its own direction."""
    return f"{FSI}{value}{PDI}"


def ref(claim_id: object) -> str:
    """'#55' as one unit in any language."""
    return ltr(f"#{claim_id}")


def direction() -> str:
    """'rtl' or 'ltr' for the page's language."""
    return "rtl" if current_language() == "ar" else "ltr"


def list_sep() -> str:
    """The list separator of the page's language (the Arabic comma on Arabic pages)."""
    return "، " if current_language() == "ar" else ", "


def join_list(values) -> str:
    """Values (each isolated) joined with the page language's comma."""
    return list_sep().join(iso(v) for v in values)


def html_line(inner_html: str, *, muted: bool = False) -> None:
    """A line of already-escaped HTML aligned with the page's language (muted: in caption style)."""
    style = "color: var(--text-color, #555); opacity: .75; font-size: .875rem;" if muted else ""
    st.html(f'<div dir="{direction()}" style="text-align: start; line-height: 1.7; {style}">{inner_html}</div>')


def caption(text: str, *, muted: bool = True) -> None:
    """A caption aligned with the page's language; ``text`` is plain text (escaped here), runs already isolated."""
    html_line(html.escape(text), muted=muted)


def _month(day: dt.date) -> str:
    return (AR_MONTHS if current_language() == "ar" else EN_MONTHS)[day.month - 1]


def date_label(value: str | None) -> str:
    """'3 May 2016' / '3 مايو 2016' for an ISO date (or timestamp); 'date unknown' when there is none."""
    if not value:
        return t("date.unknown")
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return ltr(value)
    return f"{day.day} {_month(day)} {day.year}"


def month_label(value: str) -> str:
    """'May 2016' / 'مايو 2016' for an ISO date."""
    day = dt.date.fromisoformat(str(value)[:10])
    return f"{_month(day)} {day.year}"


def parse_stamp(value: str) -> dt.datetime:
    """A stored timestamp ('…Z' or naive = UTC) as an aware datetime; ValueError when it is not one."""
    stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def local_zone() -> dt.tzinfo:
    """The reader's time zone as the browser reports it (UTC when unknown)."""
    try:
        name = st.context.timezone
        return ZoneInfo(name) if name else dt.timezone.utc
    except (ZoneInfoNotFoundError, ValueError, AttributeError):
        return dt.timezone.utc


def time_label(value: str | None, *, with_date: bool = True) -> str:
    """A stored UTC timestamp in the reader's time zone: '3 May 2016 13:54' (or just '13:54')."""
    if not value:
        return t("date.unknown")
    try:
        stamp = parse_stamp(value)
    except ValueError:
        return ltr(value)
    local = stamp.astimezone(local_zone())
    clock = ltr(local.strftime("%H:%M"))
    return f"{date_label(local.date().isoformat())} {clock}" if with_date else clock
