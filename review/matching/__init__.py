"""Coverage matching: for a claim, the items (articles, headlines, fact-checks) that report it.

v3 (hybrid.py, what ``search`` runs) wraps the v2 lexical matcher described below: it adds passages over whole
bodies (passages.py, indexed in ``match_passages_fts``), fuzzy expansion of rare terms (fuzzy.py), and dense
candidates from a multilingual encoder (encoder.py, vectors.py), and re-scores the union with one fitted blend.
The v2 matcher alone stays available as ``lexical_search`` (benchmarks compare against it).

v2, two stages, both explainable:

1. Candidates (engine.py), sub-linear in corpus size. Every item is analysed once at import
   (analysis.py: review.text.canonical → letters unified, harakat dropped, numbers in any script or
   form such as '22 ألف' / '22,000' / '٢٢ ألف' as one value term; then review.text.light_stem) and
   stored in the FTS5 table ``match_items_fts`` (rowid = items.id; columns title and a body lead of
   LEAD_TOKENS terms). A claim's terms are looked up in the fts5vocab table (cached per connection
   while the corpus size holds); we OR only the rarest ones until their summed document frequency
   reaches POSTINGS_BUDGET (5,000) and take the best CANDIDATES (40) by bm25. FTS5 costs ~1 µs per
   matched row, so the budget, not the corpus, bounds the cost (an OR of all terms matches ~95% of
   a news corpus). On the benchmark sets this loses no recall@40 against an OR of all terms.
2. Re-ranking (rerank.py) from the stored terms (no re-normalising bodies): FTS5's own bm25 over
   *all* the claim's terms, recomputed exactly from the item's terms and the index's averages record
   (so BM25 alone is one point of the model), plus the share of the claim's adjacent term pairs the
   item repeats, IDF-weighted coverage of the claim's terms (transliteration variants of rare terms
   count via review.text.name_key, e.g. ديلي/دايل), the same inside the title or the best body
   window, a title-only bm25 and the share of the title the claim restates. Weights were fitted on
   the *train* splits by grid search + coordinate ascent under the constraint "at or above BM25 alone
   on every set" (bench/matching_quality.py --tune); dev splits are held out. Conflicting numbers
   (36.7 vs 35.5 billion) are shown to the reviewer and cost NUMBER_PENALTY (0.005) each, so a
   disagreeing figure pushes a candidate down, never up.
   The score is absolute (not relative to other candidates), so one threshold serves search,
   claim→item and item→claim suggestions.

New items are matched against open claims through ``match_claims_fts`` with the same term
selection and the same pair score; an upper bound of the score from the item's term set skips
most candidates unscored. Thresholds: settings 'match.suggest_threshold' and
'match.strong_threshold', defaults measured as precision/recall over top-10 pairs of the
benchmark sets (see suggest.py).
"""
from review.matching.engine import Match, index_claims, index_items
from review.matching.engine import search as lexical_search
from review.matching.hybrid import METHOD, METHOD_LEXICAL, search
from review.matching.suggest import (
    STRONG_THRESHOLD, SUGGEST_THRESHOLD, get_thresholds, suggest_for_claims, suggest_for_items,
)

__all__ = ["METHOD", "METHOD_LEXICAL", "Match", "lexical_search", "STRONG_THRESHOLD", "SUGGEST_THRESHOLD", "get_thresholds", "index_claims",
           "index_items", "search", "suggest_for_claims", "suggest_for_items"]
