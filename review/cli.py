"""`python -m review`: the command line. Each command parses, calls one use case, prints."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import json
import sqlite3
import sys
import time
from dataclasses import asdict
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlite_utils import Database

from db import open_db, resolve_db_path
from db import queries
from review import claim_actions, coverage, embedding, job_runner, jobs, taskqueue, users
from review.matching import encoder
from review.checkworthy import score_batch
from review.backup import BackupError, backup
from review.errors import ReviewError
from review.export import cli_export
from review.organisation import get_organisation, save_organisation
from review.export import FORMATS as EXPORT_FORMATS
from review.importing import import_files
from review.workflow import ROLES, STATUSES
from review.ingest import FORMATS, expand_paths
from review.importing import database_problem
from review.samples import load_samples_once

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 2."""


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False))


class _Progress:
    """A one-line progress counter on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label, self.start, self.enabled = label, time.monotonic(), sys.stderr.isatty()

    def __call__(self, n: int) -> None:
        if self.enabled:
            rate = n / max(time.monotonic() - self.start, 1e-6)
            sys.stderr.write(f"\r{self.label}: {n:,} records ({rate:,.0f}/s)")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def cmd_init(db: Database, args: argparse.Namespace) -> int:
    """Create the database or bring it up to the newest schema; optionally load the samples once."""
    print(f"Database ready: {args.db_path}")
    if args.samples:
        results = load_samples_once(db, actor="system")
        for r in results:
            print(f"  sample {Path(r.path).name}: " + (f"FAILED {r.error}" if r.error else
                  f"{r.imported} items, {r.claims} claims"))
        if any(not r.ok for r in results):
            return EXIT_FAILED
    return EXIT_OK


def cmd_import(db: Database, args: argparse.Namespace) -> int:
    """Import files and folders (walked for known formats); exit 1 when any file failed."""
    paths, skipped_files = expand_paths(args.paths)
    if not args.json:
        for path in skipped_files:
            print(f"not imported (not a news format): {path}", file=sys.stderr)
    if not paths:
        raise CliError("no importable files (jsonl, csv, rss/atom/xml, html, txt pages, optionally .gz) in "
                       + ", ".join(args.paths))
    results = []
    for path in paths:
        progress = _Progress(str(path))
        results.extend(import_files(db, [path], fmt=args.format, actor=args.actor, progress=progress,
                                    skip_invalid=args.skip_invalid, claims=not args.coverage_only,
                                    workers=args.workers))
        progress.done()
    failed = [{"path": r.path, "line": r.error.line, "error": r.error.problem} for r in results if r.error]
    summary = {
        "imported": sum(r.imported for r in results),
        "duplicates": sum(r.duplicates for r in results),
        "claims": sum(r.claims for r in results),
        "failed": failed,
        "skipped": [{"path": r.path, "line": e.line, "error": e.problem} for r in results for e in r.skipped],
        "not_imported": [str(p) for p in skipped_files],
    }
    if args.json:
        _print_json(summary)
    else:
        for r in results:
            if r.error:
                print(f"FAILED {r.error}", file=sys.stderr)
            else:
                print(f"{r.path}: {r.imported} imported, {r.duplicates} duplicates, {r.claims} new claims")
                for e in r.skipped:
                    print(f"  skipped {e}", file=sys.stderr)
        print(f"Total: {summary['imported']} imported, {summary['duplicates']} duplicates, "
              f"{len(failed)} failed file(s)")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_items(db: Database, args: argparse.Namespace) -> int:
    """List items, newest first."""
    rows = queries.list_items(db, kind=args.kind, limit=args.limit)
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['id']:>6}  {r['kind']:<9} {r['published'] or '':<10}  {r['outlet'] or '':<16.16}  {r['title'][:80]}")
    return EXIT_OK


def cmd_claims(db: Database, args: argparse.Namespace) -> int:
    """List claims by triage priority, or add one by hand (`claims add`)."""
    if args.claims_command == "add":
        added = claim_actions.add_claim(db, None, args.text, item_id=args.item)
        if args.json:
            _print_json(added)
        else:
            print(f"{'added' if added['created'] else 'already known, appearance added to'} claim {added['id']} "
                  f"(score {added['score']:.2f}: {', '.join(added['signals']) or 'no signals'})")
        return EXIT_OK
    found = queries.list_claims(db, status=args.status, min_score=args.min_score, limit=args.limit)
    out = [{"id": c["id"], "text": c["text"], "score": c["score"], "signals": json.loads(c["signals"]),
            "status": c["status"], "item_id": c["item_id"], "item_title": c["item_title"], "outlet": c["outlet"],
            "published": c["published"], "appearances": c["appearances"]} for c in found]
    if args.json:
        _print_json(out)
    for c in [] if args.json else out:
        print(f"{c['id']:>6}  {c['score']:.2f}  {c['status']:<16} {c['appearances']:>3}×  {c['text'][:90]}")
    return EXIT_OK


def _jsonl_records(path: str, required: tuple[str, ...]):
    """Parse a JSONL batch file (or '-' for stdin); CliError naming the line on bad input."""
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CliError(f"{path}:{n}: invalid JSON ({exc.msg})") from None
            if not isinstance(record, dict) or any(k not in record for k in required):
                raise CliError(f"{path}:{n}: each line must be an object with {', '.join(required)}")
            if not isinstance(record["text"], str):
                raise CliError(f"{path}:{n}: text must be a string")
            yield record


def cmd_checkworthy(db: Database, args: argparse.Namespace) -> int:
    """Score each line of a JSONL batch as one sentence."""
    records = list(_jsonl_records(args.batch, ("id", "text")))  # validate the whole file before printing
    for scored in score_batch(records):
        print(json.dumps({"id": scored["id"], "score": round(scored["score"], 4)}, ensure_ascii=False))
    return EXIT_OK


def cmd_match(db: Database, args: argparse.Namespace) -> int:
    """Ad-hoc coverage lookup for one text or a JSONL batch; or match the pending claims."""
    if args.pending:
        progress = _Progress("pending claims")
        done, links = coverage.match_pending(db, progress=progress)
        progress.done()
        print(f"matched {done} pending claims, {links} coverage links suggested")
        return EXIT_OK
    if bool(args.text) == bool(args.batch):
        raise CliError("give either TEXT or --batch FILE (or --pending)")
    queries_in = _jsonl_records(args.batch, ("id", "text")) if args.batch else [{"id": None, "text": args.text}]
    records = [(r["id"], r["text"]) for r in queries_in]  # validate the whole batch before printing
    for result in coverage.lookup(db, records, limit=args.limit):
        if args.batch or args.json:
            slim = [{k: r[k] for k in ("item_id", "source_id", "title", "outlet", "published", "score", "method")}
                    for r in result["results"]]
            print(json.dumps({"id": result["id"], "results": slim} if args.batch else slim, ensure_ascii=False))
        else:
            for r in result["results"]:
                print(f"{r['score']:.2f}  #{r['item_id']:<6} {r['outlet'] or '':<14.14} {r['published'] or '':<10} "
                      f"{r['title'][:80]}")
    return EXIT_OK


def cmd_embed(db: Database, args: argparse.Namespace) -> int:
    """Embed claims and passages that have no vector yet (background job), or report what is pending."""
    todo = embedding.pending(db)
    if not args.pending:
        print(f"pending: {todo['claims']} claims, {todo['passages']} passages (model {encoder.MODEL}); "
              "run `embed --pending` to embed them")
        return EXIT_OK
    if args.prune_other_models:
        print(f"removed {embedding.ensure_model_current(db)} vectors of other models")
    start = time.monotonic()

    def progress(what: str, done: int, total: int) -> None:
        rate = done / max(time.monotonic() - start, 1e-6)
        print(f"{what}: {done:,}/{total:,} ({rate:,.1f}/s)", file=sys.stderr, flush=True)

    try:
        done = embedding.embed_pending(db, limit=args.limit, max_ord=args.max_ord, progress=progress)
    except embedding.EmbeddingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"embedded {done['claims']} claims and {done['passages']} passages in {time.monotonic() - start:.1f} s, "
          f"{done['links']} coverage links suggested")
    return EXIT_OK


def _log_to_stderr() -> None:
    """Workers log what they run (huey: each task, its time, its errors) to stderr, which run.sh keeps in a file."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def cmd_worker(db: Database, args: argparse.Namespace) -> int:
    """Run background jobs (dashboard imports, pending matching and embedding) until stopped."""
    db_path = str(args.db_path)
    _log_to_stderr()
    jobs.register_worker(db)
    try:
        jobs.recover(db)  # jobs whose last worker stopped mid-job are queued again
        for job_id in jobs.queued(db):  # handed to the queue again: one already in it finds itself taken and skips
            taskqueue.enqueue_job(db_path, job_id)
        if args.pending:
            job_runner.queue_follow_up(db, db_path)
        print(f"worker: running jobs for {db_path} with {args.threads} thread(s); queue "
              f"{taskqueue.queue_file(db_path)}", file=sys.stderr, flush=True)
        taskqueue.run_worker(db_path, threads=args.threads)
    finally:
        jobs.unregister_worker(db)
    return EXIT_OK


def cmd_analysis_worker(_db: None, args: argparse.Namespace) -> int:
    """Run analysis worker processes for imports on another machine's (or this one's) queue."""
    url = args.queue or taskqueue.analysis_url()
    if not url:
        raise CliError(f"give --queue redis://host:port/0 (or set {taskqueue.ANALYSIS_QUEUE_ENV})")
    _log_to_stderr()
    print(f"analysis worker: {args.processes} process(es) on {url}", file=sys.stderr, flush=True)
    taskqueue.run_analysis_worker(url, processes=args.processes)
    return EXIT_OK


def cmd_jobs(db: Database, args: argparse.Namespace) -> int:
    """List background jobs, or queue pending matching/embedding, or cancel one (admin)."""
    if args.cancel:
        if not args.actor:
            raise CliError("--cancel needs --actor NAME (an admin's user name, recorded in the audit trail)")
        print(f"job {args.cancel}: {jobs.request_cancel(db, args.actor, args.cancel)}")
        return EXIT_OK
    if args.queue_pending:
        queued = job_runner.queue_follow_up(db, str(args.db_path))
        print(f"queued jobs: {', '.join(map(str, queued)) or 'none (nothing pending, or already queued)'}")
        return EXIT_OK
    rows = jobs.listing(db)
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for job in rows:
        total = f"/{job['total']:,}" if job["total"] is not None else ""
        print(f"#{job['id']} {job['kind']:<6} {job['status']:<9} {job['progress']:,}{total} by {job['actor']} "
              f"{job['created_at']} {job['error'] or ''}".rstrip())
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to prompt for a password: use --password-stdin")
    first = getpass.getpass(f"Password for {args.name}: ")
    if first != getpass.getpass("Repeat password: "):
        raise CliError("the passwords do not match")
    return first


def cmd_users(db: Database, args: argparse.Namespace) -> int:
    """Manage accounts from the command line (trusted: whoever can write the database file)."""
    if args.users_command == "add":
        user = users.add_user(db, None, args.name, _read_password(args), args.role)
        print(f"added {user.role} {user.name}")
    elif args.users_command == "list":
        found = users.list_users(db)
        if args.json:
            _print_json([{"name": u.name, "role": u.role, "active": u.active} for u in found])
        for u in [] if args.json else found:
            print(f"{u.name:<24} {u.role:<9} {'active' if u.active else 'disabled'}")
    elif args.users_command == "disable":
        print(f"disabled {users.disable_user(db, None, args.name).name}")
    elif args.users_command == "enable":
        print(f"enabled {users.enable_user(db, None, args.name).name}")
    elif args.users_command == "set-password":
        user = users.set_password(db, None, args.name, _read_password(args))
        print(f"password of {user.name} reset; their sessions have ended")
    elif args.users_command == "set-role":
        user = users.set_role(db, None, args.name, args.role)
        print(f"{user.name} is now {user.role}")
    return EXIT_OK


def cmd_export(db: Database, args: argparse.Namespace) -> int:
    """Write signed-off reviews as schema.org ClaimReview JSON-LD or CSV."""
    return cli_export(db, args.format, args.since, args.out, until=args.until, base_url=args.base_url,
                      publisher_name=args.publisher)


def cmd_organisation(db: Database, args: argparse.Namespace) -> int:
    """Show or set the organisation that publishes the verdicts."""
    current = asdict(get_organisation(db))
    if args.organisation_command == "set":
        given = {k: v for k, v in vars(args).items() if k in current and v is not None}
        current = asdict(save_organisation(db, None, {**current, **given}))
    _print_json(current)
    return EXIT_OK


def cmd_backup(db: Database, args: argparse.Namespace) -> int:
    """Write a consistent copy of the database."""
    path = backup(db, args.file)
    print(f"backup written to {path} ({path.stat().st_size:,} bytes)")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The full argparse tree; every command has --help."""
    parser = argparse.ArgumentParser(
        prog="python -m review",
        description="Tabayyun fact-checking review desk: import news, find claims, match coverage, review.",
    )
    parser.add_argument("--db", help="SQLite database file (default: $TABAYYUN_DB or data/tabayyun.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create the database or apply pending migrations")
    p.add_argument("--samples", action="store_true",
                   help="load the bundled samples if this database never had them")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="import news files (aggregator pages, HTML, JSONL, CSV, RSS/Atom)")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files or folders to import (folders are walked for the formats Tabayyun reads)")
    p.add_argument("--format", default="auto", choices=("auto", *FORMATS), help="input format (default: auto-detect)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.add_argument("--skip-invalid", action="store_true",
                   help="skip (and list) bad records of a feed instead of failing the whole file")
    p.add_argument("--coverage-only", action="store_true",
                   help="store the items as coverage to match against (an archive), without extracting claims")
    p.add_argument("--actor", default="cli", help="name recorded in the audit trail (default: cli)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes for parsing-side work (sentence scoring, index analysis); default: one per core "
                        "for files of 4 MB or more, else 1. The database ends up the same either way")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("items", help="list imported items")
    p.add_argument("--kind", choices=("article", "headline", "factcheck"), help="only this kind")
    p.add_argument("--limit", type=_positive_int, default=50, help="at most N rows (default 50)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_items)

    p = sub.add_parser("claims", help="list claims by triage priority; `claims add TEXT` adds one by hand")
    p.add_argument("--status", choices=STATUSES, help="only claims with this status")
    p.add_argument("--min-score", type=float, help="only claims with a check-worthiness score ≥ X")
    p.add_argument("--limit", type=_positive_int, default=50, help="at most N rows (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_claims, claims_command=None)
    claims_sub = p.add_subparsers(dest="claims_command", metavar="ACTION")
    q = claims_sub.add_parser("add", help="add a claim by hand")
    q.add_argument("text", metavar="TEXT", help="the claim")
    q.add_argument("--item", type=int, help="id of the item it appears in")
    q.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("checkworthy", help="score sentences for check-worthiness")
    p.add_argument("--batch", required=True, metavar="FILE.jsonl",
                   help='lines {"id", "text", "language"}; "-" reads standard input')
    p.add_argument("--json", action="store_true", help="JSON lines output (the only format; kept for symmetry)")
    p.set_defaults(func=cmd_checkworthy)

    p = sub.add_parser("match", help="find the coverage of a text, a JSONL batch, or the pending claims")
    p.add_argument("text", nargs="?", metavar="TEXT", help="the claim or text to look up")
    p.add_argument("--batch", metavar="QUERIES.jsonl", help='lines {"id", "text"}; "-" reads standard input')
    p.add_argument("--pending", action="store_true",
                   help="match every claim a bulk import left pending against all items")
    p.add_argument("--limit", type=_positive_int, default=10, help="results per query (default 10)")
    p.add_argument("--json", action="store_true", help="JSON output (one line per query with --batch)")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("embed", help="embed claims and article passages for cross-language and meaning matching")
    p.add_argument("--pending", action="store_true", help="embed everything without a vector (claims first, "
                   "then titles, leads, deeper passages); without it, only report what is pending")
    p.add_argument("--limit", type=_positive_int, default=None, help="stop after this many texts")
    p.add_argument("--max-ord", type=int, default=None, metavar="N",
                   help="embed passages up to this position only (0 = titles, 1 = + first body window)")
    p.add_argument("--prune-other-models", action="store_true",
                   help="first delete vectors made by another model (they are never mixed with the current one)")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("users", help="manage user accounts and roles")
    p.set_defaults(func=cmd_users)
    users_sub = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    q = users_sub.add_parser("add", help="add a user (password from a prompt or --password-stdin)")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=ROLES)
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    q = users_sub.add_parser("list", help="list users")
    q.add_argument("--json", action="store_true", help="print a JSON list")
    for action, text in (("disable", "disable a user (no login, no actions)"), ("enable", "re-enable a user")):
        q = users_sub.add_parser(action, help=text)
        q.add_argument("name")
    q = users_sub.add_parser("set-password", help="reset a user's password (prompt or --password-stdin); "
                             "ends their sessions and lifts a login lockout")
    q.add_argument("name")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    q = users_sub.add_parser("set-role", help="change a user's role")
    q.add_argument("name")
    q.add_argument("role", choices=ROLES)

    p = sub.add_parser("export", help="export signed-off reviews (schema.org ClaimReview JSON-LD or CSV)")
    p.add_argument("--format", default="claimreview", choices=EXPORT_FORMATS,
                   help="claimreview (JSON-LD, default) or csv (formula-safe, UTF-8 with BOM in files)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only reviews signed off on or after this date")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only reviews signed off on or before this date")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--base-url", help="public address of verdict pages for this export: a template with {id} "
                   "(https://site/checks/{id}) or a base the id is appended to (default: the organisation's)")
    p.add_argument("--publisher", help="publisher name for this export (default: the organisation's)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("organisation", help="show or set the publishing organisation used by exports")
    p.set_defaults(func=cmd_organisation)
    org_sub = p.add_subparsers(dest="organisation_command", required=True, metavar="ACTION")
    org_sub.add_parser("show", help="print the organisation as JSON")
    q = org_sub.add_parser("set", help="set the organisation (fields not given keep their value)")
    q.add_argument("--name", help="publisher name, e.g. the newsroom")
    q.add_argument("--url", help="the organisation's web site")
    q.add_argument("--verdict-url", help="public address of a verdict page: https://site/checks/{id}")
    q.add_argument("--logo-url", help="address of the organisation's logo")
    q.add_argument("--language", choices=("ar", "en"), help="default language of its reviews")

    p = sub.add_parser("backup", help="write a consistent copy of the database (safe while in use)")
    p.add_argument("file", metavar="FILE", help="where to write the copy")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("worker", help="run background jobs (dashboard imports, pending matching and embedding); "
                       "scripts/run.sh starts it beside the dashboard")
    p.add_argument("--threads", type=_positive_int, default=taskqueue.WORKER_THREADS,
                   help=f"jobs run at once (default {taskqueue.WORKER_THREADS})")
    p.add_argument("--pending", action="store_true", help="first queue the matching and embedding still to do")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("analysis-worker", help="analysis processes for imports, fed through a queue (Redis)")
    p.add_argument("--queue", help=f"redis://host:port/n or a queue file (default ${taskqueue.ANALYSIS_QUEUE_ENV})")
    p.add_argument("--processes", type=_positive_int, default=os.cpu_count() or 1,
                   help="worker processes (default: one per core)")
    p.set_defaults(func=cmd_analysis_worker, needs_db=False)  # it may run on a machine without the database

    p = sub.add_parser("jobs", help="list background jobs; queue pending work; cancel a job (admin)")
    p.add_argument("--json", action="store_true", help="print the jobs as JSON")
    p.add_argument("--queue-pending", action="store_true", help="queue the matching and embedding still to do")
    p.add_argument("--cancel", type=_positive_int, metavar="JOB", help="cancel a queued or running job")
    p.add_argument("--actor", help="with --cancel: the admin who cancels")
    p.set_defaults(func=cmd_jobs)
    return parser


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, open the database, run the command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.db_path = resolve_db_path(args.db)
    func: Callable[[Database, argparse.Namespace], int] = args.func
    if not getattr(args, "needs_db", True):
        try:
            return func(None, args)
        except CliError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.command == "init":
        args.db_path.parent.mkdir(parents=True, exist_ok=True)
    if not args.db_path.parent.is_dir():
        print(f"error: cannot open database {args.db_path}: the folder {args.db_path.parent} does not exist",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        db = open_db(args.db_path)
    except Exception as exc:  # noqa: BLE001 - any open failure is a user-facing message
        print(f"error: cannot open database {args.db_path}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return func(db, args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ReviewError, BackupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except sqlite3.Error as exc:  # disk full, read-only database: one line, no traceback
        print(f"error: {args.db_path}: {database_problem(exc)}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        db.close()
