"""Home: what is in the database."""
import streamlit as st

from app_pages.common import get_db
from db import queries


def render() -> None:
    """The counts of items, claims, links, verdicts and users."""
    st.title("Tabayyun · تبيّن")
    st.caption("Verify before you believe — a fact-checking review desk.")
    db = get_db()
    try:
        counts = queries.counts(db)
    finally:
        db.close()
    labels = {"items": "Items", "claims": "Claims", "coverage_links": "Coverage links",
              "verdicts": "Verdicts", "signoffs": "Sign-offs", "users": "Users", "audit_events": "Audit events"}
    cols = st.columns(4)
    for i, (key, label) in enumerate(labels.items()):
        cols[i % 4].metric(label, f"{counts[key]:,}", border=True)
