"""Coverage v3: lexical candidates (item leads and passages over whole bodies) ∪ dense candidates, one re-ranker.

For a claim:
1. lexical: the v2 FTS5 candidates over titles + leads, and the best passages of the passage index (so a
   sentence in paragraph 12 is found), with fuzzy expansions of rare/unknown terms (fuzzy.py);
2. dense: the claim's e5 vector against every embedded passage (vectors.py), which finds the same story told
   in the other language;
3. one score per item: ``W_LEXICAL × lexical + W_DENSE × dense``, where lexical is the v2 score of the title with
   the lead or with the best passage (whichever is higher) and dense = clip((cos − COS_FLOOR) / (COS_TOP −
   COS_FLOOR), 0, 1) of the best embedded passage. Items or claims without a vector keep their plain v2 score
   (the method string says "lexical"). Weights fitted on the train splits (bench/matching_quality.py --tune-v3).
The explanation keeps v2's reasons and adds the passage that matched (offsets into title + blank line + body)
and, across languages, "same story in <language>".
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlite_utils import Database

from review.matching import encoder, vectors
from review.matching.engine import CANDIDATES, Match, _chunks, _marks, candidates, fts_query, prepare_query
from review.matching.rerank import Prepared, score_pair
from review.text import detect_language

METHOD = "hybrid:v3"
METHOD_LEXICAL = "lexical:v3"  # the same pipeline with no vector for the claim or the item
DENSE_K = 60  # passages taken from the vector index per claim
PASSAGE_CANDIDATES = 60  # passages taken from the passage FTS index per claim
# fitted on the train splits (bench/matching_quality.py --tune-v3); see the README table
W_LEXICAL, W_DENSE = 0.5, 0.5
COS_FLOOR, COS_TOP = 0.80, 0.92


def dense_score(cos: float) -> float:
    """A cosine mapped onto 0..1 (e5 puts unrelated text near 0.75 and translations near 0.9)."""
    return float(min(1.0, max(0.0, (cos - COS_FLOOR) / (COS_TOP - COS_FLOOR))))


def combine(lexical: float, cos: float | None) -> float:
    """The v3 score of one pair from its lexical v2 score and its best passage cosine (None: no vectors)."""
    if cos is None:
        return lexical
    return W_LEXICAL * lexical + W_DENSE * dense_score(cos)


def query_vector(text: str) -> np.ndarray | None:
    """The claim's vector, or None when the encoder is off."""
    if not encoder.enabled():
        return None
    return encoder.embed_queries([text])[0]


def _passage_candidates(db: Database, terms: list[str], limit: int) -> list[tuple[int, int, str]]:
    """(passage id, item id, passage terms) of the best passages by bm25 over ``terms``."""
    if not terms:
        return []
    rows = db.execute("SELECT rowid, terms FROM match_passages_fts WHERE match_passages_fts MATCH ? "
                      "ORDER BY bm25(match_passages_fts) LIMIT ?", [fts_query(terms), limit]).fetchall()
    if not rows:
        return []
    items = dict(db.execute(f"SELECT id, item_id FROM item_passages WHERE id IN ({_marks(len(rows))})",
                            [r[0] for r in rows]).fetchall())
    return [(pid, items[pid], t) for pid, t in rows if pid in items]


def _item_vectors(db: Database, item_ids: list[int]) -> dict[int, list[tuple[int, np.ndarray]]]:
    """item id → [(passage id, vector)] of its embedded passages (current model)."""
    out: dict[int, list[tuple[int, np.ndarray]]] = {}
    for chunk in _chunks(item_ids):
        for item_id, pid, scale, q8 in db.execute(
                "SELECT p.item_id, p.id, v.scale, v.q8 FROM item_passages p JOIN vectors v "
                "ON v.kind = 'passage' AND v.ref_id = p.id AND v.model = ? "
                f"WHERE p.item_id IN ({_marks(len(chunk))})", [encoder.MODEL, *chunk]):
            out.setdefault(item_id, []).append((pid, vectors.dequantise(scale, q8)))
    return out


def _passage_rows(db: Database, passage_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
    """passage id → (ord, start, end)."""
    ids = list(dict.fromkeys(passage_ids))
    out = {}
    for chunk in _chunks(ids):
        out.update((pid, (o, a, b)) for pid, o, a, b in db.execute(
            f"SELECT id, ord, start, end FROM item_passages WHERE id IN ({_marks(len(chunk))})", list(chunk)))
    return out


def score_items(db: Database, prepared: Prepared, qvec: np.ndarray | None, item_ids: list[int], *,
                query_language: str | None = None,
                passages: dict[int, list[tuple[int, str]]] | None = None) -> list[Match]:
    """Score these items for one claim: lexical (lead or best lexical passage) and dense (best passage)."""
    if not item_ids:
        return []
    leads = {}
    for chunk in _chunks(item_ids):
        leads.update((i, (t.split(), l.split())) for i, t, l in db.execute(
            f"SELECT rowid, title, lead FROM match_items_fts WHERE rowid IN ({_marks(len(chunk))})", list(chunk)))
    languages = {}
    for chunk in _chunks(item_ids):
        languages.update(db.execute(f"SELECT id, language FROM items WHERE id IN ({_marks(len(chunk))})",
                                    list(chunk)).fetchall())
    item_vecs = _item_vectors(db, item_ids) if qvec is not None else {}
    best_pid: dict[int, int] = {}
    scored = []
    for item_id in item_ids:
        title, lead = leads.get(item_id, ([], []))
        lexical, why = score_pair(prepared, title, lead)
        lexical_pid = None
        for pid, terms in (passages or {}).get(item_id, ()):
            s, w = score_pair(prepared, title, terms.split())
            if s > lexical:
                lexical, why, lexical_pid = s, w, pid
        cos = None
        dense_pid = None
        if item_vecs.get(item_id):
            sims = [(float(v @ qvec), pid) for pid, v in item_vecs[item_id]]
            cos, dense_pid = max(sims)
        score = combine(lexical, cos)
        why["lexical"] = round(lexical, 4)
        if cos is not None:
            why["cosine"] = round(cos, 4)
        # the passage to show: the dense one when meaning carried the match, else the lexical one
        pid = dense_pid if cos is not None and W_DENSE * dense_score(cos) >= W_LEXICAL * lexical else lexical_pid
        if pid is not None:
            best_pid[item_id] = pid
        other = languages.get(item_id)
        if cos is not None and query_language and other and other != query_language and dense_score(cos) > 0:
            why["same_story_language"] = other
        scored.append((item_id, score, METHOD if cos is not None else METHOD_LEXICAL, why))
    spans = _passage_rows(db, best_pid.values())
    out = []
    for item_id, score, method, why in scored:
        if item_id in best_pid:
            o, a, b = spans[best_pid[item_id]]
            why["passage"] = {"ord": o, "start": a, "end": b}
        out.append(Match(item_id, round(min(1.0, max(0.0, score)), 4), method, why))
    out.sort(key=lambda m: -m.score)
    return out


def search(db: Database, text: str, *, limit: int = 10, kinds: tuple[str, ...] | None = None,
           exclude_item_ids: Iterable[int] = (), qvec: np.ndarray | None = None, dense: bool = True,
           embed_query: bool = True) -> list[Match]:
    """The items that best report ``text``, best first, scored 0..1 with explanations (v3).

    ``qvec``: the claim's stored vector, if any; without one the text is embedded when ``embed_query`` (an
    interactive search, ~50 ms) and vectors exist, else only lexical evidence is used.
    """
    prepared, terms = prepare_query(db, text)
    excluded = set(exclude_item_ids)
    pool: dict[int, None] = {}
    for item_id, _, _ in candidates(db, terms, max(CANDIDATES, 3 * limit) + len(excluded)):
        pool[item_id] = None
    lexical_passages: dict[int, list[tuple[int, str]]] = {}
    for pid, item_id, t in _passage_candidates(db, terms, PASSAGE_CANDIDATES):
        pool[item_id] = None
        lexical_passages.setdefault(item_id, []).append((pid, t))
    if dense and qvec is None and embed_query and vectors.count_any(db, "passage"):
        qvec = query_vector(text)
    if dense and qvec is not None:
        hits = vectors.nearest(db, "passage", qvec, DENSE_K)
        owners = dict(db.execute(f"SELECT id, item_id FROM item_passages WHERE id IN ({_marks(len(hits))})",
                                 [pid for pid, _ in hits]).fetchall()) if hits else {}
        for pid, _ in hits:
            if pid in owners:
                pool[owners[pid]] = None
    ids = [i for i in pool if i not in excluded]
    if kinds is not None and ids:
        allowed = set()
        for chunk in _chunks(ids):
            allowed.update(i for (i,) in db.execute(
                f"SELECT id FROM items WHERE id IN ({_marks(len(chunk))}) AND kind IN ({_marks(len(kinds))})",
                [*chunk, *kinds]))
        ids = [i for i in ids if i in allowed]
    matches = score_items(db, prepared, qvec if dense else None, ids, query_language=detect_language(text),
                          passages=lexical_passages)
    return matches[:limit]
