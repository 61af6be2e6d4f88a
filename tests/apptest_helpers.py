"""Helpers for driving the real dashboard with streamlit.testing.v1.AppTest."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def app(db_path: Path, monkeypatch) -> AppTest:
    """A fresh AppTest of dashboard.py on ``db_path`` (keyed by the env rule every entry point uses)."""
    monkeypatch.setenv("TABAYYUN_DB", str(db_path))
    monkeypatch.setenv("TABAYYUN_SECRET_KEY", "test-secret")
    return AppTest.from_file(APP, default_timeout=60)


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    """Fill and submit the login form."""
    at.run()
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    at.button[0].click()
    return at.run()
