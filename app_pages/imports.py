"""Import: upload files of any supported format; they import as a background job (not in this session) and the
page follows the user's recent import jobs with a per-file summary."""
from __future__ import annotations

import streamlit as st

from app_pages.bidi import caption, join_list, ltr
from app_pages.common import current_user, db_path, get_db, md_plain, run_safely, show_error, text_block
from app_pages.i18n import t
from review import jobs
from review.errors import ReviewError
from review.job_runner import submit_import

MAX_MB = 200
TYPES = ["txt", "html", "htm", "jsonl", "ndjson", "csv", "rss", "atom", "xml", "gz"]
REFRESH_SECONDS = 2
MY_JOBS = 5


def _file_rows(summaries: list[dict]) -> list[dict]:
    rows = []
    for s in summaries:
        problem = s.get("error") or (t("import.skipped", n=s["skipped"]) if s.get("skipped") else "")
        rows.append({t("import.file"): s["file"], t("import.status"): t("import.ok") if s["ok"] else t("import.failed"),
                     t("import.items"): s.get("imported", 0), t("import.duplicates"): s.get("duplicates", 0),
                     t("import.claims"): s.get("claims", 0), t("import.error"): problem})
    return rows


def _show_job(job: dict) -> None:
    names = join_list(f["name"] for f in job["params"].get("files", []))
    with st.container(border=True):
        caption(t("import.job_line", id=ltr(f"#{job['id']}"), files=names, status=t(f"jobs.state_{job['status']}")))
        if job["status"] in jobs.ACTIVE:
            total = job["total"]
            done = job["progress"]
            if total:
                st.progress(min(done / total, 1.0), text=t("import.job_progress", done=ltr(f"{done:,}"),
                                                             total=ltr(f"{total:,}")))
            else:
                caption(t("import.job_records", done=ltr(f"{done:,}")))
            return
        summaries = job["result"] or []
        if not summaries:  # it ended before any file (cancelled while queued, or an internal error)
            st.warning(md_plain(job["error"]) if job["error"] else t(f"jobs.state_{job['status']}"))
            return
        failed = sum(1 for s in summaries if not s["ok"])
        (st.warning if failed or job["status"] != "done" else st.success)(
            t("import.summary", files=len(summaries), failed=failed))
        if job["error"]:
            text_block(job["error"], muted=True)
        if summaries:
            st.dataframe(_file_rows(summaries), hide_index=True, key=f"import_job_{job['id']}")
        for s in summaries:
            for skipped in s.get("skipped_records", []):
                text_block(f"{s['file']}: {skipped}", muted=True)


@st.fragment(run_every=REFRESH_SECONDS)
def _my_jobs() -> None:
    """The user's recent import jobs, re-drawn every few seconds while one is still running."""
    db = get_db()
    try:
        mine = jobs.listing(db, where="kind = 'import' AND actor = ?", args=[current_user().name], limit=MY_JOBS)
        worker = jobs.worker_running(db)
    finally:
        db.close()
    if not mine:
        return
    st.subheader(t("import.my_jobs"))
    if any(j["status"] == "queued" for j in mine) and not worker:
        st.warning(t("jobs.no_worker"))
    for job in mine:
        _show_job(job)


def render() -> None:
    """Upload → one background import job (each file its own import run) → the user's jobs, live."""
    st.title(t("nav.import"))
    caption(t("import.help"))
    with st.form("import_form", clear_on_submit=True):
        files = st.file_uploader(t("import.files"), type=TYPES, accept_multiple_files=True, key="import_files")
        coverage_only = st.checkbox(t("import.coverage_only"), key="import_coverage_only")
        skip_invalid = st.checkbox(t("import.skip_invalid"), key="import_skip_invalid")
        go = st.form_submit_button(t("import.run"), type="primary")
    if go and files:
        too_big = [f.name for f in files if f.size > MAX_MB * 2**20]
        for name in too_big:
            st.error(t("import.too_big_file", file=name, mb=MAX_MB))
        uploads = [(f.name, f.getvalue()) for f in files if f.name not in too_big]
        if uploads:
            db = get_db()
            try:
                job_id = submit_import(db, db_path(), current_user().name, uploads, coverage_only=coverage_only,
                                       skip_invalid=skip_invalid)
            except ReviewError as exc:
                show_error(exc)
            else:
                st.success(t("import.queued", id=ltr(f"#{job_id}"), n=len(uploads)))
            finally:
                db.close()
    _my_jobs()


run_safely(render)
