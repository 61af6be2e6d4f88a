"""Shared fixtures: real SQLite databases in tmp_path."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db import open_db  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def db(db_path: Path):
    database = open_db(db_path)
    yield database
    database.close()


def freeze_template(db) -> None:
    """Checkpoint and close a template database so copying its one file copies everything."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def copy_of(template: Path, tmp_path: Path) -> Path:
    """A private copy of a template database built once per module (Argon2 hashing is deliberately slow)."""
    path = tmp_path / template.name
    shutil.copyfile(template, path)
    return path
