"""Login throttling: per account and per client, a few free failures, then lockouts that double each time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

FREE_FAILURES = {"user": 5, "client": 20}  # a typo-prone human gets 5 tries; a shared office IP gets 20
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 3600  # failures older than this no longer count


@dataclass(frozen=True)
class Locked:
    """A key that may not try a password before ``until``."""

    key: str
    until: dt.datetime

    def seconds_left(self, now: dt.datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def keys_for(name: str, client: str | None) -> list[str]:
    """The throttle keys of one attempt: the account name (case-folded) and the client address, if known."""
    keys = [f"user:{name.strip().casefold()[:64]}"]
    if client:
        keys.append(f"client:{client[:64]}")
    return keys


def lock_seconds(failures: int, kind: str) -> int:
    """How long ``failures`` failures in a row lock a key of ``kind`` ('user' or 'client'); 0 = not locked."""
    over = failures - FREE_FAILURES[kind]
    return 0 if over < 0 else min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** min(over, 20))


def locked(db: Database, keys: list[str], now: dt.datetime) -> Locked | None:
    """The key locked longest among ``keys``, or None when all may try now."""
    marks = ",".join("?" * len(keys))
    rows = db.execute(f"SELECT key, locked_until FROM login_throttle WHERE key IN ({marks}) "
                      "AND locked_until IS NOT NULL", keys).fetchall()
    found = [Locked(key, _parse(until)) for key, until in rows if _parse(until) > now]
    return max(found, key=lambda lock: lock.until) if found else None


def count_attempt(db: Database, keys: list[str], now: dt.datetime) -> list[Locked]:
    """In the caller's transaction: count one attempt as a failure up front (parallel attempts cannot slip past
    the limit while their passwords are checked); returns the locks it starts. A success calls ``clear``."""
    started = []
    for key in keys:
        row = db.execute("SELECT failures, updated_at FROM login_throttle WHERE key = ?", [key]).fetchone()
        failures = 0 if row is None or (now - _parse(row[1])).total_seconds() > FORGET_AFTER_SECONDS else row[0]
        failures += 1
        seconds = lock_seconds(failures, key.split(":", 1)[0])
        until = _stamp(now + dt.timedelta(seconds=seconds)) if seconds else None
        db.execute("INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
                   "locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                   [key, failures, until, _stamp(now)])
        if seconds:
            started.append(Locked(key, now + dt.timedelta(seconds=seconds)))
    return started


def clear(db: Database, keys: list[str]) -> None:
    """In the caller's transaction: a successful login forgets the failures of its keys."""
    db.execute(f"DELETE FROM login_throttle WHERE key IN ({','.join('?' * len(keys))})", keys)
