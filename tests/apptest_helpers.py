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


def page_text(at: AppTest) -> str:
    """Everything a reader sees as text (captions, markdown, HTML blocks), bidi isolates removed, HTML unescaped."""
    import html
    import re

    parts = [e.value for e in at.caption] + [e.value for e in at.markdown]
    parts += [re.sub(r"<[^>]+>", " ", e.proto.body) for e in at.get("html")]
    text = html.unescape(" ".join(parts)).translate({0x2066: None, 0x2067: None, 0x2068: None, 0x2069: None})
    return " ".join(text.split())
