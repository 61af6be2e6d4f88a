"""A parallel import (pure stages in worker processes, one writer) leaves exactly the database a serial one does,
whether the workers are a local pool or analysis workers fed through a queue (huey; Redis in bench/import_speed.py)."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from db import open_db
from review import taskqueue
from review.importing import import_file, worker_count
from review.samples import SAMPLES_DIR

ROOT = Path(__file__).resolve().parents[1]

# What an import writes, compared row by row; ids, timestamps and the run id are part of it except where they are
# the wall clock (created_at/imported_at/updated_at/finished_at).
TABLES = {
    "items": "SELECT id, kind, title, body, outlet, url, published, language, source_file, source_id, content_hash "
             "FROM items ORDER BY id",
    "claims": "SELECT id, text, norm_hash, language, item_id, span_start, span_end, score, signals, status, "
              "story_id, appearance_count, outlet_count, first_seen, last_seen, triage_rank, matched_at IS NULL "
              "FROM claims ORDER BY id",
    "claim_appearances": "SELECT claim_id, item_id, span_start, span_end FROM claim_appearances "
                         "ORDER BY claim_id, item_id",
    "item_passages": "SELECT id, item_id, ord, start, end, digest FROM item_passages ORDER BY id",
    "match_items_fts": "SELECT rowid, title, lead FROM match_items_fts ORDER BY rowid",
    "match_passages_fts": "SELECT rowid, terms FROM match_passages_fts ORDER BY rowid",
    "match_claims_fts": "SELECT rowid, terms FROM match_claims_fts ORDER BY rowid",
    "coverage_links": "SELECT claim_id, item_id, score, method, status, explanation FROM coverage_links "
                      "ORDER BY claim_id, item_id",
    "import_runs": "SELECT id, path, status, imported, duplicates, claims FROM import_runs ORDER BY id",
}


def _dump(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}


@contextlib.contextmanager
def analysis_workers(queue: Path, processes: int, task: str = "prepare") -> Iterator[None]:
    """``python -m review analysis-worker`` in its own process, and imports sent to it through ``queue``; checks
    afterwards that the worker did the analysis (its log lists the batches it executed)."""
    log = queue.with_suffix(".log")
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "review", "analysis-worker", "--queue", str(queue),
                                   "--processes", str(processes)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    os.environ[taskqueue.ANALYSIS_QUEUE_ENV] = str(queue)
    try:
        yield
    finally:
        del os.environ[taskqueue.ANALYSIS_QUEUE_ENV]
        worker.terminate()
        worker.wait(timeout=30)
    assert log.read_text().count(f"review.taskqueue.{task}") > 10


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The same files imported serially, with two local worker processes, and with two analysis workers behind a
    queue (batches of 40 so several overlap)."""
    tmp = tmp_path_factory.mktemp("parallel")
    files = [SAMPLES_DIR / "saudinewsnet-200.jsonl", SAMPLES_DIR / "reports-en.jsonl",
             SAMPLES_DIR / "aggregator-page-ar.txt", SAMPLES_DIR / "saudinewsnet-200.jsonl"]  # the last: duplicates
    dumps = {}
    for mode, workers in (("serial", 1), ("pool", 2), ("queue", 1)):
        path = tmp / f"{mode}.db"
        db = open_db(path)
        with analysis_workers(tmp / "analysis-queue.db", 2) if mode == "queue" else contextlib.nullcontext():
            for file in files:
                result = import_file(db, file, workers=workers, batch_size=40)
                assert result.ok, result.error
        db.close()
        dumps[mode] = _dump(path)
    dumps["serial_path"] = tmp / "serial.db"
    return dumps


@pytest.mark.parametrize("mode", ["pool", "queue"])
@pytest.mark.parametrize("table", list(TABLES))
def test_parallel_import_matches_serial_row_by_row(imported, table, mode):
    serial, parallel = imported["serial"][table], imported[mode][table]
    assert serial, f"{table} is empty: the comparison would prove nothing"
    assert parallel == serial


def test_claim_terms_analysed_by_the_workers_are_what_the_index_would_compute_from_the_stored_text(imported):
    from review.matching.engine import claim_terms

    db = open_db(imported["serial_path"])
    try:
        stored = db.execute("SELECT rowid, terms FROM match_claims_fts ORDER BY rowid").fetchall()
        ids = [r[0] for r in db.execute("SELECT id FROM claims ORDER BY id")]
        assert len(stored) == len(ids) > 1000  # the bulk path (indexed at the end of the file) was taken
        assert sorted(claim_terms(db, ids)) == stored
    finally:
        db.close()


def test_the_embedding_job_can_have_its_vectors_computed_by_analysis_workers(tmp_path):
    from review import embedding
    from review.matching import vectors

    stored = {}
    for mode in ("local", "queue"):
        db = open_db(tmp_path / f"{mode}.db")
        assert import_file(db, SAMPLES_DIR / "reports-en.jsonl").ok
        with analysis_workers(tmp_path / "queue.db", 2, "embed") if mode == "queue" else contextlib.nullcontext():
            done = embedding.embed_pending(db, max_ord=1)
        assert done["claims"] > 5 and done["passages"] > 5
        stored[mode] = {(kind, ref): vectors.dequantise(scale, q8) for kind, ref, scale, q8 in
                        db.execute("SELECT kind, ref_id, scale, q8 FROM vectors ORDER BY kind, ref_id")}
        db.close()
    assert stored["queue"].keys() == stored["local"].keys()
    import numpy as np

    unit = {mode: {k: v / np.linalg.norm(v) for k, v in vecs.items()} for mode, vecs in stored.items()}
    cosines = [float(unit["local"][k] @ unit["queue"][k]) for k in unit["local"]]
    # the same model on the same text wherever it ran (batches of 4 instead of 16 move the 4-bit engine's numerics
    # in the 4th decimal); unrelated texts sit near 0.8 with e5
    assert min(cosines) > 0.995


def test_worker_count_is_sized_to_the_file_and_the_machine(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_text("{}\n")
    assert worker_count(small, None) == 1  # starting processes costs more than a small file
    assert worker_count(small, 3) == 3
    big = tmp_path / "big.jsonl"
    with big.open("wb") as out:
        out.truncate(5 * 2**20)
    assert worker_count(big, None) >= 1


def test_a_parallel_import_that_fails_late_changes_nothing(db, tmp_path):
    from tests.test_import_limits import _many, _records, logical

    assert import_file(db, _records(tmp_path / "first.jsonl", _many(5, prefix="old"))).ok
    before = logical(db)
    feed = _records(tmp_path / "late.jsonl", _many(250) + [{"title": "bad", "published": "not a date"}])
    result = import_file(db, feed, batch_size=40, workers=2)
    assert not result.ok and result.error.line == 251
    assert logical(db) == before
    assert db.execute("SELECT status FROM import_runs ORDER BY id DESC LIMIT 1").fetchone()[0] == "failed"
