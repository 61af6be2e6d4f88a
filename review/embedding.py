"""The embedding job: vectors for claims and passages, off the reviewer's path, in short transactions.

``python -m review embed --pending`` (run.sh starts it in the background) embeds, in this order: claims (short,
and what matching and similar claims start from), then passages by ordinal — every title, then every first body
window, then the deeper windows — so a big archive becomes useful front to back. Per batch: embed (no transaction),
store the vectors (one short transaction, so they are never lost to a later failure), work out what they unlock
with reads only — similar claims and story groups for claim vectors, dense coverage suggestions for open claims —
and write that in a second short transaction. Until a claim or an item has its vector, matching uses lexical
evidence only and says so (method 'lexical:v3').
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import numpy as np
from sqlite_utils import Database

from db.connection import write_transaction
from review import taskqueue
from review.matching import encoder, vectors
from review.matching.engine import _chunks, _marks, prepare_query
from review.matching.hybrid import dense_hits, score_items
from review.matching.passages import BODY_OFFSET
from review.matching.suggest import OPEN_STATUSES, claim_suggestions, get_thresholds, insert_links
from review.stories import MAX_STORY_CLAIMS, merge_stories, refresh_claim_stats, story_claim_ids

BATCH = 16  # texts per encoder call (~1–2 s); a batch's writes are two short transactions
# Claims at or above this cosine are suggested as the same claim (a paraphrase, a translation) for merging.
# bench/similar_claims.py on ANS (human paraphrases/contradictions of news titles vs every other title):
# 0.93 keeps 74% of same-event pairs with 0.8 (dev) to 1.6 (train) other titles per claim, many of them
# unlinked titles of the same event; 0.90 would bring 3–9 per claim.
SIMILAR_CLAIM = 0.93
# Story groups merge only at or above this (51% of same-event pairs, 0.5 others per claim) and only while the
# merged story stays small: union is transitive, so a looser rule would chain unrelated stories together.
STORY_CLAIM = 0.95
SIMILAR_K = 10  # neighbours looked at per claim
ITEM_CLAIMS_K = 10  # nearest claims looked at per newly embedded passage
METHOD_SIMILAR = f"cosine:{encoder.MODEL}"

ProgressFn = Callable[[str, int, int], None]  # (what, done, total)


class EmbeddingError(RuntimeError):
    """The job cannot run (the encoder is switched off or missing)."""


def pending(db: Database) -> dict[str, int]:
    """Claims and passages without a vector of the current model."""
    model = encoder.MODEL
    claims = db.execute("SELECT count(*) FROM claims c WHERE c.status != 'merged' AND NOT EXISTS (SELECT 1 FROM "
                        "vectors v WHERE v.kind = 'claim' AND v.ref_id = c.id AND v.model = ?)", [model]).fetchone()[0]
    # two index counts instead of an anti-join: passage vectors only exist for live passages (a trigger drops them)
    passages = (db.execute("SELECT count(*) FROM item_passages").fetchone()[0]
                - db.execute("SELECT count(*) FROM vectors WHERE kind = 'passage' AND model = ?", [model]).fetchone()[0])
    return {"claims": claims, "passages": passages}


def has_vector(db: Database, kind: str, ref_id: int) -> bool:
    """True when this claim ('claim') or passage ('passage') has a vector of the current model."""
    return db.execute("SELECT 1 FROM vectors WHERE kind = ? AND ref_id = ? AND model = ?",
                      [kind, ref_id, encoder.MODEL]).fetchone() is not None


def _passage_text(title: str, body: str, ord_: int, start: int, end: int) -> str:
    """A passage's text from its offsets into title + blank line + body."""
    if ord_ == 0:
        return title[start:end]
    base = len(title) + BODY_OFFSET
    return body[start - base:end - base]


def similar_pairs(db: Database, claim_ids: Iterable[int]) -> list[tuple[int, int, float]]:
    """(claim, other claim, cosine) for the neighbours of these claims at cosine ≥ SIMILAR_CLAIM (reads only)."""
    out = []
    for claim_id, vec in vectors.fetch(db, "claim", claim_ids).items():
        out += [(claim_id, other, round(cos, 4)) for other, cos in vectors.nearest(db, "claim", vec, SIMILAR_K + 1)
                if other != claim_id and cos >= SIMILAR_CLAIM]
    return out


def link_similar(db: Database, pairs: list[tuple[int, int, float]]) -> int:
    """Record similar claims (both directions) in the caller's transaction; near-identical ones share a story."""
    added, merged = 0, set()
    for claim_id, other, cos in pairs:
        before = db.conn.total_changes
        db.conn.executemany("INSERT OR IGNORE INTO claim_similar (claim_id, other_id, score, method) "
                            "VALUES (?, ?, ?, ?)", [(claim_id, other, cos, METHOD_SIMILAR),
                                                    (other, claim_id, cos, METHOD_SIMILAR)])
        added += (db.conn.total_changes - before) // 2
        if cos >= STORY_CLAIM and merge_stories(db, [claim_id, other], max_size=MAX_STORY_CLAIMS) is not None:
            merged.update((claim_id, other))
    if merged:  # a story's spread (outlets, languages) feeds the triage rank of all its claims
        refresh_claim_stats(db, story_claim_ids(db, merged))
    return added


def item_suggestions_dense(db: Database, passage_vecs: dict[int, np.ndarray]) -> list[tuple]:
    """Items whose passages were just embedded, against the open claims nearest them (what lexical could not see):
    rows for suggest.insert_links (reads only)."""
    if not passage_vecs:
        return []
    lower, _ = get_thresholds(db)
    owners = {}
    for chunk in _chunks(list(passage_vecs)):
        owners.update(db.execute(f"SELECT id, item_id FROM item_passages WHERE id IN ({_marks(len(chunk))})",
                                 list(chunk)).fetchall())
    pairs: dict[int, set[int]] = {}
    for pid, vec in passage_vecs.items():
        for claim_id, _ in vectors.nearest(db, "claim", vec, ITEM_CLAIMS_K):
            if pid in owners:
                pairs.setdefault(claim_id, set()).add(owners[pid])
    if not pairs:
        return []
    claims = {}
    for chunk in _chunks(list(pairs)):
        claims.update((cid, (text, lang, item)) for cid, text, lang, item in db.execute(
            f"SELECT id, text, language, item_id FROM claims WHERE id IN ({_marks(len(chunk))}) "
            f"AND status IN ({_marks(len(OPEN_STATUSES))})", [*chunk, *OPEN_STATUSES]))
    claim_vecs = vectors.fetch(db, "claim", claims)
    rows = []
    for claim_id, (text, lang, source) in claims.items():
        linked = {i for (i,) in db.execute("SELECT item_id FROM coverage_links WHERE claim_id = ? UNION "
                                           "SELECT item_id FROM claim_appearances WHERE claim_id = ?",
                                           [claim_id, claim_id])}
        items = [i for i in pairs[claim_id] if i not in linked and i != source]
        if not items or claim_id not in claim_vecs:
            continue
        prepared, _ = prepare_query(db, text)
        near, ref = dense_hits(db, claim_vecs[claim_id], lang)
        ranks = {item_id: (None, rank) for rank, item_id in enumerate(near)}  # no lead list here: half the bonus
        for m in score_items(db, prepared, claim_vecs[claim_id], items, ref=ref, query_language=lang, ranks=ranks):
            if m.score >= lower:
                rows.append((claim_id, m.item_id, m.score, m.method, json.dumps(m.explanation, ensure_ascii=False)))
    return rows


def _refresh_cells(db: Database, kind: str) -> None:
    """Re-train the inverted file of ``kind`` when it is due (reads outside, writes in short transactions)."""
    if vectors.cells_stale(db, kind):
        vectors.build_cells(db, kind)


def _encode(texts: list[str], is_query: bool) -> np.ndarray:
    """The job's encoder call: here, or by the analysis workers when ``$TABAYYUN_ANALYSIS_QUEUE`` names a queue."""
    url = taskqueue.analysis_url()
    if url:
        return taskqueue.RemoteEmbedding(url)(texts, is_query)
    return (encoder.embed_queries if is_query else encoder.embed_passages)(texts)


def _embed_claims(db: Database, batch: int) -> tuple[int, int]:
    """One batch of claims: (claims embedded, links suggested)."""
    rows = db.execute("SELECT c.id, c.text FROM claims c WHERE c.status != 'merged' AND NOT EXISTS (SELECT 1 FROM "
                      "vectors v WHERE v.kind = 'claim' AND v.ref_id = c.id AND v.model = ?) ORDER BY c.id LIMIT ?",
                      [encoder.MODEL, batch]).fetchall()
    if not rows:
        return 0, 0
    vecs = _encode([t for _, t in rows], True)  # outside any transaction: this is the slow part
    ids = [i for i, _ in rows]
    with write_transaction(db):
        vectors.store(db, "claim", list(zip(ids, vecs)))
    _refresh_cells(db, "claim")
    pairs = similar_pairs(db, ids)
    open_ids = [i for (i,) in db.execute(f"SELECT id FROM claims WHERE id IN ({_marks(len(ids))}) AND status IN "
                                        f"({_marks(len(OPEN_STATUSES))})", [*ids, *OPEN_STATUSES])]
    suggestions = claim_suggestions(db, open_ids)  # closed claims take no new suggestions
    with write_transaction(db):
        link_similar(db, pairs)
        links = insert_links(db, suggestions)
    return len(rows), links


def _embed_passages(db: Database, ord_: int, cursor: int, batch: int) -> tuple[int, int, int, int]:
    """One batch of passages of one ordinal after ``cursor``: (passages read, stored, links suggested, new cursor)."""
    rows = db.execute(
        "SELECT p.id, p.ord, p.start, p.end, i.title, i.body, p.digest FROM item_passages p "
        "JOIN items i ON i.id = p.item_id "
        "WHERE p.ord = ? AND p.id > ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.kind = 'passage' "
        "AND v.ref_id = p.id AND v.model = ?) ORDER BY p.id LIMIT ?", [ord_, cursor, encoder.MODEL, batch]).fetchall()
    if not rows:
        return 0, 0, 0, cursor
    vecs = _encode([_passage_text(t, b, o, s, e) for _, o, s, e, t, b, _ in rows], False)
    ids = [r[0] for r in rows]
    with write_transaction(db):
        # a passage re-indexed meanwhile (gone, or its text changed) must not get a vector of the old text
        now = dict(db.execute(f"SELECT id, digest FROM item_passages WHERE id IN ({_marks(len(ids))})", ids))
        kept = [(r[0], v) for r, v in zip(rows, vecs) if now.get(r[0]) == r[6]]
        vectors.store(db, "passage", kept)
    _refresh_cells(db, "passage")
    suggestions = item_suggestions_dense(db, dict(kept))
    with write_transaction(db):
        links = insert_links(db, suggestions)
    return len(rows), len(kept), links, ids[-1]


def embed_pending(db: Database, *, limit: int | None = None, max_ord: int | None = None, batch: int = BATCH,
                  progress: ProgressFn | None = None) -> dict[str, int]:
    """Embed what has no vector yet (claims first, then passages by ordinal); returns counts done."""
    if not encoder.enabled():
        raise EmbeddingError("the sentence encoder is switched off (TABAYYUN_ENCODER=off) or not installed")
    todo = pending(db)
    done = {"claims": 0, "passages": 0, "links": 0}

    def room() -> int:
        return batch if limit is None else min(batch, limit - done["claims"] - done["passages"])

    while room() > 0:
        n, links = _embed_claims(db, room())
        if not n:
            break
        done["claims"] += n
        done["links"] += links
        if progress:
            progress("claims", done["claims"], todo["claims"])
    top = db.execute("SELECT coalesce(max(ord), -1) FROM item_passages").fetchone()[0]
    for ord_ in range(0, top + 1 if max_ord is None else min(top, max_ord) + 1):
        cursor = 0
        while room() > 0:
            n, stored, links, cursor = _embed_passages(db, ord_, cursor, room())
            if not n:
                break
            done["passages"] += stored
            done["links"] += links
            if progress:
                progress("passages", done["passages"], todo["passages"])
    return done


def ensure_model_current(db: Database) -> int:
    """Delete vectors made by another model (they are re-embedded by embed_pending); returns how many."""
    with write_transaction(db):
        before = db.conn.total_changes
        db.execute("DELETE FROM vectors WHERE model != ?", [encoder.MODEL])
        return db.conn.total_changes - before
