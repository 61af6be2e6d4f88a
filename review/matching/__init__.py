"""Coverage matching: for a claim, the items (articles, headlines, fact-checks) that report it.

Two stages, both explainable:

1. Candidates (engine.py), sub-linear in corpus size. Every item is analysed once at import
   (analysis.py: review.text canonical form → diacritics/letter variants unified, digits in any
   script and number forms such as '22 ألف' / '22,000' / '٢٢ ألف' as one value term, then light
   stems) and stored in the FTS5 table ``match_items_fts`` (rowid = items.id; columns title and a
   body lead of LEAD_TOKENS terms, bm25 weights 2:1). A claim's terms are looked up in the
   fts5vocab table; we OR only the rarest ones (MAX_TERMS, at least MIN_TERMS) until their
   summed document frequency reaches POSTINGS_BUDGET, and take the best CANDIDATES by bm25.
   The budget bounds the postings FTS5 must read and score, so cost follows the budget, not the
   corpus (an OR of all terms matches ~95% of a news corpus: 2.5 s at 1M items).
2. Re-ranking (rerank.py) of those candidates from the stored terms (no re-normalising bodies):
   IDF-weighted coverage of the claim's terms (transliteration variants of names count via
   review.text.name_key, e.g. ديلي/دايل), the same inside the title or the best body window
   (a claim sentence in the middle of a long article), the share of the title the claim
   restates (headline-only items), a length-normalised BM25 over its upper bound, and a penalty
   for conflicting numbers (36.7 vs 35.5 billion). The score is absolute (not relative to the
   other candidates), so one threshold serves search, claim→item and item→claim suggestions.
   The weights were grid-searched on train splits (bench/matching_quality.py --tune); rapidfuzz
   token_set_ratio is computed only when W_FUZZ > 0: it did not improve MRR on any train set.

New items are matched against open claims through ``match_claims_fts`` with the same term
selection and the same pair score. Thresholds: settings 'match.suggest_threshold' and
'match.strong_threshold', defaults measured as precision/recall over top-10 pairs of the
benchmark sets (see suggest.py).
"""
from review.matching.engine import METHOD, Match, index_claims, index_items, search
from review.matching.suggest import (
    STRONG_THRESHOLD, SUGGEST_THRESHOLD, get_thresholds, suggest_for_claims, suggest_for_items,
)

__all__ = ["METHOD", "Match", "STRONG_THRESHOLD", "SUGGEST_THRESHOLD", "get_thresholds", "index_claims",
           "index_items", "search", "suggest_for_claims", "suggest_for_items"]
