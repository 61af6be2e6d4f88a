"""Tabayyun dashboard entry point: `streamlit run dashboard.py [-- --db PATH]`."""
import streamlit as st

from app_pages import home
from app_pages.common import run_safely

st.set_page_config(page_title="Tabayyun · تبيّن", page_icon="🔎", layout="wide")

pages = [
    st.Page(lambda: run_safely(home.render), title="Home", icon="🏠", url_path="home", default=True),
]
st.navigation(pages).run()
