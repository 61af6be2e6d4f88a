"""The triage queue surfaces what a desk checks: real sentences, public claims first, honest dates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from db import open_db, queries
from review.checkworthy import signals_of
from review.claims import extract_claims, split_sentences
from review.importing import import_file
from review.samples import SAMPLES_DIR, load_samples_once
from review.triage import triage_rank

GOUD = SAMPLES_DIR / "marsum-goud-200.jsonl"


def _goud_digest() -> dict:
    """The Goud daily digest whose briefs are separated by ' /outlet – ' and no full stops."""
    for line in GOUD.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "/برلمان –" in record["body"]:
            return record
    raise AssertionError("the digest is no longer in the sample")


def test_a_digest_of_briefs_is_split_into_its_briefs():
    body = _goud_digest()["body"]
    sentences = split_sentences(body)
    assert max(len(s.text) for s in sentences) <= 400
    texts = [s.text for s in sentences]
    assert any(t.startswith("عثر الأمن الإيطالي") for t in texts)  # the brief after '/برلمان – '
    assert not any("/برلمان" in t or "/المحرر" in t for t in texts)  # the outlet credit is not a claim
    for s in sentences:
        assert body[s.start:s.end] == s.text  # offsets still point into the body


def test_an_unbroken_run_past_400_characters_is_flagged_and_sinks():
    long_run = "أعلنت الحكومة أن الاقتصاد نما بنسبة 3 في المئة " * 12
    signals = signals_of(long_run, "ar")
    assert "too_long" in signals
    short = extract_claims("", "أعلنت الحكومة أن الاقتصاد نما بنسبة 3 في المئة خلال العام الماضي.", "ar")[0]
    long = extract_claims("", long_run, "ar", min_score=0.0)[0]
    assert long.score < short.score


@pytest.mark.parametrize("sentence", [
    "وشهرت الزوجة سكينا وإنهالت على الضحية بالطعنات لتسقط مضرجة في دمائها",
    "عثر على أستاذ مشنوقا بحزام في سطح منزله بمدينة سطات",
    "Police said the suspect stabbed a man outside a bar on Friday night.",
])
def test_crime_blotter_briefs_carry_the_incident_signal(sentence):
    assert "incident" in signals_of(sentence)


def test_public_claims_do_not_carry_the_incident_signal():
    for sentence in ("كشفت وثائق مسربة أن تنظيم داعش سلم مدينة تدمر لقوات النظام باتفاق سري",
                     "The papers are among 22,000 files obtained by Sky News.",
                     "ارتفعت نسبة البطالة إلى 12 في المئة حسب المندوبية السامية للتخطيط"):
        assert "incident" not in signals_of(sentence)


def test_unknown_dates_stay_unknown_and_rank_below_dated_claims(db, tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    rows = [{"id": "a", "title": "t1", "body": "أعلنت وزارة الصحة تسجيل 300 إصابة جديدة بالفيروس في الرباط أمس.",
             "outlet": "A", "published": None, "language": "ar"},
            {"id": "b", "title": "t2", "body": "قال وزير المالية إن العجز بلغ 4 مليارات درهم في عام 2015.",
             "outlet": "B", "published": "2015-08-01", "language": "ar"}]
    feed.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    import_file(db, feed)
    claims = queries.list_claims(db, sort="priority")
    undated = [c for c in claims if "الصحة" in c["text"]]
    dated = [c for c in claims if "المالية" in c["text"]]
    assert undated and dated
    assert undated[0]["first_seen"] is None and undated[0]["last_seen"] is None  # not the import day
    assert dated[0]["first_seen"] == "2015-08-01"
    assert claims.index(dated[0]) < claims.index(undated[0])
    recent = queries.list_claims(db, sort="recent")
    assert recent[-1]["id"] == undated[0]["id"]  # "date unknown" sorts last


def test_a_story_in_two_languages_outranks_the_same_claim_in_one():
    one = triage_rank(0.8, outlets=1, appearances=1, last_seen="2016-05-03")
    two = triage_rank(0.8, outlets=1, appearances=1, last_seen="2016-05-03", languages=2)
    assert two > one
    assert triage_rank(0.8, outlets=3, appearances=3, last_seen=None) < triage_rank(
        0.5, outlets=1, appearances=1, last_seen="2000-02-01")


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory, monkeypatch_module):
    path = tmp_path_factory.mktemp("samples") / "samples.db"
    database = open_db(path)
    load_samples_once(database)
    yield database
    database.close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    mp.setenv("TABAYYUN_ENCODER", "off")  # the ranking under test is the lexical one; vectors come later
    yield mp
    mp.undo()


def test_the_seed_story_tops_the_bundled_samples_queue(samples_db):
    top = queries.list_claims(samples_db, sort="priority", limit=20)
    seed = [c for c in top if c["outlet"] == "الأول"]  # the aggregator page's outlet
    seed_total = samples_db.execute(
        "SELECT count(DISTINCT a.claim_id) FROM claim_appearances a JOIN items i ON i.id = a.item_id "
        "WHERE i.outlet = 'الأول'").fetchone()[0]
    assert seed_total >= 8 and len(seed) == seed_total
    assert any("22" in c["text"] and "ألف" in c["text"] for c in seed)
    assert any("تدمر" in c["text"] for c in seed)
    assert max(len(c["text"]) for c in top) < 1000
    incident = [c for c in top if "incident" in json.loads(c["signals"])]
    assert not incident


def test_no_claim_of_the_bundled_samples_is_a_digest(samples_db):
    longest = samples_db.execute("SELECT max(length(text)) FROM claims").fetchone()[0]
    assert longest < 1000
