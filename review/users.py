"""People: accounts, roles, password hashing (Argon2id) and login checks."""
from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from db.connection import write_transaction
from review.audit import record_event
from review.errors import NotFoundError, PermissionDenied, ValidationError
from review.workflow import ROLES, check_role

_hasher = PasswordHasher()
NAME_RE = re.compile(r"^[\w.\-@ ]{2,64}$", re.UNICODE)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    """An account as the rest of the code sees it (never with its password hash)."""

    id: int
    name: str
    role: str
    active: bool
    ui_language: str = "en"


class AuthError(Exception):
    """Login refused: wrong name or password, or a disabled account (deliberately vague)."""


def _row_to_user(row: tuple) -> User:
    return User(id=row[0], name=row[1], role=row[2], active=bool(row[3]), ui_language=row[4])


_SELECT = "SELECT id, name, role, active, ui_language FROM users"


def get_user(db: Database, name: str) -> User:
    """The user called ``name`` (case-insensitive); NotFoundError otherwise."""
    row = db.execute(f"{_SELECT} WHERE name = ?", [name.strip()]).fetchone()
    if row is None:
        raise NotFoundError(f"no user called {name!r}")
    return _row_to_user(row)


def get_user_by_id(db: Database, user_id: int) -> User:
    """The user with this id; NotFoundError otherwise."""
    row = db.execute(f"{_SELECT} WHERE id = ?", [user_id]).fetchone()
    if row is None:
        raise NotFoundError(f"no user with id {user_id}")
    return _row_to_user(row)


def list_users(db: Database) -> list[User]:
    """All users, by name."""
    return [_row_to_user(r) for r in db.execute(f"{_SELECT} ORDER BY name").fetchall()]


def has_users(db: Database) -> bool:
    """False on a brand-new database (the dashboard then asks for the first admin)."""
    return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def acting_user(db: Database, name: str) -> User:
    """The user performing an action, re-read now: a disabled account may not act."""
    user = get_user(db, name)
    if not user.active:
        raise PermissionDenied(f"user {user.name!r} is disabled")
    return user


def _validate(name: str, password: str, role: str) -> str:
    name = name.strip()
    if not NAME_RE.match(name):
        raise ValidationError("name", "2–64 letters, digits, spaces or . - _ @")
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    return name


def _insert(db: Database, name: str, password: str, role: str, actor: str) -> User:
    if db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
        raise ValidationError("name", f"a user called {name!r} already exists")
    user_id = db.execute("INSERT INTO users (name, role, password_hash) VALUES (?, ?, ?)",
                         [name, role, _hasher.hash(password)]).lastrowid
    record_event(db, actor=actor, action="user.add", entity="user", entity_id=user_id,
                 after={"name": name, "role": role, "active": True})
    return get_user_by_id(db, user_id)


def create_first_admin(db: Database, name: str, password: str) -> User:
    """Create the first account (an admin); refused once any user exists."""
    name = _validate(name, password, "admin")
    with write_transaction(db):
        if has_users(db):
            raise PermissionDenied("the first admin already exists; ask an admin to add you")
        return _insert(db, name, password, "admin", actor=name)


def add_user(db: Database, actor: str | None, name: str, password: str, role: str) -> User:
    """An admin adds an account. ``actor=None`` is the trusted command line (local file access)."""
    name = _validate(name, password, role)
    with write_transaction(db):
        if actor is not None:
            check_role("manage_users", acting_user(db, actor).role)
        return _insert(db, name, password, role, actor=actor or "cli")


def _update(db: Database, actor: str | None, name: str, field: str, value: object) -> User:
    with write_transaction(db):
        if actor is not None:
            check_role("manage_users", acting_user(db, actor).role)
        before = get_user(db, name)
        db.execute(f"UPDATE users SET {field} = ? WHERE id = ?", [value, before.id])
        after = get_user_by_id(db, before.id)
        if before.role == "admin" and (not after.active or after.role != "admin"):
            remaining = db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]
            if remaining == 0:
                raise PermissionDenied("cannot remove the last active admin")
        record_event(db, actor=actor or "cli", action=f"user.{field}", entity="user", entity_id=before.id,
                     before={field: getattr(before, field)}, after={field: getattr(after, field)})
        return after


def disable_user(db: Database, actor: str | None, name: str) -> User:
    """Disable an account: it can no longer log in or act."""
    return _update(db, actor, name, "active", 0)


def enable_user(db: Database, actor: str | None, name: str) -> User:
    """Re-enable a disabled account."""
    return _update(db, actor, name, "active", 1)


def set_role(db: Database, actor: str | None, name: str, role: str) -> User:
    """Change an account's role."""
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    return _update(db, actor, name, "role", role)


def set_ui_language(db: Database, name: str, language: str) -> None:
    """Remember a user's interface language ('en' or 'ar'); a preference, not audited."""
    if language not in ("en", "ar"):
        raise ValidationError("language", "must be 'en' or 'ar'")
    with write_transaction(db):
        db.execute("UPDATE users SET ui_language = ? WHERE name = ?", [language, name])


def authenticate(db: Database, name: str, password: str) -> User:
    """The user if name and password match an active account; AuthError otherwise."""
    row = db.execute("SELECT id, password_hash, active FROM users WHERE name = ?", [name.strip()]).fetchone()
    if row is None:
        _hasher.hash(password)  # spend the same time as a real check: no user-name oracle
        raise AuthError("wrong name or password")
    try:
        _hasher.verify(row[1], password)
    except (VerificationError, InvalidHashError):
        raise AuthError("wrong name or password") from None
    if not row[2]:
        raise AuthError("this account is disabled")
    return get_user_by_id(db, row[0])
