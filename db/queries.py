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
    "recent": "c.last_seen IS NULL, c.last_seen DESC, c.triage_rank DESC",  # date unknown: last
    "deadline": "c.deadline IS NULL, c.deadline, c.triage_rank DESC",
}


# filter name -> SQL condition with one "?" for its value
_SIMPLE_FILTERS = {
    "min_score": "c.score >= ?",
    "max_score": "c.score <= ?",
    "outlet": "c.id IN (SELECT a.claim_id FROM claim_appearances a JOIN items i ON i.id = a.item_id "
              "WHERE i.outlet = ?)",
    "since": "c.last_seen >= ?",
    "until": "c.first_seen <= ?",
    "language": "c.language = ?",
    "norm_query": "instr(c.norm_text, ?) > 0",
    "due_by": "c.deadline IS NOT NULL AND c.deadline <= ?",
}


def _claim_filters(f: dict) -> tuple[str, list]:
    """WHERE clause and parameters for the triage filters (all optional; values are always bound)."""
    where, params = [], []
    for name, condition in _SIMPLE_FILTERS.items():
        if f.get(name) is not None and f.get(name) != "":
            where.append(condition)
            params.append(f[name])
    for name, column in (("status", "c.status"), ("ids", "c.id")):
        if f.get(name) is not None:
            values = [f[name]] if isinstance(f[name], str) else list(f[name])
            where.append(f"{column} IN ({','.join('?' * len(values)) or 'NULL'})")
            params += values
    if f.get("assignee") == "-":
        where.append("c.assignee_id IS NULL")
    elif f.get("assignee"):
        where.append("c.assignee_id = (SELECT id FROM users WHERE name = ?)")
        params.append(f["assignee"])
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    if f.get("story_heads"):  # one row per story: the claim ranking first among its story's claims *in this set*
        clause = ("WHERE c.id IN (SELECT id FROM (SELECT c.id, row_number() OVER (PARTITION BY c.story_id "
                  f"ORDER BY c.triage_rank DESC, c.id) AS n FROM claims c {clause}) WHERE n = 1)")
    return clause, params


def list_claims(db: Database, *, sort: str = "priority", limit: int = 50, offset: int = 0, **filters) -> list[dict]:
    """One page of the triage queue, with the source item, spread and link counts."""
    where, params = _claim_filters(filters)
    return rows(db, f"""
        SELECT c.id, c.text, c.score, c.signals, c.status, c.language, c.item_id, i.title AS item_title,
               i.outlet, i.published, c.appearance_count AS appearances, c.outlet_count AS outlets,
               c.first_seen, c.last_seen, c.priority, c.deadline, u.name AS assignee, c.version,
               (SELECT count(*) FROM coverage_links l WHERE l.claim_id = c.id AND l.status != 'rejected') AS links,
               c.story_id, {_STORY_COLUMNS}
        FROM claims c LEFT JOIN items i ON i.id = c.item_id LEFT JOIN users u ON u.id = c.assignee_id
        {where} ORDER BY {CLAIM_SORTS[sort]} LIMIT ? OFFSET ?""", [*params, limit, offset])


# A story's reach: claims in it, and the outlets and languages of the items that carry it (where its claims
# appeared, and coverage nobody rejected).
_STORY_ITEMS = ("SELECT a.item_id FROM claims s JOIN claim_appearances a ON a.claim_id = s.id "
                "WHERE s.story_id = c.story_id UNION SELECT l.item_id FROM claims s JOIN coverage_links l "
                "ON l.claim_id = s.id AND l.status != 'rejected' WHERE s.story_id = c.story_id")
_STORY_COLUMNS = f"""
               (SELECT count(*) FROM claims s WHERE s.story_id = c.story_id) AS story_claims,
               (SELECT count(DISTINCT i2.outlet) FROM items i2 WHERE i2.id IN ({_STORY_ITEMS})) AS story_outlets,
               (SELECT group_concat(lang) FROM (SELECT DISTINCT i2.language AS lang FROM items i2
                WHERE i2.id IN ({_STORY_ITEMS}) AND i2.language IS NOT NULL ORDER BY lang)) AS story_languages"""


def similar_claims(db: Database, claim_id: int) -> list[dict]:
    """Claims that say the same thing (paraphrases, translations), most similar first, with their latest verdict."""
    return rows(db, """
        SELECT o.id, o.text, o.status, o.language, s.score, s.method, v.label, v.created_at AS verdict_at,
               (SELECT max(g.created_at) FROM signoffs g WHERE g.verdict_id = v.id AND g.decision = 'approve')
                   AS signed_off_at
        FROM claim_similar s JOIN claims o ON o.id = s.other_id
        LEFT JOIN verdicts v ON v.id = (SELECT max(id) FROM verdicts WHERE claim_id = o.id)
        WHERE s.claim_id = ? AND o.status != 'merged' ORDER BY s.score DESC""", [claim_id])


def already_checked(db: Database, claim_ids: list[int], threshold: float) -> dict[int, dict]:
    """For each claim that was checked before: the signed-off verdict of a similar claim, else an imported
    fact-check suggested as its coverage at ``threshold`` or more (the suggest threshold: a hint to look).
    {claim id: {"label", "date", "other_id" | "item_id", "title"}}"""
    if not claim_ids:
        return {}
    marks = ",".join("?" * len(claim_ids))
    out: dict[int, dict] = {}
    for r in rows(db, f"""
            SELECT l.claim_id, i.id AS item_id, i.title, i.outlet, i.published AS date
            FROM coverage_links l JOIN items i ON i.id = l.item_id AND i.kind = 'factcheck'
            WHERE l.claim_id IN ({marks}) AND l.status != 'rejected' AND l.score >= ?
            ORDER BY l.score""", [*claim_ids, threshold]):
        out[r.pop("claim_id")] = {**r, "label": None}
    for r in rows(db, f"""
            SELECT s.claim_id, o.id AS other_id, o.text AS title, v.label,
                   (SELECT max(g.created_at) FROM signoffs g WHERE g.verdict_id = v.id AND g.decision = 'approve')
                       AS date
            FROM claim_similar s JOIN claims o ON o.id = s.other_id AND o.status = 'signed_off'
            JOIN verdicts v ON v.id = (SELECT max(id) FROM verdicts WHERE claim_id = o.id)
            WHERE s.claim_id IN ({marks}) ORDER BY s.score""", claim_ids):
        out[r.pop("claim_id")] = r  # a signed-off verdict of our own beats an outside fact-check
    return out


def count_claims(db: Database, **filters) -> int:
    """How many claims match the triage filters."""
    where, params = _claim_filters(filters)
    return db.execute(f"SELECT count(*) FROM claims c {where}", params).fetchone()[0]


def claim_ids(db: Database, **filters) -> list[int]:
    """Every claim id matching the filters (for bulk actions on the whole filtered set)."""
    where, params = _claim_filters(filters)
    return [r[0] for r in db.execute(f"SELECT c.id FROM claims c {where}", params).fetchall()]


def claim_detail(db: Database, claim_id: int) -> dict | None:
    """One claim with its source item and assignee, or None."""
    found = rows(db, """
        SELECT c.*, i.title AS item_title, i.body AS item_body, i.outlet, i.published, i.url AS item_url,
               u.name AS assignee
        FROM claims c LEFT JOIN items i ON i.id = c.item_id LEFT JOIN users u ON u.id = c.assignee_id
        WHERE c.id = ?""", [claim_id])
    return found[0] if found else None


def appearances(db: Database, claim_id: int) -> list[dict]:
    """Where a claim appeared, earliest first (the first row is its first appearance)."""
    return rows(db, """
        SELECT i.id AS item_id, i.title, i.outlet, i.published, i.url, i.kind, a.span_start, a.span_end
        FROM claim_appearances a JOIN items i ON i.id = a.item_id
        WHERE a.claim_id = ? ORDER BY i.published IS NULL, i.published, i.id""", [claim_id])


def coverage(db: Database, claim_id: int) -> list[dict]:
    """A claim's coverage links (suggested, confirmed, rejected), best first, with their items."""
    return rows(db, """
        SELECT l.id, l.item_id, l.score, l.method, l.explanation, l.status, l.stance, l.decided_at,
               u.name AS decided_by, i.title, i.body, i.outlet, i.published, i.url, i.kind, i.language
        FROM coverage_links l JOIN items i ON i.id = l.item_id LEFT JOIN users u ON u.id = l.decided_by
        WHERE l.claim_id = ? ORDER BY l.status = 'rejected', l.score DESC""", [claim_id])


def comments(db: Database, claim_id: int) -> list[dict]:
    """Comments on a claim, oldest first."""
    return rows(db, "SELECT c.id, c.body, c.created_at, u.name AS author FROM comments c "
                    "JOIN users u ON u.id = c.author_id WHERE c.claim_id = ? ORDER BY c.id", [claim_id])


def verdicts(db: Database, claim_id: int) -> list[dict]:
    """A claim's verdicts, newest first, with reviewer and sign-off decisions."""
    return rows(db, """
        SELECT v.id, v.label, v.rationale, v.evidence, v.version, v.created_at, u.name AS reviewer,
               (SELECT json_group_array(json_object('decision', s.decision, 'comment', s.comment,
                        'editor', e.name, 'at', s.created_at))
                FROM signoffs s JOIN users e ON e.id = s.editor_id WHERE s.verdict_id = v.id) AS signoffs
        FROM verdicts v JOIN users u ON u.id = v.reviewer_id WHERE v.claim_id = ? ORDER BY v.id DESC""",
                [claim_id])


def signoff_queue(db: Database, *, limit: int = 50) -> list[dict]:
    """Claims waiting for an editor, oldest proposal first, with their latest verdict."""
    return rows(db, """
        SELECT c.id, c.text, c.version, c.language, v.id AS verdict_id, v.label, v.rationale, v.evidence,
               v.created_at AS proposed_at, u.name AS reviewer, u.id AS reviewer_id
        FROM claims c JOIN verdicts v ON v.id = (SELECT max(id) FROM verdicts WHERE claim_id = c.id)
        JOIN users u ON u.id = v.reviewer_id
        WHERE c.status = 'verdict_proposed' ORDER BY v.created_at LIMIT ?""", [limit])


def import_runs(db: Database, *, limit: int = 20) -> list[dict]:
    """Running imports first, then the most recent ones, with their progress (for the Jobs page)."""
    return rows(db, """
        SELECT id, path, format, actor, status, error, created_at, finished_at, progress, imported, duplicates,
               claims, cancel_requested_by, job_id
        FROM import_runs ORDER BY status = 'running' DESC, id DESC LIMIT ?""", [limit])
