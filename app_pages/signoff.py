"""Sign-off: the editor's queue of proposed verdicts with their evidence; approve or return."""
from __future__ import annotations

import json

import streamlit as st

import html

from app_pages.bidi import caption, html_line, iso, ref, time_label
from app_pages.common import current_user, get_db, open_claim, run_safely, safe_link, show_error, text_block
from app_pages.i18n import t, verdict_label
from db import queries
from review import reviewing
from review.errors import ReviewError


def _evidence(db, verdict: dict) -> None:
    evidence = json.loads(verdict["evidence"])
    if evidence.get("links"):
        marks = ",".join("?" * len(evidence["links"]))
        for link in queries.rows(db, f"SELECT l.stance, i.title, i.outlet, i.url FROM coverage_links l "
                                     f"JOIN items i ON i.id = l.item_id WHERE l.id IN ({marks})", evidence["links"]):
            title = safe_link(link["url"], link["title"] or link["url"]) if link["url"] else \
                f"<bdi>{html.escape(link['title'] or '')}</bdi>"
            html_line(f"• {html.escape(t('stance.' + link['stance']))}: {title} — "
                      f"<bdi>{html.escape(link['outlet'] or '—')}</bdi>")
    for url in evidence.get("urls", []):
        html_line(f"• {safe_link(url)}")


def render() -> None:
    """One card per proposed verdict."""
    st.title(t("nav.signoff"))
    user = current_user()
    if flash := st.session_state.pop("signoff_flash", None):
        st.success(flash)
    db = get_db()
    try:
        queue = queries.signoff_queue(db, limit=50)
        if not queue:
            st.info(t("signoff.empty"))
        for row in queue:
            with st.container(border=True):
                html_line("<strong>" + html.escape(t("signoff.card", id=ref(row["id"]),
                                                      label=iso(verdict_label(row["label"])),
                                                      reviewer=iso(row["reviewer"]),
                                                      when=time_label(row["proposed_at"]))) + "</strong>")
                text_block(row["text"])
                caption(t("review.rationale"))
                text_block(row["rationale"])
                caption(t("signoff.evidence"))
                _evidence(db, row)
                own = row["reviewer_id"] == user.id
                if own:
                    caption(t("signoff.four_eyes"))
                with st.form(f"signoff_form_{row['id']}"):
                    comment = st.text_input(t("signoff.comment"), key=f"signoff_comment_{row['id']}",
                                            max_chars=5000)
                    c1, c2, c3 = st.columns(3)
                    approve = c1.form_submit_button(t("signoff.approve"), type="primary", disabled=own)
                    back = c2.form_submit_button(t("signoff.return"), disabled=own)
                    view = c3.form_submit_button(t("signoff.open"))
                if view:
                    open_claim(row["id"])
                if approve or back:
                    fn = reviewing.sign_off if approve else reviewing.return_verdict
                    try:
                        fn(db, user.name, row["id"], row["version"], comment)
                    except ReviewError as exc:
                        show_error(exc)
                    else:
                        st.session_state["signoff_flash"] = t("signoff.done_approve" if approve else
                                                              "signoff.done_return", id=row["id"])
                        st.rerun()
    finally:
        db.close()


run_safely(render)
