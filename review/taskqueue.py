"""The task queues (huey): background jobs beside the database, and analysis work for workers anywhere.

* **Jobs** (imports from the dashboard, pending matching, pending embedding) go through a huey ``SqliteHuey``
  queue in a file next to the database (``tabayyun.db`` → ``tabayyun-queue.db``): no server to run. A job is an
  id; its state lives in the database's ``jobs`` table (``review.jobs``), and ``python -m review worker`` (started
  and stopped by ``scripts/run.sh``) runs it with ``review.job_runner``.
* **Analysis** (the pure stages of an import: language, sentence scoring, index analysis; and the encoder calls
  of the embedding job) goes to worker processes through the queue named by ``$TABAYYUN_ANALYSIS_QUEUE`` when
  it is set: ``redis://host:port/n`` (huey's
  ``RedisHuey``, so workers can run on other machines: ``python -m review analysis-worker``) or a file path
  (``SqliteHuey``, workers on this machine). The single writer sends batches and stores the results in file order,
  so the database is the same as after a serial import. Unset (the default), an import uses a local process pool.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

ANALYSIS_QUEUE_ENV = "TABAYYUN_ANALYSIS_QUEUE"
ANALYSIS_CHUNK = 10  # articles per analysis task: a batch of 50 is shared by up to 5 workers
EMBED_CHUNK = 4  # texts per embedding task: a batch of 16 is shared by up to 4 workers
ANALYSIS_TIMEOUT_S = 600.0  # no analysis worker answered in this long: the import fails with a clear message
WORKER_THREADS = 2  # a long embedding job must not hold up an import queued after it
POLL_MAX_S = 1.0  # the longest a queued job waits for a worker to look


class AnalysisUnavailable(Exception):
    """No usable analysis worker answered: none running, all stuck, or one with another encoder version."""


def queue_file(db_path: str | os.PathLike) -> Path:
    """The job queue's SQLite file beside the database."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}-queue.db")


@lru_cache(maxsize=None)
def job_queue(db_path: str) -> Huey:
    """The huey instance for ``db_path``'s jobs, with its one task registered."""
    huey = SqliteHuey("tabayyun-jobs", filename=str(queue_file(db_path)), results=False)
    huey.run_job = huey.task(name="run_job")(_run_job)  # calling it enqueues
    return huey


def _run_job(db_path: str, job_id: int) -> None:
    from review import job_runner  # the runner imports the whole import pipeline: only workers need it

    job_runner.run(db_path, job_id)


def enqueue_job(db_path: str | os.PathLike, job_id: int) -> None:
    """Hand job ``job_id`` (already recorded by ``review.jobs.submit``) to the worker."""
    job_queue(str(db_path)).run_job(str(db_path), job_id)


def run_worker(db_path: str | os.PathLike, *, threads: int = WORKER_THREADS) -> None:
    """Run the job consumer until SIGINT/SIGTERM (the caller registers and recovers jobs first)."""
    consumer = job_queue(str(db_path)).create_consumer(workers=threads, worker_type="thread", periodic=False,
                                                       max_delay=POLL_MAX_S, check_worker_health=True)
    consumer.run()


# --- analysis workers -------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def analysis_queue(url: str) -> Huey:
    """The huey instance for analysis tasks at ``url`` (redis://… or a SQLite file path)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey("tabayyun-analysis", url=url)
    else:
        huey = SqliteHuey("tabayyun-analysis", filename=url)
    huey.prepare = huey.task(name="prepare")(_prepare_many)  # calling it enqueues
    huey.embed = huey.task(name="embed")(_embed_many)
    return huey


def _prepare_many(jobs: list) -> list:
    from review.importing import prepare_job  # the pipeline is imported by workers only when they work

    return [prepare_job(job) for job in jobs]


def _embed_many(texts: list[str], is_query: bool) -> tuple[str, bytes]:
    from review.matching import encoder  # the model loads in the worker that embeds, once

    vecs = (encoder.embed_queries if is_query else encoder.embed_passages)(texts)
    return encoder.MODEL, vecs.astype("float32").tobytes()


def analysis_url() -> str | None:
    """The analysis queue an import should use, or None for a local process pool."""
    return os.environ.get(ANALYSIS_QUEUE_ENV) or None


def _fan_out(task: Any, items: Sequence[Any], chunk: int, *args: Any) -> list:
    """Enqueue ``task`` on consecutive chunks of ``items`` (workers take them in parallel); returns their results."""
    return [task(list(items[at:at + chunk]), *args) for at in range(0, len(items), chunk)]


def _answers(results: list, queue: str, timeout: float) -> Iterator[Any]:
    """Each task's return value, in order, waiting for the workers (polled every 50 ms at most)."""
    for result in results:
        answer = result.get(blocking=True, timeout=timeout, backoff=1.3, max_delay=0.05)
        if answer is None:
            raise AnalysisUnavailable(f"no analysis worker on {queue} answered in {timeout:.0f} s")
        yield answer


class RemoteAnalysis:
    """``submit(jobs)`` → a handle whose ``get()`` returns the prepared articles in order, computed by whichever
    analysis workers listen on the queue (the interface ``importing._batches`` expects of a pool)."""

    def __init__(self, url: str, *, chunk: int = ANALYSIS_CHUNK, timeout: float = ANALYSIS_TIMEOUT_S) -> None:
        self.huey, self.chunk, self.timeout = analysis_queue(url), chunk, timeout

    def submit(self, jobs: Sequence[Any]) -> Callable[[], list]:
        results = _fan_out(self.huey.prepare, jobs, self.chunk)
        return lambda: [prepared for part in _answers(results, self.huey.name, self.timeout) for prepared in part]


class RemoteEmbedding:
    """The embedding job's encoder calls, computed by the analysis workers on the queue at ``url`` (another machine,
    a GPU box): a batch is split into chunks that workers embed in parallel; the vectors come back in order and
    must be of this process's model (a worker running another version is refused, never mixed in)."""

    def __init__(self, url: str, *, chunk: int = EMBED_CHUNK, timeout: float = ANALYSIS_TIMEOUT_S) -> None:
        self.huey, self.chunk, self.timeout = analysis_queue(url), chunk, timeout

    def __call__(self, texts: Sequence[str], is_query: bool) -> Any:
        import numpy as np

        from review.matching import encoder
        parts = [np.zeros((0, encoder.DIM), dtype=np.float32)]
        for model, blob in _answers(_fan_out(self.huey.embed, texts, self.chunk, is_query), self.huey.name,
                                    self.timeout):
            if model != encoder.MODEL:
                raise AnalysisUnavailable(f"an analysis worker embeds with {model}, not {encoder.MODEL}: upgrade it")
            parts.append(np.frombuffer(blob, dtype=np.float32).reshape(-1, encoder.DIM))
        return np.concatenate(parts)


def run_analysis_worker(url: str, *, processes: int) -> None:
    """Run analysis workers (one process each) on the queue at ``url`` until SIGINT/SIGTERM."""
    consumer = analysis_queue(url).create_consumer(workers=processes, worker_type="process", periodic=False,
                                                   max_delay=0.1, initial_delay=0.01)
    consumer.run()
