"""Admin: users and roles (admins only; the service layer checks the role again)."""
from __future__ import annotations

import streamlit as st

from app_pages.common import current_user, get_db, run_safely, show_error
from app_pages.i18n import labeller, t
from review import users
from review.errors import ReviewError
from review.workflow import ROLES


def _do(fn, *args) -> None:
    try:
        fn(*args)
    except ReviewError as exc:
        show_error(exc)
        return
    st.session_state["admin_flash"] = t("admin.saved")
    st.rerun()


def render() -> None:
    """List users; add one; change a role; disable or enable; reset a password."""
    st.title(t("nav.admin"))
    me = current_user()
    if me.role != "admin":
        st.warning(t("admin.only"))
        return
    if flash := st.session_state.pop("admin_flash", None):
        st.success(flash)
    db = get_db()
    try:
        people = users.list_users(db)
        st.dataframe([{t("login.name"): u.name, t("admin.role"): t(f"role.{u.role}"),
                       t("admin.active"): u.active} for u in people], hide_index=True, key="admin_users")
        with st.form("admin_add", clear_on_submit=True):
            st.markdown(f"**{t('admin.add')}**")
            c1, c2, c3 = st.columns(3)
            name = c1.text_input(t("login.name"), key="admin_name", max_chars=64)
            password = c2.text_input(t("login.password"), type="password", key="admin_password")
            role = c3.selectbox(t("admin.role"), ROLES, key="admin_role", format_func=labeller("role.{}", ROLES))
            if st.form_submit_button(t("admin.add_button"), type="primary"):
                _do(users.add_user, db, me.name, name, password, role)
        with st.form("admin_change"):
            st.markdown(f"**{t('admin.change')}**")
            c1, c2, c3 = st.columns(3)
            who = c1.selectbox(t("login.name"), [u.name for u in people], key="admin_who")
            new_role = c2.selectbox(t("admin.role"), ROLES, key="admin_new_role",
                                    format_func=labeller("role.{}", ROLES))
            action = c3.radio(t("admin.action"), ["set_role", "disable", "enable"], key="admin_action",
                              format_func=labeller("admin.{}", ("set_role", "disable", "enable")))
            if st.form_submit_button(t("admin.apply")):
                if action == "set_role":
                    _do(users.set_role, db, me.name, who, new_role)
                elif action == "disable":
                    _do(users.disable_user, db, me.name, who)
                else:
                    _do(users.enable_user, db, me.name, who)
        with st.form("admin_reset", clear_on_submit=True):
            st.markdown(f"**{t('admin.reset')}**")
            c1, c2 = st.columns(2)
            who = c1.selectbox(t("login.name"), [u.name for u in people], key="admin_reset_who")
            password = c2.text_input(t("admin.new_password"), type="password", key="admin_reset_password")
            if st.form_submit_button(t("admin.reset_button")):
                _do(users.set_password, db, me.name, who, password)
    finally:
        db.close()


run_safely(render)
