"""Turn text into the terms the matcher indexes and compares (pure; normalisation is review.text's)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from review import text as _text

LEAD_CHARS = 1500  # body characters analysed; the sentence a claim repeats is usually early
LEAD_TOKENS = 200  # body terms stored and indexed per item (caps index size, import and re-rank cost)

_NOISE = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|www\.\S+|@\w+")
_CACHE_MAX = 500_000


def format_number(value: float) -> str:
    """One spelling per value: 22000, 36.7."""
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def _memoised(fn: Callable[[str], str]) -> tuple[dict[str, str], Callable[[str], str]]:
    """(cache, cached fn): a plain dict is ~3x cheaper per hit than lru_cache; cleared when it grows too big."""
    cache: dict[str, str] = {}

    def cached(word: str) -> str:
        value = cache.get(word)
        if value is None:
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            value = cache[word] = fn(word)
        return value

    cached.__doc__ = f"review.text.{fn.__name__}, memoised."
    return cache, cached


_STEMS, light_stem = _memoised(_text.light_stem)
name_key = _memoised(_text.name_key)[1]


def words(text: str) -> list[str]:
    """The canonical words of ``text`` (numbers kept whole, e.g. '36.7', '22000')."""
    return _text.canonical(text).split()


def stems(text: str, *, limit: int | None = None) -> list[str]:
    """The index terms of ``text``: light stems of its canonical words."""
    ws = words(text)
    if limit is not None:
        ws = ws[:limit]
    get = _STEMS.get
    return [get(w) or light_stem(w) for w in ws]


def is_number(term: str) -> bool:
    """True for a numeric value term."""
    return term[:1].isdigit()


@dataclass(frozen=True, slots=True)
class Query:
    """A claim analysed once: its words, their stems, and the distinct terms."""

    words: tuple[str, ...]
    stems: tuple[str, ...]

    @property
    def terms(self) -> list[str]:
        """Distinct stems in first-seen order."""
        return list(dict.fromkeys(self.stems))

    def word_for(self, stem: str) -> str:
        """The first claim word that produced ``stem`` (for explanations)."""
        return self.words[self.stems.index(stem)]


def analyse_query(text: str) -> Query:
    """Analyse a claim: links, @handles and 'pic.twitter.com/…' are dropped, they carry no claim."""
    ws = tuple(words(_NOISE.sub(" ", text)))
    return Query(ws, tuple(light_stem(w) for w in ws))


def item_fields(title: str, body: str) -> tuple[str, str]:
    """The stored, indexed form of an item: (title terms, body-lead terms), space-joined."""
    return " ".join(stems(title)), " ".join(stems(body[:LEAD_CHARS], limit=LEAD_TOKENS))
