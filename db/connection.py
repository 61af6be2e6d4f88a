"""Open the SQLite database the way every part of Tabayyun needs it."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from db.migrations import apply_migrations

DEFAULT_DB_PATH = Path("data") / "tabayyun.db"
ENV_VAR = "TABAYYUN_DB"
BUSY_TIMEOUT_MS = 10_000
STATS = {"begin_retries": 0}  # per process; read by the stress benchmark


def resolve_db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The database location: ``--db`` value, else ``$TABAYYUN_DB``, else ``data/tabayyun.db``."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_DB_PATH


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600), or tighten an existing file we own to that.

    The database holds password hashes and unpublished verdicts; SQLite gives its -wal and -shm
    files the database file's permissions.

    An existing file is never opened here: closing any descriptor of a database file drops every POSIX lock this
    process holds on it, including those of its open SQLite connections. Another process's connection then
    believed it was the last one, checkpointed and deleted the WAL while this process kept committing into the
    deleted file: those commits were lost (seen with the job worker and the dashboard on one database).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        try:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another connection created it meanwhile
            pass
        except OSError:  # read-only folder: SQLite reports it when it matters
            pass
        return
    except OSError:
        return
    if info.st_uid == os.getuid() and info.st_mode & 0o077:
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass


def connect(path: str | os.PathLike) -> Database:
    """A connection with WAL, foreign keys and a busy timeout, without migrating (the folder must exist)."""
    path = Path(path)
    if str(path) != ":memory:":
        private_file(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    return db


def open_db(path: str | os.PathLike) -> Database:
    """Open (creating if needed) the database at ``path`` with every migration applied."""
    db = connect(path)
    apply_migrations(db)
    return db


@contextlib.contextmanager
def write_transaction(db: Database, *, attempts: int = 5) -> Iterator[Database]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``: one user action, one transaction.

    Taking the write lock up front means a busy database makes us wait (busy
    timeout) at the start rather than fail half-way when a read upgrades to a
    write. Starting the transaction is retried; the body is not.
    """
    conn = db.conn
    if conn.in_transaction:  # nested use: a savepoint inside the caller's transaction
        with db.atomic():
            yield db
        return
    for attempt in range(attempts):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == attempts - 1:
                raise
            STATS["begin_retries"] += 1
            time.sleep(0.05 * (attempt + 1))
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
