"""Opening a connection must not drop the locks of the process's other connections (lost commits)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

from db.connection import connect


def test_a_second_connection_keeps_the_first_ones_commits(tmp_path):
    path = tmp_path / "desk.db"
    first = connect(path)
    first.execute("CREATE TABLE t (x INTEGER)")
    first.execute("INSERT INTO t VALUES (1)")
    first.conn.commit()
    second = connect(path)  # a page or a job opening its own connection in the same process
    second.execute("SELECT count(*) FROM t").fetchone()
    # another process opens and closes the database: if it believes it is the last connection, it checkpoints
    # and deletes the WAL, and ``first``'s later commits go to a deleted file
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('SELECT count(*) FROM t').fetchall(); c.close()", str(path)], check=True)
    first.execute("INSERT INTO t VALUES (2)")
    first.conn.commit()
    fresh = sqlite3.connect(path)
    try:
        assert fresh.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    finally:
        fresh.close()
        first.close()
        second.close()
