"""The publishing organisation: stored once by an admin, validated, audited, used by the UI and CLI exports."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from db import open_db
from review import users
from review.errors import PermissionDenied, ValidationError
from review.organisation import Organisation, get_organisation, save_organisation
from tests.apptest_helpers import app, log_in, page_text

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
GOOD = {"name": "مرصد الحقيقة", "url": "https://marsad.example", "verdict_url": "https://marsad.example/c/{id}",
        "logo_url": "", "language": "ar"}


@pytest.fixture
def team_db(db):
    users.add_user(db, None, "admin", PASSWORD, "admin")
    users.add_user(db, None, "eddie", PASSWORD, "editor")
    return db


def test_an_admin_saves_it_and_the_change_is_audited(team_db):
    assert get_organisation(team_db) == Organisation()
    saved = save_organisation(team_db, "admin", GOOD)
    assert get_organisation(team_db) == saved and saved.verdict_page(7) == "https://marsad.example/c/7"
    actor, before, after = team_db.execute(
        "SELECT actor, before, after FROM audit_events WHERE action = 'organisation.save'").fetchone()
    assert actor == "admin" and json.loads(before)["name"] == "" and json.loads(after)["name"] == GOOD["name"]


def test_only_an_admin_may_change_it(team_db):
    with pytest.raises(PermissionDenied):
        save_organisation(team_db, "eddie", GOOD)
    assert get_organisation(team_db) == Organisation()


@pytest.mark.parametrize(("field", "value"), [
    ("name", "  "), ("verdict_url", ""), ("verdict_url", "javascript:alert(1)//{id}"), ("url", "ftp://x.example"),
    ("logo_url", "data:image/png;base64,AAAA"), ("language", "fr"), ("verdict_url", "https://x.example/{id}/{id}"),
])
def test_bad_values_are_refused_by_name_and_nothing_changes(team_db, field, value):
    with pytest.raises(ValidationError) as refused:
        save_organisation(team_db, "admin", {**GOOD, field: value})
    assert refused.value.field == field
    assert get_organisation(team_db) == Organisation()


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", "--db", str(db_path), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_sets_shows_and_refuses(tmp_path):
    path = tmp_path / "org.db"
    assert _cli(path, "init").returncode == 0
    done = _cli(path, "organisation", "set", "--name", "Desk", "--verdict-url", "https://d.example/checks/{id}")
    assert done.returncode == 0, done.stderr
    assert json.loads(_cli(path, "organisation", "show").stdout)["verdict_url"] == "https://d.example/checks/{id}"
    refused = _cli(path, "organisation", "set", "--url", "javascript:alert(1)")
    assert refused.returncode != 0 and "url:" in refused.stderr and "Traceback" not in refused.stderr
    assert json.loads(_cli(path, "organisation", "show").stdout)["url"] == ""


def test_organisation_page_saves_and_explains_refusals(tmp_path, monkeypatch):
    path = tmp_path / "page.db"
    db = open_db(path)
    users.add_user(db, None, "admin", PASSWORD, "admin")
    db.close()
    at = log_in(app(path, monkeypatch), "admin", PASSWORD)
    at.switch_page("app_pages/organisation.py").run()
    at.text_input(key="organisation_name").input("Desk")
    at.text_input(key="organisation_verdict_url").input("localhost/checks")
    next(b for b in at.button if b.proto.form_id == "organisation_form").click().run()
    assert at.error and "Public address of a verdict page" in at.error[0].value
    at.text_input(key="organisation_verdict_url").input("https://desk.example/checks/{id}")
    next(b for b in at.button if b.proto.form_id == "organisation_form").click().run()
    assert not at.exception and at.success
    db = open_db(path)
    assert get_organisation(db).verdict_page(3) == "https://desk.example/checks/3"
    db.close()


def test_export_page_without_an_organisation_offers_only_the_spreadsheet(tmp_path, monkeypatch):
    from tests.test_export import build_desk

    path = tmp_path / "desk.db"
    build_desk(path)
    db = open_db(path)
    db.execute("DELETE FROM settings WHERE key LIKE 'organisation.%'")
    db.conn.commit()
    db.close()
    at = log_in(app(path, monkeypatch), "admin", "correct horse battery")
    at.switch_page("app_pages/export.py").run()
    assert not at.exception
    assert at.warning and "public address" in at.warning[0].value
    assert [d.proto.label for d in at.get("download_button")] == ["Download CSV"]


def test_export_page_previews_the_published_verdict(tmp_path, monkeypatch):
    from tests.test_export import ORG, build_desk

    path = tmp_path / "desk.db"
    ids = build_desk(path)
    at = log_in(app(path, monkeypatch), "eddie", "correct horse battery")
    at.switch_page("app_pages/export.py").run()
    assert not at.exception and len(at.get("download_button")) == 2
    text = page_text(at)
    assert ORG.name in text and f"https://desk.example/checks/{ids['A']}" in text
    markup = json.loads(at.code[0].value)
    assert markup["url"] == f"https://desk.example/checks/{ids['A']}" and markup["author"]["name"] == ORG.name
