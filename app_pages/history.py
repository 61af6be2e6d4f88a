"""A claim's audit trail told as sentences in the reader's language and time zone ("rita proposed Misleading · 13:54").

The raw action codes and field changes stay available in a details fold for whoever needs them.
"""
from __future__ import annotations

import html

from app_pages.bidi import time_label
from app_pages.i18n import t, verdict_label


def _b(value: object) -> str:
    """Escaped text isolated with <bdi> (names, labels, reasons of either direction)."""
    return f"<bdi>{html.escape(str(value))}</bdi>"


def sentence_html(event: dict, names: dict[int, str]) -> str:
    """One event as an HTML sentence (every value escaped); ``names`` maps user ids to names."""
    action = event["action"].split(".", 1)[-1] if event["action"].startswith("claim.") else event["action"]
    after = event["after"] or {}
    values: dict[str, str] = {"who": _b(event["actor"])}
    key = f"history.{action}"
    if action == "assign":
        values["assignee"] = _b(names.get(after.get("assignee_id"), "—"))
    elif action == "propose_verdict":
        values["label"] = f"<em>{_b(verdict_label((after.get('verdict') or {}).get('label')))}</em>"
    elif action in ("dismiss", "correct", "retract"):
        reason = after.get("status_reason") or (after.get(action) or {}).get("reason") or ""
        values["reason"] = _b(reason or "—")
    elif action == "merge":
        values["id"] = _b(f"#{after.get('merged_into')}")
    elif action == "decide_link":
        status = ((after.get("link") or {}).get("after") or ["", ""])[0]
        key = f"history.link_{status}" if status in ("confirmed", "rejected", "suggested") else "history.decide_link"
    elif action == "set_priority":
        values["priority"] = _b(after.get("priority", 0))
        values["deadline"] = _b(after.get("deadline") or "—")
    elif action == "return":
        values["comment"] = _b(((after.get("signoff") or {}).get("comment")) or "—")
    elif action == "comment.add":
        key = "history.comment"
    elif action not in ("add", "add_appearance", "unassign", "reopen", "sign_off"):  # sentences with only {who}
        key = "history.other"
        values["action"] = _b(event["action"])
    text = t(key, **values)
    return f"{text} · <bdi>{html.escape(time_label(event['created_at']))}</bdi>"

