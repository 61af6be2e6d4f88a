"""Imports everyone can see: progress recorded per batch, admin-only cancel that keeps nothing, the Jobs page."""
from __future__ import annotations

import pytest

from db import open_db
from db.connection import write_transaction
from review import import_runs, users
from review.errors import PermissionDenied, WorkflowError
from review.importing import import_file
from tests.apptest_helpers import app, log_in, page_text
from tests.test_import_limits import _many, _records, logical

PASSWORD = "a long enough password"


@pytest.fixture
def team(db):
    users.add_user(db, None, "boss", PASSWORD, "admin")
    users.add_user(db, None, "rita", PASSWORD, "reviewer")
    return db


def _running_run(db) -> int:
    with write_transaction(db):
        return import_runs.start_run(db, "/data/archive-2024.jsonl", "jsonl", "rita")


def test_only_an_admin_cancels_and_only_a_running_import(team):
    run = _running_run(team)
    with pytest.raises(PermissionDenied):
        import_runs.request_cancel(team, "rita", run)
    import_runs.request_cancel(team, "boss", run)
    assert team.execute("SELECT cancel_requested_by FROM import_runs WHERE id = ?", [run]).fetchone()[0] == "boss"
    team.execute("UPDATE import_runs SET status = 'done' WHERE id = ?", [run])
    team.conn.commit()
    with pytest.raises(WorkflowError):
        import_runs.request_cancel(team, "boss", run)


def test_a_cancelled_import_stops_after_its_batch_and_keeps_nothing(team, db_path, tmp_path):
    before = logical(team)
    other = open_db(db_path)  # the admin, in another session

    def cancel_after_first_batch(done: int) -> None:
        run = other.execute("SELECT id FROM import_runs WHERE status = 'running'").fetchone()[0]
        if not other.execute("SELECT cancel_requested_by FROM import_runs WHERE id = ?", [run]).fetchone()[0]:
            import_runs.request_cancel(other, "boss", run)

    result = import_file(team, _records(tmp_path / "big.jsonl", _many(120)), batch_size=40,
                         progress=cancel_after_first_batch)
    other.close()
    assert not result.ok and "cancelled by boss" in result.error.problem
    status, progress, error = team.execute("SELECT status, progress, error FROM import_runs ORDER BY id DESC"
                                           ).fetchone()
    assert status == "failed" and "cancelled by boss" in error
    assert progress == 80  # it saw the request after its second batch (the first one's callback made it)
    assert logical(team) == before


def test_jobs_page_shows_running_imports_to_everyone_and_lets_an_admin_cancel(team, db_path, monkeypatch):
    run = _running_run(team)
    team.execute("UPDATE import_runs SET progress = 1200 WHERE id = ?", [run])
    team.conn.commit()
    at = log_in(app(db_path, monkeypatch), "rita", PASSWORD)
    at.switch_page("app_pages/jobs.py").run()
    assert not at.exception and not at.error
    text = page_text(at)
    assert "Importing archive-2024.jsonl · started by rita" in text and "1,200 records so far" in text
    assert not [b for b in at.button if b.key == f"jobs_cancel_run_{run}"]  # a reviewer sees it, cannot cancel it
    at = log_in(app(db_path, monkeypatch), "boss", PASSWORD)
    at.switch_page("app_pages/jobs.py").run()
    next(b for b in at.button if b.key == f"jobs_cancel_run_{run}").click().run()
    assert not at.exception
    assert team.execute("SELECT cancel_requested_by FROM import_runs WHERE id = ?", [run]).fetchone()[0] == "boss"
    assert "Cancel requested by boss" in page_text(at)
