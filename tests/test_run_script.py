"""`scripts/run.sh`: the background matching job is reaped (no zombie) and everything stops with the script."""
from __future__ import annotations

import os
import signal
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


def test_run_script_reaps_its_background_job_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "TABAYYUN_DB": str(tmp_path / "desk.db"), "TABAYYUN_ENCODER": "off", "PORT": str(port),
           "TABAYYUN_SECRET_KEY": "run-script-test"}
    proc = subprocess.Popen(["bash", "scripts/run.sh", "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(lambda: _healthy(f"http://127.0.0.1:{port}"), 180, "the dashboard")
        log = tmp_path / "match-pending.log"
        # the background job (match, then embed: refused with the encoder off) ends while the dashboard serves
        _wait_for(lambda: log.exists() and not any("-m review" in _cmdline(p) for p in _descendants(proc.pid)), 180,
                  "the background job to finish")
        states = _descendants(proc.pid)
        assert "Z" not in states.values(), states  # reaped: no <defunct> child
        assert states  # the dashboard is running
        children = set(states)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in children), 30,
                  "every child to stop")
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
