"""Index items and claims, find candidate items with a selective FTS5 query, re-rank them."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from review.matching import fuzzy
from review.matching.analysis import analyse_query, item_fields, stems
from review.matching.dbkey import database_key
from review.matching.passages import split_passages
from review.matching.rerank import Prepared, prepare, score_pair

METHOD = "fts5+rerank:v2"
CANDIDATES = 40  # candidates re-ranked per query (best bm25 over the selected terms first)
MAX_TERMS = 32  # at most this many query terms go into the OR query, the rarest first
MIN_TERMS = 4  # ...and at least this many (if the claim has them), within FORCED_BUDGET_FACTOR × budget
FORCED_BUDGET_FACTOR = 4
POSTINGS_BUDGET = 5_000  # stop adding terms once their summed document frequency passes this
# (candidate recall@40 on the benchmark sets: 1k .905/.958/.977, 5k .914/.965/.977 = OR-all, 20k .912/.965/.977)
MAX_DF_SHARE = 0.1  # a term in more than 10% of the items is never a candidate term beyond MIN_TERMS
_CHUNK = 500
DF_EXACT_CAP = 2_000  # doc freqs above this are estimated (see _read_doc_freqs)
DF_TOLERANCE = 0.1  # cached doc freqs are re-read once the corpus size moved 10% (idf moves by ≤ 0.1)
_DF_CACHE: dict[str, dict[str, dict[str, tuple[int, int]]]] = {}  # database → {vocab: {term: (df, n)}}, a few at most


@dataclass(frozen=True, slots=True)
class Match:
    """One item that reports a claim, with a 0..1 score and a reviewer-readable explanation."""

    item_id: int
    score: float
    method: str = METHOD
    explanation: dict = field(default_factory=dict)


def _chunks(ids: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    """``ids`` in slices of ``size``."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _marks(n: int) -> str:
    """'?,?,…' for an IN list."""
    return ",".join("?" * n)


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """What indexing one item needs, computed without the database (so a worker process can do it)."""

    title_terms: str
    lead_terms: str
    passages: tuple[tuple[int, int, int, str, str], ...]  # (ord, start, end, digest, terms)


def analyse_item(title: str, body: str, *, passages: bool = True) -> ItemAnalysis:
    """The index terms of an item's title, lead and (unless ``passages`` is False) passages (pure)."""
    title, body = title or "", body or ""
    title_terms, lead_terms = item_fields(title, body)
    return ItemAnalysis(title_terms, lead_terms, tuple(
        (p.ord, p.start, p.end, _digest(p.text), " ".join(stems(p.text)))
        for p in (split_passages(title, body) if passages else ())))


def index_items(db: Database, item_ids: Iterable[int], *, passages: bool = True,
                analysed: dict[int, ItemAnalysis] | None = None) -> None:
    """(Re-)index those items for matching; idempotent, and runs inside the caller's transaction.

    ``analysed`` holds analyses computed earlier (outside the lock, possibly in other processes) for some of the
    items; the others are analysed here. ``passages=False`` indexes titles and leads only (for migrations that
    ran before passages existed).
    """
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    analysed = analysed or {}
    for chunk in _chunks(ids):
        found = {i: analysed[i] for i in chunk if i in analysed}
        missing = [i for i in chunk if i not in found]
        if missing:
            for i, title, body in db.execute(f"SELECT id, title, body FROM items WHERE id IN ({_marks(len(missing))})",
                                             missing).fetchall():
                found[i] = analyse_item(title, body, passages=passages)
        present = [i for i in chunk if i in found]
        # delete + insert: also drops the rows of items that no longer exist
        db.execute(f"DELETE FROM match_items_fts WHERE rowid IN ({_marks(len(chunk))})", chunk)
        db.conn.executemany("INSERT INTO match_items_fts(rowid, title, lead) VALUES (?, ?, ?)",
                            [(i, found[i].title_terms, found[i].lead_terms) for i in present])
        if passages:
            _index_passages(db, chunk, {i: found[i] for i in present})


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _index_passages(db: Database, chunk: Sequence[int], analyses: dict[int, ItemAnalysis]) -> None:
    """Store the items' passages and their terms; a passage whose text holds keeps its id and vector."""
    marks = _marks(len(chunk))
    old = {(item, o): (pid, digest, (a, b)) for pid, item, o, digest, a, b in db.execute(
        f"SELECT id, item_id, ord, digest, start, end FROM item_passages WHERE item_id IN ({marks})", chunk)}
    db.execute(f"DELETE FROM match_passages_fts WHERE rowid IN (SELECT id FROM item_passages WHERE item_id IN ({marks}))",
               chunk)
    keep, fts, stale = set(), [], []
    for item_id in chunk:
        if item_id not in analyses:
            continue
        for ordinal, start, end, digest, terms in analyses[item_id].passages:
            pid, was, span = old.get((item_id, ordinal), (None, None, None))
            if pid is None:
                pid = db.execute("INSERT INTO item_passages (item_id, ord, start, end, digest) VALUES (?, ?, ?, ?, ?)",
                                 [item_id, ordinal, start, end, digest]).lastrowid
            elif was != digest or span != (start, end):
                if was != digest:
                    stale.append(pid)  # its text changed: the vector describes text that is gone
                db.execute("UPDATE item_passages SET start = ?, end = ?, digest = ? WHERE id = ?",
                           [start, end, digest, pid])  # same text, moved (a longer title): new offsets
            keep.add(pid)
            fts.append((pid, terms))
    gone = [pid for pid, _, _ in old.values() if pid not in keep]
    for part in _chunks(gone + stale):
        db.execute(f"DELETE FROM vectors WHERE kind = 'passage' AND ref_id IN ({_marks(len(part))})", list(part))
    for part in _chunks(gone):
        db.execute(f"DELETE FROM item_passages WHERE id IN ({_marks(len(part))})", list(part))
    db.conn.executemany("INSERT INTO match_passages_fts(rowid, terms) VALUES (?, ?)", fts)


def claim_index_terms(text: str) -> str:
    """The matching-index terms of a claim's stored text (pure: the import's workers compute it too)."""
    return " ".join(stems(text))


def claim_terms(db: Database, claim_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(claim id, indexed terms) of those claims: reads and analysis only, so callers can do it outside a lock."""
    ids = list(dict.fromkeys(int(i) for i in claim_ids))
    out: list[tuple[int, str]] = []
    for chunk in _chunks(ids):
        rows = db.execute(f"SELECT id, text FROM claims WHERE id IN ({_marks(len(chunk))})", chunk).fetchall()
        out += [(i, claim_index_terms(t)) for i, t in rows]
    return out


def write_claim_terms(db: Database, terms: list[tuple[int, str]]) -> None:
    """Store analysed claims in the matching index (replacing earlier rows); the caller holds the transaction."""
    for chunk in _chunks([i for i, _ in terms]):
        db.execute(f"DELETE FROM match_claims_fts WHERE rowid IN ({_marks(len(chunk))})", chunk)
    db.conn.executemany("INSERT INTO match_claims_fts(rowid, terms) VALUES (?, ?)", terms)


def index_claims(db: Database, claim_ids: Iterable[int]) -> None:
    """(Re-)index those claims so new items can be matched against them; idempotent."""
    write_claim_terms(db, claim_terms(db, claim_ids))


def _varints(blob: bytes) -> list[int]:
    """Decode a run of SQLite varints (the encoding of FTS5's 'averages' record)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for k in range(9):
            byte = blob[i]
            i += 1
            if k == 8:  # the 9th byte of a varint carries 8 bits
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80 or i >= len(blob):
                break
        out.append(value)
    return out


def corpus_stats(db: Database, fts: str = "match_items_fts") -> tuple[int, float]:
    """(rows, mean tokens per row over all columns) of an FTS5 table, read in O(1) from its averages record."""
    row = db.execute(f"SELECT block FROM {fts}_data WHERE id = 1").fetchone()
    values = _varints(row[0]) if row and row[0] else []
    if not values or not values[0]:
        return 0, 1.0
    return values[0], sum(values[1:]) / values[0]


def doc_freqs(db: Database, terms: Iterable[str], vocab: str = "match_items_vocab", n: int | None = None
              ) -> dict[str, int]:
    """Document frequency of each term (absent terms are left out).

    With ``n`` (the corpus size) counts are cached per database file (every connection, so every page run, shares
    them) and reused, scaled by the corpus growth, until the corpus differs by more than DF_TOLERANCE from when
    they were read: fts5vocab counts a term's rows by reading its whole postings list, so common terms are
    estimated instead.
    Absent terms are never cached: a new name must be found as soon as it is indexed.
    """
    terms = list(dict.fromkeys(terms))
    if n is None:
        return _read_doc_freqs(db, terms, vocab)
    key = database_key(db)
    entry = _DF_CACHE.get(key)
    if entry is None:
        if len(_DF_CACHE) >= 4:
            _DF_CACHE.pop(next(iter(_DF_CACHE)), None)
        entry = _DF_CACHE[key] = {}
    cache = entry.setdefault(vocab, {})  # term → (doc freq, corpus size when read)
    if len(cache) > 300_000:
        cache.clear()
    out: dict[str, int] = {}
    todo = []
    for t in terms:
        hit = cache.get(t)
        if hit is not None and abs(n - hit[1]) <= DF_TOLERANCE * hit[1]:
            out[t] = max(1, round(hit[0] * n / hit[1])) if n != hit[1] else hit[0]
        else:
            todo.append(t)
    for t, df in _read_doc_freqs(db, todo, vocab).items():
        cache[t] = (df, n)
        out[t] = df
    return out


def _read_doc_freqs(db: Database, terms: list[str], vocab: str) -> dict[str, int]:
    """Document frequencies: exact below DF_EXACT_CAP, estimated above it from where its last postings start.

    fts5vocab reads a term's whole postings list (~110 ms for a term in every item at 1M items); the
    DF_EXACT_CAP-th most recent posting is found in under a millisecond, and the density of postings
    among the most recent items estimates the document frequency within a few percent.
    """
    if not terms:
        return {}
    fts = vocab.replace("_vocab", "_fts")
    top = db.execute(f"SELECT max(id) FROM {fts}_docsize").fetchone()[0] or 0
    out: dict[str, int] = {}
    exact = []
    for t in terms:
        row = db.execute(f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                         [fts_query([t]), DF_EXACT_CAP - 1]).fetchone()
        if row is None:
            exact.append(t)
        else:
            out[t] = max(DF_EXACT_CAP, round(DF_EXACT_CAP * top / max(1, top - row[0] + 1)))
    for chunk in _chunks(exact):
        out.update(db.execute(f"SELECT term, doc FROM {vocab} WHERE term IN ({_marks(len(chunk))})",
                              list(chunk)).fetchall())
    return out


def select_terms(terms: Iterable[str], df: dict[str, int], n: int, budget: int = POSTINGS_BUDGET) -> list[str]:
    """The rarest informative terms, within the postings budget: this keeps the OR query selective."""
    chosen: list[str] = []
    postings = 0
    for term in sorted((t for t in terms if df.get(t)), key=lambda t: df[t]):
        over = postings + df[term] > budget
        if len(chosen) >= MAX_TERMS or (over and postings + df[term] > FORCED_BUDGET_FACTOR * budget):
            break
        if len(chosen) >= MIN_TERMS and (over or df[term] > MAX_DF_SHARE * n):
            break
        chosen.append(term)
        postings += df[term]
    return chosen


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 OR query of quoted terms (safe for any input)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def prepare_query(db: Database, text: str) -> tuple[Prepared, list[str]]:
    """The claim's scoring data and its candidate terms."""
    query = analyse_query(text)
    n, avg_len = corpus_stats(db)
    df = doc_freqs(db, query.terms, n=n)
    deep = [t for t in query.terms if t not in df]
    if deep:  # terms past every item's lead: their passage frequency stands in (a term in k passages is in ≤ k items)
        n_passages, _ = corpus_stats(db, "match_passages_fts")
        df.update(doc_freqs(db, deep, "match_passages_vocab", n=n_passages))
    expansions = fuzzy.expand(db, query.terms, df, n)
    terms = select_terms(query.terms, df, n)
    extra = [t for found in expansions.values() for t, _ in found]
    return prepare(query, df, n, avg_len, expansions), terms + [t for t in extra if t not in terms]


def candidates(db: Database, terms: list[str], limit: int = CANDIDATES) -> list[tuple[int, str, str]]:
    """(item id, title terms, lead terms) of the best items by bm25 over ``terms``."""
    if not terms:
        return []
    # bm25() spelled out: ~25% cheaper per matched row than the configured 'rank' (same weights, same order)
    return db.execute("SELECT rowid, title, lead FROM match_items_fts WHERE match_items_fts MATCH ? "
                      "ORDER BY bm25(match_items_fts, 2.0, 1.0) LIMIT ?", [fts_query(terms), limit]).fetchall()


def search(db: Database, text: str, *, limit: int = 10, kinds: tuple[str, ...] | None = None,
           exclude_item_ids: Iterable[int] = ()) -> list[Match]:
    """The items that best report ``text``, best first, scored 0..1 with explanations."""
    prepared, terms = prepare_query(db, text)
    excluded = set(exclude_item_ids)
    rows = [r for r in candidates(db, terms, max(CANDIDATES, 3 * limit) + len(excluded)) if r[0] not in excluded]
    if kinds is not None and rows:
        ids = [r[0] for r in rows]
        allowed = {i for (i,) in db.execute(
            f"SELECT id FROM items WHERE id IN ({_marks(len(ids))}) AND kind IN ({_marks(len(kinds))})",
            [*ids, *kinds])}
        rows = [r for r in rows if r[0] in allowed]
    matches = []
    for item_id, title, lead in rows:
        score, why = score_pair(prepared, title.split(), lead.split())
        matches.append(Match(item_id, round(score, 4), METHOD, why))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]
