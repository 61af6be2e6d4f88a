"""AppTest: first start, login, logout and the home page's counts on a real database file."""
from __future__ import annotations

from db import open_db
from review import users
from tests.apptest_helpers import app, log_in

PASSWORD = "a long enough password"


def test_first_start_asks_for_the_first_admin_then_shows_home(db_path, monkeypatch):
    at = app(db_path, monkeypatch).run()
    assert not at.exception
    assert "first administrator" in at.info[0].value
    at.text_input(key="first_name").input("boss")
    at.text_input(key="first_password").input(PASSWORD)
    at.text_input(key="first_repeat").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Users"] == "1" and metrics["Items"] == "0"
    db = open_db(db_path)
    assert users.get_user(db, "boss").role == "admin"


def test_home_counts_after_login(db_path, monkeypatch):
    db = open_db(db_path)
    users.add_user(db, None, "rita", PASSWORD, "reviewer")
    db.execute("INSERT INTO items (kind, title, content_hash) VALUES ('article', 'عنوان', 'h1'), "
               "('headline', 'title', 'h2')")
    db.close()
    at = log_in(app(db_path, monkeypatch), "rita", PASSWORD)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Items"] == "2" and metrics["Claims"] == "0"


def test_wrong_password_and_disabled_user_are_refused(db_path, monkeypatch):
    db = open_db(db_path)
    users.add_user(db, None, "admin", PASSWORD, "admin")
    users.add_user(db, None, "gone", PASSWORD, "reviewer")
    users.disable_user(db, None, "gone")
    db.close()
    at = log_in(app(db_path, monkeypatch), "admin", "not the password")
    assert "wrong name or password" in at.error[0].value and not at.metric
    at = log_in(app(db_path, monkeypatch), "gone", PASSWORD)
    assert "disabled" in at.error[0].value and not at.metric


def test_logout_and_language_switch(db_path, monkeypatch):
    db = open_db(db_path)
    users.add_user(db, None, "admin", PASSWORD, "admin")
    db.close()
    at = log_in(app(db_path, monkeypatch), "admin", PASSWORD)
    at.sidebar.radio(key="nav_language").set_value("ar").run()
    assert not at.exception
    assert any(m.label == "المواد" for m in at.metric)
    db = open_db(db_path)
    assert users.get_user(db, "admin").ui_language == "ar"  # remembered per user
    db.close()
    at.sidebar.button(key="nav_logout").click().run()
    assert not at.metric and at.text_input(key="auth_name") is not None
