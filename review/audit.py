"""The append-only audit trail: every change records who did what, before and after."""
from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record_event(
    db: Database,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one audit event; call it inside the same transaction as the change."""
    cur = db.execute(
        "INSERT INTO audit_events (actor, action, entity, entity_id, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [actor, action, entity, entity_id, _dump(before), _dump(after)],
    )
    return cur.lastrowid


def history(db: Database, entity: str, entity_id: int) -> list[dict]:
    """One entity's events, oldest first, with before/after decoded."""
    rows = db.execute(
        "SELECT id, actor, action, entity, entity_id, before, after, created_at FROM audit_events "
        "WHERE entity = ? AND entity_id = ? ORDER BY id",
        [entity, entity_id],
    ).fetchall()
    keys = ("id", "actor", "action", "entity", "entity_id", "before", "after", "created_at")
    events = [dict(zip(keys, row)) for row in rows]
    for event in events:
        for key in ("before", "after"):
            if event[key] is not None:
                event[key] = json.loads(event[key])
    return events
