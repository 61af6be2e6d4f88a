"""Analytics: how claims move through the desk, what the verdicts are, who spreads what."""
from __future__ import annotations

import html
from collections.abc import Iterable

import plotly.graph_objects as go
import streamlit as st

from app_pages.common import db_path, get_db, run_safely
from app_pages.i18n import current_language, t
from db import analytics
from review import ratings


CACHE_SECONDS = 120


def _safe(name: object) -> str:
    """Names from the data as plotly label text: plotly reads a few HTML tags in labels, so escape them."""
    return html.escape(str(name if name not in (None, "") else "—"))


def _label(label: str) -> str:
    """A verdict label in the interface language."""
    try:
        return ratings.rating(label).arabic if current_language() == "ar" else label
    except KeyError:
        return _safe(label)


def _figure(traces: Iterable[go.BaseTraceType], title_key: str, x_key: str, y_key: str, *,
            barmode: str = "stack") -> go.Figure:
    """A chart with translated title and axis titles."""
    fig = go.Figure(list(traces))
    fig.update_layout(title=t(title_key), xaxis_title=t(x_key), yaxis_title=t(y_key), barmode=barmode,
                      legend_title_text="", margin={"t": 60, "b": 40})
    return fig


def _by_series(data: list[dict], x: str, series: str, y: str) -> dict[str, tuple[list, list]]:
    """Rows {x, series, y} → {series: (xs, ys)}, keeping the rows' order."""
    grouped: dict[str, tuple[list, list]] = {}
    for row in data:
        xs, ys = grouped.setdefault(row[series], ([], []))
        xs.append(row[x])
        ys.append(row[y])
    return grouped


def _status_charts(created: list[dict], changes: list[dict]) -> None:
    st.plotly_chart(_figure(
        (go.Bar(name=t(f"analytics.status.{status}"), x=xs, y=ys)
         for status, (xs, ys) in _by_series(created, "day", "status", "claims").items()),
        "analytics.created_title", "analytics.day", "analytics.claims"), key="analytics_created")
    if changes:
        st.plotly_chart(_figure(
            (go.Bar(name=t(f"analytics.status.{status}"), x=xs, y=ys)
             for status, (xs, ys) in _by_series(changes, "day", "status", "changes").items()),
            "analytics.changes_title", "analytics.day", "analytics.changes"), key="analytics_changes")


def _verdict_chart(verdicts: list[dict]) -> None:
    order = {label: i for i, label in enumerate(ratings.LABELS)}
    verdicts = sorted(verdicts, key=lambda r: order.get(r["label"], len(order)))
    labels = [_label(r["label"]) for r in verdicts]
    st.plotly_chart(_figure(
        [go.Bar(name=t("analytics.latest_verdicts"), x=labels, y=[r["verdicts"] for r in verdicts]),
         go.Bar(name=t("analytics.published"), x=labels, y=[r["published"] for r in verdicts])],
        "analytics.verdicts_title", "analytics.label", "analytics.claims", barmode="group"), key="analytics_verdicts")


def _timing_charts(summary: list[dict], histogram: list[dict]) -> None:
    cols = st.columns(len(summary))
    for col, row in zip(cols, summary):
        col.metric(t(f"analytics.stage.{row['stage']}"), t("analytics.hours", hours=f"{row['median_hours']:.1f}"),
                   help=t("analytics.median_help", claims=row["claims"]), border=True)
    buckets = [t(f"analytics.bucket.{name}") for _, name in analytics.DURATION_BUCKETS]
    named = [{**r, "bucket": buckets[r["bucket_order"]]} for r in histogram]
    fig = _figure((go.Bar(name=t(f"analytics.stage.{stage}"), x=xs, y=ys)
                   for stage, (xs, ys) in _by_series(named, "bucket", "stage", "claims").items()),
                  "analytics.timing_title", "analytics.duration", "analytics.claims", barmode="group")
    fig.update_xaxes(categoryorder="array", categoryarray=buckets)  # buckets in time order, not first-seen order
    st.plotly_chart(fig, key="analytics_timing")


def _throughput_chart(throughput: list[dict]) -> None:
    st.plotly_chart(_figure(
        (go.Bar(name=_safe(reviewer), x=xs, y=ys)
         for reviewer, (xs, ys) in _by_series(throughput, "week", "reviewer", "verdicts").items()),
        "analytics.throughput_title", "analytics.week", "analytics.verdicts", barmode="group"),
        key="analytics_throughput")


def _outlet_chart(outlets: list[dict]) -> None:
    names = [_safe(r["outlet"]) for r in reversed(outlets)]  # largest at the top of a horizontal bar chart
    st.plotly_chart(_figure(
        [go.Bar(name=t("analytics.claims"), y=names, x=[r["claims"] for r in reversed(outlets)], orientation="h"),
         go.Bar(name=t("analytics.false_claims"), y=names, x=[r["false_claims"] for r in reversed(outlets)],
                orientation="h")],
        "analytics.outlets_title", "analytics.claims", "analytics.outlet", barmode="group"), key="analytics_outlets")


def _spread_chart(spread: list[dict]) -> None:
    st.plotly_chart(_figure(
        [go.Bar(name=t("analytics.claims"), x=[r["outlets"] for r in spread], y=[r["claims"] for r in spread])],
        "analytics.spread_title", "analytics.outlet_count", "analytics.claims"), key="analytics_spread")


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _aggregates(path: str) -> tuple | None:
    """Every aggregate the page charts, for one database file; None when there is nothing to chart.

    Whole-desk aggregates scan the appearances table (about a second at 100k claims), so they are cached
    for CACHE_SECONDS per database: charts may lag new activity by that long, never by more.
    """
    db = get_db()
    try:
        if not analytics.has_data(db):
            return None
        return (analytics.claims_created_per_day(db), analytics.status_changes_per_day(db),
                analytics.verdicts_by_label(db), analytics.time_to_decision(db),
                analytics.time_to_decision_histogram(db), analytics.reviewer_throughput(db),
                analytics.outlets(db, limit=15), analytics.claim_spread(db))
    finally:
        db.close()


def render() -> None:
    """Every chart, from aggregates computed in SQL; an empty desk gets a hint instead."""
    st.title(t("analytics.title"))
    data = _aggregates(str(db_path()))
    if data is None:
        st.info(t("analytics.empty"))
        return
    created, changes, verdicts, summary, histogram, throughput, outlets, spread = data
    st.caption(t("analytics.cached", seconds=CACHE_SECONDS))
    _status_charts(created, changes)
    if verdicts:
        _verdict_chart(verdicts)
    else:
        st.info(t("analytics.no_verdicts"))
    if summary:
        st.subheader(t("analytics.timing_heading"))
        _timing_charts(summary, histogram)
    if throughput:
        _throughput_chart(throughput)
    if outlets:
        _outlet_chart(outlets)
    _spread_chart(spread)


run_safely(render)
