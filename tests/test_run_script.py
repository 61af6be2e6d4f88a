"""`scripts/run.sh`: the job worker runs the background matching, leaves no zombie, and stops with the script."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[1]


def _descendants(pid: int) -> dict[int, str]:
    """{pid: state} of every process below ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    states: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        states[int(entry.name)] = fields[0]
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = states[child]
            todo.append(child)
    return found


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.read() == b"ok"
    except OSError:
        return False


def _query(db: Path, sql: str) -> list[tuple]:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.Error:  # not created yet, or being migrated
        return []


def test_run_script_runs_its_job_worker_and_stops_everything(tmp_path):
    port = free_port()
    db = tmp_path / "desk.db"
    env = {**os.environ, "TABAYYUN_DB": str(db), "TABAYYUN_ENCODER": "off", "PORT": str(port),
           "TABAYYUN_SECRET_KEY": "run-script-test"}
    proc = subprocess.Popen(["bash", "scripts/run.sh", "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(lambda: _healthy(f"http://127.0.0.1:{port}"), 180, "the dashboard")
        # the worker registered itself and ran the background matching the samples left (embedding is off)
        _wait_for(lambda: _query(db, "SELECT count(*) FROM job_workers") == [(1,)]
                  and _query(db, "SELECT status FROM jobs WHERE kind = 'match'") == [("done",)], 180,
                  "the worker to match the pending claims")
        assert _query(db, "SELECT count(*) FROM claims WHERE matched_at IS NULL") == [(0,)]
        assert (tmp_path / "jobs.log").exists()
        states = _descendants(proc.pid)
        assert "Z" not in states.values(), states  # no <defunct> child
        assert any("review worker" in _cmdline(p) for p in states) and any("streamlit" in _cmdline(p) for p in states)
        children = set(states)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in children), 30,
                  "every child to stop")
        assert _query(db, "SELECT count(*) FROM job_workers") == [(0,)]  # it said goodbye
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2:].split()[0]
    except OSError:
        return "gone"
