"""Export: published reviews as ClaimReview JSON-LD or CSV, for a date range of sign-off."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages.common import get_db, run_safely
from app_pages.i18n import current_language, t
from review import export, ratings


def _preview(records: list[export.ReviewRecord]) -> None:
    """The first rows as a table (st.dataframe shows text as text)."""
    st.dataframe([{
        t("export.col_claim"): r.claim_text,
        t("export.col_label"): ratings.rating(r.label).arabic if current_language() == "ar" else r.label,
        t("export.col_reviewer"): r.reviewer,
        t("export.col_editor"): r.editor,
        t("export.col_signed_off"): r.signed_off_at[:16].replace("T", " "),
        t("export.col_outlet"): (r.first_appearance.outlet if r.first_appearance else None) or "",
    } for r in records[:200]], hide_index=True)


def render() -> None:
    """Date range, preview count and the two downloads."""
    st.title(t("export.title"))
    st.caption(t("export.help"))
    left, right = st.columns(2)
    since = left.date_input(t("export.since"), value=None, key="export_since")
    until = right.date_input(t("export.until"), value=None, key="export_until")
    with st.expander(t("export.options")):
        base_url = st.text_input(t("export.base_url"), value=export.DEFAULT_BASE_URL, key="export_base_url")
        publisher = st.text_input(t("export.publisher"), value=export.DEFAULT_PUBLISHER, key="export_publisher")
    if since and until and since > until:
        st.warning(t("export.bad_range"))
        return
    db = get_db()
    try:
        records = export.signed_off_reviews(db, since.isoformat() if since else None,
                                            until.isoformat() if until else None)
    finally:
        db.close()
    st.metric(t("export.count"), f"{len(records):,}")
    if not records:
        st.info(t("export.empty"))
        return
    stamp = dt.date.today().strftime("%Y%m%d")
    json_doc = export.to_json(records, base_url=base_url.strip() or export.DEFAULT_BASE_URL,
                              publisher_name=publisher.strip() or export.DEFAULT_PUBLISHER)
    csv_doc = export.to_csv(records, base_url=base_url.strip() or export.DEFAULT_BASE_URL)
    a, b = st.columns(2)
    a.download_button(t("export.download_json"), json_doc.encode("utf-8"), file_name=f"claimreview-{stamp}.json",
                      mime="application/ld+json", key="export_json", on_click="ignore", icon="⬇️")
    # The byte-order mark lets Excel read the Arabic text as UTF-8.
    b.download_button(t("export.download_csv"), csv_doc.encode("utf-8-sig"), file_name=f"reviews-{stamp}.csv",
                      mime="text/csv", key="export_csv", on_click="ignore", icon="⬇️")
    st.subheader(t("export.preview"))
    _preview(records)


run_safely(render)
