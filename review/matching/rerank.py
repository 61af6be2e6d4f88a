"""Score one (claim, item) pair from stored item terms and explain the score (pure)."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from review.matching.analysis import Query, format_number, is_number, name_key

# Weights of the features (they sum to 1 before the number adjustment); tuned on the
# CheckThat! 2021 and ANS *train* splits with bench/matching_quality.py --tune.
W_COVER = 0.2   # share of the claim's informative (IDF-weighted) terms the item contains
W_FOCUS = 0.3   # the same share inside the title or inside the best window of the body
W_REVERSE = 0.1  # share of the title's terms the claim contains (a headline restating the claim)
W_FUZZ = 0.0     # rapidfuzz token_set_ratio of claim vs title / best window (order-free)
W_BM25 = 0.4     # BM25 (title counted twice) over the maximum the claim's terms could reach
BM25_K1, BM25_B, BM25_AVG_LEN = 1.2, 0.75, 100
NAME_CREDIT = 0.7  # a transliteration variant (same name_key) counts for 70% of an exact term
NUMBER_BONUS = 0.0  # per shared number (at most 2)
NUMBER_PENALTY = 0.05  # per conflicting number (at most 2): 36.7 vs 35.5 billion pushes down
WINDOW_MIN = 12  # body window length in terms: max(WINDOW_MIN, 2 × claim terms)


def idf(df: int, n: int) -> float:
    """Robertson/Sparck Jones IDF, floored at a small positive value."""
    return max(0.05, math.log(1 + (n - df + 0.5) / (df + 0.5)))


def _comparable(x: float, y: float) -> bool:
    """Two different numbers that plausibly state the same quantity (years with years, similar size)."""
    if x == y:
        return False
    year_x, year_y = (v == int(v) and 1900 <= v <= 2100 for v in (x, y))
    if year_x or year_y:
        return year_x and year_y
    return x > 0 and y > 0 and 0.5 <= y / x <= 2


def _best_window(query_terms: Mapping[str, float], lead: Sequence[str], size: int) -> tuple[float, int]:
    """The start and IDF mass of the body window of ``size`` terms holding the most claim terms."""
    hits = [(i, t) for i, t in enumerate(lead) if t in query_terms]
    best, best_start, counts, mass, left = 0.0, 0, {}, 0.0, 0
    for right, (pos, term) in enumerate(hits):
        counts[term] = counts.get(term, 0) + 1
        if counts[term] == 1:
            mass += query_terms[term]
        while pos - hits[left][0] >= size:
            old = hits[left][1]
            counts[old] -= 1
            if counts[old] == 0:
                mass -= query_terms[old]
            left += 1
        if mass > best:
            best, best_start = mass, hits[left][0]
    return best, best_start


def _bm25(weights: Mapping[str, float], title: Sequence[str], lead: Sequence[str]) -> float:
    """BM25 of the item for the claim's known terms, divided by its upper bound (0..1)."""
    if not weights:
        return 0.0
    tf = {t: lead.count(t) + 2 * title.count(t) for t in weights}
    norm = BM25_K1 * (1 - BM25_B + BM25_B * (2 * len(title) + len(lead)) / BM25_AVG_LEN)
    got = sum(w * tf[t] / (tf[t] + norm) for t, w in weights.items() if tf[t])
    return got / sum(weights.values())


def score_pair(query: Query, weights: Mapping[str, float], default_idf: float,
               title: Sequence[str], lead: Sequence[str]) -> tuple[float, dict]:
    """Score in 0..1 that the item (title and body-lead terms) reports the claim, and why."""
    q_terms = {t: weights.get(t, 0.0) for t in query.terms}
    known = {t: w for t, w in q_terms.items() if w > 0}
    doc = set(title) | set(lead)
    shared = [t for t in known if t in doc]
    names: list[tuple[str, str]] = []
    credit = {t: known[t] for t in shared}
    title_set = set(title)
    size = max(WINDOW_MIN, 2 * len(q_terms))
    window_mass, start = _best_window(known, lead, size)
    window = lead[start:start + size]
    # transliteration variants are looked for near the evidence (title, best window): cheap, and precise
    unmatched = [t for t in q_terms if t not in doc and len(t) >= 3 and not is_number(t)]
    if unmatched:
        keys = {name_key(t): t for t in (*title, *window) if len(t) >= 3 and not is_number(t)}
        for t in unmatched:
            other = keys.get(name_key(t))
            if other is not None and len(name_key(t)) >= 2:
                names.append((query.word_for(t), other))
                credit[t] = NAME_CREDIT * (known.get(t) or default_idf)
    total = sum(known.values()) + sum(default_idf for t in credit if t not in known)
    cover = min(1.0, sum(credit.values()) / total) if total else 0.0
    title_cover = sum(w for t, w in credit.items() if t in title_set) / total if total else 0.0
    focus = min(1.0, max(title_cover, window_mass / total if total else 0.0))

    q_set = set(q_terms)
    t_weights = [known.get(t, default_idf) for t in title_set]
    reverse = (sum(known.get(t, default_idf) for t in title_set if t in q_set) / sum(t_weights)
               if t_weights else 0.0)
    q_text = " ".join(query.stems)
    fz = 0.0 if not W_FUZZ else max(fuzz.token_set_ratio(q_text, " ".join(title)) if title else 0.0,
             fuzz.token_set_ratio(q_text, " ".join(window)) if window else 0.0) / 100

    bm25 = _bm25(known, title, lead)
    q_nums = {t for t in q_terms if is_number(t)}
    local_nums = {float(t) for t in (*title, *window) if is_number(t)}
    shared_nums = sorted(t for t in q_nums if t in doc)
    conflicts = []
    for t in sorted(t for t in q_nums if t not in doc):
        other = next((y for y in sorted(local_nums) if _comparable(float(t), y)), None)
        if other is not None:
            conflicts.append((t, format_number(other)))
    score = (W_COVER * cover + W_FOCUS * focus + W_REVERSE * reverse + W_FUZZ * fz + W_BM25 * bm25
             + NUMBER_BONUS * min(2, len(shared_nums)) - NUMBER_PENALTY * min(2, len(conflicts)))
    explanation = {
        "shared_words": [query.word_for(t) for t in shared if not is_number(t)],
        "shared_numbers": shared_nums,
        "conflicting_numbers": [list(c) for c in conflicts],
        "shared_names": [list(n) for n in names],
        "features": {"cover": round(cover, 3), "focus": round(focus, 3),
                     "reverse": round(reverse, 3), "fuzz": round(fz, 3), "bm25": round(bm25, 3)},
    }
    return min(1.0, max(0.0, score)), explanation

