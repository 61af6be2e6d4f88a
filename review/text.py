"""Arabic/English text normalisation shared by import, claims and matching (pure).

Contract (other modules rely on these names):
- normalize(text) -> str: matching form (no diacritics/tatweel, unified letters,
  ASCII digits, punctuation and every space collapsed to one space, Latin lower-case).
- tokens(text) -> list[str]: the normalised words.
- numbers(text) -> list[float]: the numeric values the text states.
- detect_language(text) -> 'ar' | 'en'.
"""
from __future__ import annotations

import re
import unicodedata

_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """'ar' when Arabic letters outnumber Latin ones, else 'en' (a script-ratio rule)."""
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return "ar" if arabic >= latin and arabic > 0 else "en"


def normalize(text: str) -> str:
    """Placeholder until the full normaliser lands: NFKC, lower-case, collapsed spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.findall(r"\w+", text))


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalize(text).split()


def numbers(text: str) -> list[float]:
    """Placeholder: plain digit runs only."""
    return [float(m) for m in re.findall(r"\d+(?:\.\d+)?", normalize(text).replace(" . ", "."))]
