"""Split an item into passages: its title, then windows of whole sentences across the whole body (pure).

Offsets index the item's full text as the review page shows it: title + blank line + body (the same
coordinates as claim spans), so a passage found by the matcher can be highlighted where it stands.
"""
from __future__ import annotations

from dataclasses import dataclass

from review.claims import split_sentences

PASSAGE_CHARS = 400  # a window packs whole sentences up to about this many characters (one e5 input is ~512 tokens)
HARD_CHARS = 600  # a single sentence longer than this is cut at a space
MAX_PASSAGES = 40  # per item, title included: a 40-window body is ~15,000 characters, longer tails are not indexed
BODY_OFFSET = 2  # body text starts after the title and a blank line ("\n\n")


@dataclass(frozen=True, slots=True)
class Passage:
    """One searchable stretch of an item: ``ord`` 0 is the title; ``start``/``end`` index title + blank line + body."""

    ord: int
    start: int
    end: int
    text: str


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most HARD_CHARS, at the last space before the limit when there is one."""
    pieces = []
    while end - start > HARD_CHARS:
        cut = text.rfind(" ", start + HARD_CHARS // 2, start + HARD_CHARS)
        cut = cut if cut > start else start + HARD_CHARS
        pieces.append((start, cut))
        start = cut + 1 if text[cut:cut + 1] == " " else cut
    if end > start:
        pieces.append((start, end))
    return pieces


def body_windows(body: str, *, limit: int = MAX_PASSAGES - 1) -> list[tuple[int, int]]:
    """(start, end) in ``body`` of consecutive sentence windows of about PASSAGE_CHARS, at most ``limit``."""
    windows: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for sentence in split_sentences(body):
        for a, b in _cut(body, sentence.start, sentence.end):
            if cur is not None and b - cur[0] <= PASSAGE_CHARS:
                cur = (cur[0], b)
                continue
            if cur is not None:
                windows.append(cur)
                if len(windows) >= limit:
                    return windows
            cur = (a, b)
    if cur is not None and len(windows) < limit:
        windows.append(cur)
    return windows


def split_passages(title: str, body: str) -> list[Passage]:
    """The title (when there is one) and the body's windows, in reading order, at most MAX_PASSAGES."""
    out: list[Passage] = []
    title = title or ""
    if title.strip():
        out.append(Passage(0, 0, len(title), title))
    base = len(title) + BODY_OFFSET
    for k, (a, b) in enumerate(body_windows(body or ""), 1):
        out.append(Passage(k, base + a, base + b, body[a:b]))
    return out
