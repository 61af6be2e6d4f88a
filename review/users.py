"""People: accounts, roles, passwords (policy, Argon2id, changes and resets) and throttled login checks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sqlite_utils import Database

from db.connection import write_transaction
from review import throttle
from review.audit import record_event
from review.errors import NotFoundError, PermissionDenied, ValidationError
from review.passwords import check_password, hash_password, verify_password
from review.workflow import ROLES, check_role

NAME_RE = re.compile(r"^[\w.\-@ ]{2,64}$", re.UNICODE)
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


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


def acting_admin(db: Database, name: str, doing: str) -> User:
    """The acting user, who must be an active admin to do ``doing`` (e.g. "cancel a job")."""
    user = acting_user(db, name)
    if user.role != "admin":
        raise PermissionDenied(f"only an admin can {doing} (you are {user.role})")
    return user


def _validate(name: str, password: str, role: str) -> str:
    name = name.strip()
    if not NAME_RE.match(name):
        raise ValidationError("name", "2–64 letters, digits, spaces or . - _ @")
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    check_password(password, name=name)
    return name


def _insert(db: Database, name: str, password: str, role: str, actor: str) -> User:
    if db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
        raise ValidationError("name", f"a user called {name!r} already exists")
    user_id = db.execute(f"INSERT INTO users (name, role, password_hash, password_changed_at) VALUES (?, ?, ?, {_NOW})",
                         [name, role, hash_password(password)]).lastrowid
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
        if field == "active" and not value:
            db.execute("DELETE FROM sessions WHERE user_id = ?", [before.id])  # re-enabling revives no session
        after = get_user_by_id(db, before.id)
        if before.role == "admin" and (not after.active or after.role != "admin"):
            remaining = db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]
            if remaining == 0:
                raise PermissionDenied("cannot remove the last active admin")
        record_event(db, actor=actor or "cli", action=f"user.{field}", entity="user", entity_id=before.id,
                     before={field: getattr(before, field)}, after={field: getattr(after, field)})
        return after


def disable_user(db: Database, actor: str | None, name: str) -> User:
    """Disable an account: it can no longer log in or act, and its sessions end."""
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


def _store_password(db: Database, user: User, password: str, *, actor: str, action: str) -> None:
    """In the caller's transaction: the new hash, every session of the user ended, an audit event (no hash)."""
    db.execute(f"UPDATE users SET password_hash = ?, password_changed_at = {_NOW} WHERE id = ?",
               [hash_password(password), user.id])
    ended = db.execute("DELETE FROM sessions WHERE user_id = ?", [user.id]).rowcount
    record_event(db, actor=actor, action=action, entity="user", entity_id=user.id,
                 after={"sessions_ended": ended})


def change_password(db: Database, name: str, old_password: str, new_password: str) -> User:
    """A user changes their own password (the old one is required); all their sessions end."""
    user = acting_user(db, name)
    row = db.execute("SELECT password_hash FROM users WHERE id = ?", [user.id]).fetchone()
    if not verify_password(row[0], old_password):
        raise ValidationError("current password", "is not right")
    if new_password == old_password:
        raise ValidationError("password", "the new password must differ from the current one")
    check_password(new_password, name=user.name)
    with write_transaction(db):
        _store_password(db, user, new_password, actor=user.name, action="user.password_change")
    return user


def set_password(db: Database, actor: str | None, name: str, new_password: str) -> User:
    """An admin (or the trusted command line, ``actor=None``) resets a user's password; their sessions end."""
    user = get_user(db, name)
    check_password(new_password, name=user.name)
    with write_transaction(db):
        if actor is not None:
            check_role("manage_users", acting_user(db, actor).role)
        _store_password(db, user, new_password, actor=actor or "cli", action="user.password_reset")
        throttle.clear(db, throttle.keys_for(user.name, None))  # a reset also lifts the account's lockout
    return user


class LoginThrottled(AuthError):
    """Too many failed attempts from this account or client: wait ``seconds``."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"too many failed attempts: try again in {seconds} s")
        self.seconds = seconds


def authenticate(db: Database, name: str, password: str, *, client: str | None = None) -> User:
    """The user if name and password match an active account; AuthError (or LoginThrottled) otherwise.

    Every attempt counts as a failure before the password is checked (so parallel guesses cannot slip past the
    limit) and is audited: login, login.failed, login.locked (when a lockout starts).
    """
    name = name.strip()[:64]
    keys = throttle.keys_for(name, client)
    now = throttle.now_utc()
    with write_transaction(db):
        lock = throttle.locked(db, keys, now)
        if lock is None:
            started = throttle.count_attempt(db, keys, now)
    if lock is not None:
        raise LoginThrottled(lock.seconds_left(now))
    row = db.execute("SELECT id, password_hash, active FROM users WHERE name = ?", [name]).fetchone()
    # No user: spend the same time as a real check, so the answer's timing does not say which names exist.
    matches = verify_password(row[1] if row else _dummy_hash(), password) and row is not None
    ok = matches and bool(row[2])
    with write_transaction(db):
        user_id = row[0] if row else None
        if ok:
            throttle.clear(db, keys)
            record_event(db, actor=name, action="login", entity="user", entity_id=user_id, after={"client": client})
        else:
            record_event(db, actor=name, action="login.failed", entity="user", entity_id=user_id,
                         after={"client": client, "reason": "disabled" if row and not row[2] else "wrong password"})
            for lock in started:
                record_event(db, actor=name, action="login.locked", entity="user", entity_id=user_id,
                             after={"key": lock.key.split(":")[0], "client": client, "until": lock.until.isoformat()})
    if not ok:
        raise AuthError("this account is disabled" if matches else "wrong name or password")
    return get_user_by_id(db, row[0])


@cache
def _dummy_hash() -> str:
    return hash_password("not a real password: it equalises timing")
