"""Which database a connection reads: the key of the per-process caches (doc freqs, vocabulary, vectors)."""
from __future__ import annotations

import os

from sqlite_utils import Database


def database_key(db: Database) -> str:
    """The file's path and inode (a file replaced at the same path is another database), or the connection for an
    in-memory database. Every connection to one file shares the caches, so a page run that opens a new connection
    does not start cold."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        return f"memory:{id(db.conn)}"
    try:
        return f"{path}#{os.stat(path).st_ino}"
    except OSError:
        return path
