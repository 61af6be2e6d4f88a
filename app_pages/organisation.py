"""Organisation (admins): who publishes the verdicts, and where their public pages live. Used by every export."""
from __future__ import annotations

import streamlit as st

from app_pages.common import current_user, get_db, md_plain, run_safely, show_error
from app_pages.i18n import LANGUAGES, labeller, t
from review.errors import ReviewError, ValidationError
from review.organisation import LANGUAGES as REVIEW_LANGUAGES
from review.organisation import get_organisation, save_organisation


def render() -> None:
    """One form; the service checks the role and every field again."""
    st.title(t("nav.organisation"))
    st.caption(t("organisation.help"))
    if flash := st.session_state.pop("organisation_flash", None):
        st.success(flash)
    db = get_db()
    try:
        org = get_organisation(db)
        with st.form("organisation_form"):
            name = st.text_input(t("organisation.name"), value=org.name, max_chars=200, key="organisation_name")
            url = st.text_input(t("organisation.url"), value=org.url, max_chars=500, key="organisation_url")
            verdict_url = st.text_input(t("organisation.verdict_url"), value=org.verdict_url, max_chars=500,
                                        key="organisation_verdict_url", help=t("organisation.verdict_url_help"))
            logo_url = st.text_input(t("organisation.logo_url"), value=org.logo_url, max_chars=500,
                                     key="organisation_logo_url")
            language = st.radio(t("organisation.language"), REVIEW_LANGUAGES, horizontal=True,
                                index=REVIEW_LANGUAGES.index(org.language) if org.language in REVIEW_LANGUAGES else 0,
                                format_func=labeller("language.{}", LANGUAGES), key="organisation_language")
            saved = st.form_submit_button(t("organisation.save"), type="primary")
        if saved:
            try:
                save_organisation(db, current_user().name, {"name": name, "url": url, "verdict_url": verdict_url,
                                                            "logo_url": logo_url, "language": language})
            except ValidationError as exc:  # name the field as the form labels it, not by its code name
                st.error(t("error.validation", detail=md_plain(f"{t('organisation.' + exc.field)}: {exc.problem}")))
            except ReviewError as exc:
                show_error(exc)
            else:
                st.session_state["organisation_flash"] = t("organisation.saved")
                st.rerun()
    finally:
        db.close()


run_safely(render)
