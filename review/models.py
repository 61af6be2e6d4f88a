"""Plain records passed between parsers, services and queries."""
from __future__ import annotations

from dataclasses import dataclass

ITEM_KINDS = ("article", "headline", "factcheck")


@dataclass(frozen=True, slots=True)
class Article:
    """One imported item as a parser produced it, before it is stored."""

    kind: str
    title: str
    body: str = ""
    outlet: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date YYYY-MM-DD, or None when unknown
    language: str | None = None  # 'ar' | 'en' | None (detected on import)
    source_file: str | None = None
    source_id: str | None = None  # the id the item had in its feed
    line: int | None = None  # where in the source file it started, for error messages
