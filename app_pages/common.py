"""Glue shared by pages: the database connection for this run, messages, and safe text rendering."""
from __future__ import annotations

import argparse
import html
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from sqlite_utils import Database

from app_pages.bidi import caption, iso, list_sep
from app_pages.i18n import t
from db.connection import DEFAULT_DB_PATH, connect, open_db, resolve_db_path
from review import text as textmod
from review.claims import DEFAULT_MIN_SCORE
from review.errors import ConflictError, NotFoundError, PermissionDenied, ReviewError, ValidationError, WorkflowError

log = logging.getLogger("tabayyun.dashboard")
_WORD = re.compile(r"[\w\u0600-\u06FF]+(?:[.,٫][0-9٠-٩]+)*")


def db_path_from_argv(argv: list[str] | None = None) -> Path:
    """`streamlit run dashboard.py -- --db PATH`, else $TABAYYUN_DB, else data/tabayyun.db."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return resolve_db_path(known.db)


def db_path() -> Path:
    """This session's database file."""
    return Path(st.session_state.get("db_path") or db_path_from_argv())


def data_dir() -> Path:
    """The folder holding the database (and the generated session-signing key)."""
    return db_path().resolve().parent


@st.cache_resource(show_spinner=False)
def _migrated(path: str) -> str:
    """Apply migrations once per database path per server process (creating the default data folder)."""
    if Path(path) == DEFAULT_DB_PATH:
        DEFAULT_DB_PATH.parent.mkdir(exist_ok=True)
    open_db(path).close()
    return path


def get_db() -> Database:
    """A connection for this script run (connections are never shared across sessions)."""
    return connect(_migrated(str(db_path())))


def show_error(exc: Exception) -> None:
    """A refused action as a clear message (nothing was changed)."""
    kinds = {ConflictError: "error.conflict", PermissionDenied: "error.permission", WorkflowError: "error.workflow",
             ValidationError: "error.validation", NotFoundError: "error.not_found"}
    key = next((k for cls, k in kinds.items() if isinstance(exc, cls)), "error.refused")
    st.error(t(key, detail=md_plain(exc)))


def text_block(text: str | None, *, muted: bool = False) -> None:
    """Article or user text, shown as text (escaped, never HTML or Markdown) and in its own direction."""
    style = "color: var(--text-color, #555); opacity: .75;" if muted else ""
    st.html(f'<div dir="auto" style="white-space: pre-wrap; unicode-bidi: plaintext; {style}">'
            f"{html.escape(text or '')}</div>")


def run_safely(page: Callable[[], None]) -> None:
    """Run a page; a refused action or an unexpected error becomes a message, never a traceback."""
    try:
        page()
    except ReviewError as exc:
        show_error(exc)
    except Exception:  # noqa: BLE001 - the edge where errors become user messages
        log.exception("page failed")
        st.error(t("error.unexpected"))


def current_user():
    """The logged-in user (set by dashboard.py before any page runs)."""
    return st.session_state["current_user"]


def page_path(name: str) -> str:
    """Path of a page file, as st.Page and st.switch_page want it."""
    return f"app_pages/{name}.py"


def open_claim(claim_id: int) -> None:
    """Go to the claim review page for ``claim_id`` (a deep link: ?claim=ID)."""
    st.switch_page(page_path("review"), query_params={"claim": str(claim_id)})


def marked_html(text: str, spans: list[tuple[int, int]]) -> str:
    """Escaped ``text`` with the given character spans wrapped in <mark> (overlaps merged)."""
    out, pos = [], 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans if s is not None and e is not None):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def word_spans(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Spans of the words of ``text`` whose normalised form (or light stem) is in ``wanted``."""
    spans = []
    for match in _WORD.finditer(text):
        norm = textmod.normalize(match.group())
        if norm and (norm in wanted or textmod.light_stem(norm) in wanted):
            spans.append(match.span())
    return spans


def rich_block(inner_html: str) -> None:
    """Show already-escaped HTML (from marked_html) in its own text direction."""
    st.html(f'<div dir="auto" style="white-space: pre-wrap; unicode-bidi: plaintext; line-height: 1.7">'
            f"{inner_html}</div>")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_plain(value: object) -> str:
    """``value`` made inert for Streamlit labels and captions, which render Markdown (links, images)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value if value is not None else ""))


def match_words(why: dict) -> set[str]:
    """The words a match explanation says the item shares with the claim (to highlight), stop words left out."""
    return ({w for w in why.get("shared_words", []) if not textmod.is_stop_word(w)}
            | {str(n) for n in why.get("shared_numbers", [])} | {f for _, f in why.get("fuzzy_terms", [])})


def surface_forms(wanted: list[str], *texts: str) -> list[str]:
    """For each normalised word, the first spelling of it (or of its light stem) in ``texts``: وثايق → وثائق."""
    found: dict[str, str] = {}
    exact, by_stem = set(wanted), {textmod.light_stem(w): w for w in wanted}
    for source in texts:
        for match in _WORD.finditer(source or ""):
            if len(found) == len(wanted):
                break
            norm = textmod.normalize(match.group())
            key = norm if norm in exact else by_stem.get(textmod.light_stem(norm))
            if key and key not in found:
                found[key] = match.group()
    return [found.get(w, w) for w in wanted]


WORTHY = DEFAULT_MIN_SCORE  # the model's decision threshold: from here a sentence is check-worthy
VERY_WORTHY = 0.85  # "very check-worthy" in the queue and its filter


def worthiness(score: float) -> str:
    """Check-worthiness in words (the number belongs in a tooltip)."""
    return t("worthy.high" if score >= VERY_WORTHY else "worthy.medium" if score >= WORTHY else "worthy.low")


def match_strength(score: float, strong: float, suggest: float) -> str:
    """Match strength in words for a coverage score, given the desk's measured thresholds."""
    return t("strength.strong" if score >= strong else "strength.possible" if score >= suggest else "strength.weak")


def hover(text: str, tip: str) -> str:
    """Escaped ``text`` that shows ``tip`` on hover (HTML)."""
    return f'<span title="{html.escape(tip, quote=True)}" style="border-bottom: 1px dotted">{html.escape(text)}</span>'


def safe_link(url: str, label: str | None = None) -> str:
    """An http(s) URL as a clickable link opening in a new tab (HTML); anything else as inert text."""
    label_html = f"<bdi>{html.escape(label or url)}</bdi>"
    if not re.match(r"(?i)https?://", url or ""):
        return label_html
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{label_html}</a>'


def show_match_evidence(why: dict, title: str, body: str, *, lead_chars: int = 0, claim_text: str = "") -> None:
    """Why an item matched: same story in another language, the matching passage highlighted, the shared terms
    (as spelled in the text, function words left out)."""
    if why.get("same_story_language"):
        caption(t("review.same_story", language=t("language." + why["same_story_language"])))
    shared = match_words(why)
    passage = why.get("passage")
    if passage and passage.get("ord"):  # a body passage (ord 0 is the title, shown by the caller)
        excerpt = f"{title}\n\n{body}"[passage["start"]:passage["end"]]
        caption(t("review.passage", n=passage["ord"]))
        rich_block(marked_html(excerpt, word_spans(excerpt, shared)))
    elif lead_chars and body:
        lead = body[:lead_chars]
        rich_block(marked_html(lead, word_spans(lead, shared)))
    details = []
    words = [w for w in why.get("shared_words", []) if not textmod.is_stop_word(w)]
    if words:
        details.append(f"{t('why.shared_words')}: {list_sep().join(iso(w) for w in surface_forms(words, claim_text, title, body))}")
    for key in ("shared_numbers", "conflicting_numbers", "shared_names", "fuzzy_terms"):
        if why.get(key):
            values = [" → ".join(map(str, v)) if isinstance(v, list) else str(v) for v in why[key]]
            details.append(f"{t('why.' + key)}: {list_sep().join(iso(v) for v in values)}")
    if details:
        caption(" · ".join(details))
