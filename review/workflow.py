"""A claim's life: statuses, allowed transitions and who may do what (pure rules)."""
from __future__ import annotations

from review.errors import PermissionDenied, WorkflowError

ROLES = ("reviewer", "editor", "admin")
STATUSES = ("new", "in_review", "verdict_proposed", "signed_off", "dismissed", "merged")
OPEN_STATUSES = ("new", "in_review", "verdict_proposed")

# action -> (statuses it may start from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "assign": (("new", "in_review"), "in_review"),
    "unassign": (("in_review",), "new"),
    "propose_verdict": (("in_review",), "verdict_proposed"),
    "sign_off": (("verdict_proposed",), "signed_off"),
    "return": (("verdict_proposed",), "in_review"),
    "dismiss": (("new", "in_review"), "dismissed"),
    "reopen": (("dismissed",), "new"),
    "merge": (("new", "in_review", "dismissed"), "merged"),
    "decide_link": (("new", "in_review", "verdict_proposed"), None),
    "set_priority": (OPEN_STATUSES, None),
    "correct": (("signed_off",), "in_review"),  # a published verdict goes back for a new verdict and sign-off
    "retract": (("signed_off",), "dismissed"),  # a published verdict is withdrawn (status_reason says so)
}

# action -> roles allowed to perform it (further per-person rules are in check_* below)
ROLE_RULES: dict[str, tuple[str, ...]] = {
    "assign": ROLES,  # reviewers only to themselves: see check_assign
    "unassign": ROLES,
    "propose_verdict": ROLES,
    "sign_off": ("editor", "admin"),
    "return": ("editor", "admin"),
    "dismiss": ROLES,
    "reopen": ("editor", "admin"),
    "merge": ROLES,
    "decide_link": ROLES,
    "set_priority": ("editor", "admin"),
    "correct": ("editor", "admin"),
    "retract": ("editor", "admin"),
    "manage_users": ("admin",),
}


def next_status(action: str, current: str) -> str:
    """The status after ``action`` from ``current``; WorkflowError when it is not allowed."""
    allowed_from, target = TRANSITIONS[action]
    if current not in allowed_from:
        raise WorkflowError(f"cannot {action.replace('_', ' ')} a claim that is {current.replace('_', ' ')}"
                            f" (allowed from: {', '.join(allowed_from)})")
    return target or current


def check_role(action: str, role: str) -> None:
    """PermissionDenied unless ``role`` may perform ``action`` at all."""
    if role not in ROLE_RULES[action]:
        raise PermissionDenied(f"a {role} cannot {action.replace('_', ' ')}")


def check_assign(actor_id: int, actor_role: str, assignee_id: int) -> None:
    """Reviewers may only assign claims to themselves; editors and admins assign anyone."""
    check_role("assign", actor_role)
    if actor_role == "reviewer" and assignee_id != actor_id:
        raise PermissionDenied("a reviewer can only assign claims to themselves")


def check_four_eyes(editor_id: int, reviewer_id: int) -> None:
    """The editor who signs off (or returns) a verdict cannot be the one who proposed it."""
    if editor_id == reviewer_id:
        raise PermissionDenied("four-eyes rule: you proposed this verdict, another editor must sign it off")


def check_verdict_author(actor_id: int, actor_role: str, assignee_id: int | None) -> None:
    """The assigned reviewer proposes the verdict (editors and admins may step in)."""
    check_role("propose_verdict", actor_role)
    if actor_role == "reviewer" and actor_id != assignee_id:
        raise PermissionDenied("only the reviewer assigned to this claim can propose its verdict")


def check_owner(actor_id: int, actor_role: str, assignee_id: int | None, action: str) -> None:
    """A claim assigned to someone is changed by that person or an editor/admin, not by another reviewer."""
    if actor_role == "reviewer" and assignee_id is not None and assignee_id != actor_id:
        raise PermissionDenied(f"this claim is assigned to another reviewer: only they or an editor can "
                               f"{action.replace('_', ' ')} it")


def check_merge_target(actor_role: str, actor_id: int, target_status: str, target_assignee: int | None) -> None:
    """Merging changes the target's appearances: a published (signed-off) target needs an editor."""
    if actor_role == "reviewer" and target_status == "signed_off":
        raise PermissionDenied("the claim to merge into has a published verdict: only an editor can change it")
    check_owner(actor_id, actor_role, target_assignee, "merge into")
