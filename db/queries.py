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


CLAIM_SORTS = {
    "priority": "c.triage_rank DESC, c.id DESC",
    "score": "c.score DESC, c.id DESC",
    "spread": "c.outlet_count DESC, c.appearance_count DESC, c.triage_rank DESC",
    "recent": "c.last_seen DESC, c.triage_rank DESC",
}


def _claim_filters(f: dict) -> tuple[str, list]:
    """WHERE clause and parameters for the triage filters (all optional)."""
    where, params = [], []
    if f.get("status"):
        statuses = [f["status"]] if isinstance(f["status"], str) else list(f["status"])
        where.append(f"c.status IN ({','.join('?' * len(statuses))})")
        params += statuses
    if f.get("min_score") is not None:
        where.append("c.score >= ?")
        params.append(f["min_score"])
    if f.get("max_score") is not None:
        where.append("c.score <= ?")
        params.append(f["max_score"])
    if f.get("outlet"):
        where.append("c.id IN (SELECT a.claim_id FROM claim_appearances a JOIN items i ON i.id = a.item_id "
                     "WHERE i.outlet = ?)")
        params.append(f["outlet"])
    if f.get("since"):
        where.append("c.last_seen >= ?")
        params.append(f["since"])
    if f.get("until"):
        where.append("c.first_seen <= ?")
        params.append(f["until"])
    if f.get("assignee"):
        if f["assignee"] == "-":
            where.append("c.assignee_id IS NULL")
        else:
            where.append("c.assignee_id = (SELECT id FROM users WHERE name = ?)")
            params.append(f["assignee"])
    if f.get("language"):
        where.append("c.language = ?")
        params.append(f["language"])
    if f.get("norm_query"):
        where.append("instr(c.norm_text, ?) > 0")
        params.append(f["norm_query"])
    if f.get("ids") is not None:
        where.append(f"c.id IN ({','.join('?' * len(f['ids'])) or 'NULL'})")
        params += list(f["ids"])
    return ("WHERE " + " AND ".join(where)) if where else "", params


def list_claims(db: Database, *, sort: str = "priority", limit: int = 50, offset: int = 0, **filters) -> list[dict]:
    """One page of the triage queue, with the source item, spread and link counts."""
    where, params = _claim_filters(filters)
    return rows(db, f"""
        SELECT c.id, c.text, c.score, c.signals, c.status, c.language, c.item_id, i.title AS item_title,
               i.outlet, i.published, c.appearance_count AS appearances, c.outlet_count AS outlets,
               c.first_seen, c.last_seen, c.priority, c.deadline, u.name AS assignee, c.version,
               (SELECT count(*) FROM coverage_links l WHERE l.claim_id = c.id AND l.status != 'rejected') AS links
        FROM claims c LEFT JOIN items i ON i.id = c.item_id LEFT JOIN users u ON u.id = c.assignee_id
        {where} ORDER BY {CLAIM_SORTS[sort]} LIMIT ? OFFSET ?""", [*params, limit, offset])


def count_claims(db: Database, **filters) -> int:
    """How many claims match the triage filters."""
    where, params = _claim_filters(filters)
    return db.execute(f"SELECT count(*) FROM claims c {where}", params).fetchone()[0]


def claim_ids(db: Database, **filters) -> list[int]:
    """Every claim id matching the filters (for bulk actions on the whole filtered set)."""
    where, params = _claim_filters(filters)
    return [r[0] for r in db.execute(f"SELECT c.id FROM claims c {where}", params).fetchall()]
