"""Schema, migrations and connection settings on real SQLite files."""
from __future__ import annotations

import sqlite3

import pytest

from db import open_db, resolve_db_path, write_transaction
from db.connection import connect
from db.migrations import migrations
from review.audit import history, record_event


def _schema(db) -> list[tuple]:
    return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def test_migrations_apply_twice_without_change(db_path):
    first = open_db(db_path)
    schema = _schema(first)
    applied = [m.name for m in migrations.applied(first)]
    first.close()
    second = open_db(db_path)
    assert _schema(second) == schema
    assert [m.name for m in migrations.applied(second)] == applied
    assert applied == [m.name for m in migrations._migrations]


@pytest.mark.parametrize("stop_index", range(len(migrations._migrations)))
def test_database_at_older_migration_upgrades(tmp_path, stop_index):
    path = tmp_path / "old.db"
    names = [m.name for m in migrations._migrations]
    old = connect(path)
    migrations.apply(old, stop_before=names[stop_index])
    assert [m.name for m in migrations.applied(old)] == names[:stop_index]
    old.close()
    upgraded = open_db(path)
    assert [m.name for m in migrations.applied(upgraded)] == names
    assert {"items", "claims", "audit_events"} <= set(upgraded.table_names())


def test_connection_settings(db):
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO claim_appearances (claim_id, item_id) VALUES (999, 999)")


def test_check_constraints_reject_unknown_status(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO claims (text, norm_text, norm_hash, status) VALUES ('x', 'x', 'h', 'bogus')")


def test_audit_events_are_append_only(db):
    event_id = record_event(db, actor="t", action="test", entity="claim", entity_id=1, after={"a": 1})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_events SET actor = 'x' WHERE id = ?", [event_id])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_events WHERE id = ?", [event_id])
    assert history(db, "claim", 1)[0]["after"] == {"a": 1}


def test_write_transaction_rolls_back_everything_on_error(db):
    with pytest.raises(RuntimeError):
        with write_transaction(db):
            record_event(db, actor="t", action="a", entity="claim", entity_id=1)
            raise RuntimeError("boom")
    assert db.execute("SELECT count(*) FROM audit_events").fetchone()[0] == 0
    with write_transaction(db):
        record_event(db, actor="t", action="a", entity="claim", entity_id=1)
    assert db.execute("SELECT count(*) FROM audit_events").fetchone()[0] == 1


def test_resolve_db_path_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("TABAYYUN_DB", raising=False)
    assert str(resolve_db_path(None)) == "data/tabayyun.db"
    monkeypatch.setenv("TABAYYUN_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert str(resolve_db_path("cli.db")) == "cli.db"


def test_m006_reanalyses_numbers_indexed_by_the_old_analyser(tmp_path):
    from review.matching.analysis import item_fields
    from review.matching.engine import search
    path = tmp_path / "old.db"
    old = connect(path)
    migrations.apply(old, stop_before="m006_reanalyse_numbers")
    with write_transaction(old):
        for i, (title, body) in enumerate([("نزوح نصف مليون لاجئ من المدينة", "قالت الأمم المتحدة إن نصف مليون لاجئ نزحوا"),
                                           ("Rain in the capital", "It rained all day in the capital city")], 1):
            old.execute("INSERT INTO items (id, kind, title, body, content_hash) VALUES (?, 'article', ?, ?, ?)",
                        [i, title, body, f"h{i}"])
        # the terms the analyser wrote before m006: نصف مليون read as 'نصف 1000000'
        old.execute("INSERT INTO match_items_fts(rowid, title, lead) VALUES "
                    "(1, 'نزوح نصف 1000000 لاجي من المدينه', 'قالت الامم المتحده ان نصف 1000000 لاجي نزحوا'), "
                    "(2, 'rain in the capital', 'it rained all day in the capital city')")
    old.close()
    upgraded = open_db(path)
    title_terms = upgraded.execute("SELECT title FROM match_items_fts WHERE rowid = 1").fetchone()[0]
    assert "500000" in title_terms.split() and "1000000" not in title_terms.split()
    assert upgraded.execute("SELECT title, lead FROM match_items_fts WHERE rowid = 2").fetchone() == \
        item_fields("Rain in the capital", "It rained all day in the capital city")
    assert upgraded.execute("SELECT count(*) FROM match_items_fts").fetchone()[0] == 2
    assert [m.item_id for m in search(upgraded, "500 ألف لاجئ نزحوا")][:1] == [1]
