"""Persistence: opening the database, migrations, and the read side (queries)."""
from db.connection import DEFAULT_DB_PATH, open_db, resolve_db_path, write_transaction

__all__ = ["DEFAULT_DB_PATH", "open_db", "resolve_db_path", "write_transaction"]
