"""Glue shared by pages: the database connection for this run, and safe rendering."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from sqlite_utils import Database

from db.connection import connect, open_db, resolve_db_path

log = logging.getLogger("tabayyun.dashboard")


def db_path_from_argv(argv: list[str] | None = None) -> Path:
    """`streamlit run dashboard.py -- --db PATH`, else $TABAYYUN_DB, else data/tabayyun.db."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return resolve_db_path(known.db)


@st.cache_resource(show_spinner=False)
def _migrated(path: str) -> str:
    """Apply migrations once per database path per server process."""
    open_db(path).close()
    return path


def get_db() -> Database:
    """A fresh connection for this script run (connections are not shared across sessions)."""
    path = st.session_state.get("db_path") or str(db_path_from_argv())
    db = connect(_migrated(path))
    return db


def run_safely(page: Callable[[], None]) -> None:
    """Run a page; an unexpected error becomes a message, never a traceback."""
    try:
        page()
    except Exception:  # noqa: BLE001 - the edge where errors become user messages
        log.exception("page failed")
        st.error("Something went wrong on this page. Nothing was changed. Please reload; "
                 "if it happens again, tell an administrator (details are in the server log).")
