"""Triage queue: filter, sort and page through claims in SQL; open one; act on the whole filtered set."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages.bidi import caption, date_label, iso, join_list, ltr, ref
from app_pages.common import (current_user, db_path, get_db, open_claim, run_safely, show_error, text_block,
                              VERY_WORTHY, WORTHY, worthiness)
from app_pages.i18n import labeller, t, tn, verdict_label
from db import queries
from review import claim_actions, embedding, matching, text, users
from review.errors import ReviewError
from review.workflow import OPEN_STATUSES, STATUSES

# the check-worthiness filter in words (a slider of bare scores read as engineering, and does not mirror in Arabic)
WORTHINESS_LEVELS = {"any": None, "worthy": WORTHY, "high": VERY_WORTHY}
PAGE_SIZE = 25  # cards with the full claim text: 25 read comfortably and render fast


def _filters(db) -> dict:
    """The filter form; returns keyword filters for db.queries (applied on submit, kept in session)."""
    outlets = [r["outlet"] for r in queries.rows(
        db, "SELECT outlet FROM items WHERE outlet IS NOT NULL GROUP BY outlet ORDER BY count(*) DESC LIMIT 200")]
    people = [u.name for u in users.list_users(db)]
    with st.expander(t("triage.filters"), expanded=False), st.form("triage_filters"):
        c1, c2, c3 = st.columns(3)
        status = c1.multiselect(t("triage.status"), STATUSES, default=list(OPEN_STATUSES),
                                format_func=labeller("status.{}", STATUSES), key="triage_status")
        level = c2.selectbox(t("triage.score"), list(WORTHINESS_LEVELS), key="triage_level",
                             format_func=labeller("triage.level_{}", WORTHINESS_LEVELS))
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
    return {"status": status or None, "min_score": WORTHINESS_LEVELS[level], "outlet": outlet or None, "assignee": assignee or None,
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
    """'3 claims · 2 outlets · Arabic، English' for a claim's story group ('' for a story of one claim)."""
    if (c["story_claims"] or 1) <= 1 and (c["story_outlets"] or 1) <= 1:
        return ""
    languages = join_list(t("language." + x) for x in (c["story_languages"] or "").split(",") if x) or "—"
    return t("triage.story_cell", claims=ltr(c["story_claims"]), outlets=ltr(c["story_outlets"]), languages=languages)


def _checked(found: dict | None) -> str:
    """'Already checked: False, 3 May 2016' when a similar claim or an imported fact-check has a verdict."""
    if not found:
        return ""
    label = verdict_label(found["label"])
    return t("triage.checked_cell", verdict=iso(label or t("review.factcheck")), date=date_label(found["date"]))


def _card(c: dict, checked: dict | None, today: str) -> None:
    """One claim of the queue: its full text, wrapped, in its own direction, and the facts a desk triages by."""
    with st.container(border=True):
        head = [t(f"status.{c['status']}"), worthiness(c["score"])]
        if story := _story(c):
            head.append(story)
        if c["deadline"]:
            late = c["deadline"] < today
            head.append(t("triage.overdue" if late else "triage.due", date=date_label(c["deadline"])))
        caption(" · ".join(head))
        text, action = st.columns([8, 1], vertical_alignment="center")
        with text:
            text_block(c["text"])
        if action.button(t("triage.open"), key=f"triage_open_{c['id']}"):
            open_claim(c["id"])
        foot = [ref(c["id"]), iso(c["outlet"] or "—"), date_label(c["first_seen"]),
                t("triage.assigned", who=iso(c["assignee"])) if c["assignee"] else t("triage.not_assigned"),
                t("triage.coverage_n", n=ltr(c["links"]))]
        if done := _checked(checked):
            foot.append(done)
        caption(" · ".join(foot))


VIEWS = ("open", "mine", "due", "unassigned")
DUE_SOON_DAYS = 3


def _view_filters(view: str, user, filters: dict) -> tuple[dict, str | None]:
    """The filters and sort of a quick view on top of the filter form's."""
    if view == "mine":
        return {**filters, "assignee": user.name}, None
    if view == "due":
        due_by = (dt.date.today() + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
        return {**filters, "due_by": due_by}, "deadline"
    if view == "unassigned":
        return {**filters, "assignee": "-"}, None
    return filters, None


def _pager(total: int) -> int:
    """Previous/next paging; returns the 1-based page to show."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, int(st.session_state.get("triage_page_n", 1))), pages)
    left, mid, right = st.columns([1, 3, 1], vertical_alignment="center")
    if left.button(t("triage.previous"), key="triage_prev", disabled=page <= 1):
        page -= 1
    if right.button(t("triage.next"), key="triage_next", disabled=page >= pages):
        page += 1
    st.session_state["triage_page_n"] = page
    with mid:
        caption(tn("triage.page_of", total, page=ltr(page), pages=ltr(pages), n=ltr(total)) if total else "")
    return page


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
    user = current_user()
    db = get_db()
    try:
        view = st.radio(t("triage.view"), VIEWS, horizontal=True, key="triage_view",
                        format_func=labeller("triage.view_{}", VIEWS), label_visibility="collapsed")
        filters = _filters(db)
        sort = filters.pop("sort")
        filters, view_sort = _view_filters(view, user, filters)
        sort = view_sort or sort
        total = queries.count_claims(db, **filters)
        todo = _pending(str(db_path()))
        if todo["claims"] or todo["passages"]:
            caption(t("triage.embedding_pending", n=ltr(todo["claims"]), p=ltr(todo["passages"])))
        if not total:
            st.info(t("triage.empty"))
        else:
            page = _pager(total)
            found = queries.list_claims(db, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
            checked = queries.already_checked(db, [c["id"] for c in found], matching.get_thresholds(db)[0])
            today = dt.date.today().isoformat()
            for claim in found:
                _card(claim, checked.get(claim["id"]), today)
            target = st.number_input(t("triage.open_id"), min_value=1, step=1, value=None, key="triage_open_id")
            if target and st.button(t("triage.open_number"), key="triage_open"):
                open_claim(int(target))
        _bulk(db, filters, total)
    finally:
        db.close()


run_safely(render)
