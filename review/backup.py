"""Consistent online backups with SQLite's backup API (safe while the dashboard is in use)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database


class BackupError(Exception):
    """The backup could not be written; names the destination and the problem."""


def backup(db: Database, dest: str | os.PathLike) -> Path:
    """Copy the whole database to ``dest`` as one consistent snapshot; returns the path written.

    The copy is written to a temporary file beside ``dest`` and renamed into place, so a failed
    backup never leaves a half-written file under the final name.
    """
    dest = Path(dest)
    if dest.exists() and dest.is_dir():
        raise BackupError(f"{dest}: is a directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    try:
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))  # it holds password hashes
        target = sqlite3.connect(str(tmp))
        try:
            db.conn.backup(target, pages=-1)  # one step: a single read snapshot of the source
            target.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if ok != "ok":
            raise BackupError(f"{dest}: integrity check of the copy failed: {ok}")
        os.replace(tmp, dest)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"{dest}: {exc}") from exc
    return dest
