"""Triage queue: filter, sort and page through claims in SQL; open one; act on the whole filtered set."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.common import current_user, db_path, get_db, open_claim, run_safely, show_error
from app_pages.i18n import current_language, labeller, t
from db import queries
from review import claim_actions, embedding, matching, text, users
from review.errors import ReviewError
from review.workflow import OPEN_STATUSES, STATUSES

PAGE_SIZE = 50


def _filters(db) -> dict:
    """The filter form; returns keyword filters for db.queries (applied on submit, kept in session)."""
    outlets = [r["outlet"] for r in queries.rows(
        db, "SELECT outlet FROM items WHERE outlet IS NOT NULL GROUP BY outlet ORDER BY count(*) DESC LIMIT 200")]
    people = [u.name for u in users.list_users(db)]
    with st.expander(t("triage.filters"), expanded=False), st.form("triage_filters"):
        c1, c2, c3 = st.columns(3)
        status = c1.multiselect(t("triage.status"), STATUSES, default=list(OPEN_STATUSES),
                                format_func=labeller("status.{}", STATUSES), key="triage_status")
        score = c2.slider(t("triage.score"), 0.0, 1.0, (0.0, 1.0), 0.05, key="triage_score")
        sort = c3.selectbox(t("triage.sort"), list(queries.CLAIM_SORTS), key="triage_sort",
                            format_func=labeller("triage.sort_{}", queries.CLAIM_SORTS))
        outlet = c1.selectbox(t("triage.outlet"), ["", *outlets], key="triage_outlet")
        assignee = c2.selectbox(t("triage.assignee"), ["", "-", *people], key="triage_assignee",
                                format_func=lambda a, none=t("triage.unassigned"): none if a == "-" else a)
        language = c3.selectbox(t("triage.language"), ["", "ar", "en"], key="triage_language")
        dates = c1.date_input(t("triage.dates"), value=(), key="triage_dates")
        query = c2.text_input(t("triage.search"), key="triage_query", max_chars=200)
        stories = c3.checkbox(t("triage.group_stories"), key="triage_stories")
        st.form_submit_button(t("triage.apply"))
    since = dates[0].isoformat() if len(dates) >= 1 and isinstance(dates[0], dt.date) else None
    until = dates[1].isoformat() if len(dates) == 2 else None
    return {"status": status or None, "min_score": score[0] if score[0] > 0 else None,
            "max_score": score[1] if score[1] < 1 else None, "outlet": outlet or None, "assignee": assignee or None,
            "language": language or None, "since": since, "until": until,
            "norm_query": text.normalize(query) or None, "story_heads": True if stories else None, "sort": sort}


@st.cache_data(ttl=30, show_spinner=False)
def _pending(path: str) -> dict[str, int]:
    """What the embedding job still has to do (two counts over big tables: at most 30 s old)."""
    db = get_db()
    try:
        return embedding.pending(db)
    finally:
        db.close()


def _story(c: dict) -> str:
    """'3 claims · 2 outlets · ar, en' for a claim's story group."""
    languages = "، ".join(t("language." + x) for x in (c["story_languages"] or "").split(",") if x) or "—"
    return t("triage.story_cell", claims=c["story_claims"], outlets=c["story_outlets"], languages=languages)


def _checked(found: dict | None) -> str:
    if not found:
        return ""
    label = found["label"] or t("review.factcheck")
    return f"{label}, {(found['date'] or '—')[:10]}"


def _bulk(db, filters: dict, total: int) -> None:
    """Assign or dismiss every claim of the filtered set (not only the visible page)."""
    user = current_user()
    with st.expander(t("triage.bulk", n=total)), st.form("triage_bulk"):
        action = st.radio(t("triage.bulk_action"), ["assign", "dismiss"], horizontal=True,
                          format_func=labeller("triage.bulk_{}", ("assign", "dismiss")), key="triage_bulk_action")
        people = [u.name for u in users.list_users(db) if u.active]
        assignee = st.selectbox(t("triage.assign_to"), people if user.role != "reviewer" else [user.name],
                                key="triage_bulk_assignee")
        reason = st.text_input(t("triage.dismiss_reason"), key="triage_bulk_reason", max_chars=500)
        sure = st.checkbox(t("triage.bulk_confirm", n=total), key="triage_bulk_sure")
        go = st.form_submit_button(t("triage.bulk_run"))
    if go:
        if not sure:
            st.warning(t("triage.bulk_unconfirmed"))
            return
        ids = queries.claim_ids(db, **{k: v for k, v in filters.items() if k != "sort"})
        try:
            done = claim_actions.bulk_apply(db, user.name, ids, action, assignee=assignee, reason=reason)
        except ReviewError as exc:
            show_error(exc)
            return
        st.success(t("triage.bulk_done", changed=done["changed"], skipped=done["skipped"]))


def render() -> None:
    """The queue, one page at a time, highest priority first."""
    st.title(t("nav.triage"))
    db = get_db()
    try:
        filters = _filters(db)
        sort = filters.pop("sort")
        total = queries.count_claims(db, **filters)
        pages = max(1, -(-total // PAGE_SIZE))
        c1, c2 = st.columns([1, 3])
        page = c1.number_input(t("triage.page", pages=pages), 1, pages, 1, key="triage_page")
        c2.caption(t("triage.count", n=total))
        found = queries.list_claims(db, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
        todo = _pending(str(db_path()))
        if todo["claims"] or todo["passages"]:
            st.caption(t("triage.embedding_pending", n=todo["claims"], p=todo["passages"]))
        checked = queries.already_checked(db, [c["id"] for c in found], matching.get_thresholds(db)[0])
        if not found:
            st.info(t("triage.empty"))
        else:
            frame = pd.DataFrame([{
                "id": c["id"], t("triage.col_claim"): c["text"], t("triage.col_story"): _story(c),
                t("triage.col_checked"): _checked(checked.get(c["id"])), t("triage.col_score"): c["score"],
                t("triage.col_status"): t(f"status.{c['status']}"), t("triage.col_outlet"): c["outlet"] or "",
                t("triage.col_first"): c["first_seen"], t("triage.col_appearances"): c["appearances"],
                t("triage.col_links"): c["links"], t("triage.col_assignee"): c["assignee"] or ""} for c in found])
            if current_language() == "ar":
                frame = frame[frame.columns[::-1]]  # the grid itself is left-to-right: read columns from the right
            picked = st.dataframe(
                frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                key="triage_table",
                column_config={t("triage.col_score"): st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                                      format="%.2f"),
                               t("triage.col_claim"): st.column_config.TextColumn(width="large")})
            rows_picked = picked.selection.rows if picked else []
            if rows_picked:
                open_claim(int(frame.iloc[rows_picked[0]]["id"]))
            target = st.number_input(t("triage.open_id"), min_value=1, step=1, value=None, key="triage_open_id")
            if target and st.button(t("triage.open"), key="triage_open"):
                open_claim(int(target))
        _bulk(db, filters, total)
    finally:
        db.close()


run_safely(render)
