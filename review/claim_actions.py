"""Claim use cases outside the review workflow: add a claim by hand, bulk triage actions."""
from __future__ import annotations

from sqlite_utils import Database

from db.connection import write_transaction
from review import coverage, matching, reviewing, text, workflow
from review.audit import record_event
from review.checkworthy import score_sentence
from review.errors import NotFoundError, PermissionDenied, ValidationError, WorkflowError
from review.importing import add_claim_appearance, refresh_claim_stats
from review.users import acting_user, get_user

MAX_CLAIM_CHARS = 2_000


def add_claim(db: Database, actor: str | None, claim_text: str, *, item_id: int | None = None) -> dict:
    """A reviewer adds a claim by hand, attached to an item or free-standing; returns {id, created, score}.

    ``actor=None`` is the trusted command line. Adding a claim that already exists (same normalised text)
    attaches the item as a new appearance instead of creating a duplicate.
    """
    claim_text = " ".join((claim_text or "").split())
    if not claim_text:
        raise ValidationError("text", "is required")
    if len(claim_text) > MAX_CLAIM_CHARS:
        raise ValidationError("text", f"is longer than {MAX_CLAIM_CHARS:,} characters")
    language = text.detect_language(claim_text)
    judged = score_sentence(claim_text, language)
    with write_transaction(db):
        name = acting_user(db, actor).name if actor is not None else "cli"
        span = None
        if item_id is not None:
            row = db.execute("SELECT title, body FROM items WHERE id = ?", [item_id]).fetchone()
            if row is None:
                raise NotFoundError(f"item {item_id} does not exist")
            full = f"{row[0]}\n\n{row[1]}"
            at = full.find(claim_text)
            span = (at, at + len(claim_text)) if at >= 0 else None
        claim_id, created = add_claim_appearance(db, claim_text, item_id=item_id, span=span, score=judged.score,
                                                 signals=judged.signals, language=language, origin="manual")
        refresh_claim_stats(db, [claim_id])
        if created:
            matching.index_claims(db, [claim_id])
            coverage.match_claims_now(db, [claim_id])
        record_event(db, actor=name, action="claim.add" if created else "claim.add_appearance", entity="claim",
                     entity_id=claim_id, after={"text": claim_text, "item_id": item_id, "score": judged.score})
    return {"id": claim_id, "created": created, "score": judged.score, "signals": judged.signals}


def bulk_apply(db: Database, actor: str, claim_ids: list[int], action: str, *, assignee: str | None = None,
               reason: str | None = None) -> dict:
    """Assign or dismiss many claims in one transaction; claims whose status does not allow it are skipped.

    Each changed claim gets its own audit event (the same as a single action), so histories stay complete.
    Role rules are checked once up front: a user who may not do this at all is refused outright.
    """
    if action not in ("assign", "dismiss"):
        raise ValidationError("action", "must be assign or dismiss")
    if action == "dismiss" and not (reason or "").strip():
        raise ValidationError("reason", "is required to dismiss claims")
    changed, skipped = 0, 0
    with write_transaction(db):
        user = acting_user(db, actor)
        if action == "assign":
            workflow.check_assign(user.id, user.role, get_user(db, assignee or actor).id)
        else:
            workflow.check_role("dismiss", user.role)
        for claim_id in claim_ids:
            version = db.execute("SELECT version FROM claims WHERE id = ?", [claim_id]).fetchone()
            if version is None:
                continue
            try:
                with db.atomic():  # a savepoint: a refused claim rolls back alone
                    if action == "assign":
                        reviewing.assign(db, actor, claim_id, version[0], assignee or actor)
                    else:
                        reviewing.dismiss(db, actor, claim_id, version[0], reason or "")
                changed += 1
            except (WorkflowError, PermissionDenied):  # its status, or assigned to another reviewer
                skipped += 1
    return {"changed": changed, "skipped": skipped}
