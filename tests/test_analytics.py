"""Analytics queries on a desk built through the real services; AppTest of the analytics and export pages."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import app

from db import analytics, open_db
from review import sessions, users
from tests.test_export import A_TEXT, FIXTURE, build_desk

# Claims backdated (hours) so the durations differ; only claims.created_at moves, the audit trail stays real.
BACKDATE = {"A": 30, "B": 100, "C": 2}


@pytest.fixture(scope="module")
def desk_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics") / "desk.db"
    ids = build_desk(path)
    db = open_db(path)
    for key, hours in BACKDATE.items():
        db.execute("UPDATE claims SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, ?) WHERE id = ?",
                   [f"-{hours} hours", ids[key]])
    db.conn.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, ids


@pytest.fixture
def desk(desk_file):
    db = open_db(desk_file[0])  # the queries only read
    yield db, desk_file[1]
    db.close()


def test_empty_database_gives_empty_results(db):
    assert not analytics.has_data(db)
    for query in (analytics.status_changes_per_day, analytics.verdicts_by_label, analytics.verdict_time_per_week,
                  analytics.time_to_decision, analytics.time_to_decision_histogram, analytics.reviewer_throughput,
                  analytics.outlets, analytics.claim_spread):
        assert query(db) == [], query.__name__
    assert analytics.claims_by_period(db, "month") == []
    assert analytics.funnel(db) == {"claims": 0, "covered": 0, "verdict": 0, "signed_off": 0, "published": 0}


def test_claims_by_publication_date_and_status_changes(desk):
    db, ids = desk
    created = analytics.claims_by_period(db, "day")
    by_status: dict[str, int] = {}
    for row in created:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["claims"]
    first_seen = dict(db.execute("SELECT id, first_seen FROM claims").fetchall())
    dated_status = dict(db.execute("SELECT status, count(*) FROM claims WHERE first_seen IS NOT NULL GROUP BY status"))
    assert by_status == dated_status and sum(by_status.values()) >= 4
    assert first_seen[ids["C"]] is not None  # typed in by a reviewer: dated the day it was added
    articles = {json.loads(line)["id"]: json.loads(line).get("published")
                for line in FIXTURE.read_text(encoding="utf-8").splitlines()}
    assert first_seen[ids["B"]] == articles["wire-3"]  # publication, not the day it was imported
    assert {r["period"] for r in analytics.claims_by_period(db, "month")} == {
        d[:7] + "-01" for d in first_seen.values() if d}
    spans = analytics.publication_range(db)
    assert spans["dated"] == sum(by_status.values()) and spans["dated"] + spans["undated"] == 5
    changes: dict[str, int] = {}
    for row in analytics.status_changes_per_day(db):
        changes[row["status"]] = changes.get(row["status"], 0) + row["changes"]
    # 4 assignments + 1 return; 5 proposals (B twice); 3 sign-offs; 1 dismissal. Adding claims is no change.
    assert changes == {"in_review": 5, "verdict_proposed": 5, "signed_off": 3, "dismissed": 1}


def test_verdicts_by_label_counts_each_claims_latest_verdict(desk):
    db, _ = desk
    found = {r["label"]: (r["verdicts"], r["published"]) for r in analytics.verdicts_by_label(db)}
    assert found == {"False": (1, 1), "Misleading": (1, 1), "Unverifiable": (1, 1), "True": (1, 0)}


def test_time_to_decision_median_and_distribution(desk):
    db, _ = desk
    summary = {r["stage"]: r for r in analytics.time_to_decision(db)}
    assert [r for r in summary] == list(analytics.STAGES)
    assert summary["to_verdict"]["claims"] == 4  # A, B, C, D
    assert summary["to_verdict"]["median_hours"] == pytest.approx((2 + 30) / 2, abs=0.05)  # 0, 2, 30, 100
    assert summary["to_verdict"]["max_hours"] == pytest.approx(100, abs=0.05)
    assert summary["to_publish"]["claims"] == 3
    assert summary["to_publish"]["median_hours"] == pytest.approx(30, abs=0.05)
    assert summary["to_signoff"]["claims"] == 3 and summary["to_signoff"]["max_hours"] < 0.05
    histogram = {(r["stage"], r["bucket"]): r["claims"] for r in analytics.time_to_decision_histogram(db)}
    assert histogram == {
        ("to_verdict", "lt_1h"): 1, ("to_verdict", "1_6h"): 1, ("to_verdict", "1_3d"): 1, ("to_verdict", "3_7d"): 1,
        ("to_signoff", "lt_1h"): 3,
        ("to_publish", "1_6h"): 1, ("to_publish", "1_3d"): 1, ("to_publish", "3_7d"): 1,
    }


def test_reviewer_throughput_per_week(desk):
    db, _ = desk
    rows = analytics.reviewer_throughput(db)
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    weeks = {r["week"] for r in rows}
    assert len(weeks) <= 2 and max(weeks) == monday.isoformat()  # UTC vs local date may differ by one day
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["reviewer"]] = totals.get(row["reviewer"], 0) + row["verdicts"]
    assert totals == {"rita": 3, "rami": 2}  # rami's returned verdict counts: it was work done


def test_outlets_and_claim_spread(desk):
    db, _ = desk
    assert analytics.outlets(db) == [
        {"outlet": "Daily Post", "claims": 3, "false_claims": 1},  # A (False), D (not signed off), E
        {"outlet": "Gulf Wire, Ltd.", "claims": 1, "false_claims": 1},  # B (Misleading)
        {"outlet": "الصباح", "claims": 1, "false_claims": 1},  # A, in two of its articles
    ]
    assert analytics.outlets(db, order="false_claims", limit=1)[0]["outlet"] == "Daily Post"
    assert analytics.claim_spread(db) == [{"outlets": 0, "claims": 1}, {"outlets": 1, "claims": 3},
                                          {"outlets": 2, "claims": 1}]


# --- AppTest: the pages' render() run the way dashboard.py runs them (login state, run_safely) ---

def _page(path, monkeypatch, page: str, user: str, language: str = "en") -> AppTest:
    """The real dashboard, already logged in as ``user``, switched to ``page``."""
    db = open_db(path)
    account = users.get_user(db, user)
    at = app(path, monkeypatch)
    at.session_state["user_id"] = account.id
    at.session_state["session"] = sessions.start_session(db, b"test-secret", account)  # as a login leaves it
    db.close()
    at.session_state["ui_language"] = language
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def _charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart on the page by its title."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"]["title"]["text"]: s for s in specs}


@pytest.mark.parametrize("user", ["admin", "eddie", "rita"])
def test_analytics_page_charts_real_numbers(desk_file, monkeypatch, user):
    at = _page(desk_file[0], monkeypatch, "analytics", user)
    charts = _charts(at)
    assert len(charts) == 8
    funnel = charts["From claim to published verdict"]["data"][0]
    assert funnel["x"] == [5, 1, 4, 3, 3]  # claims, covered, with a verdict, signed off, published
    for spec in charts.values():  # counts are whole numbers: no 0.5-claim ticks
        if spec["data"][0]["type"] == "bar":
            counts = "xaxis" if spec["data"][0].get("orientation") == "h" else "yaxis"
            assert spec["layout"][counts]["tickformat"] == "d"
    false_bars = charts["Outlets by published False, Mostly false or Misleading verdicts"]["data"][0]
    assert sorted(false_bars["x"]) == [1, 1, 1]
    spread = charts["Claim spread: how many outlets carried each claim"]["data"][0]
    assert (spread["x"], spread["y"]) == (["0", "1", "2"], [1, 3, 1])
    verdicts = charts["Verdicts by label (each claim's latest verdict)"]["data"]
    assert verdicts[0]["x"] == ["True", "Misleading", "False", "Unverifiable"]  # scale order
    assert (verdicts[0]["y"], verdicts[1]["y"]) == ([1, 1, 1, 1], [0, 1, 1, 1])
    outlets = charts["Outlets by claims"]["data"]
    assert outlets[0]["y"][-1] == "Daily Post" and outlets[0]["x"][-1] == 3
    timing = charts["Time to decision: distribution"]
    assert timing["layout"]["xaxis"]["categoryarray"][0] == "under 1 hour"
    assert {m.label: m.value for m in at.metric}["Claim → published"] == "30.0 h"


def test_analytics_page_in_arabic(desk_file, monkeypatch):
    at = _page(desk_file[0], monkeypatch, "analytics", "rita", language="ar")
    assert at.title[0].value == "الإحصاءات"
    verdicts = _charts(at)["الأحكام حسب التصنيف (آخر حكم لكل ادعاء)"]["data"][0]
    assert verdicts["x"] == ["صحيح", "مضلل", "خاطئ", "لا يمكن التحقق"]


@pytest.mark.parametrize("page", ["analytics", "export"])
def test_pages_on_an_empty_desk_show_a_hint(tmp_path, monkeypatch, page):
    path = tmp_path / "empty.db"
    db = open_db(path)
    users.add_user(db, None, "admin", "correct horse battery", "admin")
    db.close()
    at = _page(path, monkeypatch, page, "admin")
    assert at.info and not at.get("plotly_chart") and not at.get("download_button")


@pytest.mark.parametrize("user", ["admin", "eddie", "rita"])
def test_export_page_counts_previews_and_offers_both_downloads(desk_file, monkeypatch, user):
    at = _page(desk_file[0], monkeypatch, "export", user)
    assert at.metric[0].value == "3"
    assert len(at.get("download_button")) == 2
    preview = at.dataframe[0].value
    assert len(preview) == 3 and A_TEXT in set(preview["Claim"])


def test_export_page_date_filter(desk_file, monkeypatch):
    at = _page(desk_file[0], monkeypatch, "export", "eddie")
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    at.date_input(key="export_since").set_value(tomorrow).run()
    assert at.metric[0].value == "0" and at.info and not at.get("download_button")
    at.date_input(key="export_until").set_value(tomorrow - dt.timedelta(days=5)).run()
    assert at.warning and not at.metric
    at.date_input(key="export_since").set_value(None).run()
    assert at.metric[0].value == "0"  # until is before every sign-off


def test_a_desk_of_one_day_and_one_outlet_gets_sentences_not_giant_bars(tmp_path, monkeypatch):
    from pathlib import Path

    from review.importing import import_file
    from tests.apptest_helpers import page_text

    path = tmp_path / "one-day.db"
    db = open_db(path)
    users.add_user(db, None, "admin", "correct horse battery", "admin")
    import_file(db, Path(__file__).resolve().parents[1] / "samples" / "aggregator-page-ar.txt")  # one page, one date
    db.close()
    at = _page(path, monkeypatch, "analytics", "admin", language="ar")
    charts = _charts(at)
    text = page_text(at)
    assert "نُشرت كل الادعاءات المؤرخة" in text and "مايو 2016" in text  # one period: said, with an Arabic month
    assert "كل الادعاءات" in text and "من منفذ واحد" in text  # one outlet: said, not drawn
    assert not any("حسب يوم أول نشر" in title or "حسب شهر أول نشر" in title for title in charts)
    assert "من الادعاء إلى الحكم المنشور" in charts  # the funnel is always worth drawing
