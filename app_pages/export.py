"""Export: published reviews as ClaimReview JSON-LD or CSV, for a date range of sign-off, with a preview."""
from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from app_pages.bidi import caption, date_label, iso, ltr
from app_pages.common import current_user, get_db, page_path, run_safely, text_block
from app_pages.i18n import t, verdict_label
from review import export, ratings
from review.organisation import Organisation, get_organisation


def _table(records: list[export.ReviewRecord]) -> None:
    """The first rows as a table (st.dataframe shows text as text)."""
    st.dataframe([{
        t("export.col_claim"): r.claim_text,
        t("export.col_label"): verdict_label(r.label),
        t("export.col_reviewer"): r.reviewer,
        t("export.col_editor"): r.editor,
        t("export.col_signed_off"): date_label(r.signed_off_at),
        t("export.col_outlet"): (r.first_appearance.outlet if r.first_appearance else None) or "",
    } for r in records[:200]], hide_index=True)


def _published_card(record: export.ReviewRecord, org: Organisation) -> None:
    """How one verdict will read once published: rating, claim, rationale, sources, and its ClaimReview markup."""
    rating = ratings.rating(record.label)
    with st.container(border=True):
        caption(t("export.card_head", publisher=iso(org.name or "—"), date=date_label(record.first_published_at
                                                                                        or record.signed_off_at)))
        st.subheader(f"{rating.arabic} · {rating.label}")
        text_block(record.claim_text)
        if record.first_appearance and record.first_appearance.outlet:
            caption(t("export.card_source", outlet=iso(record.first_appearance.outlet),
                      date=date_label(record.first_appearance.published)))
        text_block(record.rationale)
        for url in record.evidence_urls:
            caption(f"• {ltr(url)}")
        if org.ready:
            page = org.verdict_page(record.claim_id)
            caption(t("export.card_url", url=ltr(page)))
            with st.expander(t("export.markup")):
                st.code(json.dumps(export.to_claimreview([record], organisation=org)[0], ensure_ascii=False,
                                   indent=2), language="json")


def render() -> None:
    """Date range, preview and the two downloads, published under the organisation's name and addresses."""
    st.title(t("export.title"))
    caption(t("export.help"))
    left, right = st.columns(2)
    since = left.date_input(t("export.since"), value=None, key="export_since")
    until = right.date_input(t("export.until"), value=None, key="export_until")
    if since and until and since > until:
        st.warning(t("export.bad_range"))
        return
    db = get_db()
    try:
        org = get_organisation(db)
        records = export.signed_off_reviews(db, since.isoformat() if since else None,
                                            until.isoformat() if until else None)
    finally:
        db.close()
    st.metric(t("export.count"), f"{len(records):,}")
    if not records:
        st.info(t("export.empty"))
        return
    if not org.ready:
        st.warning(t("export.no_organisation"))
        if current_user().role == "admin":
            st.page_link(page_path("organisation"), label=t("nav.organisation"), icon=":material/apartment:")
    stamp = dt.date.today().strftime("%Y%m%d")
    a, b = st.columns(2)
    if org.ready:
        a.download_button(t("export.download_json"), export.to_json(records, organisation=org).encode("utf-8"),
                          file_name=f"claimreview-{stamp}.json", mime="application/ld+json", key="export_json",
                          on_click="ignore", icon="⬇️")
    # The byte-order mark lets Excel read the Arabic text as UTF-8.
    b.download_button(t("export.download_csv"), export.to_csv(records, organisation=org).encode("utf-8-sig"),
                      file_name=f"reviews-{stamp}.csv", mime="text/csv", key="export_csv", on_click="ignore",
                      icon="⬇️")
    st.subheader(t("export.preview"))
    picked = st.selectbox(t("export.pick"), range(len(records[:200])), key="export_pick",
                          format_func=lambda i: f"#{records[i].claim_id} · {records[i].claim_text[:80]}")
    _published_card(records[picked], org)
    _table(records)


run_safely(render)
