"""Tabayyun's domain: ingest, normalisation, claims, matching, workflow and services.

Nothing in this package imports Streamlit.
"""
