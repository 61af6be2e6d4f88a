"""Coverage v3 end to end with the real encoder: the seed story across languages, deep passages, similar claims,
already-checked verdicts, and the encoder-less fallback. One database is embedded once per module (the slow part)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from db import open_db, queries
from review import claim_actions, embedding, reviewing, users
from review.importing import import_file
from review.matching import encoder, get_thresholds, search
from tests.conftest import copy_of, freeze_template

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "samples" / "aggregator-page-ar.txt"
REPORTS = ROOT / "samples" / "reports-en.jsonl"  # two English reports of the seed story (and one unrelated item)
PASSWORD = "a long enough password"
SEED_CLAIM = "استعادة النظام السوري لمدينة تدمر"  # the leaked documents: Palmyra was retaken by a secret deal
PARAPHRASE = "وثائق مسربة تكشف أن استعادة النظام السوري لمدينة تدمر الأثرية جرت بموجب اتفاق سري مع تنظيم داعش"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The seed page and the English reports, everything embedded, two users."""
    path = tmp_path_factory.mktemp("v3") / "v3.db"
    db = open_db(path)
    for name, role in (("rita", "reviewer"), ("eddie", "editor")):
        users.add_user(db, None, name, PASSWORD, role)
    assert import_file(db, PAGE).ok and import_file(db, REPORTS).ok
    done = embedding.embed_pending(db)
    assert done["claims"] > 0 and done["passages"] > 0 and embedding.pending(db) == {"claims": 0, "passages": 0}
    freeze_template(db)
    return path


@pytest.fixture
def db(template, tmp_path):
    database = open_db(copy_of(template, tmp_path))
    yield database
    database.close()


def _item(db, source_id: str | None = None, *, title_like: str | None = None) -> int:
    if source_id:
        return db.execute("SELECT id FROM items WHERE source_id = ?", [source_id]).fetchone()[0]
    return db.execute("SELECT id FROM items WHERE title LIKE ?", [f"%{title_like}%"]).fetchone()[0]


def _links(db, claim_id: int) -> dict[int, dict]:
    return {i: {"method": m, **json.loads(e)} for i, m, e in db.execute(
        "SELECT item_id, method, explanation FROM coverage_links WHERE claim_id = ? AND status = 'suggested'",
        [claim_id])}


def test_the_english_report_is_suggested_for_the_arabic_claims(db):
    english = _item(db, "en-sample-1")
    claim = db.execute("SELECT id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()[0]
    links = _links(db, claim)
    assert english in links, links
    assert links[english]["method"] == "hybrid:v3.1" and links[english]["same_story_language"] == "en"
    unrelated = _item(db, "en-sample-3")  # rain in Morocco
    arabic_claims = [r[0] for r in db.execute("SELECT id FROM claims WHERE language = 'ar'")]
    assert not any(unrelated in _links(db, c) for c in arabic_claims)


def test_the_arabic_article_is_suggested_for_the_english_claims(db):
    seed = _item(db, title_like="داعش سمحت لقوات بشار الأسد")
    english_claims = [r[0] for r in db.execute(
        "SELECT c.id FROM claims c JOIN items i ON i.id = c.item_id WHERE i.source_id IN ('en-sample-1', 'en-sample-2')")]
    linked = [c for c in english_claims if seed in _links(db, c)]
    assert linked, "no English claim of the seed story got the Arabic article as coverage"
    assert all(_links(db, c)[seed]["same_story_language"] == "ar" for c in linked)


def test_an_english_query_finds_the_arabic_article(db):
    seed = _item(db, title_like="داعش سمحت لقوات بشار الأسد")
    found = search(db, "Skynews documents ISIS Palmyra", limit=5)
    assert seed in [m.item_id for m in found]
    assert next(m for m in found if m.item_id == seed).explanation.get("same_story_language") == "ar"


def test_the_daily_mail_sentence_deep_in_the_article_is_found_with_its_passage(db):
    seed = _item(db, title_like="داعش سمحت لقوات بشار الأسد")
    found = search(db, "ديلي ميل لم تتمكن من التحقق", limit=3)
    assert found[0].item_id == seed
    title, body = db.execute("SELECT title, body FROM items WHERE id = ?", [seed]).fetchone()
    passage = found[0].explanation["passage"]
    assert passage["ord"] > 1 and passage["start"] > 1500  # past the old 1,500-character lead
    assert "لم تتمكن من التحقق" in f"{title}\n\n{body}"[passage["start"]:passage["end"]]


def test_a_paraphrase_becomes_a_merge_suggestion_and_joins_the_story(db):
    original = db.execute("SELECT id, story_id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()
    added = claim_actions.add_claim(db, None, PARAPHRASE)
    assert not embedding.has_vector(db, "claim", added["id"])  # adding a claim never waits for the encoder
    embedding.embed_pending(db)
    similar = {s["id"]: s["score"] for s in queries.similar_claims(db, added["id"])}
    assert original[0] in similar and similar[original[0]] >= embedding.SIMILAR_CLAIM


def _sign_off(db, claim_id: int, label: str = "Misleading") -> None:
    version = db.execute("SELECT version FROM claims WHERE id = ?", [claim_id]).fetchone()[0]
    after = reviewing.assign(db, "rita", claim_id, version, "rita")
    after = reviewing.propose_verdict(db, "rita", claim_id, after["version"], label=label, rationale="checked",
                                      evidence_urls=["https://example.org/check"])
    reviewing.sign_off(db, "eddie", claim_id, after["version"])


def test_a_claim_similar_to_a_signed_off_verdict_shows_already_checked(db):
    original = db.execute("SELECT id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()[0]
    _sign_off(db, original)
    added = claim_actions.add_claim(db, None, PARAPHRASE)
    embedding.embed_pending(db)
    found = queries.already_checked(db, [added["id"]], threshold=0.25)[added["id"]]
    assert found["label"] == "Misleading" and found["other_id"] == original and found["date"]


def test_triage_groups_the_claims_of_one_story_with_their_outlets_and_languages(db):
    claim = db.execute("SELECT id, story_id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()
    rows = {r["id"]: r for r in queries.list_claims(db, limit=100)}
    row = rows[claim[0]]
    assert row["story_claims"] >= 10  # every claim of the seed article
    assert set(row["story_languages"].split(",")) == {"ar", "en"} and row["story_outlets"] >= 2
    heads = queries.list_claims(db, limit=100, story_heads=True)
    assert len([r for r in heads if r["story_id"] == claim[1]]) == 1


def test_vectors_survive_reindexing_and_a_model_change_reembeds(db):
    from review.matching.engine import index_items
    before = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    with db.conn:
        index_items(db, [r[0] for r in db.execute("SELECT id FROM items")])
    assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] == before
    with db.conn:
        db.execute("UPDATE vectors SET model = 'an-older-model/0'")
    assert embedding.pending(db)["claims"] > 0  # another model's vectors are never mixed in: all pending again
    assert search(db, "Skynews documents ISIS Palmyra", limit=3)[0].method == "lexical:v3"


def test_without_the_encoder_matching_falls_back_to_lexical(db, monkeypatch):
    monkeypatch.setenv("TABAYYUN_ENCODER", "off")
    assert not encoder.enabled()
    english = _item(db, "en-sample-2")
    found = search(db, "Daily Mail Palmyra documents", limit=3)
    assert found[0].item_id == english and found[0].method == "lexical:v3"
    with pytest.raises(embedding.EmbeddingError):
        embedding.embed_pending(db)
    with pytest.raises(encoder.EncoderUnavailable):
        encoder.embed_queries(["x"])


def test_embed_cli_reports_and_fails_clearly_without_the_encoder(db, tmp_path):
    path = db.execute("PRAGMA database_list").fetchone()[2]
    env = {"PATH": "/usr/bin:/bin", "TABAYYUN_ENCODER": "off", "PYTHONPATH": str(ROOT)}
    report = subprocess.run([sys.executable, "-m", "review", "--db", path, "embed"], capture_output=True,
                            text=True, env=env, cwd=ROOT)
    assert report.returncode == 0 and "pending: 0 claims, 0 passages" in report.stdout
    run = subprocess.run([sys.executable, "-m", "review", "--db", path, "embed", "--pending"], capture_output=True,
                         text=True, env=env, cwd=ROOT)
    assert run.returncode == 1 and "switched off" in run.stderr and "Traceback" not in run.stderr


def test_review_page_shows_the_english_passage_and_merge_suggestions(db, monkeypatch):
    from tests.apptest_helpers import app, log_in, page_text
    original = db.execute("SELECT id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()[0]
    added = claim_actions.add_claim(db, None, PARAPHRASE)["id"]
    path = db.execute("PRAGMA database_list").fetchone()[2]
    at = log_in(app(Path(path), monkeypatch), "rita", PASSWORD)
    at.query_params["claim"] = str(added)
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    captions = page_text(at)
    assert "Matching by meaning" in captions  # not embedded yet: the page says matches are lexical only
    embedding.embed_pending(db)
    at.run()
    assert not at.exception
    assert f"Merge this claim into #{original}" in [b.label for b in at.button]
    at.query_params["claim"] = str(original)
    at.run()
    assert "Same story in English" in page_text(at)


def test_a_claim_matching_an_imported_fact_check_shows_already_checked(db, tmp_path):
    check = tmp_path / "checks.jsonl"
    check.write_text(json.dumps({
        "id": "fc-1", "kind": "factcheck", "outlet": "Sample Checks", "published": "2016-05-10", "language": "en",
        "title": "Fact check: did leaked ISIS documents show a secret deal handing Palmyra to Assad?",
        "body": "Leaked documents obtained by Sky News suggest Islamic State agreed to withdraw heavy artillery from "
                "Palmyra before the Syrian regime retook the city. The documents could not be independently "
                "verified."}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_file(db, check).ok
    embedding.embed_pending(db)  # the fact-check's passages meet the open claims nearest them
    claim = db.execute("SELECT id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()[0]
    found = queries.already_checked(db, [claim], threshold=get_thresholds(db)[0]).get(claim)
    assert found and found["outlet"] == "Sample Checks" and found["date"] == "2016-05-10"


def test_search_page_finds_the_arabic_article_for_an_english_query(db, monkeypatch):
    from tests.apptest_helpers import app, log_in, page_text
    path = db.execute("PRAGMA database_list").fetchone()[2]
    at = log_in(app(Path(path), monkeypatch), "rita", PASSWORD)
    at.switch_page("app_pages/search.py").run()
    at.text_area(key="search_query").input("ديلي ميل لم تتمكن من التحقق")
    at.button[0].click()
    at.run()
    assert not at.exception
    captions = page_text(at)
    assert "Matching passage" in captions  # the Daily Mail sentence, deep in the article, is shown
    at.text_area(key="search_query").input("Skynews documents ISIS Palmyra")
    at.button[0].click()
    at.run()
    shown = page_text(at)
    assert "Same story in Arabic" in shown
    assert "match" in shown and ":v3" not in shown and "0." not in shown.split("Same story")[0]  # words, no codes


def test_one_row_per_story_respects_the_other_filters(db):
    claim = db.execute("SELECT id, story_id FROM claims WHERE text LIKE ?", [f"%{SEED_CLAIM}%"]).fetchone()
    english = db.execute("SELECT id FROM claims WHERE language = 'en' AND item_id = ?",
                         [_item(db, "en-sample-1")]).fetchone()[0]
    with db.conn:  # an English claim joins the Arabic story: filtering on English must still show the story
        db.execute("UPDATE claims SET story_id = ? WHERE id = ?", [claim[1], english])
    heads = queries.list_claims(db, limit=100, story_heads=True, language="en")
    assert english in [r["id"] for r in heads]
    assert queries.count_claims(db, story_heads=True, language="en") == len(heads)
    assert len([r for r in queries.list_claims(db, limit=200, story_heads=True) if r["story_id"] == claim[1]]) == 1
