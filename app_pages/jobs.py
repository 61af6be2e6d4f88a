"""Jobs: every queued, running and recent background job of the desk (imports from the dashboard, background
matching and embedding) and imports run from the command line, with progress, rate and time left."""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import streamlit as st

from app_pages.bidi import caption, html_line, iso, join_list, ltr, parse_stamp, time_label
from app_pages.common import current_user, get_db, run_safely, show_error
from app_pages.i18n import t
from db import queries
from review import coverage, embedding, import_runs, jobs
from review.errors import ReviewError

REFRESH_SECONDS = 3


def _elapsed(started: str | None, finished: str | None) -> float:
    if not started:
        return 0.001
    end = parse_stamp(finished) if finished else dt.datetime.now(dt.timezone.utc)
    return max((end - parse_stamp(started)).total_seconds(), 0.001)


def time_left(progress: int, total: int | None, seconds: float) -> float | None:
    """Seconds left at the rate so far, or None when the total is unknown or nothing is done yet."""
    if not total or progress <= 0 or seconds <= 0:
        return None
    return max(total - progress, 0) / (progress / seconds)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return t("jobs.seconds", n=ltr(f"{seconds:.0f}"))
    if seconds < 3600:
        return t("jobs.minutes", n=ltr(f"{seconds / 60:.0f}"))
    return t("jobs.hours", n=ltr(f"{seconds / 3600:.1f}"))


def _what(job: dict) -> str:
    if job["kind"] == "import":
        return t("jobs.what_import", files=join_list(f["name"] for f in job["params"].get("files", [])))
    return t(f"jobs.what_{job['kind']}")


def _cancel_button(key: str, cancel) -> None:
    if st.button(t("jobs.cancel"), key=key):
        db = get_db()
        try:
            cancel(db, current_user().name)
        except ReviewError as exc:
            show_error(exc)
        else:
            st.rerun()
        finally:
            db.close()


def _active_job(job: dict, admin: bool) -> None:
    with st.container(border=True):
        html_line("<strong>" + html.escape(t("jobs.job_title", id=ltr(f"#{job['id']}"), what=_what(job),
                                            who=iso(job["actor"]))) + "</strong>")
        if job["status"] == "queued":
            caption(t("jobs.queued_since", since=time_label(job["created_at"])))
        else:
            seconds = _elapsed(job["started_at"], None)
            done, total = job["progress"], job["total"]
            rate = done / seconds
            if total:
                st.progress(min(done / total, 1.0))
            unit = t(f"jobs.unit_{job['kind']}")
            line = t("jobs.progress_of" if total else "jobs.progress", n=ltr(f"{done:,}"),
                     total=ltr(f"{total or 0:,}"), unit=unit, rate=ltr(f"{rate:,.1f}" if rate < 10 else f"{rate:,.0f}"),
                     since=time_label(job["started_at"]), minutes=ltr(f"{seconds / 60:.1f}"))
            left = time_left(done, total, seconds)
            if left is not None:  # all records done: the end-of-file steps (claim index, follow-ups) are left
                line += " · " + (t("jobs.time_left", left=_duration(left)) if left >= 1 else t("jobs.finishing"))
            caption(line)
            if job["detail"]:
                caption(t("jobs.working_on", what=iso(job["detail"])))
        if job["cancel_requested_by"]:
            caption(t("jobs.cancelling", who=iso(job["cancel_requested_by"])))
        elif admin:
            _cancel_button(f"jobs_cancel_job_{job['id']}",
                           lambda db, who: jobs.request_cancel(db, who, job["id"]))


def _cli_import(run: dict, admin: bool) -> None:
    """An import started from the command line (not a job): its import run."""
    seconds = _elapsed(run["created_at"], None)
    with st.container(border=True):
        html_line("<strong>" + html.escape(t("jobs.import_running", file=iso(Path(run["path"]).name),
                                            who=iso(run["actor"]))) + "</strong>")
        caption(t("jobs.progress", n=ltr(f"{run['progress']:,}"), total="", unit=t("jobs.unit_import"),
                  rate=ltr(f"{run['progress'] / seconds:,.0f}"), since=time_label(run["created_at"]),
                  minutes=ltr(f"{seconds / 60:.1f}")))
        if run["cancel_requested_by"]:
            caption(t("jobs.cancelling", who=iso(run["cancel_requested_by"])))
        elif admin:
            _cancel_button(f"jobs_cancel_run_{run['id']}",
                           lambda db, who: import_runs.request_cancel(db, who, run["id"]))


def _outcome(job: dict) -> str:
    result = job["result"]
    if job["kind"] == "import" and isinstance(result, list):
        items = sum(r.get("imported", 0) for r in result)
        failed = sum(1 for r in result if not r["ok"])
        return t("jobs.outcome_import", items=items, files=len(result), failed=failed)
    if job["kind"] == "match" and result:
        return t("jobs.outcome_match", claims=result["claims"], links=result["links"])
    if job["kind"] == "embed" and result:
        return t("jobs.outcome_embed", claims=result["claims"], passages=result["passages"])
    return ""


@st.fragment(run_every=REFRESH_SECONDS)
def _live() -> None:
    """Re-drawn every few seconds while the page is open."""
    db = get_db()
    try:
        listed = jobs.listing(db)
        runs = queries.import_runs(db)
        matching = coverage.pending_count(db)
        vectors = embedding.pending(db)
        worker = jobs.worker_running(db)
    finally:
        db.close()
    admin = current_user().role == "admin"
    active = [j for j in listed if j["status"] in jobs.ACTIVE]
    cli_runs = [r for r in runs if r["status"] == "running" and r["job_id"] is None]
    st.subheader(t("jobs.running"))
    if not worker:
        st.warning(t("jobs.no_worker"))
    if not active and not cli_runs:
        caption(t("jobs.none_running"))
    for job in active:
        _active_job(job, admin)
    for run in cli_runs:
        _cli_import(run, admin)
    st.subheader(t("jobs.background"))
    caption(t("jobs.pending_matching", n=ltr(f"{matching:,}")))
    caption(t("jobs.pending_vectors", n=ltr(f"{vectors['claims']:,}"), p=ltr(f"{vectors['passages']:,}")))
    finished = [j for j in listed if j["status"] not in jobs.ACTIVE]
    if finished:
        st.subheader(t("jobs.recent_jobs"))
        st.dataframe([{
            t("jobs.col_job"): f"#{j['id']}", t("jobs.col_what"): _what(j), t("jobs.col_who"): j["actor"],
            t("jobs.col_status"): t(f"jobs.state_{j['status']}"), t("jobs.col_outcome"): _outcome(j),
            t("jobs.col_finished"): time_label(j["finished_at"] or j["created_at"]),
            t("jobs.col_rate"): round(j["progress"] / _elapsed(j["started_at"], j["finished_at"]), 1)
            if j["started_at"] and j["finished_at"] else None,
            t("jobs.col_error"): j["error"] or ""} for j in finished], hide_index=True, key="jobs_recent_jobs")
    done = [r for r in runs if r["status"] != "running"]
    if done:
        st.subheader(t("jobs.recent"))
        st.dataframe([{
            t("jobs.col_file"): Path(r["path"]).name, t("jobs.col_who"): r["actor"],
            t("jobs.col_status"): t(f"jobs.status_{r['status']}"), t("jobs.col_items"): r["imported"],
            t("jobs.col_claims"): r["claims"], t("jobs.col_finished"): time_label(r["finished_at"] or r["created_at"]),
            t("jobs.col_rate"): round(r["progress"] / _elapsed(r["created_at"], r["finished_at"]))
            if r["finished_at"] else None,
            t("jobs.col_error"): r["error"] or ""} for r in done], hide_index=True, key="jobs_recent")


def render() -> None:
    st.title(t("nav.jobs"))
    caption(t("jobs.help", seconds=REFRESH_SECONDS))
    _live()


run_safely(render)
