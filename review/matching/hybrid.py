"""Coverage v3: lexical candidates (item leads and passages over whole bodies) ∪ dense candidates, one re-ranker.

For a claim:
1. lexical: the v2 FTS5 candidates over titles + leads, and the best passages of the passage index (so a
   sentence in paragraph 12 is found), with fuzzy expansions of rare/unknown terms (fuzzy.py);
2. dense: the claim's e5 vector against every embedded passage (vectors.py), which finds the same story told
   in the other language;
3. one score per item: ``W_LEXICAL × lexical + W_DENSE × dense``, where lexical is the v2 score of the title with
   the lead or with the best passage (whichever is higher) and dense = clip((cos − ref) / COS_SPAN, 0, 1) for the
   best embedded passage, ref being the claim's REF_RANK-th best item cosine (its local neighbourhood). e5's raw
   cosines are not comparable across claims or languages (unrelated text scores ~0.80 against an Arabic claim in
   English, ~0.85 in Arabic; a translation ~0.86, a same-language report ~0.92), but the margin over the claim's own
   neighbourhood is (median 0.063 across languages, 0.071 within, on the dev sets): one threshold then serves both.
   Items or claims without a vector keep their plain v2 score (the method string says "lexical").
   Weights fitted on the train splits (bench/hybrid_quality.py --tune); dev splits held out.
The explanation keeps v2's reasons and adds the passage that matched (offsets into title + blank line + body)
and, across languages, "same story in <language>".
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from sqlite_utils import Database

from review.matching import encoder, vectors
from review.matching.engine import (CANDIDATES, Match, _chunks, _marks, candidates, corpus_stats, doc_freqs,
                                    fts_query, prepare_query, select_terms)
from review.matching.rerank import Prepared, score_pair
from review.text import detect_language

log = logging.getLogger(__name__)
METHOD = "hybrid:v3.1"  # v3.1: + the agreement bonus of the lead and dense candidate lists
METHOD_LEXICAL = "lexical:v3"  # the same pipeline with no vector for the claim or the item
DENSE_K = 40  # passages taken from the vector index per claim
PASSAGE_CANDIDATES = 30  # passages taken from the passage FTS index per claim
PASSAGE_BUDGET = 2_000  # postings the passage OR query may touch (the lead query has 5,000; passages add depth)
SCORED = 40  # items fully re-scored per claim, best by reciprocal rank over the three candidate lists
# Grid on the train splits (ANS, CheckThat! 2021 Arabic and English; bench/hybrid_quality.py --tune): the top is
# flat (0.45/0.20 with the bonus at 0.05 is 0.0006 under the best, 0.25/0.075 with 0.08); without the agreement
# bonus the best is 0.0046 lower, lexical alone 0.047 lower.
W_LEXICAL, W_DENSE = 0.55, 0.45
RANK_K = 60  # reciprocal rank 1 / (RANK_K + rank): which candidates are re-scored, and the agreement bonus
RANK_WEIGHT = 0.05  # agreement(): at most this much for an item first in both the lead and the dense list
COS_SPAN = 0.2  # a passage this far above the claim's neighbourhood counts as fully similar
REF_RANK = 10  # the neighbourhood: the claim's 10th best item by cosine
REF_DEFAULT = 0.80  # the reference while fewer than REF_RANK items have vectors (unrelated cross-language level)
# e5 scores any Arabic text ~0.04 lower against English text than against Arabic text (and the reverse), related
# or not: measured without labels, ANS train claims against 2,000 English (Snopes) and 2,000 Arabic (SaudiNewsNet)
# articles: mean cosine 0.748 vs 0.790, 10th best 0.808 vs 0.850. A cross-language cosine gets this back before
# it is compared, so a translation is not out-ranked by a loosely related item in the claim's own language.
CROSS_LANGUAGE_SHIFT = 0.04


def adjusted(cos: float, query_language: str | None, item_language: str | None) -> float:
    """The cosine on the same-language scale."""
    if query_language and item_language and query_language != item_language:
        return cos + CROSS_LANGUAGE_SHIFT
    return cos


def dense_score(cos: float, ref: float) -> float:
    """A cosine as its margin over the claim's neighbourhood, mapped onto 0..1."""
    return float(min(1.0, max(0.0, (cos - ref) / COS_SPAN)))


def combine(lexical: float, dense: float | None, *, cross_language: bool = False) -> float:
    """The v3 score of one pair from its lexical v2 score and its dense score (None: no vectors).

    Across languages the lexical features can only see numbers and Latin names: shared years and figures pulled
    unrelated items up (xquad en→ar dev MAP@5 0.832 with max(blend, dense), 0.946 dense alone), and no train split
    is cross-language to fit a weight for them, so the dense score alone carries the pair (they stay in the
    explanation).
    """
    if dense is None:
        return lexical
    if cross_language:
        return dense
    return W_LEXICAL * lexical + W_DENSE * dense


def agreement(lead_rank: int | None, dense_rank: int | None) -> float:
    """The bonus of an item that the lead index and the vector index both rank high (0..RANK_WEIGHT).

    A reciprocal-rank term (k = RANK_K) over the two candidate lists. The v2 score is absolute, and on short texts
    (tweets) it is low for everything; an item's rank among the claim's candidates carries what the absolute score
    misses. Fitted on the train splits (bench/hybrid_quality.py --tune: mean MRR/MAP 0.8415 → 0.8461); it is added
    wherever the item has a vector, across languages too (xquad dev MAP@5 ar→en 0.941 → 0.943, en→ar 0.946 →
    0.954), so scores sit ~0.03 higher than v3's and the thresholds were re-measured (suggest.py).
    """
    ranked = [r for r in (lead_rank, dense_rank) if r is not None]
    return RANK_WEIGHT * (RANK_K / 2) * sum(reciprocal_rank(r) for r in ranked)


def reciprocal_rank(rank: int) -> float:
    """1 / (RANK_K + rank), rank counted from 0."""
    return 1.0 / (RANK_K + rank)


def dense_hits(db: Database, qvec: np.ndarray, query_language: str | None,
               k: int = DENSE_K) -> tuple[dict[int, float], float]:
    """The items nearest the claim ({item id: best passage cosine}) and the claim's reference (adjusted) cosine."""
    hits = vectors.nearest(db, "passage", qvec, k)
    if not hits:
        return {}, REF_DEFAULT
    owners = {pid: (item, lang) for pid, item, lang in db.execute(
        f"SELECT p.id, p.item_id, i.language FROM item_passages p JOIN items i ON i.id = p.item_id "
        f"WHERE p.id IN ({_marks(len(hits))})", [pid for pid, _ in hits])}
    items: dict[int, float] = {}
    scale: list[float] = []
    for pid, cos in hits:  # best first, so the first passage of an item is its best
        if pid in owners and owners[pid][0] not in items:
            items[owners[pid][0]] = cos
            scale.append(adjusted(cos, query_language, owners[pid][1]))
    scale.sort(reverse=True)
    return items, scale[REF_RANK - 1] if len(scale) >= REF_RANK else REF_DEFAULT


_EMBEDDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")


def query_vector_soon(text: str) -> Future:
    """The claim's vector (as ``query_vector``), computed in a thread while the caller reads the lexical indexes.

    The encoder's C engine and SQLite both release the GIL, so the embedding overlaps the FTS5 queries. Measured
    (three rounds of 30 new claims, same run): 100k items 78 ms overlapped against 98 ms one after the other, 1M
    items 111 against 146 ms. Embedding on one OpenMP thread in that thread (so the search keeps a core) was no
    better (86 and 113 ms), and two FTS5 queries in parallel threads were slower than one after the other.
    """
    return _EMBEDDER.submit(query_vector, text)


def query_vector(text: str) -> np.ndarray | None:
    """The claim's vector, or None when the encoder is off or fails (the search then stays lexical)."""
    if not encoder.enabled():
        return None
    try:
        return encoder.embed_queries([text])[0]
    except (encoder.EncoderUnavailable, OSError, RuntimeError) as exc:
        log.warning("sentence encoder failed, matching lexically: %s", exc)
        return None


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


def _best_cosines(db: Database, item_ids: list[int], qvec: np.ndarray) -> dict[int, tuple[float, int]]:
    """item id → (cosine, passage id) of its embedded passage nearest the claim (current model).

    CROSS JOIN keeps the passages of these items as the outer loop (the planner otherwise walks every vector).
    """
    rows = []
    for chunk in _chunks(item_ids):
        rows += db.execute("SELECT p.item_id, p.id, v.scale, v.q8 FROM item_passages p CROSS JOIN vectors v "
                           "ON v.kind = 'passage' AND v.ref_id = p.id AND v.model = ? "
                           f"WHERE p.item_id IN ({_marks(len(chunk))})", [encoder.MODEL, *chunk]).fetchall()
    if not rows:
        return {}
    codes = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.int8).reshape(len(rows), -1)
    with vectors.one_blas_thread():
        sims = (codes.astype(np.float32) @ qvec) * np.fromiter((r[2] for r in rows), np.float32, len(rows))
    out: dict[int, tuple[float, int]] = {}
    for (item_id, pid, _, _), cos in zip(rows, sims.tolist()):
        if item_id not in out or cos > out[item_id][0]:
            out[item_id] = (cos, pid)
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
                ref: float = REF_DEFAULT, query_language: str | None = None,
                passages: dict[int, list[tuple[int, str]]] | None = None,
                ranks: dict[int, tuple[int | None, int | None]] | None = None) -> list[Match]:
    """Score these items for one claim: lexical (lead or best lexical passage) and dense (best passage).

    ``ranks``: item → (rank in the lead candidates, rank in the dense candidates), for ``agreement``.
    """
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
    nearest = _best_cosines(db, item_ids, qvec) if qvec is not None else {}
    best_pid: dict[int, int] = {}
    scored = []
    wanted = prepared.term_set | prepared.aliases.keys()
    for item_id in item_ids:
        title, lead = leads.get(item_id, ([], []))
        if wanted.isdisjoint(title) and wanted.isdisjoint(lead):  # found by meaning only: nothing lexical to score
            lexical, why = 0.0, {"shared_words": [], "shared_numbers": [], "conflicting_numbers": [],
                                 "shared_names": [], "fuzzy_terms": []}
        else:
            lexical, why = score_pair(prepared, title, lead)
        lexical_pid = None
        for pid, terms in (passages or {}).get(item_id, ()):
            s, w = score_pair(prepared, title, terms.split())
            if s > lexical:
                lexical, why, lexical_pid = s, w, pid
        other = languages.get(item_id)
        cross = bool(query_language and other and other != query_language)
        cos, dense_pid = nearest.get(item_id, (None, None))
        dense = None if cos is None else dense_score(adjusted(cos, query_language, other), ref)
        score = combine(lexical, dense, cross_language=cross)
        if dense is not None and ranks:
            bonus = agreement(*ranks.get(item_id, (None, None)))
            if bonus:
                score += bonus
                why["agreement"] = round(bonus, 4)
        why["lexical"] = round(lexical, 4)
        if cos is not None:
            why["cosine"] = round(cos, 4)
            why["reference"] = round(ref, 4)
        # the passage to show: the dense one when meaning carried the match, else the lexical one
        pid = dense_pid if dense is not None and (cross or W_DENSE * dense >= W_LEXICAL * lexical) else lexical_pid
        if pid is not None:
            best_pid[item_id] = pid
        if cross and dense:
            why["same_story_language"] = other
        scored.append((item_id, score, METHOD if cos is not None else METHOD_LEXICAL, why))
    spans = _passage_rows(db, best_pid.values())
    out = []
    for item_id, score, method, why in scored:
        if best_pid.get(item_id) in spans:  # (a passage re-indexed away meanwhile is simply not shown)
            o, a, b = spans[best_pid[item_id]]
            why["passage"] = {"ord": o, "start": a, "end": b}
        out.append(Match(item_id, round(min(1.0, max(0.0, score)), 4), method, why))
    out.sort(key=lambda m: -m.score)
    return out


def search(db: Database, text: str, *, limit: int = 10, kinds: tuple[str, ...] | None = None,
           exclude_item_ids: Iterable[int] = (), qvec: np.ndarray | None = None, dense: bool = True,
           embed_query: bool = True, query_language: str | None = None) -> list[Match]:
    """The items that best report ``text``, best first, scored 0..1 with explanations (v3).

    ``qvec``: the claim's stored vector, if any; without one the text is embedded when ``embed_query`` (an
    interactive search, ~40–50 ms here, overlapped with the lexical queries) and vectors exist, else only lexical
    evidence is used.
    """
    pending = (query_vector_soon(text) if dense and qvec is None and embed_query
               and vectors.count_any(db, "passage") else None)
    prepared, terms = prepare_query(db, text)
    language = query_language or detect_language(text)
    excluded = set(exclude_item_ids)
    pool: dict[int, float] = {}  # item → reciprocal-rank sum over the three candidate lists (which to score fully)

    def add(ranked: Iterable[int]) -> dict[int, int]:
        order = list(dict.fromkeys(ranked))
        for rank, item_id in enumerate(order):
            pool[item_id] = pool.get(item_id, 0.0) + reciprocal_rank(rank)
        return {item_id: rank for rank, item_id in enumerate(order)}

    lead_ranks = add(r[0] for r in candidates(db, terms, max(CANDIDATES, 3 * limit) + len(excluded)))
    lexical_passages: dict[int, list[tuple[int, str]]] = {}
    # the passage index has ~7 rows an item: its own document frequencies keep the OR query within budget
    n_passages, _ = corpus_stats(db, "match_passages_fts")
    passage_terms = select_terms(terms, doc_freqs(db, terms, "match_passages_vocab", n=n_passages), n_passages,
                                 PASSAGE_BUDGET)
    found = _passage_candidates(db, passage_terms, PASSAGE_CANDIDATES)
    for pid, item_id, t in found:
        if item_id not in lexical_passages:  # best bm25 first: an item's best passage is scored, not all of them
            lexical_passages[item_id] = [(pid, t)]
    add(item_id for _, item_id, _ in found)
    if pending is not None:
        qvec = pending.result()
    ref = REF_DEFAULT
    dense_ranks: dict[int, int] = {}
    if dense and qvec is not None:
        near, ref = dense_hits(db, qvec, language)
        dense_ranks = add(near)
    ids = [i for i in sorted(pool, key=pool.get, reverse=True) if i not in excluded]
    if kinds is not None and ids:
        allowed = set()
        for chunk in _chunks(ids):
            allowed.update(i for (i,) in db.execute(
                f"SELECT id FROM items WHERE id IN ({_marks(len(chunk))}) AND kind IN ({_marks(len(kinds))})",
                [*chunk, *kinds]))
        ids = [i for i in ids if i in allowed]
    ids = ids[:max(SCORED, 2 * limit + 10)]  # full re-scoring costs ~0.7 ms an item: the likeliest ones only
    ranks = {i: (lead_ranks.get(i), dense_ranks.get(i)) for i in ids}
    matches = score_items(db, prepared, qvec if dense else None, ids, ref=ref, query_language=language,
                          passages=lexical_passages, ranks=ranks)
    return matches[:limit]
