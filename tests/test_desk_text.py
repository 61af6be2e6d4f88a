"""What the desk says in words: isolates around mixed runs, local dates, history sentences, explanations."""
from __future__ import annotations


import pytest

from app_pages.bidi import LRI, PDI, date_label, iso, ltr, ref
from app_pages.common import match_words, surface_forms
from app_pages.history import sentence_html
from db import open_db
from review import users
from review.importing import import_file
from review.samples import SAMPLES_DIR
from tests.apptest_helpers import app, log_in, page_text

PASSWORD = "a long enough password"


def test_isolates_wrap_ids_dates_and_names():
    assert ref(55) == f"{LRI}#55{PDI}"
    assert ltr("2016-05-03") == f"{LRI}2016-05-03{PDI}"
    assert iso("Daily Mail").startswith("\u2068") and iso("Daily Mail").endswith(PDI)


def test_dates_are_written_the_readers_way_and_unknown_is_said():
    assert date_label("2016-05-03") == "3 May 2016"
    assert date_label("2016-05-03T10:00:00Z") == "3 May 2016"
    assert date_label(None) == "date unknown"


def test_explanations_use_the_texts_spelling_and_skip_function_words():
    why = {"shared_words": ["وثايق", "عن", "من", "الاسد", "قناه"], "shared_numbers": [22000]}
    assert match_words(why) == {"وثايق", "الاسد", "قناه", "22000"}
    text = "كشفت وثائق مسربة عن اتفاق بين داعش وقوات الأسد بحسب قناة سكاي نيوز"
    assert surface_forms(["وثايق", "الاسد", "قناه"], text) == ["وثائق", "الأسد", "قناة"]
    assert surface_forms(["الوثايق"], "نشرت الوثائق") == ["الوثائق"]
    assert surface_forms(["غايب"], "نص آخر") == ["غايب"]  # not in the text: shown as stored


@pytest.mark.parametrize(("event", "expected"), [
    ({"action": "claim.propose_verdict", "after": {"verdict": {"label": "Misleading"}}},
     "<bdi>rita</bdi> proposed <em><bdi>Misleading</bdi></em>"),
    ({"action": "claim.assign", "after": {"assignee_id": 2}}, "<bdi>rita</bdi> assigned the claim to <bdi>sara</bdi>"),
    ({"action": "claim.decide_link", "after": {"link": {"after": ["rejected", "unknown"]}}},
     "<bdi>rita</bdi> rejected a coverage link"),
    ({"action": "claim.dismiss", "after": {"status_reason": "<b>opinion</b>"}},
     "<bdi>rita</bdi> dismissed the claim: <bdi>&lt;b&gt;opinion&lt;/b&gt;</bdi>"),
])
def test_history_events_read_as_sentences(event, expected):
    line = sentence_html({"actor": "rita", "before": {}, "created_at": "2026-12-07T13:54:00Z", **event}, {2: "sara"})
    assert line.startswith(expected) and "13:54" in line
    assert "claim." not in line


def test_review_page_in_arabic_tells_the_history_and_isolates_the_number(tmp_path, monkeypatch):
    from review import reviewing

    path = tmp_path / "ar.db"
    db = open_db(path)
    users.add_user(db, None, "rita", PASSWORD, "reviewer")
    users.set_ui_language(db, "rita", "ar")  # her pages are in Arabic from login on
    import_file(db, SAMPLES_DIR / "aggregator-page-ar.txt")
    claim_id, version = db.execute("SELECT id, version FROM claims ORDER BY triage_rank DESC LIMIT 1").fetchone()
    after = reviewing.assign(db, "rita", claim_id, version, "rita")
    reviewing.propose_verdict(db, "rita", claim_id, after["version"], label="Misleading",
                              rationale="الوثائق لم يتحقق منها أحد", evidence_urls=["https://example.org/a"])
    db.close()
    at = log_in(app(path, monkeypatch), "rita", PASSWORD)
    at.query_params["claim"] = str(claim_id)
    at.switch_page("app_pages/review.py").run()
    assert not at.exception and not at.error
    text = page_text(at)
    assert "اقترح rita الحكم مضلل" in text  # the history as a sentence, the verdict label in Arabic
    assert "claim.propose_verdict" not in text and "Misleading" not in text
    assert "3 مايو 2016" in text  # the source date the Arabic way
    bodies = " ".join(e.proto.body for e in at.get("html"))
    assert 'href="https://example.org/a"' in bodies  # evidence is a link
    heading = next(h.value for h in at.subheader)
    assert f"{LRI}#{claim_id}{PDI}" in heading
