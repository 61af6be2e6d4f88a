"""Jobs: every running and recent import, and the background matching work, for everyone on the desk."""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import streamlit as st

from app_pages.bidi import caption, html_line, iso, ltr, parse_stamp, time_label
from app_pages.common import current_user, get_db, run_safely, show_error
from app_pages.i18n import t
from db import queries
from review import coverage, embedding, import_runs
from review.errors import ReviewError

REFRESH_SECONDS = 3


def _elapsed(started: str, finished: str | None) -> float:
    end = parse_stamp(finished) if finished else dt.datetime.now(dt.timezone.utc)
    return max((end - parse_stamp(started)).total_seconds(), 0.001)


def _running(run: dict, admin: bool) -> None:
    seconds = _elapsed(run["created_at"], None)
    with st.container(border=True):
        html_line("<strong>" + html.escape(t("jobs.import_running", file=iso(Path(run["path"]).name),
                                            who=iso(run["actor"]))) + "</strong>")
        caption(t("jobs.progress", n=ltr(f"{run['progress']:,}"), rate=ltr(f"{run['progress'] / seconds:,.0f}"),
                  since=time_label(run["created_at"]), minutes=ltr(f"{seconds / 60:.1f}")))
        if run["cancel_requested_by"]:
            caption(t("jobs.cancelling", who=iso(run["cancel_requested_by"])))
        elif admin and st.button(t("jobs.cancel"), key=f"jobs_cancel_{run['id']}"):
            db = get_db()
            try:
                import_runs.request_cancel(db, current_user().name, run["id"])
            except ReviewError as exc:
                show_error(exc)
            else:
                st.rerun()
            finally:
                db.close()


@st.fragment(run_every=REFRESH_SECONDS)
def _live() -> None:
    """Re-drawn every few seconds while the page is open."""
    db = get_db()
    try:
        runs = queries.import_runs(db)
        matching = coverage.pending_count(db)
        vectors = embedding.pending(db)
    finally:
        db.close()
    admin = current_user().role == "admin"
    running = [r for r in runs if r["status"] == "running"]
    st.subheader(t("jobs.running"))
    if not running:
        caption(t("jobs.none_running"))
    for run in running:
        _running(run, admin)
    st.subheader(t("jobs.background"))
    caption(t("jobs.pending_matching", n=ltr(f"{matching:,}")))
    caption(t("jobs.pending_vectors", n=ltr(f"{vectors['claims']:,}"), p=ltr(f"{vectors['passages']:,}")))
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
