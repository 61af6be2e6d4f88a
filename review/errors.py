"""Named errors raised by the domain; pages and the CLI turn them into messages."""
from __future__ import annotations


class ReviewError(Exception):
    """Base class: a user action was refused; nothing was changed."""


class NotFoundError(ReviewError):
    """The claim, user, verdict or link does not exist."""


class PermissionDenied(ReviewError):
    """The acting user's role (or disabled account) does not allow the action."""


class WorkflowError(ReviewError):
    """The action is not allowed from the claim's current status."""


class ConflictError(ReviewError):
    """Someone else changed the claim since it was loaded (optimistic locking)."""


class ValidationError(ReviewError):
    """A required field is missing or malformed; names the field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem
