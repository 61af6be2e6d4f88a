"""Analytics: how claims move through the desk, what the verdicts are, who spreads what."""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

import plotly.graph_objects as go
import streamlit as st

from app_pages.bidi import caption, date_label, iso, ltr, month_label
from app_pages.common import db_path, get_db, run_safely
from app_pages.i18n import t, verdict_label
from db import analytics
from review import ratings


CACHE_SECONDS = 120


def _safe(name: object) -> str:
    """Names from the data as plotly label text: plotly reads a few HTML tags in labels, so escape them."""
    return html.escape(str(name if name not in (None, "") else "—"))


def _figure(traces: Iterable[go.BaseTraceType], title_key: str, x_key: str, y_key: str, *,
            barmode: str = "stack", counts: str = "y") -> go.Figure:
    """A chart with translated title and axis titles; the ``counts`` axis shows whole numbers only."""
    fig = go.Figure(list(traces))
    fig.update_layout(title=t(title_key), xaxis_title=t(x_key), yaxis_title=t(y_key), barmode=barmode,
                      legend_title_text="", margin={"t": 60, "b": 40})
    axis = fig.update_yaxes if counts == "y" else fig.update_xaxes
    peak = max((max(v for v in (trace.y if counts == "y" else trace.x) if v is not None) for trace in fig.data
                if (trace.y if counts == "y" else trace.x)), default=0)
    axis(tickformat="d", rangemode="tozero", dtick=1 if peak <= 10 else None)  # no 0.5 claims
    if counts == "y":
        fig.update_xaxes(type="category")  # periods, labels and counts of outlets are categories, not a scale
    return fig


def _by_series(data: list[dict], x: str, series: str, y: str) -> dict[str, tuple[list, list]]:
    """Rows {x, series, y} → {series: (xs, ys)}, keeping the rows' order."""
    grouped: dict[str, tuple[list, list]] = {}
    for row in data:
        xs, ys = grouped.setdefault(row[series], ([], []))
        xs.append(row[x])
        ys.append(row[y])
    return grouped


def _period_label(value: str, period: str) -> str:
    """A day, week or month in the interface language ('Aug 2015' / 'أغسطس 2015')."""
    return month_label(value) if period == "month" else date_label(value)


def _period_for(first: str, last: str) -> str:
    """Day, week or month buckets so that a chart has tens of bars, not thousands or one."""
    span = (dt.date.fromisoformat(last[:10]) - dt.date.fromisoformat(first[:10])).days
    return "day" if span <= 31 else "week" if span <= 366 else "month"


def _funnel(counts: dict[str, int]) -> None:
    stages = list(counts)
    fig = go.Figure(go.Funnel(y=[t(f"analytics.funnel.{s}") for s in stages], x=[counts[s] for s in stages],
                              textinfo="value+percent initial"))
    fig.update_layout(title=t("analytics.funnel_title"), margin={"t": 60, "b": 40})
    st.plotly_chart(fig, key="analytics_funnel")


def _publication_chart(db_range: dict, by_period: list[dict], period: str) -> None:
    if db_range["undated"]:
        caption(t("analytics.undated", n=ltr(db_range["undated"])))
    periods = {r["period"] for r in by_period}
    if len(periods) <= 1:  # one bar says less than one sentence
        if periods:
            caption(t("analytics.one_period", n=ltr(db_range["dated"]), when=_period_label(next(iter(periods)),
                                                                                          period)))
        return
    named = [{**r, "label": _period_label(r["period"], period)} for r in by_period]
    order = [_period_label(p, period) for p in sorted(periods)]
    fig = _figure((go.Bar(name=t(f"analytics.status.{status}"), x=xs, y=ys)
                   for status, (xs, ys) in _by_series(named, "label", "status", "claims").items()),
                  f"analytics.published_title_{period}", f"analytics.{period}", "analytics.claims")
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    st.plotly_chart(fig, key="analytics_created")


def _changes_chart(changes: list[dict]) -> None:
    days = sorted({r["day"] for r in changes})
    if len(days) <= 1:
        caption(t("analytics.changes_one_day", n=ltr(sum(r["changes"] for r in changes)),
                  day=date_label(days[0])))
        return
    named = [{**r, "label": date_label(r["day"])} for r in changes]
    fig = _figure((go.Bar(name=t(f"analytics.status.{status}"), x=xs, y=ys)
                   for status, (xs, ys) in _by_series(named, "label", "status", "changes").items()),
                  "analytics.changes_title", "analytics.day", "analytics.changes")
    fig.update_xaxes(categoryorder="array", categoryarray=[date_label(d) for d in days])
    st.plotly_chart(fig, key="analytics_changes")


def _verdict_chart(verdicts: list[dict]) -> None:
    order = {label: i for i, label in enumerate(ratings.LABELS)}
    verdicts = sorted(verdicts, key=lambda r: order.get(r["label"], len(order)))
    labels = [_safe(verdict_label(r["label"])) for r in verdicts]
    st.plotly_chart(_figure(
        [go.Bar(name=t("analytics.latest_verdicts"), x=labels, y=[r["verdicts"] for r in verdicts]),
         go.Bar(name=t("analytics.published"), x=labels, y=[r["published"] for r in verdicts])],
        "analytics.verdicts_title", "analytics.label", "analytics.claims", barmode="group"), key="analytics_verdicts")


def _timing_charts(summary: list[dict], histogram: list[dict], weekly: list[dict]) -> None:
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
    if len(weekly) >= 2:
        fig = go.Figure(go.Scatter(x=[date_label(w["week"]) for w in weekly], y=[w["median_hours"] for w in weekly],
                                   mode="lines+markers", text=[t("analytics.median_help", claims=w["claims"])
                                                               for w in weekly]))
        fig.update_layout(title=t("analytics.weekly_title"), xaxis_title=t("analytics.week"),
                          yaxis_title=t("analytics.median_hours"), margin={"t": 60, "b": 40})
        fig.update_xaxes(type="category")
        fig.update_yaxes(rangemode="tozero")
        st.plotly_chart(fig, key="analytics_weekly")


def _throughput_chart(throughput: list[dict]) -> None:
    named = [{**r, "label": date_label(r["week"])} for r in throughput]
    st.plotly_chart(_figure(
        (go.Bar(name=_safe(reviewer), x=xs, y=ys)
         for reviewer, (xs, ys) in _by_series(named, "label", "reviewer", "verdicts").items()),
        "analytics.throughput_title", "analytics.week", "analytics.verdicts", barmode="group"),
        key="analytics_throughput")


def _outlet_charts(outlets: list[dict]) -> None:
    if len(outlets) <= 1:
        only = outlets[0]
        caption(t("analytics.one_outlet", outlet=iso(only["outlet"]), n=ltr(only["claims"])))
    else:
        ordered = list(reversed(outlets))  # largest at the top of a horizontal bar chart
        st.plotly_chart(_figure(
            [go.Bar(name=t("analytics.claims"), y=[_safe(r["outlet"]) for r in ordered],
                    x=[r["claims"] for r in ordered], orientation="h")],
            "analytics.outlets_title", "analytics.claims", "analytics.outlet", counts="x"), key="analytics_outlets")
    flagged = sorted((r for r in outlets if r["false_claims"]), key=lambda r: r["false_claims"])
    if flagged:  # its own chart: beside claim counts in the hundreds these bars were invisible
        st.plotly_chart(_figure(
            [go.Bar(name=t("analytics.false_claims"), y=[_safe(r["outlet"]) for r in flagged],
                    x=[r["false_claims"] for r in flagged], orientation="h")],
            "analytics.false_title", "analytics.false_claims", "analytics.outlet", counts="x"),
            key="analytics_false")


def _spread_chart(spread: list[dict]) -> None:
    st.plotly_chart(_figure(
        [go.Bar(name=t("analytics.claims"), x=[str(r["outlets"]) for r in spread], y=[r["claims"] for r in spread])],
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
        spans = analytics.publication_range(db)
        period = _period_for(spans["first"], spans["last"]) if spans["first"] else "day"
        return (spans, period, analytics.claims_by_period(db, period), analytics.status_changes_per_day(db),
                analytics.verdicts_by_label(db), analytics.time_to_decision(db),
                analytics.time_to_decision_histogram(db), analytics.verdict_time_per_week(db),
                analytics.reviewer_throughput(db), analytics.outlets(db, limit=15), analytics.claim_spread(db),
                analytics.funnel(db))
    finally:
        db.close()


def render() -> None:
    """Every chart, from aggregates computed in SQL; an empty desk gets a hint instead."""
    st.title(t("analytics.title"))
    data = _aggregates(str(db_path()))
    if data is None:
        st.info(t("analytics.empty"))
        return
    (spans, period, by_period, changes, verdicts, summary, histogram, weekly, throughput, outlets, spread,
     funnel) = data
    caption(t("analytics.cached", seconds=CACHE_SECONDS))
    _funnel(funnel)
    _publication_chart(spans, by_period, period)
    if changes:
        _changes_chart(changes)
    if verdicts:
        _verdict_chart(verdicts)
    else:
        st.info(t("analytics.no_verdicts"))
    if summary:
        st.subheader(t("analytics.timing_heading"))
        _timing_charts(summary, histogram, weekly)
    if throughput:
        _throughput_chart(throughput)
    if outlets:
        _outlet_charts(outlets)
    _spread_chart(spread)


run_safely(render)
