"""Login sessions that survive a page reload: a signed random token in a cookie, its hash in the database."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from sqlite_utils import Database

from db.connection import write_transaction
from review.users import User, get_user_by_id

COOKIE_NAME = "tabayyun_session"
SESSION_DAYS = 7
SECRET_ENV = "TABAYYUN_SECRET_KEY"
SECRET_FILE = ".tabayyun-secret"


_PROCESS_SECRET = secrets.token_bytes(32)  # the fallback when the key file cannot be read
log = logging.getLogger(__name__)


def load_secret(data_dir: Path) -> bytes:
    """The signing key: $TABAYYUN_SECRET_KEY, else a key generated once into the data folder (mode 0600).

    A key file that cannot be read or written (permissions, a folder in its place, garbage) must not lock
    everyone out: the process then signs with a random key of its own (sessions last until a restart) and logs why.
    """
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode()
    path = data_dir / SECRET_FILE
    try:
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ValueError("shorter than 32 characters")
        return key.encode()
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        log.error("session key file %s unusable (%s): signing with a per-process key", path, exc)
        return _PROCESS_SECRET


def _sign(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def start_session(db: Database, secret: bytes, user: User) -> str:
    """Create a session for ``user``; returns the cookie value to set."""
    token = secrets.token_hex(32)
    expires = (_now() + dt.timedelta(days=SESSION_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with write_transaction(db):
        db.execute("DELETE FROM sessions WHERE expires_at < ?", [_now().strftime("%Y-%m-%dT%H:%M:%SZ")])
        db.execute("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
                   [_hash(token), user.id, expires])
    return f"{token}.{_sign(secret, token)}"


def resolve_session(db: Database, secret: bytes, cookie: str | None) -> User | None:
    """The active user a cookie belongs to, or None (forged, expired, logged out or disabled)."""
    if not cookie or cookie.count(".") != 1 or not cookie.isascii():
        return None
    token, signature = cookie.split(".")
    if not hmac.compare_digest(signature.encode(), _sign(secret, token).encode()):
        return None
    row = db.execute("SELECT user_id, expires_at FROM sessions WHERE token_hash = ?", [_hash(token)]).fetchone()
    if row is None or row[1] < _now().strftime("%Y-%m-%dT%H:%M:%SZ"):
        return None
    user = get_user_by_id(db, row[0])
    return user if user.active else None


def end_session(db: Database, cookie: str | None) -> None:
    """Log out: the cookie's session stops working everywhere."""
    if cookie and "." in cookie:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash(cookie.split(".")[0])])
