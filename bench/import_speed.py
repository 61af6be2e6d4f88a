"""Import SaudiNewsNet (31k real Arabic articles): articles/s and peak memory, against a raw-insert baseline.

Usage: python bench/import_speed.py [--limit N] [--profile] [--desk] [--stages] [--redis] [--vectors]
Baseline (same run, same machine): gzip + json.loads + sqlite-utils insert_all of the raw records into a
plain table — no validation, normalisation, dedup, claims or indexing: the floor any importer pays.
Each measurement runs in a fresh child process so peak RSS is its own. The last row runs the pure stages
(language, sentence scoring, index analysis) in 2 worker processes feeding the one writer.

--stages: the cost per article of each stage (parse, hash lookup, prepare = language + sentence scoring + index
analysis, write = store + index + suggestions, claims index at the end), and the rate they predict with 1, 2 and
16 worker processes: the prepare stage divides by the workers, the writer (parse + lookup + write) does not.

--vectors: the import, then the embedding job for what it brought (claims, titles, first windows): articles/s,
texts/s and the share of each.

--redis: the import with its analysis sent through a local Redis (redis-server from Debian) to two
`python -m review analysis-worker` processes; checks the database is row for row the serial import's.

--desk: a reviewer's action (a comment: one write transaction + audit event) every 0.1 s while the full import
runs in another process; latency p50/p95/max with imports committed in batches (today) against the same import
in one transaction per file (baseline, as before the batches), in the same run.
"""
from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "saudinewsnet" / "corpus.jsonl.gz"


def _limited(path: Path, limit: int | None, tmp: Path) -> Path:
    if not limit:
        return path
    out = tmp / f"first-{limit}.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as src, gzip.open(out, "wt", encoding="utf-8") as dst:
        for n, line in enumerate(src):
            if n >= limit:
                break
            dst.write(line)
    return out


def run_baseline(path: Path, db_file: Path, queue: mp.Queue) -> None:
    from sqlite_utils import Database
    start = time.perf_counter()
    db = Database(db_file)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = (json.loads(line) for line in handle)
        db["raw"].insert_all(records, batch_size=1000)
    n = db["raw"].count
    queue.put({"n": n, "seconds": time.perf_counter() - start,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def run_import(path: Path, db_file: Path, profile: bool, claims: bool, queue: mp.Queue,
               index: bool = True, workers: int = 1) -> None:
    from db import open_db
    from review.importing import import_file
    if not index:  # breakdown only: what parse + store cost without the matching index and suggestions
        from review import coverage, matching
        from review import importing
        matching.index_items = matching.index_claims = lambda db, ids, **options: None
        importing.analyse_item = lambda title, body: None  # the index analysis moved into the prepare stage
        matching.suggest_for_items = coverage.match_claims_now = lambda db, ids: 0
    db = open_db(db_file)
    start = time.perf_counter()
    if profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        result = prof.runcall(import_file, db, path, skip_invalid=True, claims=claims, workers=workers)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        result = import_file(db, path, skip_invalid=True, claims=claims, workers=workers)
    seconds = time.perf_counter() - start
    assert result.ok, result.error
    queue.put({"n": result.imported + result.duplicates, "imported": result.imported,
               "skipped": len(result.skipped), "claims": result.claims, "seconds": seconds,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "db_mb": db_file.stat().st_size / 2**20})


def run_import_parallel(path: Path, db_file: Path, profile: bool, claims: bool, queue: mp.Queue) -> None:
    run_import(path, db_file, profile, claims, queue, workers=2)


def run_coverage_parallel(path: Path, db_file: Path, profile: bool, claims: bool, queue: mp.Queue) -> None:
    run_import(path, db_file, profile, False, queue, workers=2)


def run_import_bare(path: Path, db_file: Path, profile: bool, claims: bool, queue: mp.Queue) -> None:
    run_import(path, db_file, profile, claims, queue, index=False)


def run_desk_import(path: Path, db_file: Path, batch_size: int) -> None:
    from db import open_db
    from review.importing import import_file
    result = import_file(open_db(db_file), path, skip_invalid=True, batch_size=batch_size)
    assert result.ok, result.error


def desk_latency(path: Path, db_file: Path, batch_size: int) -> dict:
    """Comment on a claim every 0.1 s while another process imports ``path``; latencies in ms."""
    from db import open_db
    from review import claim_actions, reviewing, users
    db = open_db(db_file)
    users.add_user(db, None, "rana", "a long enough password", "reviewer")
    claim_id = claim_actions.add_claim(db, "rana", "قال الوزير إن 22 ألف وثيقة تسربت من الوزارة")["id"]
    proc = mp.Process(target=run_desk_import, args=(path, db_file, batch_size))
    start = time.perf_counter()
    proc.start()
    latencies, failed, slow = [], 0, []
    while proc.is_alive():
        began = time.perf_counter()
        try:
            reviewing.add_comment(db, "rana", claim_id, f"note {len(latencies)}")
        except sqlite3.OperationalError:  # "database is locked" after the busy timeout and retries
            failed += 1
        latencies.append((time.perf_counter() - began) * 1000)
        if latencies[-1] > 1000:
            slow.append((round(began - start, 1), round(latencies[-1])))
        time.sleep(0.1)
    proc.join()
    seconds = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return {"n": len(latencies), "failed": failed, "p50": pick(0.5), "p95": pick(0.95), "max": latencies[-1],
            "seconds": seconds, "slow": slow}


def desk(path: Path, tmp: Path) -> None:
    from review.importing import BATCH_ITEMS
    print(f"reviewer action latency while importing {path.name} (a comment every 0.1 s)")
    print(f"{'import mode':<44}{'actions':>9}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'import s':>10}")
    for label, size in ((f"batches of {BATCH_ITEMS} articles (today)", BATCH_ITEMS),
                        ("one transaction per file (baseline)", 10**9)):
        r = desk_latency(path, tmp / f"desk-{size}.db", size)
        print(f"{label:<44}{r['n']:>9,}{r['failed']:>8,}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['max']:>9.0f}{r['seconds']:>10.1f}")
        print(f"    actions over 1 s (seconds into the import, ms): {r['slow'] or 'none'}")


def run_stages(path: Path, db_file: Path, queue: mp.Queue) -> None:
    """Each stage of the import timed on its own, serially, in this process."""
    from itertools import islice

    from db import open_db
    from db.connection import write_transaction
    from review import importing
    from review.ingest import iter_articles
    db = open_db(db_file)
    costs = dict.fromkeys(("parse", "lookup", "prepare", "write", "claims index"), 0.0)
    result = importing.FileResult(path=str(path))
    articles = iter_articles(path, "auto", on_error=result.skipped.append)
    n = 0
    while True:
        began = time.perf_counter()
        raw = list(islice(articles, importing.BATCH_ITEMS))
        costs["parse"] += time.perf_counter() - began
        if not raw:
            break
        n += len(raw)
        began = time.perf_counter()
        jobs = importing._jobs(db, raw, True)  # noqa: SLF001 - the stage itself
        costs["lookup"] += time.perf_counter() - began
        began = time.perf_counter()
        batch = [importing.prepare_job(job) for job in jobs]
        costs["prepare"] += time.perf_counter() - began
        began = time.perf_counter()
        with write_transaction(db):
            importing.store_batch(db, batch, result)
        costs["write"] += time.perf_counter() - began
    began = time.perf_counter()
    for at in range(0, len(result.claim_ids), importing.CLAIMS_INDEX_BATCH):
        terms = importing._claim_terms(db, result, result.claim_ids[at:at + importing.CLAIMS_INDEX_BATCH])  # noqa: SLF001
        with write_transaction(db):
            importing.write_claim_terms(db, terms)
    costs["claims index"] = time.perf_counter() - began
    queue.put({"n": n, "costs": costs})


def run_vectors(path: Path, db_file: Path, queue: mp.Queue) -> None:
    """The full import, then the embedding job for what it brought (claims, titles, first windows): where the time
    of an import with vectors goes."""
    from db import open_db
    from review import embedding
    from review.importing import import_file
    db = open_db(db_file)
    start = time.perf_counter()
    result = import_file(db, path, skip_invalid=True)
    imported = time.perf_counter() - start
    done = embedding.embed_pending(db, max_ord=0)
    embedded = time.perf_counter() - start - imported
    queue.put({"n": result.imported + result.duplicates, "import_s": imported, "embed_s": embedded, **done,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "db_mb": db_file.stat().st_size / 2**20})


def vectors(path: Path, tmp: Path) -> None:
    r = _in_child(run_vectors, path, tmp / "vectors.db")
    total = r["import_s"] + r["embed_s"]
    print(f"import with vectors, {r['n']:,} articles of {path.name} (vectors for claims, titles and first windows)")
    print(f"  lexical import     {r['import_s']:>8.1f} s  {r['n'] / r['import_s']:>7.1f} articles/s  "
          f"{r['import_s'] / total:.0%} of the time")
    print(f"  embedding job      {r['embed_s']:>8.1f} s  {r['claims']:,} claims + {r['passages']:,} passages = "
          f"{(r['claims'] + r['passages']) / r['embed_s']:.1f} texts/s  {r['embed_s'] / total:.0%} of the time")
    print(f"  together           {total:>8.1f} s  {r['n'] / total:>7.1f} articles/s  "
          f"{r['passages'] / total:.1f} passages/s; peak {r['peak_mb']:.0f} MB, database {r['db_mb']:.0f} MB")


def stages(path: Path, tmp: Path) -> None:
    r = _in_child(run_stages, path, tmp / "stages.db")
    n, costs = r["n"], r["costs"]
    print(f"stage costs, {n:,} articles of {path.name} (serial, one process)")
    print(f"{'stage':<16}{'seconds':>9}{'ms/article':>12}{'share':>8}   runs in")
    total = sum(costs.values())
    where = {"prepare": "workers"}
    for stage, seconds in costs.items():
        print(f"{stage:<16}{seconds:>9.1f}{seconds / n * 1000:>12.2f}{seconds / total:>8.0%}   "
              f"{where.get(stage, 'the writer')}")
    writer = total - costs["prepare"]
    print(f"predicted rate (articles/s) = n / max(writer {writer:.1f} s, prepare {costs['prepare']:.1f} s / workers):")
    for workers in (1, 2, 4, 8, 16):
        seconds = max(writer, costs["prepare"] / workers) if workers > 1 else total
        print(f"  {workers:>2} worker(s): {n / seconds:>7,.0f}")
    print(f"  the writer alone caps it at {n / writer:,.0f}/s, whatever the number of workers")


def redis_demo(path: Path, tmp: Path, serial: dict | None = None) -> None:
    """The import with analysis workers behind Redis, against the serial import, row by row."""
    import os
    import shutil
    import subprocess

    from tests.browser import free_port
    from tests.test_parallel_import import _dump
    if not shutil.which("redis-server"):
        raise SystemExit("--redis needs redis-server (apt-get install redis-server)")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
    workers = []
    try:
        import redis
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        for n in range(2):  # two separate worker processes, as two machines would run them
            log = (tmp / f"analysis-worker-{n}.log").open("w")
            workers.append(subprocess.Popen([sys.executable, "-m", "review", "analysis-worker", "--queue", url,
                                             "--processes", "1"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
        serial = serial or _in_child(run_import, path, tmp / "tabayyun.db", False, True)
        os.environ["TABAYYUN_ANALYSIS_QUEUE"] = url
        try:
            remote = _in_child(run_import, path, tmp / "redis.db", False, True)
        finally:
            del os.environ["TABAYYUN_ANALYSIS_QUEUE"]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    executed = sum((tmp / f"analysis-worker-{n}.log").read_text().count(" executed in ") for n in range(2))
    a, b = _dump(tmp / "tabayyun.db"), _dump(tmp / "redis.db")
    same = [t for t in a if a[t] == b[t]]
    print(f"{'import, serial (baseline)':<44}{serial['n']:>9,}{serial['seconds']:>9.1f}"
          f"{serial['n'] / serial['seconds']:>9,.0f}{serial['peak_mb']:>9.0f}")
    print(f"{'import, analysis via Redis, 2 worker procs':<44}{remote['n']:>9,}{remote['seconds']:>9.1f}"
          f"{remote['n'] / remote['seconds']:>9,.0f}{remote['peak_mb']:>9.0f}  (writer)")
    print(f"analysis tasks executed by the workers: {executed}; tables identical to the serial import: "
          f"{len(same)}/{len(a)} ({', '.join(t for t in a if t not in same) or 'all'} differ)"
          if len(same) < len(a) else
          f"analysis tasks executed by the workers: {executed}; tables identical to the serial import: "
          f"{len(same)}/{len(a)} (rows: {sum(len(v) for v in a.values()):,})")


def _in_child(target, *args) -> dict:
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=target, args=(*args, queue))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed (exit code {proc.exitcode})")
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="only the first N records")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    parser.add_argument("--desk", action="store_true", help="measure a reviewer's action latency during the import")
    parser.add_argument("--stages", action="store_true", help="cost per stage and the rate it predicts per workers")
    parser.add_argument("--redis", action="store_true", help="analysis through Redis, checked against serial")
    parser.add_argument("--vectors", action="store_true", help="the import, then its embedding job: where time goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        path = _limited(CORPUS, args.limit, tmp)
        if args.desk:
            return desk(path, tmp)
        if args.stages:
            return stages(path, tmp)
        if args.vectors:
            return vectors(path, tmp)
        if args.redis:
            print(f"corpus: {path.name}")
            print(f"{'what':<44}{'records':>9}{'seconds':>9}{'rec/s':>9}{'peak MB':>9}")
            return redis_demo(path, tmp)
        base = _in_child(run_baseline, path, tmp / "baseline.db")
        bare = _in_child(run_import_bare, path, tmp / "bare.db", args.profile, False)
        store = _in_child(run_import, path, tmp / "store.db", args.profile, False)
        store_par = _in_child(run_coverage_parallel, path, tmp / "store-parallel.db", args.profile, False)
        ours = _in_child(run_import, path, tmp / "tabayyun.db", args.profile, True)
        par = _in_child(run_import_parallel, path, tmp / "parallel.db", args.profile, True)
    print(f"corpus: {path.name}")
    print(f"{'what':<44}{'records':>9}{'seconds':>9}{'rec/s':>9}{'peak MB':>9}")
    print(f"{'baseline: raw json → insert_all':<44}{base['n']:>9,}{base['seconds']:>9.1f}"
          f"{base['n'] / base['seconds']:>9,.0f}{base['peak_mb']:>9.0f}")
    print(f"{'parse + store only (no claims, no index)':<44}{bare['n']:>9,}{bare['seconds']:>9.1f}"
          f"{bare['n'] / bare['seconds']:>9,.0f}{bare['peak_mb']:>9.0f}")
    print(f"{'import --coverage-only (parse+store+index)':<44}{store['n']:>9,}{store['seconds']:>9.1f}"
          f"{store['n'] / store['seconds']:>9,.0f}{store['peak_mb']:>9.0f}")
    print(f"{'import --coverage-only, 2 workers + writer':<44}{store_par['n']:>9,}{store_par['seconds']:>9.1f}"
          f"{store_par['n'] / store_par['seconds']:>9,.0f}{store_par['peak_mb']:>9.0f}")
    print(f"{'import (parse+store+index+claims)':<44}{ours['n']:>9,}{ours['seconds']:>9.1f}"
          f"{ours['n'] / ours['seconds']:>9,.0f}{ours['peak_mb']:>9.0f}")
    print(f"{'import, 2 worker processes + 1 writer':<44}{par['n']:>9,}{par['seconds']:>9.1f}"
          f"{par['n'] / par['seconds']:>9,.0f}{par['peak_mb']:>9.0f}  (writer; workers not counted)")
    print(f"imported {ours['imported']:,}, skipped invalid {ours['skipped']}, claims {ours['claims']:,}, "
          f"database {ours['db_mb']:.0f} MB; cost vs baseline ×{ours['seconds'] / base['seconds']:.1f}")


if __name__ == "__main__":
    main()
