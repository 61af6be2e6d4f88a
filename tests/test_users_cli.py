"""`python -m review users ...` and the session-signing key."""
from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from db import open_db
from review import sessions, users

ROOT = Path(__file__).resolve().parents[1]


def run(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", "--db", str(db), "users", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_users_commands(tmp_path):
    db = tmp_path / "u.db"
    assert run(db, "add", "amina", "--role", "editor", "--password-stdin", stdin="s3cret-enough\n").returncode == 0
    assert run(db, "add", "omar", "--role", "reviewer", "--password-stdin", stdin="another-secret\n").returncode == 0
    dup = run(db, "add", "AMINA", "--role", "reviewer", "--password-stdin", stdin="whatever-long\n")
    assert dup.returncode == 1 and "already exists" in dup.stderr
    short = run(db, "add", "x1", "--role", "reviewer", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "password" in short.stderr
    assert run(db, "add", "nobody", "--role", "reviewer").returncode == 2  # no terminal to prompt on
    assert run(db, "add", "y", "--role", "boss", "--password-stdin", stdin="x\n").returncode == 2
    assert run(db, "set-role", "omar", "editor").returncode == 0
    assert run(db, "disable", "amina").returncode == 0
    listed = json.loads(run(db, "list", "--json").stdout)
    assert listed == [{"name": "amina", "role": "editor", "active": False},
                      {"name": "omar", "role": "editor", "active": True}]
    assert run(db, "disable", "ghost").returncode == 1
    database = open_db(db)
    actions = [r[0] for r in database.execute("SELECT action FROM audit_events ORDER BY id")]
    assert actions == ["user.add", "user.add", "user.role", "user.active"]
    assert users.authenticate(database, "omar", "another-secret").role == "editor"


def test_secret_is_generated_once_private_and_env_wins(tmp_path, monkeypatch):
    monkeypatch.delenv(sessions.SECRET_ENV, raising=False)
    first = sessions.load_secret(tmp_path / "data")
    path = tmp_path / "data" / sessions.SECRET_FILE
    assert len(first) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sessions.load_secret(tmp_path / "data") == first
    monkeypatch.setenv(sessions.SECRET_ENV, "from-config")
    assert sessions.load_secret(tmp_path / "data") == b"from-config"


def test_sessions_resolve_expire_and_end(tmp_path):
    db = open_db(tmp_path / "s.db")
    user = users.add_user(db, None, "rita", "rita-password", "reviewer")
    cookie = sessions.start_session(db, b"k", user)
    assert sessions.resolve_session(db, b"k", cookie) == user
    assert sessions.resolve_session(db, b"other-key", cookie) is None  # forged / wrong key
    tampered = cookie[:-1] + ("1" if cookie[-1] == "0" else "0")
    assert sessions.resolve_session(db, b"k", tampered) is None
    users.disable_user(db, None, "rita")
    assert sessions.resolve_session(db, b"k", cookie) is None  # disabled users drop out
    users.enable_user(db, None, "rita")
    sessions.end_session(db, cookie)
    assert sessions.resolve_session(db, b"k", cookie) is None  # logged out everywhere
    stored = db.execute("SELECT count(*) FROM sessions WHERE token_hash = ?", [cookie.split(".")[0]]).fetchone()[0]
    assert stored == 0  # only hashes are stored, never the token
