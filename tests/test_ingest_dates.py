"""Date parsing: every documented form → ISO 'YYYY-MM-DD', and clear failures."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.ingest.dates import DateError, from_struct_time, parse_date

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

MASHRIQ = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
LEVANTINE = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
             "تشرين الثاني", "كانون الأول"]
MAGHREBI = ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر"]
ALGERIAN = {1: "جانفي", 2: "فيفري", 4: "أفريل", 6: "جوان", 7: "جويلية", 8: "أوت", 9: "سبتمبر"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-05-03", "2016-05-03"),
        ("2026-02-13T09:41:00+01:00", "2026-02-13"),
        ("2016-05-03 22:10:05", "2016-05-03"),
        ("03 - 05 - 2016", "2016-05-03"),
        ("٠٣ - ٠٥ - ٢٠١٦", "2016-05-03"),
        ("03/05/2016", "2016-05-03"),
        ("3.5.2016", "2016-05-03"),
        ("2016/5/3", "2016-05-03"),
        ("05/23/2016", "2016-05-23"),  # month-first only when day-first is impossible
        ("يوم 3 ماي 2016", "2016-05-03"),
        ("الثلاثاء 3 ماي2016", "2016-05-03"),  # as written in the sample page's body
        ("3 ابريل 2016", "2016-04-03"),
        ("3 إبريل 2016", "2016-04-03"),
        ("3 أيار (مايو) 2016", "2016-05-03"),
        ("3 مايو/أيار 2016", "2016-05-03"),
        ("١٢ شتنبر ٢٠١٦", "2016-09-12"),
        ("الأحد 1 تشرين الاول 2017 - 10:30", "2017-10-01"),
        ("May 3, 2016", "2016-05-03"),
        ("Tue, 03 May 2016 10:00:00 GMT", "2016-05-03"),
    ],
)
def test_parse_date_forms(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("names", [MASHRIQ, LEVANTINE, MAGHREBI], ids=["mashriq", "levantine", "maghrebi"])
def test_every_month_name(names: list[str]) -> None:
    got = [parse_date(f"يوم 7 {name} 2019") for name in names]
    assert got == [f"2019-{month:02d}-07" for month in range(1, 13)]


def test_algerian_month_names() -> None:
    got = {month: parse_date(f"15 {name} 2020") for month, name in ALGERIAN.items()}
    assert got == {month: f"2020-{month:02d}-15" for month in ALGERIAN}


@pytest.mark.parametrize(
    "text",
    ["", "   ", "yesterday", "منذ ساعتين", "31/02/2016", "2016-13-01", "3 ماي 1437", "3 مايو 2016 4 يونيو", "3 2016"],
)
def test_unreadable_dates_raise(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.booleans())
def test_round_trip_numeric_and_named(day: dt.date, arabic_digits: bool) -> None:
    numeric = f"{day.day:02d} - {day.month:02d} - {day.year}"
    named = f"{day.day} {LEVANTINE[day.month - 1]} {day.year}"
    if arabic_digits:
        numeric, named = numeric.translate(ARABIC_INDIC), named.translate(ARABIC_INDIC)
    assert parse_date(numeric) == day.isoformat()
    assert parse_date(named) == day.isoformat()


def test_from_struct_time() -> None:
    assert from_struct_time(time.strptime("2016-05-03 23:59", "%Y-%m-%d %H:%M")) == "2016-05-03"
