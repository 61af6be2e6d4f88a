"""Index items and claims, find candidate items with a selective FTS5 query, re-rank them."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from review.matching.analysis import Query, analyse_query, item_fields, stems
from review.matching.rerank import idf, score_pair

METHOD = "fts5+rerank:v1"
CANDIDATES = 100  # candidates re-ranked per query (bm25 order); the re-ranker costs ~0.2 ms each
MAX_TERMS = 32  # at most this many query terms go into the OR query, the rarest first
MIN_TERMS = 4  # ...and at least this many (if the claim has them), however common
POSTINGS_BUDGET = 100_000  # stop adding terms once their summed document frequency passes this
MAX_DF_SHARE = 0.1  # a term in more than 10% of the items is never a candidate term beyond MIN_TERMS
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Match:
    """One item that reports a claim, with a 0..1 score and a reviewer-readable explanation."""

    item_id: int
    score: float
    method: str = METHOD
    explanation: dict = field(default_factory=dict)


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterable[Sequence[int]]:
    """``ids`` in slices of ``size``."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _marks(n: int) -> str:
    """'?,?,…' for an IN list."""
    return ",".join("?" * n)


def index_items(db: Database, item_ids: Iterable[int]) -> None:
    """(Re-)index those items for matching; idempotent, and runs inside the caller's transaction."""
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    for chunk in _chunks(ids):
        rows = db.execute(f"SELECT id, title, body FROM items WHERE id IN ({_marks(len(chunk))})", chunk)
        found = [(i, *item_fields(title, body)) for i, title, body in rows.fetchall()]
        db.conn.executemany("INSERT OR REPLACE INTO match_items_fts(rowid, title, lead) VALUES (?, ?, ?)", found)
        gone = set(chunk) - {row[0] for row in found}
        if gone:
            db.execute(f"DELETE FROM match_items_fts WHERE rowid IN ({_marks(len(gone))})", list(gone))


def index_claims(db: Database, claim_ids: Iterable[int]) -> None:
    """(Re-)index those claims so new items can be matched against them; idempotent."""
    ids = list(dict.fromkeys(int(i) for i in claim_ids))
    for chunk in _chunks(ids):
        rows = db.execute(f"SELECT id, text FROM claims WHERE id IN ({_marks(len(chunk))})", chunk).fetchall()
        db.conn.executemany("INSERT OR REPLACE INTO match_claims_fts(rowid, terms) VALUES (?, ?)",
                            [(i, " ".join(stems(t))) for i, t in rows])


def corpus_size(db: Database, fts: str = "match_items_fts") -> int:
    """Number of indexed rows, approximated by the largest rowid (O(log n), exact without deletions)."""
    row = db.execute(f"SELECT max(id) FROM {fts}_docsize").fetchone()
    return row[0] or 0


def doc_freqs(db: Database, terms: Iterable[str], vocab: str = "match_items_vocab") -> dict[str, int]:
    """Document frequency of each term (absent terms are left out)."""
    terms = list(terms)
    out: dict[str, int] = {}
    for chunk in _chunks(terms):
        out.update(db.execute(f"SELECT term, doc FROM {vocab} WHERE term IN ({_marks(len(chunk))})",
                              list(chunk)).fetchall())
    return out


def select_terms(terms: Iterable[str], df: dict[str, int], n: int) -> list[str]:
    """The rarest informative terms, within the postings budget: this keeps the OR query selective."""
    chosen: list[str] = []
    postings = 0
    for term in sorted((t for t in terms if df.get(t)), key=lambda t: df[t]):
        if len(chosen) >= MAX_TERMS:
            break
        if len(chosen) >= MIN_TERMS and (postings + df[term] > POSTINGS_BUDGET or df[term] > MAX_DF_SHARE * n):
            break
        chosen.append(term)
        postings += df[term]
    return chosen


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 OR query of quoted terms (safe for any input)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def term_weights(query: Query, df: dict[str, int], n: int) -> tuple[dict[str, float], float]:
    """IDF of each known query term, and the IDF given to a term never seen (a rare one)."""
    return {t: idf(df[t], n) for t in query.terms if df.get(t)}, idf(1, max(n, 2))


def search(db: Database, text: str, *, limit: int = 10, kinds: tuple[str, ...] | None = None,
           exclude_item_ids: Iterable[int] = ()) -> list[Match]:
    """The items that best report ``text``, best first, scored 0..1 with explanations."""
    query = analyse_query(text)
    n = corpus_size(db)
    df = doc_freqs(db, query.terms)
    terms = select_terms(query.terms, df, n)
    if not terms:
        return []
    rows = db.execute(
        "SELECT rowid, title, lead FROM match_items_fts WHERE match_items_fts MATCH ? ORDER BY rank LIMIT ?",
        [fts_query(terms), max(CANDIDATES, 3 * limit)]).fetchall()
    excluded = set(exclude_item_ids)
    rows = [r for r in rows if r[0] not in excluded]
    if kinds is not None and rows:
        ids = [r[0] for r in rows]
        allowed = {i for (i,) in db.execute(
            f"SELECT id FROM items WHERE id IN ({_marks(len(ids))}) AND kind IN ({_marks(len(kinds))})",
            [*ids, *kinds])}
        rows = [r for r in rows if r[0] in allowed]
    weights, default_idf = term_weights(query, df, n)
    matches = []
    for item_id, title, lead in rows:
        score, why = score_pair(query, weights, default_idf, title.split(), lead.split())
        matches.append(Match(item_id, round(score, 4), METHOD, why))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]
