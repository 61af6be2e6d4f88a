"""Account: change your own password (every session of yours ends, this one included)."""
from __future__ import annotations

import streamlit as st

from app_pages.common import current_user, get_db, run_safely, show_error
from app_pages.i18n import t
from review import users
from review.errors import ReviewError


def render() -> None:
    """Current password + new password twice → change_password; then log in again."""
    st.title(t("nav.account"))
    me = current_user()
    st.caption(t("account.policy"))
    with st.form("account_password", clear_on_submit=True):
        old = st.text_input(t("account.current"), type="password", key="account_current")
        new = st.text_input(t("account.new"), type="password", key="account_new")
        repeat = st.text_input(t("first_admin.repeat"), type="password", key="account_repeat")
        submitted = st.form_submit_button(t("account.change"), type="primary")
    if not submitted:
        return
    if new != repeat:
        st.error(t("first_admin.mismatch"))
        return
    db = get_db()
    try:
        users.change_password(db, me.name, old, new)
    except ReviewError as exc:
        show_error(exc)
        return
    finally:
        db.close()
    st.success(t("account.changed"))


run_safely(render)
