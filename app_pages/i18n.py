"""The interface's strings: one JSON catalogue per language under app_pages/locales/."""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import streamlit as st

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "ar": "العربية"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """The strings of one language."""
    return json.loads((LOCALES_DIR / f"{language}.json").read_text(encoding="utf-8"))


def current_language() -> str:
    """The language of this session ('en' until the user picks another)."""
    return st.session_state.get("ui_language", "en")


def t(key: str, **values: object) -> str:
    """The string ``key`` in the current language, formatted with ``values``."""
    text = catalogue(current_language()).get(key) or catalogue("en").get(key) or key
    return text.format(**values) if values else text


def labeller(pattern: str, values) -> Callable[[object], str]:
    """A widget format_func translating each value with key ``pattern.format(value)``, resolved now.

    Resolving eagerly keeps a widget's labels in the language of the run that drew it.
    """
    table = {value: t(pattern.format(value)) for value in values}
    return table.__getitem__


def verdict_label(label: str | None) -> str:
    """A verdict label of the rating scale in the current language ('Misleading' / 'مضلل')."""
    from review.ratings import rating

    if not label:
        return ""
    try:
        return rating(label).arabic if current_language() == "ar" else label
    except KeyError:
        return label


def plural_category(language: str, n: int) -> str:
    """CLDR plural category of ``n``: English one/other; Arabic zero/one/two/few/many/other."""
    if language != "ar":
        return "one" if n == 1 else "other"
    if n in (0, 1, 2):
        return ("zero", "one", "two")[n]
    rest = n % 100
    return "few" if 3 <= rest <= 10 else "many" if 11 <= rest <= 99 else "other"


def tn(key: str, count: int, /, **values: object) -> str:
    """``t`` for a sentence about ``count`` things: key.<plural category> when the catalogue has it, else key."""
    language = current_language()
    for candidate in (f"{key}.{plural_category(language, count)}", f"{key}.other", key):
        if candidate in catalogue(language) or candidate in catalogue("en"):
            return t(candidate, **values)
    return key
