"""Coverage matching on real SQLite: what it must understand, links it writes, and hostile input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from db import open_db, write_transaction
from review.matching import (
    STRONG_THRESHOLD, SUGGEST_THRESHOLD, Match, get_thresholds, index_claims, index_items, search,
    suggest_for_claims, suggest_for_items,
)

FIXTURE = Path(__file__).parent / "fixtures" / "matching" / "corpus.json"


@pytest.fixture()
def corpus(tmp_path):
    """A database holding the fixture items, indexed; returns (db, key → item id)."""
    db = open_db(tmp_path / "t.db")
    items = json.loads(FIXTURE.read_text(encoding="utf-8"))["items"]
    ids = {}
    with write_transaction(db):
        for n, it in enumerate(items):
            db.execute("INSERT INTO items (kind, title, body, content_hash) VALUES (?, ?, ?, ?)",
                       [it["kind"], it["title"], it["body"], f"h{n}"])
            ids[it["key"]] = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        index_items(db, ids.values())
    return db, ids


def add_claim(db, text: str, item_id: int | None = None) -> int:
    """Insert a claim (status new) and index it."""
    with write_transaction(db):
        cur = db.execute("INSERT INTO claims (text, norm_text, norm_hash, item_id) VALUES (?, ?, ?, ?)",
                         [text, text, str(hash(text)), item_id])
        index_claims(db, [cur.lastrowid])
    return cur.lastrowid


def top(db, text: str, **kw) -> list[int]:
    """Item ids of the matches, best first."""
    return [m.item_id for m in search(db, text, **kw)]


@pytest.mark.parametrize("claim, expected", [
    ("وزارة الصحة تعلن افتتاح مستشفى جديد في مدينة تبوك", "diacritics"),
    ("Central bank raises interest rates by half a point to fight inflation", "word_order"),
    ("To fight inflation the central bank raises rates by half a point", "word_order"),
    ("صادرات المملكة من التمور بلغت 36.7 مليار ريال في العام الماضي", "long_body"),
])
def test_the_item_reporting_the_claim_ranks_first(corpus, claim, expected):
    db, ids = corpus
    assert top(db, claim)[0] == ids[expected]


def test_transliterated_name_variant_matches_and_is_explained(corpus):
    db, ids = corpus
    matches = search(db, "ديلي ميل: الأمير هاري يزور مخيم اللاجئين")
    assert matches[0].item_id == ids["daily_mail"]
    assert ["ديلي", "دايل"] in matches[0].explanation["shared_names"]


@pytest.mark.parametrize("claim", ["ترحيل 22 ألف مخالف", "ترحيل 22,000 مخالف", "ترحيل ٢٢ ألف مخالف",
                                   "deport 22 thousand illegal workers"])
def test_number_forms_agree(corpus, claim):
    db, ids = corpus
    matches = search(db, claim)
    by_id = {m.item_id: m for m in matches}
    hits = [k for k in ("num_words", "num_digits", "num_commas") if ids[k] in by_id]
    assert hits, matches
    assert all("22000" in by_id[ids[k]].explanation["shared_numbers"] for k in hits)


def test_claim_sentence_in_the_middle_of_a_long_body(corpus):
    db, ids = corpus
    found = top(db, "بلغت صادرات المملكة من التمور 36.7 مليار ريال بحسب هيئة الإحصاء", kinds=("article",))
    assert found[0] == ids["long_body"]


def test_conflicting_numbers_rank_below_agreeing_ones(corpus):
    db, ids = corpus
    matches = search(db, "صادرات التمور السعودية 36.7 مليار ريال")
    order = [m.item_id for m in matches]
    assert order.index(ids["num_agree"]) < order.index(ids["num_conflict"])
    conflict = next(m for m in matches if m.item_id == ids["num_conflict"])
    assert ["36700000000", "35500000000"] in conflict.explanation["conflicting_numbers"]  # canonical values


def test_match_fields_kinds_and_exclusions(corpus):
    db, ids = corpus
    matches = search(db, "ترحيل 22 ألف مخالف", kinds=("headline",), exclude_item_ids=[ids["num_digits"]])
    assert matches and all(isinstance(m, Match) and 0 <= m.score <= 1 for m in matches)
    kinds = {db.execute("SELECT kind FROM items WHERE id = ?", [m.item_id]).fetchone()[0] for m in matches}
    assert kinds == {"headline"} and ids["num_digits"] not in [m.item_id for m in matches]
    assert matches[0].method == "lexical:v3"  # no vectors in this database: lexical evidence only


@pytest.mark.parametrize("hostile", ['"', "AND", "NEAR(", "*", "-", "' OR 1=1 --", 'a" OR "b', "^x:y",
                                     "", "   ", "(((", "title:foo", "NOT OR AND", "\x00", "🚨🚨"])
def test_hostile_query_text_never_raises(corpus, hostile):
    db, _ = corpus
    assert isinstance(search(db, hostile), list)
    assert isinstance(search(db, f"وزارة الصحة {hostile} تبوك"), list)


def test_index_items_is_idempotent(corpus):
    db, ids = corpus
    before = search(db, "وزارة الصحة تعلن افتتاح مستشفى جديد في مدينة تبوك")
    with write_transaction(db):
        index_items(db, list(ids.values()) * 2)
    rows = db.execute("SELECT count(*) FROM match_items_fts").fetchone()[0]
    assert rows == len(ids)
    assert search(db, "وزارة الصحة تعلن افتتاح مستشفى جديد في مدينة تبوك") == before


def test_suggest_for_claims_skips_source_and_never_recreates_rejected(corpus):
    db, ids = corpus
    claim = add_claim(db, "صادرات التمور السعودية تبلغ 36.7 مليار ريال", item_id=ids["long_body"])
    with write_transaction(db):
        created = suggest_for_claims(db, [claim])
    links = dict(db.execute("SELECT item_id, status FROM coverage_links WHERE claim_id = ?", [claim]).fetchall())
    assert created == len(links) and ids["num_agree"] in links and ids["long_body"] not in links
    with write_transaction(db):
        db.execute("UPDATE coverage_links SET status = 'rejected' WHERE claim_id = ? AND item_id = ?",
                   [claim, ids["num_agree"]])
        assert suggest_for_claims(db, [claim]) == 0
    assert db.execute("SELECT status FROM coverage_links WHERE claim_id = ? AND item_id = ?",
                      [claim, ids["num_agree"]]).fetchone()[0] == "rejected"
    explanation = json.loads(db.execute("SELECT explanation FROM coverage_links LIMIT 1").fetchone()[0])
    assert {"shared_words", "shared_numbers", "conflicting_numbers", "shared_names"} <= set(explanation)


def test_suggest_for_items_matches_new_items_to_open_claims_only(corpus, tmp_path):
    db, ids = corpus
    open_claim = add_claim(db, "الأمير هاري يزور مخيم اللاجئين في الأردن")
    closed = add_claim(db, "الأمير هاري يزور مخيم اللاجئين في الأردن اليوم")
    with write_transaction(db):
        db.execute("UPDATE claims SET status = 'signed_off' WHERE id = ?", [closed])
        assert suggest_for_items(db, [ids["daily_mail"]]) == 1
        assert suggest_for_items(db, [ids["daily_mail"]]) == 0
    linked = db.execute("SELECT claim_id, item_id, status FROM coverage_links").fetchall()
    assert linked == [(open_claim, ids["daily_mail"], "suggested")]


def test_thresholds_default_and_from_settings(corpus):
    db, _ = corpus
    assert get_thresholds(db) == (SUGGEST_THRESHOLD, STRONG_THRESHOLD)
    assert 0 < SUGGEST_THRESHOLD < STRONG_THRESHOLD <= 1
    with write_transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES ('match.suggest_threshold', '0.3'), "
                   "('match.strong_threshold', '0.9')")
    assert get_thresholds(db) == (0.3, 0.9)


def test_migrations_apply_twice(tmp_path):
    open_db(tmp_path / "a.db")
    db = open_db(tmp_path / "a.db")
    assert "match_items_fts" in db.table_names() and "match_claims_fts" in db.table_names()


def test_upper_bound_is_never_below_the_score(corpus):
    from review.matching.engine import corpus_stats, doc_freqs
    from review.matching.analysis import analyse_query
    from review.matching.rerank import item_profile, prepare, score_pair, upper_bound
    db, _ = corpus
    n, avg_len = corpus_stats(db)
    items = db.execute("SELECT title, lead FROM match_items_fts").fetchall()
    claims = [t + " " + l for t, l in items] + ["ديلي ميل: الأمير هاري يزور مخيم اللاجئين", "صادرات التمور 36.7 مليار"]
    checked = 0
    for text in claims:
        query = analyse_query(text)
        p = prepare(query, doc_freqs(db, query.terms), n, avg_len)
        for title, lead in items:
            score, _ = score_pair(p, title.split(), lead.split())
            assert upper_bound(p, item_profile(title.split(), lead.split())) >= score - 1e-9
            checked += score > 0
    assert checked > 20


def test_bm25_feature_is_fts5_bm25_over_all_claim_terms(corpus):
    from review.matching.analysis import analyse_query
    from review.matching.engine import corpus_stats, doc_freqs, fts_query
    from review.matching.rerank import features, prepare
    db, _ = corpus
    n, avg_len = corpus_stats(db)
    compared = 0
    for text in ("صادرات التمور السعودية 36.7 مليار ريال", "Central bank raises interest rates to fight inflation",
                 "وزارة الصحة تعلن افتتاح مستشفى جديد 22 ألف"):
        query = analyse_query(text)
        p = prepare(query, doc_freqs(db, query.terms), n, avg_len)
        rows = db.execute("SELECT rowid, title, lead, -bm25(match_items_fts, 2.0, 1.0) FROM match_items_fts "
                          "WHERE match_items_fts MATCH ?", [fts_query(query.terms)]).fetchall()
        for _, title, lead, fts_score in rows:
            ours = features(p, title.split(), lead.split())[0]["bm25"] * p.bm25_max
            assert ours == pytest.approx(fts_score, rel=1e-6)
            compared += 1
    assert compared >= 6


def test_corpus_stats_and_doc_freqs_follow_the_index(corpus):
    from review.matching.engine import corpus_stats, doc_freqs
    db, ids = corpus
    n, avg_len = corpus_stats(db)
    lengths = [len(t.split()) + len(l.split()) for t, l in db.execute("SELECT title, lead FROM match_items_fts")]
    assert n == len(ids) and avg_len == pytest.approx(sum(lengths) / len(lengths))
    before = doc_freqs(db, ["تبوك"], n=n)["تبوك"]
    with write_transaction(db):
        new = [db.execute("INSERT INTO items (kind, title, body, content_hash) VALUES ('article', ?, '', ?)",
                          [f"مستشفى تبوك {k}", f"new{k}"]).lastrowid for k in range(3)]
        index_items(db, new)
    n2, _ = corpus_stats(db)
    assert n2 == n + 3 and doc_freqs(db, ["تبوك"], n=n2)["تبوك"] == before + 3


def test_a_term_first_seen_after_a_search_is_found(corpus):
    db, _ = corpus
    with write_transaction(db):  # enough items that one more does not reset the doc-freq cache (2%)
        filler = [db.execute("INSERT INTO items (kind, title, body, content_hash) VALUES ('headline', ?, '', ?)",
                             [f"خبر رقم {k} عن الطقس في تبوك", f"f{k}"]).lastrowid for k in range(80)]
        index_items(db, filler)
    assert search(db, "زلزال قرب مدينة تبوك اليوم") is not None  # caches the doc freqs, the new word is unknown
    with write_transaction(db):
        new = db.execute("INSERT INTO items (kind, title, body, content_hash) VALUES ('headline', ?, '', 'quake')",
                         ["زلزال بقوة 4 درجات قرب تبوك"]).lastrowid
        index_items(db, [new])
    assert top(db, "زلزال قرب مدينة تبوك اليوم")[0] == new


def test_a_disagreeing_number_lowers_the_score_of_the_same_text(tmp_path):
    from db import open_db
    from review.matching import index_items
    db = open_db(tmp_path / "numbers.db")
    texts = {"agree": "صادرات التمور السعودية بلغت 36.7 مليار ريال العام الماضي",
             "other": "صادرات التمور السعودية بلغت 35.5 مليار ريال العام الماضي",
             "none": "صادرات التمور السعودية بلغت ذروتها بالريال العام الماضي"}  # same length, no figure
    ids = {}
    for key, title in texts.items():
        ids[key] = db.execute("INSERT INTO items (kind, title, content_hash) VALUES ('headline', ?, ?)",
                              [title, key]).lastrowid
    index_items(db, ids.values())
    scores = {m.item_id: m.score for m in search(db, "صادرات التمور السعودية 36.7 مليار ريال", limit=10)}
    assert scores[ids["agree"]] > scores[ids["none"]] > scores[ids["other"]]


def test_a_new_connection_to_the_same_database_reuses_its_document_frequencies(corpus, tmp_path):
    db, _ = corpus
    query = "وزارة الصحة تعلن افتتاح مستشفى جديد في تبوك"  # every word is in the fixture corpus
    first = search(db, query, limit=3)
    assert first
    statements: list[str] = []
    page_run = open_db(tmp_path / "t.db")  # what every dashboard page run does
    page_run.conn.set_trace_callback(statements.append)
    again = search(page_run, query, limit=3)
    page_run.close()
    assert [m.item_id for m in again] == [m.item_id for m in first]
    # no document-frequency lookups: neither the OFFSET probe nor the fts5vocab count
    assert not [s for s in statements if "OFFSET" in s or "_vocab" in s]
