"""Thin Streamlit pages: layout, widgets, one service call each."""
