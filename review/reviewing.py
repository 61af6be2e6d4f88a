"""Review use cases: assign, decide coverage, verdicts, sign-off, dismiss, merge, comment.

Each function is one user action = one transaction = one audit event. Actions that change a claim take the
``expected_version`` the user saw; if the claim changed since, ConflictError is raised and nothing is written.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from db.connection import write_transaction
from db.queries import rows
from review import ratings, workflow
from review.audit import record_event
from review.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError, WorkflowError
from review.users import User, acting_user, get_user

CLAIM_FIELDS = ("id", "status", "status_reason", "assignee_id", "priority", "deadline", "merged_into", "version")
URL_RE = re.compile(r"^https?://[^\s<>\"']+\.[^\s<>\"']+$", re.IGNORECASE)
MAX_TEXT = 20_000
STANCES = ("supports", "refutes", "discusses", "unknown")  # how a coverage item relates to its claim
# Actions another reviewer may not take on a claim assigned to someone (assign has its own rule: reviewers
# take unassigned claims only; unassign and propose_verdict check the assignee themselves).
OWNED_ACTIONS = ("assign", "dismiss", "merge", "decide_link")
# A claim is published while it has an approved verdict not retracted since (a correction keeps it published).
PUBLISHED_SQL = """EXISTS (
    SELECT 1 FROM verdicts v JOIN signoffs s ON s.verdict_id = v.id
    WHERE v.claim_id = {claim} AND s.decision = 'approve' AND NOT EXISTS (
        SELECT 1 FROM corrections k
        WHERE k.claim_id = v.claim_id AND k.kind = 'retraction' AND k.created_at >= s.created_at))"""


def _check_stance(stance: str) -> None:
    """Refuse a stance outside STANCES."""
    if stance not in STANCES:
        raise ValidationError("stance", "must be " + ", ".join(STANCES[:-1]) + " or " + STANCES[-1])


def _claim(db: Database, claim_id: int) -> dict:
    found = rows(db, f"SELECT {', '.join(CLAIM_FIELDS)} FROM claims WHERE id = ?", [claim_id])
    if not found:
        raise NotFoundError(f"claim {claim_id} does not exist")
    return found[0]


def _required(field: str, value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(field, "is required")
    if len(value) > MAX_TEXT:
        raise ValidationError(field, f"is longer than {MAX_TEXT:,} characters")
    return value


def _change_claim(
    db: Database,
    actor_name: str,
    claim_id: int,
    expected_version: int,
    action: str,
    check: Callable[[User, dict], dict[str, Any]] | None = None,
    after_update: Callable[[User, dict], dict[str, Any]] | None = None,
) -> dict:
    """The shared shape of a claim action: lock check, rules, update, audit — in one transaction."""
    with write_transaction(db):
        actor = acting_user(db, actor_name)
        claim = _claim(db, claim_id)
        if claim["version"] != expected_version:
            raise ConflictError(f"claim {claim_id} was changed by someone else (you loaded version "
                                f"{expected_version}, it is now {claim['version']}); reload and try again")
        workflow.check_role(action, actor.role)
        if action in OWNED_ACTIONS:
            workflow.check_owner(actor.id, actor.role, claim["assignee_id"], action)
        updates = {"status": workflow.next_status(action, claim["status"])}
        if check:
            updates.update(check(actor, claim))
        sets = ", ".join(f"{k} = ?" for k in updates)
        cur = db.execute(
            f"UPDATE claims SET {sets}, version = version + 1, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND version = ?",
            [*updates.values(), claim_id, expected_version],
        )
        if cur.rowcount != 1:  # cannot happen under BEGIN IMMEDIATE, kept as a guard
            raise ConflictError(f"claim {claim_id} was changed by someone else; reload and try again")
        extra = after_update(actor, claim) if after_update else {}
        after = _claim(db, claim_id)
        record_event(db, actor=actor.name, action=f"claim.{action}", entity="claim", entity_id=claim_id,
                     before=claim, after={**after, **extra})
        return after


def assign(db: Database, actor: str, claim_id: int, expected_version: int, assignee: str) -> dict:
    """Assign a claim (reviewers: to themselves; editors/admins: to anyone active)."""
    def check(user: User, claim: dict) -> dict:
        target = get_user(db, assignee)
        if not target.active:
            raise ValidationError("assignee", f"user {target.name!r} is disabled")
        workflow.check_assign(user.id, user.role, target.id)
        return {"assignee_id": target.id}
    return _change_claim(db, actor, claim_id, expected_version, "assign", check)


def unassign(db: Database, actor: str, claim_id: int, expected_version: int) -> dict:
    """Put a claim back in the queue (the assignee, or an editor/admin)."""
    def check(user: User, claim: dict) -> dict:
        if user.role == "reviewer" and claim["assignee_id"] != user.id:
            raise PermissionDenied("only the assignee or an editor can unassign this claim")
        return {"assignee_id": None}
    return _change_claim(db, actor, claim_id, expected_version, "unassign", check)


def _valid_urls(urls: list[str]) -> list[str]:
    clean = []
    for url in (u.strip() for u in urls):
        if not url:
            continue
        if not URL_RE.match(url) or len(url) > 2000:
            raise ValidationError("evidence", f"not a valid http(s) URL: {url[:80]!r}")
        clean.append(url)
    return clean


def propose_verdict(db: Database, actor: str, claim_id: int, expected_version: int, *, label: str,
                    rationale: str, evidence_urls: list[str] = ()) -> dict:
    """Record a verdict: a label from the scale, a rationale and evidence (confirmed links and/or URLs)."""
    if label not in ratings.LABELS:
        raise ValidationError("label", f"must be one of {', '.join(ratings.LABELS)}")
    rationale = _required("rationale", rationale)
    urls = _valid_urls(list(evidence_urls))

    def check(user: User, claim: dict) -> dict:
        workflow.check_verdict_author(user.id, user.role, claim["assignee_id"])
        return {}

    def write_verdict(user: User, claim: dict) -> dict:
        links = [r["id"] for r in rows(db, "SELECT id FROM coverage_links WHERE claim_id = ? AND "
                                           "status = 'confirmed' ORDER BY id", [claim_id])]
        if not links and not urls:
            raise ValidationError("evidence", "add at least one confirmed coverage link or evidence URL")
        evidence = {"links": links, "urls": urls}
        version = db.execute("SELECT count(*) + 1 FROM verdicts WHERE claim_id = ?", [claim_id]).fetchone()[0]
        verdict_id = db.execute(
            "INSERT INTO verdicts (claim_id, label, rationale, evidence, reviewer_id, version) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [claim_id, label, rationale, json.dumps(evidence), user.id, version]).lastrowid
        return {"verdict": {"id": verdict_id, "label": label, "rationale": rationale, "evidence": evidence}}

    return _change_claim(db, actor, claim_id, expected_version, "propose_verdict", check, write_verdict)


def latest_verdict(db: Database, claim_id: int) -> dict | None:
    """The claim's newest verdict, or None."""
    found = rows(db, "SELECT * FROM verdicts WHERE claim_id = ? ORDER BY id DESC LIMIT 1", [claim_id])
    return found[0] if found else None


def _decide(db: Database, actor: str, claim_id: int, expected_version: int, action: str, comment: str) -> dict:
    decision = "approve" if action == "sign_off" else "return"
    decided: dict = {}  # the verdict read by check(), reused by write_signoff() in the same transaction

    def check(user: User, claim: dict) -> dict:
        verdict = decided["verdict"] = latest_verdict(db, claim_id)
        if verdict is None:  # cannot happen through the workflow; guards hand-edited data
            raise NotFoundError(f"claim {claim_id} has no verdict to sign off")
        workflow.check_four_eyes(user.id, verdict["reviewer_id"])
        return {}

    def write_signoff(user: User, claim: dict) -> dict:
        verdict = decided["verdict"]
        signoff_id = db.execute(
            "INSERT INTO signoffs (verdict_id, editor_id, decision, comment) VALUES (?, ?, ?, ?)",
            [verdict["id"], user.id, decision, comment or None]).lastrowid
        return {"signoff": {"id": signoff_id, "verdict_id": verdict["id"], "decision": decision,
                            "comment": comment}}

    return _change_claim(db, actor, claim_id, expected_version, action, check, write_signoff)


def sign_off(db: Database, actor: str, claim_id: int, expected_version: int, comment: str = "") -> dict:
    """An editor approves the proposed verdict: the claim is published (four-eyes enforced)."""
    return _decide(db, actor, claim_id, expected_version, "sign_off", (comment or "").strip())


def return_verdict(db: Database, actor: str, claim_id: int, expected_version: int, comment: str) -> dict:
    """An editor sends the verdict back to the reviewer with a required comment."""
    return _decide(db, actor, claim_id, expected_version, "return", _required("comment", comment))


def _not_published(db: Database, claim_id: int, action: str) -> None:
    """WorkflowError when the claim has a published verdict (under correction): only retract withdraws it."""
    if db.execute(f"SELECT {PUBLISHED_SQL.format(claim='?')}", [claim_id]).fetchone()[0]:
        raise WorkflowError(f"claim {claim_id} has a published verdict: an editor corrects or retracts it, "
                            f"it cannot be {action}")


def dismiss(db: Database, actor: str, claim_id: int, expected_version: int, reason: str) -> dict:
    """Dismiss a claim as not check-worthy, with a required reason."""
    reason = _required("reason", reason)

    def check(user: User, claim: dict) -> dict:
        _not_published(db, claim_id, "dismissed")
        return {"status_reason": reason, "assignee_id": None}

    return _change_claim(db, actor, claim_id, expected_version, "dismiss", check)


def reopen(db: Database, actor: str, claim_id: int, expected_version: int) -> dict:
    """An editor brings a dismissed claim back to the queue."""
    return _change_claim(db, actor, claim_id, expected_version, "reopen",
                         lambda user, claim: {"status_reason": None})


def merge(db: Database, actor: str, claim_id: int, expected_version: int, into_claim_id: int) -> dict:
    """Merge a duplicate claim into another: its appearances and coverage links move with it."""
    def check(user: User, claim: dict) -> dict:
        if into_claim_id == claim_id:
            raise ValidationError("into", "a claim cannot be merged into itself")
        _not_published(db, claim_id, "merged")
        target = _claim(db, into_claim_id)
        workflow.check_merge_target(user.role, user.id, target["status"], target["assignee_id"])
        if target["status"] == "merged":
            raise ValidationError("into", f"claim {into_claim_id} was itself merged into "
                                          f"claim {target['merged_into']}; merge into that one")
        return {"merged_into": into_claim_id, "assignee_id": None}

    def move(user: User, claim: dict) -> dict:
        moved = {}
        for table in ("claim_appearances", "coverage_links"):
            # A row the target already has for the same item stays the target's; the duplicate is dropped.
            cur = db.execute(f"UPDATE OR IGNORE {table} SET claim_id = ? WHERE claim_id = ?",
                             [into_claim_id, claim_id])
            moved[table] = cur.rowcount
            db.execute(f"DELETE FROM {table} WHERE claim_id = ?", [claim_id])
        db.execute("UPDATE claims SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                   "WHERE id = ?", [into_claim_id])
        return {"moved": moved}

    return _change_claim(db, actor, claim_id, expected_version, "merge", check, move)


def _published_verdict(db: Database, claim_id: int) -> dict:
    verdict = latest_verdict(db, claim_id)
    if verdict is None:  # cannot happen through the workflow; guards hand-edited data
        raise NotFoundError(f"claim {claim_id} has no published verdict")
    return verdict


def _record_correction(db: Database, user: User, claim_id: int, kind: str, verdict: dict, reason: str) -> dict:
    correction_id = db.execute("INSERT INTO corrections (claim_id, kind, verdict_id, reason, editor_id) "
                               "VALUES (?, ?, ?, ?, ?)", [claim_id, kind, verdict["id"], reason, user.id]).lastrowid
    return {kind: {"id": correction_id, "verdict_id": verdict["id"], "label": verdict["label"], "reason": reason}}


def correct(db: Database, actor: str, claim_id: int, expected_version: int, reason: str) -> dict:
    """An editor reopens a published verdict for correction: it stays published until a new verdict is signed off.

    The claim goes back to the reviewer of the published verdict; the new verdict goes through four-eyes
    sign-off again, and the export then shows it with dateModified and the previous rating in ``correction``.
    """
    reason = _required("reason", reason)

    def check(user: User, claim: dict) -> dict:
        return {"assignee_id": _published_verdict(db, claim_id)["reviewer_id"], "status_reason": None}

    return _change_claim(db, actor, claim_id, expected_version, "correct", check,
                         lambda user, claim: _record_correction(db, user, claim_id, "correction",
                                                                _published_verdict(db, claim_id), reason))


def retract(db: Database, actor: str, claim_id: int, expected_version: int, reason: str) -> dict:
    """An editor withdraws a published verdict (it leaves the exports); the claim is closed with the reason."""
    reason = _required("reason", reason)
    return _change_claim(db, actor, claim_id, expected_version, "retract",
                         lambda user, claim: {"status_reason": f"retracted: {reason}", "assignee_id": None},
                         lambda user, claim: _record_correction(db, user, claim_id, "retraction",
                                                                _published_verdict(db, claim_id), reason))


def decide_link(db: Database, actor: str, link_id: int, expected_version: int, *, status: str,
                stance: str = "unknown") -> dict:
    """Confirm or reject a coverage link and set its stance; bumps the claim's version."""
    if status not in ("confirmed", "rejected", "suggested"):
        raise ValidationError("status", "must be confirmed, rejected or suggested")
    _check_stance(stance)
    found = rows(db, "SELECT * FROM coverage_links WHERE id = ?", [link_id])
    if not found:
        raise NotFoundError(f"coverage link {link_id} does not exist")
    link = found[0]

    def update(user: User, claim: dict) -> dict:
        db.execute("UPDATE coverage_links SET status = ?, stance = ?, decided_by = ?, "
                   "decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                   [status, stance, user.id, link_id])
        return {"link": {"id": link_id, "item_id": link["item_id"], "before": [link["status"], link["stance"]],
                         "after": [status, stance]}}

    return _change_claim(db, actor, link["claim_id"], expected_version, "decide_link", None, update)


def set_priority(db: Database, actor: str, claim_id: int, expected_version: int, *, priority: int,
                 deadline: str | None = None) -> dict:
    """An editor sets a claim's priority and (ISO date) deadline."""
    if deadline and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline):
        raise ValidationError("deadline", "must be a date YYYY-MM-DD")
    return _change_claim(db, actor, claim_id, expected_version, "set_priority",
                         lambda user, claim: {"priority": int(priority), "deadline": deadline or None})


def add_comment(db: Database, actor: str, claim_id: int, body: str) -> int:
    """Comment on a claim (any active user; comments never conflict)."""
    body = _required("comment", body)
    with write_transaction(db):
        user = acting_user(db, actor)
        _claim(db, claim_id)
        comment_id = db.execute("INSERT INTO comments (claim_id, author_id, body) VALUES (?, ?, ?)",
                                [claim_id, user.id, body]).lastrowid
        record_event(db, actor=user.name, action="comment.add", entity="claim", entity_id=claim_id,
                     after={"comment_id": comment_id, "body": body})
        return comment_id


def add_link(db: Database, actor: str, claim_id: int, expected_version: int, item_id: int, *,
             stance: str = "unknown", score: float = 1.0, method: str = "manual") -> dict:
    """A reviewer links an item found by hand as confirmed coverage (or confirms an existing suggestion)."""
    _check_stance(stance)
    if db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone() is None:
        raise NotFoundError(f"item {item_id} does not exist")

    def upsert(user: User, claim: dict) -> dict:
        db.execute(
            "INSERT INTO coverage_links (claim_id, item_id, score, method, status, stance, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, 'confirmed', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
            "ON CONFLICT (claim_id, item_id) DO UPDATE SET status = 'confirmed', stance = excluded.stance, "
            "decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            [claim_id, item_id, score, method, stance, user.id])
        return {"link": {"item_id": item_id, "after": ["confirmed", stance], "method": method}}

    return _change_claim(db, actor, claim_id, expected_version, "decide_link", None, upsert)
