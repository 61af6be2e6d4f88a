"""Hostile input: SQL and FTS syntax in search boxes, HTML in article text and comments, huge and empty fields."""
from __future__ import annotations

import json

import pytest

from db import open_db, queries
from review import claim_actions, reviewing, text, users
from review.errors import ValidationError
from review.importing import import_file
from tests.apptest_helpers import app, log_in

PASSWORD = "a long enough password"
HOSTILE_QUERIES = ["'; DROP TABLE claims; --", '" OR 1=1 --', "NEAR(تدمر داعش)", "*", "-", "AND OR NOT",
                   '"unbalanced', "تدمر^2 {col}:x", "\x00", "%_%", "a" * 5000, "", "   "]
SCRIPT = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


@pytest.fixture
def hostile_db(tmp_path):
    path = tmp_path / "hostile.db"
    db = open_db(path)
    users.add_user(db, None, "admin", PASSWORD, "admin")
    feed = tmp_path / "xss.jsonl"
    feed.write_text(json.dumps({"id": "x1", "title": f"عنوان {SCRIPT}", "language": "ar", "outlet": "<b>outlet</b>",
                                "body": f"قال الوزير إن 22 ألف ملف تسربت من الوزارة في 2016. {SCRIPT} "
                                        "وأكدت الوزارة أن 300 موظف فقدوا وظائفهم بسبب التسريب."}) + "\n",
                    encoding="utf-8")
    assert import_file(db, feed).ok
    yield path, db
    db.close()


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_triage_text_filter_is_data_not_syntax(hostile_db, query):
    _, db = hostile_db
    found = queries.list_claims(db, norm_query=text.normalize(query) or None)
    assert isinstance(found, list)
    assert db.execute("SELECT count(*) FROM claims").fetchone()[0] >= 1  # nothing was dropped


def test_html_in_articles_and_comments_is_shown_as_text(hostile_db, monkeypatch):
    path, db = hostile_db
    claim_id = db.execute("SELECT id FROM claims ORDER BY id LIMIT 1").fetchone()[0]
    reviewing.add_comment(db, "admin", claim_id, SCRIPT)
    at = log_in(app(path, monkeypatch), "admin", PASSWORD)
    at.query_params["claim"] = str(claim_id)
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    bodies = " ".join(e.proto.body for e in at.get("html"))
    assert "&lt;script&gt;" in bodies and "<script>" not in bodies and "<img" not in bodies
    markdown = " ".join(m.value for m in at.markdown)
    assert "<script>" not in markdown and "<b>outlet</b>" not in markdown


@pytest.mark.parametrize("query", HOSTILE_QUERIES[:6])
def test_triage_search_box_survives_hostile_input(hostile_db, monkeypatch, query):
    path, _ = hostile_db
    at = log_in(app(path, monkeypatch), "admin", PASSWORD)
    at.switch_page("app_pages/triage.py").run()
    at.text_input(key="triage_query").input(query[:200])
    at.button[0].click().run()
    assert not at.exception and not at.error


def test_very_long_and_empty_fields_are_refused_with_the_field_name(hostile_db):
    _, db = hostile_db
    claim_id = db.execute("SELECT id FROM claims ORDER BY id LIMIT 1").fetchone()[0]
    with pytest.raises(ValidationError) as err:
        reviewing.add_comment(db, "admin", claim_id, "x" * 20_001)
    assert err.value.field == "comment"
    with pytest.raises(ValidationError) as err:
        reviewing.add_comment(db, "admin", claim_id, "")
    assert err.value.field == "comment"
    with pytest.raises(ValidationError) as err:
        claim_actions.add_claim(db, "admin", "y" * 2_001)
    assert err.value.field == "text"
    with pytest.raises(ValidationError) as err:
        users.add_user(db, "admin", "<script>", PASSWORD, "reviewer")
    assert err.value.field == "name"
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
