"""The read side: plain SQL returning dicts."""
from __future__ import annotations

from sqlite_utils import Database

COUNTED_TABLES = ("items", "claims", "coverage_links", "verdicts", "signoffs", "users", "audit_events")


def rows(db: Database, sql: str, params: list | tuple | dict = ()) -> list[dict]:
    """Run a read query and return its rows as dicts."""
    cur = db.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def counts(db: Database) -> dict[str, int]:
    """Row counts of the main tables, for the home page."""
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}


def list_items(db: Database, *, kind: str | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
    """Items newest first (published, then id)."""
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    return rows(
        db,
        "SELECT id, kind, title, outlet, published, url, language, source_id FROM items "
        f"{where} ORDER BY published IS NULL, published DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
