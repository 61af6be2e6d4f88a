"""Accounts like a real product's: password policy, throttled and audited logins, password change and reset,
sessions that end when they should, cookies and secret files that cannot lock anyone out."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from db import open_db
from review import sessions, throttle, users
from review.errors import PermissionDenied, ValidationError
from tests.apptest_helpers import app, log_in

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOOD = "correct horse battery"
SECRET = b"k" * 64


@pytest.fixture
def team(db):
    users.add_user(db, None, "amina", GOOD, "admin")
    users.add_user(db, None, "rana", GOOD, "reviewer")
    return db


def _events(db, *actions: str) -> list[tuple]:
    marks = ",".join("?" * len(actions))
    return db.execute(f"SELECT actor, action FROM audit_events WHERE action IN ({marks}) ORDER BY id",
                      actions).fetchall()


@pytest.mark.parametrize("password", ["12345678", "password", "PASSWORD", " " * 8, "aaaaaaaa", "abababab",
                                      "qwertyuiop", "iloveyou", "rana1234", "RANA rana", "tabayyun123",
                                      "كلمة السر", "short", "x" * 257])
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError) as refused:
        users.add_user(db, None, "rana", password, "reviewer")
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", [GOOD, "a long enough password", "تحقق قبل أن تصدق دائما", "rana's own 2 cats!"])
def test_good_passwords_and_passphrases_pass(db, password):
    assert users.add_user(db, None, "rana", password, "reviewer").name == "rana"


def test_lockout_doubles_and_is_capped():
    assert [throttle.lock_seconds(n, "user") for n in (1, 4, 5, 6, 7, 8, 30)] == [0, 0, 30, 60, 120, 240, 900]
    assert throttle.lock_seconds(19, "client") == 0 and throttle.lock_seconds(20, "client") == 30


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(team):
    for _ in range(5):
        with pytest.raises(users.AuthError, match="wrong name or password"):
            users.authenticate(team, "rana", "not her password", client="10.0.0.7")
    with pytest.raises(users.LoginThrottled) as locked:
        users.authenticate(team, "rana", GOOD, client="10.0.0.9")
    assert 1 <= locked.value.seconds <= 30
    assert len(_events(team, "login.failed")) == 5 and _events(team, "login.locked")[0] == ("rana", "login.locked")
    # the lock runs out (moved into the past here): the right password works and forgets the failures
    team.execute("UPDATE login_throttle SET locked_until = '2000-01-01T00:00:00.000000Z'")
    assert users.authenticate(team, "rana", GOOD).name == "rana"
    assert team.execute("SELECT count(*) FROM login_throttle WHERE key = 'user:rana'").fetchone()[0] == 0
    assert _events(team, "login")[-1] == ("rana", "login")


def test_one_client_guessing_many_names_is_locked_for_all_of_them(team):
    for n in range(20):
        with pytest.raises(users.AuthError):
            users.authenticate(team, f"guess{n}", "password guess", client="203.0.113.5")
    with pytest.raises(users.LoginThrottled):
        users.authenticate(team, "amina", GOOD, client="203.0.113.5")
    assert users.authenticate(team, "amina", GOOD, client="198.51.100.1").name == "amina"


def test_parallel_guesses_cannot_slip_past_the_limit(team, db_path):
    outcomes: list[str] = []

    def guess() -> None:
        conn = open_db(db_path)
        try:
            users.authenticate(conn, "rana", "parallel guess")
        except users.LoginThrottled:
            outcomes.append("throttled")
        except users.AuthError:
            outcomes.append("checked")
        finally:
            conn.close()

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("checked") == 5 and outcomes.count("throttled") == 11


def test_changing_a_password_ends_every_session(team):
    cookies = [sessions.start_session(team, SECRET, users.get_user(team, "rana")) for _ in range(2)]
    with pytest.raises(ValidationError, match="current password"):
        users.change_password(team, "rana", "wrong", "a brand new passphrase")
    with pytest.raises(ValidationError, match="common"):
        users.change_password(team, "rana", GOOD, "password1")
    users.change_password(team, "rana", GOOD, "a brand new passphrase")
    assert all(sessions.resolve_session(team, SECRET, c) is None for c in cookies)
    assert users.authenticate(team, "rana", "a brand new passphrase").name == "rana"
    with pytest.raises(users.AuthError):
        users.authenticate(team, "rana", GOOD)
    assert _events(team, "user.password_change") == [("rana", "user.password_change")]
    stored = team.execute("SELECT after FROM audit_events WHERE action = 'user.password_change'").fetchone()[0]
    assert "argon2" not in stored and "brand new" not in stored


def test_only_an_admin_resets_a_password_and_it_lifts_the_lockout(team):
    with pytest.raises(PermissionDenied):
        users.set_password(team, "rana", "amina", "rana takes over the admin")
    for _ in range(6):
        with pytest.raises(users.AuthError):
            users.authenticate(team, "rana", "forgotten it")
    cookie = sessions.start_session(team, SECRET, users.get_user(team, "rana"))
    users.set_password(team, "amina", "rana", "a fresh start for rana")
    assert sessions.resolve_session(team, SECRET, cookie) is None
    assert users.authenticate(team, "rana", "a fresh start for rana").name == "rana"
    assert _events(team, "user.password_reset") == [("amina", "user.password_reset")]


def test_cli_set_password(db_path, team):
    run = lambda *a, stdin: subprocess.run([sys.executable, "-m", "review", "--db", str(db_path), "users", *a],
                                           cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60)
    weak = run("set-password", "rana", "--password-stdin", stdin="12345678\n")
    assert weak.returncode == 1 and "common" in weak.stderr
    assert run("set-password", "rana", "--password-stdin", stdin="set from the shell\n").returncode == 0
    assert users.authenticate(team, "rana", "set from the shell").name == "rana"


def test_disabling_ends_sessions_and_enabling_does_not_revive_them(team):
    cookie = sessions.start_session(team, SECRET, users.get_user(team, "rana"))
    users.disable_user(team, "amina", "rana")
    users.enable_user(team, "amina", "rana")
    assert sessions.resolve_session(team, SECRET, cookie) is None


@pytest.mark.parametrize("cookie", ["abc.é", "é.é", "..", "a.b.c", "x" * 5000, "\x00.\x00", ""])
def test_malformed_cookies_are_no_session_not_a_crash(team, cookie):
    assert sessions.resolve_session(team, SECRET, cookie) is None


def test_an_unreadable_secret_file_falls_back_instead_of_locking_everyone_out(tmp_path, monkeypatch):
    monkeypatch.delenv(sessions.SECRET_ENV, raising=False)
    (tmp_path / sessions.SECRET_FILE).mkdir()  # a folder where the key file should be
    first = sessions.load_secret(tmp_path)
    assert len(first) >= 32 and sessions.load_secret(tmp_path) == first
    garbage = tmp_path / "other"
    garbage.mkdir()
    (garbage / sessions.SECRET_FILE).write_bytes(b"\xff\xfe not ascii")
    assert sessions.load_secret(garbage) == first


def test_login_page_says_when_to_retry(db_path, team, monkeypatch):
    at = app(db_path, monkeypatch)
    for _ in range(5):
        at = log_in(at, "rana", "wrong password")
    at = log_in(at, "rana", GOOD)
    assert any("Too many failed attempts" in e.value for e in at.error)
    assert not at.exception


def test_account_page_changes_the_password_and_logs_out(db_path, team, monkeypatch):
    at = log_in(app(db_path, monkeypatch), "rana", GOOD)
    at.switch_page("app_pages/account.py").run()
    at.text_input(key="account_current").input(GOOD)
    at.text_input(key="account_new").input("a new desk passphrase")
    at.text_input(key="account_repeat").input("a new desk passphrase")
    at.button(key="FormSubmitter:account_password-Change password").click()
    at.run()
    assert not at.exception and any("Password changed" in m.value for m in at.success)
    at.run()  # the next rerun notices the ended session: back to the login form
    assert at.text_input(key="auth_name") is not None
    assert users.authenticate(team, "rana", "a new desk passphrase").name == "rana"
