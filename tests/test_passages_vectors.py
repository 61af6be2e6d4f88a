"""Passages over whole items, vectors in SQLite (int8 + inverted file), fuzzy expansion of rare terms."""
from __future__ import annotations

import numpy as np
import pytest

from db.connection import write_transaction
from review.matching import fuzzy, hybrid, vectors
from review.matching import search
from review.matching.engine import index_items
from review.matching.passages import HARD_CHARS, MAX_PASSAGES, PASSAGE_CHARS, split_passages


def _full(title: str, body: str) -> str:
    return f"{title}\n\n{body}"


def test_passages_cover_the_whole_body_in_order_with_offsets_into_the_full_text():
    title = "وثائق خطيرة عن تدمر"
    body = "\n".join(f"الجملة رقم {i} تقول شيئا عن المدينة والوثائق المسربة." for i in range(60))
    passages = split_passages(title, body)
    assert passages[0].ord == 0 and passages[0].text == title
    full = _full(title, body)
    for p in passages:
        assert full[p.start:p.end] == p.text
        assert len(p.text) <= max(PASSAGE_CHARS, HARD_CHARS)
    assert [p.ord for p in passages] == list(range(len(passages)))
    assert "رقم 59" in passages[-1].text  # the last sentence is searchable, not only a lead


def test_passages_are_capped_and_long_sentences_cut_at_spaces():
    body = " ".join(["كلمة"] * 5000)  # one 25,000-character "sentence"
    passages = split_passages("", body)
    assert passages[0].ord == 1  # no title: body windows still start at 1
    assert len(passages) == MAX_PASSAGES - 1
    assert all(len(p.text) <= HARD_CHARS and not p.text.startswith(" ") for p in passages)


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
    return v / np.linalg.norm(v)


def test_vectors_round_trip_and_exact_nearest(db):
    vecs = {i: _unit(i) for i in range(1, 201)}
    with write_transaction(db):
        vectors.store(db, "claim", list(vecs.items()))
    back = vectors.fetch(db, "claim", [5, 7])
    assert float(back[5] @ vecs[5]) > 0.999  # int8 codes keep the cosine
    hits = vectors.nearest(db, "claim", vecs[42], 3)
    assert hits[0][0] == 42 and hits[0][1] > 0.999 and hits[1][1] < 0.5


def test_inverted_file_finds_the_same_neighbours_and_reloads_after_deletes(db):
    centres = [_unit(1000 + c) for c in range(8)]
    rows, rng = [], np.random.default_rng(3)
    for i in range(1, 801):  # 8 clusters of 100 near-duplicates
        v = centres[i % 8] + 0.3 * rng.standard_normal(384).astype(np.float32) / 20
        rows.append((i, v / np.linalg.norm(v)))
    with write_transaction(db):
        vectors.store(db, "claim", rows)
        assert vectors.build_cells(db, "claim", min_vectors=100) >= 2
    assert db.execute("SELECT count(*) FROM vectors WHERE cell IS NULL").fetchone()[0] == 0
    query = rows[10][1]
    exact = [r for r, _ in vectors.nearest(db, "claim", query, 10, exact=True)]
    ivf = [r for r, _ in vectors.nearest(db, "claim", query, 10, nprobe=8)]  # 28 cells, ~4 per cluster
    assert ivf[0] == exact[0] == 11 and len(set(ivf) & set(exact)) >= 8
    with write_transaction(db):
        db.execute("DELETE FROM vectors WHERE ref_id = 11")
    assert 11 not in [r for r, _ in vectors.nearest(db, "claim", query, 10)]
    with write_transaction(db):  # a vector added after the cells were built is filed in one and found
        vectors.store(db, "claim", [(5000, query)])
    assert vectors.nearest(db, "claim", query, 1)[0][0] == 5000


def test_vectors_of_another_model_are_never_compared(db):
    with write_transaction(db):
        vectors.store(db, "claim", [(1, _unit(1))], model="some-other-model/1")
    assert vectors.nearest(db, "claim", _unit(1), 5) == []
    assert vectors.nearest(db, "claim", _unit(1), 5, model="some-other-model/1")[0][0] == 1


def _item(db, title: str, body: str = "", kind: str = "article") -> int:
    item_id = db.execute("INSERT INTO items (kind, title, body, content_hash, language) VALUES (?, ?, ?, ?, ?) "
                         "RETURNING id", [kind, title, body, f"h{title}{body}", None]).fetchone()[0]
    index_items(db, [item_id])
    return item_id


@pytest.fixture
def news(db):
    with write_transaction(db):
        ids = {"mail": _item(db, "Daily Mail says leaked files show a deal over Palmyra"),
               "mail2": _item(db, "Daily Mail report on the leaked files questioned"),
               "isis": _item(db, "تنظيم داعش ينسحب من مدينة تدمر"),
               "isis2": _item(db, "داعش يعلن مسؤوليته عن هجوم"),
               "isis3": _item(db, "خبراء: داعش خسر نصف أراضيه")}
        for i in range(30):
            _item(db, f"Unrelated weather report number {i} about rain and dams", f"Rain fell in region {i}.")
    return db, ids


@pytest.mark.parametrize("query, expected, expansion", [
    ("Dayli Mail Palmyra", "mail", "daily"),
    ("داعيش تدمر", "isis", "داعش"),
])
def test_a_misspelt_name_expands_to_the_vocabulary_and_finds_its_item(news, query, expected, expansion):
    db, ids = news
    found = search(db, query, limit=3)
    assert found and found[0].item_id == ids[expected]
    assert any(e == expansion for _, e in found[0].explanation["fuzzy_terms"])


def test_a_known_rare_term_is_not_corrected(news):
    db, _ = news
    terms = ["rain", "palmyra"]
    assert fuzzy.expand(db, terms, {"rain": 30, "palmyra": 2}, 35) == {}  # palmyra has no more common neighbour


def test_a_sentence_deep_in_a_long_body_is_found_with_its_passage(db):
    filler = " ".join(f"Paragraph {i} talks about the weather, markets and football results." for i in range(80))
    body = filler + "\n\nThe newspaper said it could not verify the leaked documents obtained by the broadcaster."
    with write_transaction(db):
        deep = _item(db, "A long weekly digest", body)
        for i in range(10):
            _item(db, f"Weather digest {i}", filler[:1400])
    found = search(db, "could not verify the leaked documents", limit=3)
    assert found[0].item_id == deep
    passage = found[0].explanation["passage"]
    text = _full("A long weekly digest", body)[passage["start"]:passage["end"]]
    assert "could not verify the leaked documents" in text and passage["ord"] > 1


def test_reindexing_keeps_vectors_of_unchanged_passages_and_drops_stale_ones(db):
    with write_transaction(db):
        item = _item(db, "Title one", "First sentence here. " * 30 + "\n" + "Second part of the body. " * 30)
        pids = [r[0] for r in db.execute("SELECT id FROM item_passages WHERE item_id = ? ORDER BY ord", [item])]
        vectors.store(db, "passage", [(p, _unit(p)) for p in pids])
        index_items(db, [item])  # same text: every vector stays
    assert vectors.fetch(db, "passage", pids).keys() == set(pids)
    with write_transaction(db):
        db.execute("UPDATE items SET title = 'A much longer second title' WHERE id = ?", [item])
        index_items(db, [item])
    kept = vectors.fetch(db, "passage", pids)
    assert pids[0] not in kept  # the title changed: its vector described text that is gone
    assert set(pids[1:]) <= kept.keys()  # the body windows did not change...
    title, body = db.execute("SELECT title, body FROM items WHERE id = ?", [item]).fetchone()
    for start, end, ord_ in db.execute("SELECT start, end, ord FROM item_passages WHERE item_id = ?", [item]):
        text = f"{title}\n\n{body}"[start:end]  # ...but they moved: their offsets follow the longer title
        assert text == (title if ord_ == 0 else text.strip()) and (ord_ == 0 or text.startswith(("First", "Second")))


def test_the_in_memory_index_follows_rollbacks_replacements_and_other_kinds(db):
    with write_transaction(db):
        vectors.store(db, "claim", [(1, _unit(1))])
    db.execute("BEGIN")
    vectors.store(db, "claim", [(100, _unit(100))])
    assert vectors.nearest(db, "claim", _unit(100), 1)[0][0] == 100  # seen inside the transaction...
    db.execute("ROLLBACK")
    with write_transaction(db):  # ...the rolled-back id is reused by another row
        vectors.store(db, "claim", [(200, _unit(200))])
    assert 100 not in [r for r, _ in vectors.nearest(db, "claim", _unit(100), 5)]
    assert vectors.nearest(db, "claim", _unit(200), 1)[0][0] == 200
    with write_transaction(db):  # a replaced vector is not served from the old codes
        vectors.store(db, "claim", [(200, _unit(300))])
    assert vectors.nearest(db, "claim", _unit(300), 1) == [(200, pytest.approx(1.0, abs=1e-3))]
    with write_transaction(db):  # deleting a claim vector, then a passage vector reusing its id
        db.execute("DELETE FROM vectors WHERE kind = 'claim' AND ref_id = 200")
        vectors.store(db, "passage", [(7, _unit(7))])
    assert vectors.nearest(db, "passage", _unit(7), 1)[0][0] == 7


def test_agreement_rewards_items_both_candidate_lists_rank_high():
    assert hybrid.agreement(None, None) == 0.0
    assert hybrid.agreement(0, 0) == pytest.approx(hybrid.RANK_WEIGHT)
    assert hybrid.agreement(0, None) == pytest.approx(hybrid.RANK_WEIGHT / 2)
    assert hybrid.agreement(0, 0) > hybrid.agreement(0, 5) > hybrid.agreement(5, 5) > hybrid.agreement(5, None)


def test_the_agreement_bonus_is_added_to_hybrid_scores_only(db):
    with write_transaction(db):
        ids = [_item(db, f"Dam report {i}: the reservoir level fell by {i} metres", f"Engineers measured it {i}.")
               for i in range(6)]
        db.execute("UPDATE items SET language = 'en'")
    lexical = {m.item_id: m for m in search(db, "the reservoir level fell", limit=6)}
    assert all("agreement" not in m.explanation for m in lexical.values())  # no vectors: v2 scores unchanged
    pids = dict(db.execute("SELECT item_id, id FROM item_passages WHERE ord = 0").fetchall())
    with write_transaction(db):
        vectors.store(db, "passage", [(pids[i], _unit(i)) for i in ids])
    for language, cross in (("en", False), ("ar", True)):
        found = search(db, "the reservoir level fell", limit=6, qvec=_unit(ids[3]), query_language=language)
        top = next(m for m in found if m.item_id == ids[3])
        assert top.method == hybrid.METHOD and top.explanation["agreement"] > 0
        dense = hybrid.dense_score(top.explanation["cosine"] + (hybrid.CROSS_LANGUAGE_SHIFT if cross else 0),
                                   top.explanation["reference"])
        without = hybrid.combine(top.explanation["lexical"], dense, cross_language=cross)
        assert top.score == pytest.approx(min(1.0, without + top.explanation["agreement"]), abs=1e-3)
