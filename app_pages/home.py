"""Home: what is in the database."""
import streamlit as st

from app_pages.common import get_db, run_safely
from app_pages.i18n import t
from db import queries


def render() -> None:
    """The counts of items, claims, links, verdicts and users."""
    st.title("Tabayyun · تبيّن")
    st.caption(t("app.tagline"))
    db = get_db()
    try:
        counts = queries.counts(db)
    finally:
        db.close()
    cols = st.columns(4)
    for i, key in enumerate(queries.COUNTED_TABLES):
        cols[i % 4].metric(t(f"home.{key}"), f"{counts[key]:,}", border=True)


run_safely(render)
