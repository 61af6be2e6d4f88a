"""Tabayyun dashboard entry point: `streamlit run dashboard.py [-- --db PATH]`."""
import streamlit as st

from app_pages import auth
from app_pages.common import get_db, page_path, run_safely
from app_pages.i18n import LANGUAGES, current_language, t
from review import users
from review.workflow import ROLES

st.set_page_config(page_title="Tabayyun · تبيّن", page_icon=":material/search:", layout="wide")

RTL_CSS = """<style>
[data-testid='stAppViewContainer'] { flex-direction: row-reverse; }
[data-testid='stMain'], [data-testid='stSidebar'] { direction: rtl; text-align: right; }
[data-testid='stMain'] input, [data-testid='stMain'] textarea { direction: rtl; text-align: right; }
[data-testid='stMain'] [data-testid='stHeading'], [data-testid='stMain'] h1, [data-testid='stMain'] h2 { text-align: right; width: 100%; }
[data-testid='stMain'] [data-testid='stCaptionContainer'], [data-testid='stMain'] [data-testid='stMarkdownContainer'],
[data-testid='stMain'] [data-testid='stMetric'], [data-testid='stMain'] [data-testid='stWidgetLabel'] { direction: rtl; text-align: right; }
</style>"""


TRANSLATED_WIDGETS = ("triage_", "search_", "admin_", "review_", "export_", "import_", "signoff_")


def _language_switch(user: users.User) -> None:
    """Remembered per user: stored on the account when changed."""
    names = list(LANGUAGES)
    choice = st.sidebar.radio(t("nav.language"), names, index=names.index(current_language()),
                              format_func=LANGUAGES.get, horizontal=True, key="nav_language")
    if choice != current_language():
        st.session_state.ui_language = choice
        # Widgets whose options are shown translated keep the old language's text as their value: reset them.
        for key in [k for k in st.session_state if str(k).startswith(TRANSLATED_WIDGETS)]:
            del st.session_state[key]
        db = get_db()
        try:
            users.set_ui_language(db, user.name, choice)
        finally:
            db.close()
        st.rerun()


# (file under app_pages/, icon, roles that see it)
PAGES = [
    ("home", ":material/home:", ROLES),
    ("triage", ":material/inbox:", ROLES),
    ("review", ":material/fact_check:", ROLES),
    ("signoff", ":material/verified:", ("editor", "admin")),
    ("search", ":material/search:", ROLES),
    ("imports", ":material/upload_file:", ROLES),
    ("jobs", ":material/pending_actions:", ROLES),
    ("analytics", ":material/monitoring:", ROLES),
    ("export", ":material/download:", ROLES),
    ("admin", ":material/group:", ("admin",)),
    ("organisation", ":material/apartment:", ("admin",)),
    ("account", ":material/key:", ROLES),
]


def _pages(user: users.User) -> list:
    """The pages this user's role may open (the service layer enforces the same rules again)."""
    return [st.Page(page_path(name), title=t(f"nav.{name}"), icon=icon, url_path=name, default=(name == "home"))
            for name, icon, roles in PAGES if user.role in roles]


def main() -> None:
    """Login gate, then the navigation for the user's role."""
    db = get_db()
    try:
        if not users.has_users(db):
            auth.first_admin_form(db)
            return
        user = auth.current_user(db)
        if user is None:
            auth.login_form(db)
            return
        if st.sidebar.button(t("nav.logout"), key="nav_logout"):
            auth.log_out(db)
            st.rerun()
    finally:
        db.close()
    auth.render_cookie_writer()
    st.session_state.current_user = user
    if current_language() == "ar":
        st.html(RTL_CSS)
    st.sidebar.markdown(f"**{user.name}** · {t('role.' + user.role)}")
    _language_switch(user)
    st.navigation(_pages(user)).run()


run_safely(main)
