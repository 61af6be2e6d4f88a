"""Write 'suggested' coverage links: claims → items and new items → open claims."""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from review.matching.analysis import analyse_query
from review.matching import vectors
from review.matching.engine import METHOD, _chunks, _marks, corpus_stats, doc_freqs, fts_query, select_terms
from review.matching.hybrid import search
from review.matching.rerank import Prepared, item_profile, prepare, score_pair, upper_bound

# Measured with bench/hybrid_quality.py --dev-only (scorer v3.1) over the top-10 pairs of the dev sets (xquad both
# ways, ANS, CheckThat! 2021 Arabic and English): at 0.25 a suggestion is right 71% of the time and 78% of relevant
# items are suggested (1.3 per claim; F1 0.74, the best of the table); 0.35 is where precision peaks (74%, recall
# 56%, 0.9 per claim); above it precision falls (0.40: 72%, 0.50: 57%). Across languages alone (xquad): 0.25 → 95%
# precision, 77% recall (0.30: 97% / 63%). v3.1's agreement bonus lifts scores by ~0.03–0.05; v3 had 74% / 68% at
# 0.25 and its peak at 0.30, v2 45% / 67% at 0.25 and its peak, 60%, at 0.40.
SUGGEST_THRESHOLD = 0.25
STRONG_THRESHOLD = 0.35
SUGGEST_LIMIT = 20  # at most this many suggestions per claim
CLAIM_CANDIDATES = 20  # open claims considered per new item (best bm25 first)
OPEN_STATUSES = ("new", "in_review", "verdict_proposed")
ITEM_QUERY_TERMS = 40  # an item is matched against claims through its title and its first terms
CLAIM_POSTINGS_BUDGET = 1_000  # claims are few and short: a small budget keeps the claim query cheap
_PREPARED: dict[tuple[int, int], tuple[str, int, Prepared]] = {}  # (connection, claim) → (text, n, data)

_INSERT = ("INSERT OR IGNORE INTO coverage_links (claim_id, item_id, score, method, explanation, status) "
           "VALUES (?, ?, ?, ?, ?, 'suggested')")


def get_thresholds(db: Database) -> tuple[float, float]:
    """(suggest, strong) thresholds: the settings table's values, else the measured defaults."""
    values = dict(db.execute(
        "SELECT key, value FROM settings WHERE key IN ('match.suggest_threshold', 'match.strong_threshold')"
    ).fetchall())
    return (float(values.get("match.suggest_threshold", SUGGEST_THRESHOLD)),
            float(values.get("match.strong_threshold", STRONG_THRESHOLD)))


def _source_items(db: Database, claim_ids: list[int]) -> dict[int, set[int]]:
    """For each claim, the items it was extracted from (never suggested as its coverage)."""
    out: dict[int, set[int]] = {c: set() for c in claim_ids}
    marks = _marks(len(claim_ids))
    for claim_id, item_id in db.execute(
            f"SELECT id, item_id FROM claims WHERE id IN ({marks}) AND item_id IS NOT NULL "
            f"UNION SELECT claim_id, item_id FROM claim_appearances WHERE claim_id IN ({marks})",
            [*claim_ids, *claim_ids]):
        out[claim_id].add(item_id)
    return out


def _insert(db: Database, rows: list[tuple]) -> int:
    """INSERT OR IGNORE the links; the number actually created."""
    before = db.conn.total_changes
    db.conn.executemany(_INSERT, rows)
    return db.conn.total_changes - before


def suggest_for_claims(db: Database, claim_ids: Iterable[int]) -> int:
    """Suggest coverage for those claims; existing links (even rejected ones) are left alone."""
    return insert_links(db, claim_suggestions(db, claim_ids))


def insert_links(db: Database, rows: list[tuple]) -> int:
    """Store (claim, item, score, method, explanation JSON) rows as 'suggested' links; the number created."""
    return _insert(db, rows)


def claim_suggestions(db: Database, claim_ids: Iterable[int]) -> list[tuple]:
    """The links to suggest for those claims, as insert_links rows (reads only: callers may run it outside a
    write transaction and insert the rows in a short one)."""
    ids = list(dict.fromkeys(int(i) for i in claim_ids))
    lower, _ = get_thresholds(db)
    out: list[tuple] = []
    for chunk in _chunks(ids, 500):
        sources = _source_items(db, chunk)
        texts = db.execute(f"SELECT id, text, language FROM claims WHERE id IN ({_marks(len(chunk))})",
                           chunk).fetchall()
        stored = vectors.fetch(db, "claim", chunk)  # never embedded here: that is the embedding job's work
        rows = []
        for claim_id, text, language in texts:
            for m in search(db, text, limit=SUGGEST_LIMIT, exclude_item_ids=sources[claim_id],
                            qvec=stored.get(claim_id), embed_query=False, query_language=language):
                if m.score >= lower:
                    rows.append((claim_id, m.item_id, m.score, m.method, json.dumps(m.explanation, ensure_ascii=False)))
        out += rows
    return out


def _prepared(db: Database, claim_id: int, text: str, n: int, avg_len: float) -> Prepared:
    """A claim's scoring data, kept between calls while its text and the corpus size (±2%) hold."""
    key = (id(db.conn), claim_id)
    hit = _PREPARED.get(key)
    if hit is None or hit[0] != text or abs(hit[1] - n) > 0.02 * hit[1]:
        if len(_PREPARED) >= 50_000:
            _PREPARED.clear()
        query = analyse_query(text)
        hit = _PREPARED[key] = (text, n, prepare(query, doc_freqs(db, query.terms, n=n), n, avg_len))
    return hit[2]


def _open_claims(db: Database, item_id: int, terms: list[str]) -> list[tuple[int, str]]:
    """(id, text) of the open claims best matching ``terms`` that were not extracted from the item."""
    ids = [r[0] for r in db.execute(
        "SELECT rowid FROM match_claims_fts WHERE match_claims_fts MATCH ? ORDER BY bm25(match_claims_fts) LIMIT ?",
        [fts_query(terms), 2 * CLAIM_CANDIDATES])]
    if not ids:
        return []
    rows = db.execute(
        f"SELECT c.id, c.text FROM claims c WHERE c.id IN ({_marks(len(ids))}) "
        f"AND c.status IN ({_marks(len(OPEN_STATUSES))}) AND c.item_id IS NOT ? AND NOT EXISTS "
        "(SELECT 1 FROM claim_appearances a WHERE a.claim_id = c.id AND a.item_id = ?)",
        [*ids, *OPEN_STATUSES, item_id, item_id]).fetchall()
    order = {c: k for k, c in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r[0]])[:CLAIM_CANDIDATES]


def suggest_for_items(db: Database, item_ids: Iterable[int]) -> int:
    """Match newly imported (already indexed) items against open claims; returns links created."""
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        return 0
    n_claims, _ = corpus_stats(db, "match_claims_fts")
    if not n_claims:
        return 0
    lower, _ = get_thresholds(db)
    n_items, avg_len = corpus_stats(db)
    rows = []
    for chunk in _chunks(ids, 500):
        items = db.execute(f"SELECT rowid, title, lead FROM match_items_fts WHERE rowid IN ({_marks(len(chunk))})",
                           chunk).fetchall()
        for item_id, title, lead in items:
            title_terms, lead_terms = title.split(), lead.split()
            probe = list(dict.fromkeys(title_terms + lead_terms[:ITEM_QUERY_TERMS]))
            terms = select_terms(probe, doc_freqs(db, probe, "match_claims_vocab", n=n_claims), n_claims,
                                 CLAIM_POSTINGS_BUDGET)
            if not terms:
                continue
            profile = item_profile(title_terms, lead_terms)
            for claim_id, text in _open_claims(db, item_id, terms):
                prepared = _prepared(db, claim_id, text, n_items, avg_len)
                if upper_bound(prepared, profile) < lower:  # most candidates end here, unscored
                    continue
                score, why = score_pair(prepared, title_terms, lead_terms)
                if score >= lower:
                    rows.append((claim_id, item_id, round(score, 4), METHOD, json.dumps(why, ensure_ascii=False)))
    return _insert(db, rows)
