"""Coverage matching: for a claim, the items (articles, headlines, fact-checks) that report it.

DESIGN (draft; figures filled in from the benchmarks)
"""
from review.matching.engine import METHOD, Match, index_claims, index_items, search
from review.matching.suggest import (
    STRONG_THRESHOLD, SUGGEST_THRESHOLD, get_thresholds, suggest_for_claims, suggest_for_items,
)

__all__ = ["METHOD", "Match", "STRONG_THRESHOLD", "SUGGEST_THRESHOLD", "get_thresholds", "index_claims",
           "index_items", "search", "suggest_for_claims", "suggest_for_items"]
