"""AppTest smoke test of the dashboard's home page on a real database file."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from db import open_db

APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def test_home_shows_database_counts(tmp_path, monkeypatch):
    path = tmp_path / "home.db"
    db = open_db(path)
    db.execute("INSERT INTO items (kind, title, content_hash) VALUES ('article', 'عنوان', 'h1'), "
               "('headline', 'title', 'h2')")
    db.close()
    monkeypatch.setenv("TABAYYUN_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Items"] == "2"
    assert metrics["Claims"] == "0"
