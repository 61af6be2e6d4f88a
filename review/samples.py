"""The bundled samples that prefill a new database."""
from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from db.connection import write_transaction
from review.importing import FileResult, import_files

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_FILES = ("aggregator-page-ar.txt", "marsum-goud-200.jsonl", "saudinewsnet-200.jsonl", "reports-en.jsonl")
LOADED_KEY = "samples.loaded"


def samples_loaded(db: Database) -> bool:
    """True once the samples were loaded into this database (even if a user deleted items since)."""
    return db.execute("SELECT 1 FROM settings WHERE key = ?", [LOADED_KEY]).fetchone() is not None


def load_samples_once(db: Database, *, actor: str = "system") -> list[FileResult]:
    """Import the bundled samples unless this database already had them; returns per-file results."""
    if samples_loaded(db):
        return []
    results = import_files(db, [SAMPLES_DIR / name for name in SAMPLE_FILES], actor=actor)
    if all(r.ok for r in results):
        with write_transaction(db):
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, '1')", [LOADED_KEY])
    return results
