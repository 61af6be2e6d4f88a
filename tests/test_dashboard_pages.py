"""AppTest of every page: renders for each role, and its main interactions work on a real database."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from db import open_db
from review import reviewing, users
from review.importing import import_file
from tests.apptest_helpers import app, log_in
from tests.conftest import copy_of, freeze_template

PASSWORD = "a long enough password"
TEAM = (("admin", "admin"), ("rita", "reviewer"), ("eddie", "editor"), ("edna", "editor"))
SAMPLE = "samples/aggregator-page-ar.txt"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Users, the sample page and one proposed verdict, built once (Argon2 is deliberately slow)."""
    from pathlib import Path
    path = tmp_path_factory.mktemp("pages") / "pages.db"
    db = open_db(path)
    for name, role in TEAM:
        users.add_user(db, None, name, PASSWORD, role)
    import_file(db, Path(__file__).resolve().parents[1] / SAMPLE)
    claim = db.execute("SELECT id, version FROM claims ORDER BY score DESC LIMIT 1").fetchone()
    after = reviewing.assign(db, "rita", claim[0], claim[1], "rita")
    reviewing.propose_verdict(db, "rita", claim[0], after["version"], label="Unverifiable",
                              rationale="<b>not</b> verified", evidence_urls=["https://example.org/sky"])
    freeze_template(db)
    return path


@pytest.fixture
def db_path(template, tmp_path):
    return copy_of(template, tmp_path)


def _proposed(db_path) -> int:
    db = open_db(db_path)
    claim_id = db.execute("SELECT id FROM claims WHERE status = 'verdict_proposed'").fetchone()[0]
    db.close()
    return claim_id


ROLE_PAGES = {
    "admin": ["home", "triage", "review", "signoff", "search", "imports", "jobs", "analytics", "export", "admin",
              "organisation"],
    "editor": ["home", "triage", "review", "signoff", "search", "imports", "jobs", "analytics", "export"],
    "reviewer": ["home", "triage", "review", "search", "imports", "jobs", "analytics", "export"],
}


@pytest.mark.parametrize(("user", "role"), [("admin", "admin"), ("eddie", "editor"), ("rita", "reviewer")])
def test_every_page_renders_for_each_role(db_path, monkeypatch, user, role):
    at = log_in(app(db_path, monkeypatch), user, PASSWORD)
    assert not at.exception
    for page in ROLE_PAGES[role]:
        if page == "review":
            at.query_params["claim"] = str(_proposed(db_path))
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
    hidden = set(ROLE_PAGES["admin"]) - set(ROLE_PAGES[role])
    for page in hidden:  # not registered for this role: navigation refuses it
        with pytest.raises(ValueError):
            at.switch_page(f"app_pages/{page}.py")


def _matching(at) -> int:
    """The triage page's "N claims match" count (0 when the page says none match)."""
    for body in (e.proto.body for e in at.get("html")):
        found = re.search(r"(\d+)\u2069? claims? match", body)
        if found:
            return int(found.group(1))
    return 0


def _submit(at, form_key: str) -> None:
    next(b for b in at.button if b.proto.form_id == form_key).click().run()


def test_triage_filters_and_bulk_assign(db_path, monkeypatch):
    at = log_in(app(db_path, monkeypatch), "eddie", PASSWORD)
    at.switch_page("app_pages/triage.py").run()
    total = _matching(at)
    assert total >= 4
    at.multiselect(key="triage_status").set_value(["verdict_proposed"])
    _submit(at, "triage_filters")
    assert _matching(at) == 1
    at.multiselect(key="triage_status").set_value(["new"])
    _submit(at, "triage_filters")
    new = _matching(at)
    at.radio(key="triage_bulk_action").set_value("assign")
    at.selectbox(key="triage_bulk_assignee").set_value("rita")
    at.checkbox(key="triage_bulk_sure").check()
    _submit(at, "triage_bulk")
    assert not at.exception
    assert f"{new} claims changed" in at.success[0].value
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM claims WHERE status = 'in_review' AND assignee_id = "
                      "(SELECT id FROM users WHERE name = 'rita')").fetchone()[0] == new


def test_triage_views_my_claims_and_due_soon(db_path, monkeypatch):
    db = open_db(db_path)
    first, second = [r[0] for r in db.execute("SELECT id FROM claims WHERE status = 'new' ORDER BY id LIMIT 2")]
    reviewing.assign(db, "eddie", first, db.execute("SELECT version FROM claims WHERE id = ?", [first]).fetchone()[0],
                     "rita")
    version = db.execute("SELECT version FROM claims WHERE id = ?", [second]).fetchone()[0]
    due = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    reviewing.set_priority(db, "eddie", second, version, priority=1, deadline=due)
    db.close()
    at = log_in(app(db_path, monkeypatch), "rita", PASSWORD)
    at.switch_page("app_pages/triage.py").run()
    at.radio(key="triage_view").set_value("mine").run()
    assert _matching(at) == 2  # the claim just assigned and the one whose verdict she proposed
    assert [b for b in at.button if b.key == f"triage_open_{first}"]
    at.radio(key="triage_view").set_value("due").run()
    assert _matching(at) == 1
    assert [b for b in at.button if b.key == f"triage_open_{second}"]
    bodies = " ".join(e.proto.body for e in at.get("html"))
    assert "due " in bodies


def test_signoff_approve_by_another_editor(db_path, monkeypatch):
    claim_id = _proposed(db_path)
    at = log_in(app(db_path, monkeypatch), "edna", PASSWORD)
    at.switch_page("app_pages/signoff.py").run()
    bodies = [e.proto.body for e in at.get("html")]
    assert any("&lt;b&gt;not&lt;/b&gt; verified" in b for b in bodies)  # article/user text is escaped, not HTML
    assert not any("<b>not</b>" in b for b in bodies)
    approve = [b for b in at.button if b.label == "Approve and publish"][0]
    approve.click().run()
    assert not at.exception
    db = open_db(db_path)
    assert db.execute("SELECT status FROM claims WHERE id = ?", [claim_id]).fetchone()[0] == "signed_off"


def test_signoff_return_needs_comment(db_path, monkeypatch):
    claim_id = _proposed(db_path)
    at = log_in(app(db_path, monkeypatch), "edna", PASSWORD)
    at.switch_page("app_pages/signoff.py").run()
    [b for b in at.button if b.label == "Return to reviewer"][0].click().run()
    assert "comment" in at.error[0].value
    at.text_input(key=f"signoff_comment_{claim_id}").input("Cite the Sky News report")
    [b for b in at.button if b.label == "Return to reviewer"][0].click().run()
    db = open_db(db_path)
    assert db.execute("SELECT status FROM claims WHERE id = ?", [claim_id]).fetchone()[0] == "in_review"


def test_admin_adds_user_and_refuses_bad_input(db_path, monkeypatch):
    at = log_in(app(db_path, monkeypatch), "admin", PASSWORD)
    at.switch_page("app_pages/admin.py").run()
    at.text_input(key="admin_name").input("newbie")
    at.text_input(key="admin_password").input("short")
    at.button[0].click().run()
    assert "password" in at.error[0].value
    at.text_input(key="admin_name").input("newbie")
    at.text_input(key="admin_password").input(PASSWORD)
    at.selectbox(key="admin_role").set_value("editor")
    at.button[0].click().run()
    db = open_db(db_path)
    assert users.get_user(db, "newbie").role == "editor"


def test_every_page_renders_in_arabic(db_path, monkeypatch):
    at = log_in(app(db_path, monkeypatch), "admin", PASSWORD)
    at.sidebar.radio(key="nav_language").set_value("ar").run()
    for page in ROLE_PAGES["admin"]:
        if page == "review":
            at.query_params["claim"] = str(_proposed(db_path))
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception and not at.error, (page, at.exception, [e.value for e in at.error])
        assert at.title and any("\u0600" <= ch <= "\u06ff" for ch in at.title[0].value), page
