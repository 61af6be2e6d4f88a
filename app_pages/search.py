"""Coverage search: free-text fuzzy search over every item with the claim matcher."""
from __future__ import annotations

import html

import streamlit as st

from app_pages.bidi import caption, date_label, html_line, iso
from app_pages.common import (get_db, hover, marked_html, match_strength, match_words, rich_block,
                              run_safely, show_match_evidence, word_spans)
from app_pages.i18n import labeller, t
from db import queries
from review import matching

KINDS = ("article", "headline", "factcheck")


def render() -> None:
    """A search box, kind filter, ranked results with the reasons they matched."""
    st.title(t("nav.search"))
    with st.form("search_form"):
        query = st.text_area(t("search.box"), key="search_query", max_chars=2000, height=80)
        kinds = st.multiselect(t("search.kinds"), KINDS, default=list(KINDS), key="search_kinds",
                               format_func=labeller("kind.{}", KINDS))
        limit = st.selectbox(t("search.limit"), (10, 20, 50), key="search_limit")  # a slider does not mirror in RTL
        st.form_submit_button(t("search.run"), type="primary")
    if not query.strip():
        caption(t("search.hint"))
        return
    db = get_db()
    try:
        found = matching.search(db, query, limit=limit, kinds=tuple(kinds) or None)
        suggest, strong = matching.get_thresholds(db)
        if not found:
            st.info(t("search.none"))
        for match in found:
            item = queries.rows(db, "SELECT title, body, outlet, published, url, kind FROM items WHERE id = ?",
                                [match.item_id])[0]
            why = match.explanation
            with st.container(border=True):
                strength = match_strength(match.score, strong, suggest)
                tip = t("review.match_tip", score=f"{match.score:.2f}", method=match.method)
                html_line(f"<strong>{hover(strength, tip)}</strong> · {html.escape(t('kind.' + item['kind']))}")
                rich_block(marked_html(item["title"] or "", word_spans(item["title"] or "", match_words(why))))
                caption(f"{iso(item['outlet'] or '—')} · {date_label(item['published'])}")
                show_match_evidence(why, item["title"] or "", item["body"] or "", lead_chars=400, claim_text=query)
                if item["url"]:
                    st.link_button(t("review.open_source"), item["url"])
    finally:
        db.close()


run_safely(render)
