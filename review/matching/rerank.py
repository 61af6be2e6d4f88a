"""Score one (claim, item) pair from stored item terms and explain the score (pure)."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from review.matching.analysis import Query, format_number, is_number, name_key

# Feature weights (they sum to 1, so the score stays in 0..1 before the number penalty). Fitted on the
# CheckThat! 2021 and ANS *train* splits with bench/matching_quality.py --tune (dev splits held out).
WEIGHTS = {"bm25": 0.785, "title_bm25": 0.0, "bigrams": 0.065, "cover": 0.11, "focus": 0.04, "reverse": 0.0}
# Per conflicting number (36.7 vs 35.5 billion), at most 2. Fitted on ranking alone it comes out 0 (a fact-check
# stating another figure still covers the claim), but a disagreeing figure must push a candidate down, never up:
# a small penalty does that. 0.005 keeps every benchmark set above BM25 alone (0.03 fell below it on ct21_ar dev).
NUMBER_PENALTY = 0.005
FEATURES = tuple(WEIGHTS)
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25() constants; title terms count twice, as in bm25(2.0, 1.0)
TITLE_AVG_LEN = 10  # typical analysed title length, for the title-only BM25 feature
FUZZY_CREDIT = 0.7  # a fuzzy expansion of an unknown or rare term (a typo, a spelling) counts for 70% of it
NAME_CREDIT = 0.7  # a transliteration variant (same name_key) counts for 70% of an exact term
NAME_MAX_DF, NAME_MAX_SHARE = 20, 0.002  # ...of a claim term at most this common (in documents, or share)
WINDOW_MIN = 12  # body window length in terms: max(WINDOW_MIN, 2 × claim terms)


def idf(df: int, n: int) -> float:
    """FTS5's bm25 IDF, log((N - df + 0.5) / (df + 0.5)), floored at a small positive value.

    N is read from FTS5's averages record, which lags inside a transaction that is still adding rows, so a
    fresh document frequency can exceed it: N is taken as at least df.
    """
    n = max(n, df)
    return max(1e-6, math.log((n - df + 0.5) / (df + 0.5)))


@dataclass(frozen=True, slots=True)
class Prepared:
    """What scoring needs about a claim, computed once per query: weights, names, numbers."""

    query: Query
    weights: dict[str, float]  # IDF of every claim term found in the corpus
    default_idf: float  # IDF of a term the corpus has never seen
    avg_len: float  # mean analysed item length (title + lead terms), for BM25
    unmatched_keys: dict[str, str]  # name_key → claim term, for terms worth a transliteration lookup
    numbers: tuple[str, ...]
    bm25_max: float
    bigrams: dict[tuple[str, str], float]  # adjacent claim-term pairs → the smaller IDF of the two
    weight_total: float  # sum of weights, the denominator of cover and focus
    bigram_total: float  # sum of bigrams' weights
    term_set: frozenset[str]  # the claim's distinct terms
    aliases: dict[str, str] = field(default_factory=dict)  # fuzzy expansion (vocabulary term) → claim term


def prepare(query: Query, df: Mapping[str, int], n: int, avg_len: float,
            expansions: Mapping[str, Sequence[tuple[str, int]]] | None = None) -> Prepared:
    """Per-claim scoring data from the corpus statistics; ``expansions`` are review.matching.fuzzy's."""
    weights = {t: idf(df[t], n) for t in query.terms if df.get(t)}
    aliases: dict[str, str] = {}
    for term, found in (expansions or {}).items():
        # an unknown term counts as its expansion at FUZZY_CREDIT of that term's weight
        weights.setdefault(term, FUZZY_CREDIT * idf(max(d for _, d in found), n))
        aliases.update((t, term) for t, _ in found)
    # transliteration variants are looked for only for rare or unseen terms: names, not common words
    keys = {name_key(t): t for t in query.terms
            if len(t) >= 3 and not is_number(t) and df.get(t, 0) <= max(NAME_MAX_DF, NAME_MAX_SHARE * n)}
    terms = query.terms
    bigrams = {(a, b): min(weights[a], weights[b]) for a, b in zip(query.stems, query.stems[1:])
               if a in weights and b in weights and a != b}
    total = sum(weights.values())
    return Prepared(query, weights, idf(0, max(n, 1)), max(avg_len, 1.0),
                    {k: t for k, t in keys.items() if len(k) >= 2},
                    tuple(t for t in terms if is_number(t)), (BM25_K1 + 1) * total, bigrams,
                    total, sum(bigrams.values()), frozenset(terms), aliases)


def _comparable(x: float, y: float) -> bool:
    """Two different numbers that plausibly state the same quantity (years with years, similar size)."""
    if x == y:
        return False
    year_x, year_y = (v == int(v) and 1900 <= v <= 2100 for v in (x, y))
    if year_x or year_y:
        return year_x and year_y
    return x > 0 and y > 0 and 0.5 <= y / x <= 2


def _best_window(weights: Mapping[str, float], hits: Sequence[tuple[int, str]], size: int) -> tuple[float, int]:
    """The start and IDF mass of the body window of ``size`` terms holding the most claim terms.

    ``hits``: (position, term) of the body's claim terms, in order.
    """
    best, best_start, counts, mass, left = 0.0, 0, {}, 0.0, 0
    for pos, term in hits:
        counts[term] = counts.get(term, 0) + 1
        if counts[term] == 1:
            mass += weights[term]
        while pos - hits[left][0] >= size:
            old = hits[left][1]
            counts[old] -= 1
            if counts[old] == 0:
                mass -= weights[old]
            left += 1
        if mass > best:
            best, best_start = mass, hits[left][0]
    return best, best_start


def _adjacent(hits: Sequence[tuple[int, str]]) -> set[tuple[str, str]]:
    """Pairs of claim terms that stand next to each other in the text."""
    return {(a, b) for (i, a), (j, b) in zip(hits, hits[1:]) if j == i + 1}


def features(p: Prepared, title: Sequence[str], lead: Sequence[str]) -> tuple[dict[str, float], dict]:
    """The re-ranking features of one item (0..1 each) and the evidence behind them."""
    known = p.weights
    fuzzy: list[list[str]] = []
    if p.aliases:  # fuzzy expansions stand for the claim term they expand
        found = {t for t in (*title, *lead) if t in p.aliases}
        fuzzy = [[p.query.word_for(p.aliases[t]), t] for t in sorted(found)]
        title = [p.aliases.get(t, t) for t in title]
        lead = [p.aliases.get(t, t) for t in lead]
    # only the claim's terms are looked at: positions of its terms in the body and the title
    hits = [(i, t) for i, t in enumerate(lead) if t in known]
    title_hits = [(i, t) for i, t in enumerate(title) if t in known]
    title_tf = Counter(t for _, t in title_hits)
    tf = Counter(t for _, t in hits)
    for t, c in title_tf.items():
        tf[t] += 2 * c
    shared = [t for t in known if t in tf]
    norm = BM25_K1 * (1 - BM25_B + BM25_B * (len(title) + len(lead)) / p.avg_len)
    bm25 = sum(known[t] * tf[t] * (BM25_K1 + 1) / (tf[t] + norm) for t in shared) / p.bm25_max if known else 0.0
    title_norm = BM25_K1 * (1 - BM25_B + BM25_B * len(title) / TITLE_AVG_LEN)
    title_bm25 = (sum(known[t] * c * (BM25_K1 + 1) / (c + title_norm) for t, c in title_tf.items())
                  / p.bm25_max if known else 0.0)
    if p.bigrams:
        pairs = _adjacent(title_hits) | _adjacent(hits)
        bigrams = sum(w for pair, w in p.bigrams.items() if pair in pairs) / p.bigram_total
    else:
        bigrams = 0.0
    credit = {t: known[t] for t in shared}
    size = max(WINDOW_MIN, 2 * len(p.term_set))
    window_mass, start = _best_window(known, hits, size)
    window = lead[start:start + size]
    names: list[tuple[str, str]] = []
    if p.unmatched_keys:  # transliteration variants, looked for near the evidence (title, best window)
        keys = p.unmatched_keys
        for t in (*title, *window):
            q = keys.get(name_key(t)) if len(t) >= 3 and t not in known else None
            if q is not None and q not in tf and q not in credit:
                names.append((p.query.word_for(q), t))
                credit[q] = NAME_CREDIT * known.get(q, p.default_idf)
    total = p.weight_total + sum(p.default_idf for t in credit if t not in known)
    title_set = set(title)
    cover = min(1.0, sum(credit.values()) / total) if total else 0.0
    title_cover = sum(w for t, w in credit.items() if t in title_set) / total if total else 0.0
    focus = min(1.0, max(title_cover, window_mass / total if total else 0.0))
    t_mass = sum(known.get(t, p.default_idf) for t in title_set)
    reverse = sum(known.get(t, p.default_idf) for t in title_set if t in p.term_set) / t_mass if t_mass else 0.0
    local = sorted({float(t) for t in (*title, *window) if is_number(t)}) if p.numbers else []
    conflicts = []
    for t in p.numbers:
        if t not in tf:
            other = next((y for y in local if _comparable(float(t), y)), None)
            if other is not None:
                conflicts.append([t, format_number(other)])
    feats = {"bm25": bm25, "title_bm25": title_bm25, "bigrams": bigrams, "cover": cover, "focus": focus,
             "reverse": reverse}
    evidence = {"shared_words": [p.query.word_for(t) for t in shared if not is_number(t)],
                "shared_numbers": sorted(t for t in p.numbers if t in tf),
                "conflicting_numbers": conflicts, "shared_names": [list(n) for n in names], "fuzzy_terms": fuzzy}
    return feats, evidence


def item_profile(title: Sequence[str], lead: Sequence[str]) -> tuple[Counter, int]:
    """An item's term frequencies (title terms counted twice, as in bm25) and length, for upper_bound."""
    tf = Counter(lead)
    for t in title:
        tf[t] += 2
    return tf, len(title) + len(lead)


def upper_bound(p: Prepared, profile: tuple[Counter, int]) -> float:
    """A score the item cannot exceed: its exact bm25, and its term cover bounding cover, focus, title bm25."""
    tf, length = profile
    total = p.weight_total
    if not total:
        return 1.0
    shared = [t for t in p.weights if t in tf]
    exact = sum(p.weights[t] for t in shared)
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / p.avg_len)
    bm25 = sum(p.weights[t] * tf[t] * (BM25_K1 + 1) / (tf[t] + norm) for t in shared) / p.bm25_max
    names = NAME_CREDIT * sum(p.weights.get(t, p.default_idf) for t in p.unmatched_keys.values() if t not in tf)
    cover = min(1.0, (exact + names) / total)
    return (WEIGHTS["bm25"] * bm25 + (WEIGHTS["cover"] + WEIGHTS["focus"] + WEIGHTS["title_bm25"]) * cover
            + WEIGHTS["bigrams"] + WEIGHTS["reverse"])  # the pair share and the title share can be high anyway


def score_pair(p: Prepared, title: Sequence[str], lead: Sequence[str]) -> tuple[float, dict]:
    """Score in 0..1 that the item (title and body-lead terms) reports the claim, and why."""
    feats, explanation = features(p, title, lead)
    score = sum(WEIGHTS[f] * v for f, v in feats.items()) - NUMBER_PENALTY * min(2, len(explanation["conflicting_numbers"]))
    explanation["features"] = {f: round(v, 3) for f, v in feats.items()}
    return min(1.0, max(0.0, score)), explanation
