"""Background jobs: dashboard imports, pending matching and embedding run in a worker process (huey), outside any
Streamlit session; everyone sees them; an admin cancels them; a job whose worker died runs again."""
from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from db import open_db
from review import coverage, embedding, job_runner, jobs, users
from review.errors import PermissionDenied, WorkflowError
from review.samples import SAMPLES_DIR
from tests.apptest_helpers import app, log_in, page_text
from tests.test_import_limits import _many

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
REPORTS = SAMPLES_DIR / "reports-en.jsonl"
PAGE = SAMPLES_DIR / "aggregator-page-ar.txt"


@pytest.fixture
def team(db):
    users.add_user(db, None, "boss", PASSWORD, "admin")
    users.add_user(db, None, "rita", PASSWORD, "reviewer")
    return db


def _wait_for(condition, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _status(db, job_id: int) -> str:
    return db.execute("SELECT status FROM jobs WHERE id = ?", [job_id]).fetchone()[0]


def _uploads(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


def _jsonl(records: list[dict]) -> bytes:
    import json

    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def test_an_upload_imports_in_the_worker_process_not_in_the_session(team, db_path):
    job_id = job_runner.submit_import(team, db_path, "rita", _uploads(PAGE, REPORTS))
    folder = Path(jobs.get(team, job_id)["params"]["upload_dir"])
    assert folder.is_dir() and oct(folder.parent.stat().st_mode & 0o777) == "0o700"  # unpublished material
    assert _status(team, job_id) == "queued" and not jobs.worker_running(team)
    lost = jobs.submit(team, "system", "match")  # recorded, but never handed to the queue (a crash in between)
    env = {**os.environ, "TABAYYUN_ENCODER": "off"}
    worker = subprocess.Popen([sys.executable, "-m", "review", "--db", str(db_path), "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _status(team, job_id) not in jobs.ACTIVE and _status(team, lost) not in jobs.ACTIVE,
                  "the import job and the job the queue never had")
        assert _status(team, lost) == "done"
        assert jobs.worker_running(team)
        job = jobs.get(team, job_id)
        assert job["status"] == "done", job
        assert [(r["file"], r["ok"]) for r in job["result"]] == [(PAGE.name, True), (REPORTS.name, True)]
        assert job["result"][1]["imported"] == 3 and job["total"] is None  # a page has no total known in advance
        assert job["progress"] == sum(r["imported"] + r["duplicates"] for r in job["result"])
        pid, = team.execute("SELECT pid FROM jobs WHERE id = ?", [job_id]).fetchone()
        assert pid == worker.pid != os.getpid()  # run by the worker, not by this process
        assert team.execute("SELECT count(*) FROM import_runs WHERE job_id = ? AND status = 'done'",
                            [job_id]).fetchone()[0] == 2
        assert team.execute("SELECT count(*) FROM items WHERE source_file LIKE '%reports-en.jsonl'").fetchone()[0] == 3
        assert not folder.exists()  # the uploads are gone once their content is stored
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert not jobs.worker_running(team)  # it unregistered on the way out


def _worker(db_path: Path) -> subprocess.Popen:
    env = {**os.environ, "TABAYYUN_ENCODER": "off"}
    return subprocess.Popen([sys.executable, "-m", "review", "--db", str(db_path), "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_mid_import_leaves_nothing_half_done_and_the_next_one_finishes_the_job(team, db_path):
    job_id = job_runner.submit_import(team, db_path, "rita", [("archive.jsonl", _jsonl(_many(600)))])
    first = _worker(db_path)
    try:
        _wait_for(lambda: team.execute("SELECT progress FROM jobs WHERE id = ?", [job_id]).fetchone()[0] > 0,
                  "a committed batch")
    finally:
        first.kill()  # the machine lost power, or the dashboard was killed with -9
        first.wait(timeout=60)
    assert _status(team, job_id) == "running"  # as the dead worker left it
    second = _worker(db_path)
    try:
        _wait_for(lambda: _status(team, job_id) not in jobs.ACTIVE, "the job to run again")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    job = jobs.get(team, job_id)
    assert job["status"] == "done" and job["attempts"] == 2 and job["result"][0]["imported"] == 600
    assert team.execute("SELECT count(*) FROM items").fetchone()[0] == 600  # nothing twice, nothing missing
    runs = team.execute("SELECT status FROM import_runs WHERE job_id = ? ORDER BY id", [job_id]).fetchall()
    assert [r[0] for r in runs] == ["failed", "done"]  # the half-done run was removed, then the file imported
    assert team.execute("SELECT count(*) FROM claims WHERE item_id NOT IN (SELECT id FROM items)").fetchone()[0] == 0


def test_totals_for_time_left_come_from_line_counts(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(_jsonl(_many(7)))
    (tmp_path / "b.csv").write_text("title,body\nx,y\nz,w")  # header + 2 records, no final newline
    with gzip.open(tmp_path / "c.jsonl.gz", "wb") as out:
        out.write(_jsonl(_many(12)))
    assert job_runner.estimate_records(tmp_path / "a.jsonl") == 7
    assert job_runner.estimate_records(tmp_path / "b.csv") == 2
    assert job_runner.estimate_records(tmp_path / "c.jsonl.gz") == 12
    assert job_runner.estimate_records(PAGE) is None
    items = "".join(f"<item><title>t{i}</title></item>" for i in range(9))
    (tmp_path / "d.rss").write_text(f"<rss><channel><title>x</title>{items}</channel></rss>")
    (tmp_path / "e.atom").write_text('<feed><entry xml:lang="ar"><title>a</title></entry><entry><title>b</title>'
                                     "</entry></feed>")
    assert job_runner.estimate_records(tmp_path / "d.rss") == 9
    assert job_runner.estimate_records(tmp_path / "e.atom") == 2


def test_only_an_admin_cancels_and_a_cancelled_queued_job_never_runs(team, db_path):
    job_id = job_runner.submit_import(team, db_path, "rita", _uploads(REPORTS))
    folder = Path(jobs.get(team, job_id)["params"]["upload_dir"])
    with pytest.raises(PermissionDenied):
        jobs.request_cancel(team, "rita", job_id)
    assert jobs.request_cancel(team, "boss", job_id) == "cancelled"
    with pytest.raises(WorkflowError):
        jobs.request_cancel(team, "boss", job_id)
    job_runner.run(str(db_path), job_id)  # the queue hands it to a worker anyway
    assert _status(team, job_id) == "cancelled"
    assert team.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    assert not folder.exists()
    assert team.execute("SELECT count(*) FROM audit_events WHERE action = 'job.cancel'").fetchone()[0] == 1


def test_a_running_import_cancelled_keeps_the_files_it_finished_and_nothing_of_the_current_one(team, db_path):
    small = _jsonl(_many(5, prefix="kept"))
    big = _jsonl(_many(600, prefix="gone"))
    job_id = job_runner.submit_import(team, db_path, "rita", [("small.jsonl", small), ("big.jsonl", big)])
    runner = threading.Thread(target=job_runner.run, args=(str(db_path), job_id))
    runner.start()
    admin = open_db(db_path)
    try:  # once a batch of the second file is committed, the admin cancels
        _wait_for(lambda: admin.execute("SELECT detail = 'big.jsonl' AND progress > 5 FROM jobs WHERE id = ?",
                                        [job_id]).fetchone()[0] or not runner.is_alive(), "a batch of big.jsonl")
        jobs.request_cancel(admin, "boss", job_id)
    finally:
        runner.join(timeout=300)
        admin.close()
    job = jobs.get(team, job_id)
    assert job["status"] == "cancelled" and "cancelled by boss" in job["error"]
    assert [(r["file"], r["ok"]) for r in job["result"]] == [("small.jsonl", True), ("big.jsonl", False)]
    assert "cancelled by boss" in job["result"][1]["error"]
    titles = [t for (t,) in team.execute("SELECT title FROM items")]
    assert len(titles) == 5 and all("kept" in t for t in titles)
    assert [s for (s,) in team.execute("SELECT status FROM import_runs ORDER BY id")] == ["done", "failed"]


def test_a_job_whose_worker_died_is_queued_again_then_failed_after_three_tries(team, db_path):
    job_id = jobs.submit(team, "system", "match")
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert jobs.start(team, job_id) is not None
    team.execute("UPDATE jobs SET pid = ? WHERE id = ?", [dead.pid, job_id])
    team.conn.commit()
    assert jobs.recover(team) == [job_id] and _status(team, job_id) == "queued"
    job_runner.run(str(db_path), job_id)
    assert _status(team, job_id) == "done"
    again = jobs.submit(team, "system", "match")
    jobs.start(team, again)
    team.execute("UPDATE jobs SET pid = ?, attempts = ? WHERE id = ?", [dead.pid, jobs.MAX_ATTEMPTS, again])
    team.conn.commit()
    assert jobs.recover(team) == []
    job = jobs.get(team, again)
    assert job["status"] == "failed" and "stopped 3 times" in job["error"]
    assert socket.gethostname()  # recovery is per machine (host + pid)


def test_matching_and_embedding_jobs_record_progress_against_their_totals(team, db_path, monkeypatch):
    job_id = job_runner.submit_import(team, db_path, "rita", _uploads(REPORTS))
    job_runner.run(str(db_path), job_id)
    team.execute("UPDATE claims SET matched_at = NULL")  # as a bulk import leaves them
    team.conn.commit()
    pending = coverage.pending_count(team)
    assert pending > 0
    match = jobs.submit_unless_active(team, "match")
    assert jobs.submit_unless_active(team, "match") is None  # one at a time
    job_runner.run(str(db_path), match)
    job = jobs.get(team, match)
    assert job["status"] == "done" and job["progress"] == job["total"] == pending == job["result"]["claims"]
    assert coverage.pending_count(team) == 0
    todo = embedding.pending(team)
    embed = jobs.submit(team, "system", "embed")
    monkeypatch.setenv("TABAYYUN_ENCODER", "off")
    job_runner.run(str(db_path), embed)
    job = jobs.get(team, embed)
    assert job["status"] == "failed" and "switched off" in job["error"]  # named, not a traceback
    monkeypatch.delenv("TABAYYUN_ENCODER")
    embed = jobs.submit(team, "system", "embed")
    job_runner.run(str(db_path), embed)
    job = jobs.get(team, embed)
    assert job["status"] == "done" and job["total"] == todo["claims"] + todo["passages"] == job["progress"]
    assert embedding.pending(team) == {"claims": 0, "passages": 0}


def test_import_page_follows_the_users_job_and_jobs_page_shows_everyone_and_lets_an_admin_cancel(
        team, db_path, monkeypatch):
    done = job_runner.submit_import(team, db_path, "rita", _uploads(REPORTS, PAGE))
    job_runner.run(str(db_path), done)
    waiting = job_runner.submit_import(team, db_path, "rita", [("later.jsonl", _jsonl(_many(3)))])
    at = log_in(app(db_path, monkeypatch), "rita", PASSWORD)
    at.switch_page("app_pages/imports.py").run()
    assert not at.exception and not at.error
    text = page_text(at)
    assert "Your recent imports" in [h.value for h in at.subheader]
    assert f"Job #{done} · reports-en.jsonl, aggregator-page-ar.txt · done" in text
    assert [s.value for s in at.success] == ["2 file(s) processed, 0 failed."]
    assert "No job worker is running" in " ".join(w.value for w in at.warning)  # the later job waits for one
    at.switch_page("app_pages/jobs.py").run()
    assert not at.exception and not at.error
    text = page_text(at)
    assert f"Job #{waiting}: import later.jsonl · started by rita" in text and "Waiting for a worker" in text
    assert not [b for b in at.button if b.key == f"jobs_cancel_job_{waiting}"]  # a reviewer cannot cancel
    items = sum(r["imported"] for r in jobs.get(team, done)["result"])
    cells = [v for df in at.dataframe for v in df.value.to_numpy().ravel()]
    assert f"{items} new items from 2 file(s), 0 failed" in cells
    at = log_in(app(db_path, monkeypatch), "boss", PASSWORD)
    at.switch_page("app_pages/jobs.py").run()
    next(b for b in at.button if b.key == f"jobs_cancel_job_{waiting}").click().run()
    assert not at.exception and _status(team, waiting) == "cancelled"
    at = log_in(app(db_path, monkeypatch), "rita", PASSWORD)
    at.switch_page("app_pages/imports.py").run()  # rita learns why her later import never ran
    assert "cancelled by boss before it started" in " ".join(w.value for w in at.warning)


def test_a_running_job_shows_its_rate_and_time_left(team, db_path, monkeypatch):
    job_id = jobs.submit(team, "rita", "match")
    jobs.start(team, job_id)
    team.execute("UPDATE jobs SET started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 seconds') WHERE id = ?",
                 [job_id])
    team.conn.commit()
    jobs.record_progress(team, job_id, 500, total=2000, detail="claims")
    at = log_in(app(db_path, monkeypatch), "rita", PASSWORD)
    at.switch_page("app_pages/jobs.py").run()
    assert not at.exception
    text = page_text(at)
    # 500 in ~100 s: ~5 per second, 1,500 left: ~5 minutes
    assert "500 of 2,000 claims" in text and "about 5 min left" in text
    jobs.record_progress(team, job_id, 2000)  # every record done: what is left is the end of the job, not 0 s
    at.run()
    assert "2,000 of 2,000 claims" in page_text(at) and "finishing up" in page_text(at)
