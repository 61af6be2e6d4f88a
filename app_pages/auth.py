"""Login, logout and the first-admin form; the session survives a reload through a signed cookie.

The cookie is written by the page (Streamlit gives a script no way to send a Set-Cookie header), so it cannot
be HttpOnly. What stands in for it: the token is 256 random bits, HMAC-signed and stored only as a hash;
SameSite=Strict, and Secure whenever the page is served over https; it expires after SESSION_DAYS and dies at
logout, password change, reset and disable, which every running session notices on its next rerun; and the
app never renders article or user text as HTML, which is what an HttpOnly flag protects against.
"""
from __future__ import annotations

import json

import streamlit as st
from sqlite_utils import Database

from app_pages.common import data_dir, show_error
from app_pages.i18n import t
from review import sessions, users
from review.errors import ReviewError
from review.users import User


def _secret() -> bytes:
    return sessions.load_secret(data_dir())


def _https() -> bool:
    """True when the browser reached us over https (directly or through a proxy that says so)."""
    proto = (st.context.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
    return proto == "https" or str(st.context.url or "").lower().startswith("https://")


def _write_cookie(value: str, max_age: int) -> None:
    """Set or clear the session cookie in the browser (our own hex token only, never user text)."""
    secure = "; Secure" if _https() else ""
    assignment = json.dumps(f"{sessions.COOKIE_NAME}={value}; path=/; max-age={max_age}; SameSite=Strict{secure}")
    st.html(f"<script>document.cookie = {assignment};</script>", unsafe_allow_javascript=True)


def _from_cookie(db: Database, cookie: str | None) -> User | None:
    """The user of a session cookie; None for a missing, forged, malformed, expired or ended session."""
    try:
        return sessions.resolve_session(db, _secret(), cookie)
    except (ReviewError, ValueError, TypeError):  # a broken cookie must never lock out the login page
        return None


def current_user(db: Database) -> User | None:
    """The logged-in user, re-read from the database on every run.

    A disabled user, or a session ended elsewhere (logout, password change or reset), drops out at once.
    """
    user_id = st.session_state.get("user_id")
    if user_id is not None:
        user = _from_cookie(db, st.session_state.get("session"))
        if user is None or user.id != user_id:
            for key in ("user_id", "session"):
                st.session_state.pop(key, None)
            return None
        return user
    if st.session_state.get("logged_out"):
        return None
    cookie = st.context.cookies.get(sessions.COOKIE_NAME)
    user = _from_cookie(db, cookie)
    if user:
        st.session_state.user_id = user.id
        st.session_state.session = cookie
        st.session_state.setdefault("ui_language", user.ui_language)
    return user


def _log_in(db: Database, user: User) -> None:
    cookie = sessions.start_session(db, _secret(), user)
    st.session_state.user_id = user.id
    st.session_state.session = cookie
    st.session_state.session_cookie = cookie
    st.session_state.ui_language = user.ui_language
    st.session_state.pop("logged_out", None)


def render_cookie_writer() -> None:
    """After a login, hand the new cookie to the browser once."""
    cookie = st.session_state.pop("session_cookie", None)
    if cookie:
        _write_cookie(cookie, sessions.SESSION_DAYS * 86400)


def login_form(db: Database) -> None:
    """Name + password; refuses wrong passwords and disabled accounts with one vague message."""
    st.title(t("login.title"))
    with st.form("auth_login"):
        name = st.text_input(t("login.name"), key="auth_name")
        password = st.text_input(t("login.password"), type="password", key="auth_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if submitted:
        try:
            user = users.authenticate(db, name, password, client=st.context.ip_address)
        except users.LoginThrottled as exc:
            st.error(t("login.throttled", seconds=exc.seconds))
            return
        except users.AuthError as exc:
            st.error(t("login.refused", reason=str(exc)))
            return
        _log_in(db, user)
        st.rerun()


def first_admin_form(db: Database) -> None:
    """Shown while the database has no users at all."""
    st.title(t("first_admin.title"))
    st.info(t("first_admin.help"))
    with st.form("auth_first_admin"):
        name = st.text_input(t("login.name"), key="first_name")
        password = st.text_input(t("login.password"), type="password", key="first_password")
        repeat = st.text_input(t("first_admin.repeat"), type="password", key="first_repeat")
        submitted = st.form_submit_button(t("first_admin.submit"), type="primary")
    if submitted:
        if password != repeat:
            st.error(t("first_admin.mismatch"))
            return
        try:
            user = users.create_first_admin(db, name, password)
        except ReviewError as exc:
            show_error(exc)
            return
        _log_in(db, user)
        st.rerun()


def log_out(db: Database) -> None:
    """End the session server-side and clear the cookie."""
    sessions.end_session(db, st.session_state.get("session") or st.context.cookies.get(sessions.COOKIE_NAME))
    for key in ("user_id", "session", "session_cookie"):
        st.session_state.pop(key, None)
    st.session_state.logged_out = True
    _write_cookie("", 0)
