"""The triage rank: check-worthiness, spread and recency in one sortable number (pure)."""
from __future__ import annotations

import datetime as dt
import math

SPREAD_WEIGHT = 0.25  # each e-fold more outlets ≈ +0.25, a quarter of the whole score range
LANGUAGE_WEIGHT = 0.25  # a story told in a second language has crossed a community: +0.25 per extra language
REPEAT_WEIGHT = 0.05  # repeated appearances in the same outlets count a little
PRIORITY_WEIGHT = 1.0  # an editor's priority level outweighs a month of recency
RECENCY_DAYS = 30.0  # a claim seen 30 days later ranks +1 higher: old claims sink within weeks
EPOCH = dt.date(2000, 1, 1)


def triage_rank(score: float, *, outlets: int, appearances: int, last_seen: str | None, priority: int = 0,
                languages: int = 1) -> float:
    """Higher ranks first. Uses absolute dates so ranks never need recomputing as time passes.

    A claim whose publication date is unknown gets no recency at all: it ranks below dated claims (an archive
    imported today is not news today), and among other undated claims by its own merits.
    """
    try:
        seen = dt.date.fromisoformat((last_seen or "")[:10])
        recency = max((seen - EPOCH).days, 0) / RECENCY_DAYS
    except ValueError:
        recency = 0.0
    return (score + SPREAD_WEIGHT * math.log(max(outlets, 1)) + REPEAT_WEIGHT * math.log(max(appearances, 1))
            + LANGUAGE_WEIGHT * (max(languages, 1) - 1) + PRIORITY_WEIGHT * priority + recency)
