"""Export of signed-off reviews (ClaimReview JSON-LD, CSV, CLI function) on a desk built through the real services."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from db import open_db
from review import claim_actions, export, ratings, reviewing, users
from review.importing import import_file
from review.organisation import Organisation, get_organisation, save_organisation

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "export" / "articles.jsonl"
PASSWORD = "correct horse battery"
TEAM = (("admin", "admin"), ("rita", "reviewer"), ("rami", "reviewer"), ("eddie", "editor"), ("edna", "editor"))

A_TEXT = "قالت وزارة الصحة إنها سجلت 500 إصابة جديدة خلال يوم واحد، وإن الوضع \"مستقر\"."
A_RATIONALE = 'The bulletin says 50 cases, not 500.\nSee page "2", table 1; النشرة الرسمية، صفحة ٢.'
B_TEXT = "Unemployment fell to 3 percent in 2024, the minister said on Monday."
C_TEXT = '=HYPERLINK("https://evil.example/x","click me")'
D_TEXT = "The deficit doubled in 2024, according to the finance committee."
E_TEXT = "Bread prices rose by 40 percent last month in every city."
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ORG = Organisation(name="Tabayyun Desk", url="https://desk.example", verdict_url="https://desk.example/checks/{id}",
                   logo_url="https://desk.example/logo.png", language="ar")


def _v(db, claim_id: int) -> int:
    return db.execute("SELECT version FROM claims WHERE id = ?", [claim_id]).fetchone()[0]


def _propose(db, reviewer: str, claim_id: int, label: str, rationale: str, urls: list[str]) -> None:
    reviewing.propose_verdict(db, reviewer, claim_id, _v(db, claim_id), label=label, rationale=rationale,
                              evidence_urls=urls)


def build_desk(path: Path) -> dict[str, int]:
    """Users, items, claims and reviews in every state, made only through the services; returns claim ids."""
    db = open_db(path)
    for name, role in TEAM:
        users.add_user(db, None, name, PASSWORD, role)
    save_organisation(db, "admin", dataclasses.asdict(ORG))
    items = import_file(db, FIXTURE, claims=False).item_ids  # sabah-1, post-7, sabah-2, wire-3, post-9
    ids = {"A": claim_actions.add_claim(db, "rita", A_TEXT, item_id=items[0])["id"]}
    for item in items[1:3]:
        claim_actions.add_claim(db, "rita", A_TEXT, item_id=item)
    ids["B"] = claim_actions.add_claim(db, "rami", B_TEXT, item_id=items[3])["id"]
    ids["C"] = claim_actions.add_claim(db, "rita", C_TEXT)["id"]
    ids["D"] = claim_actions.add_claim(db, "rita", D_TEXT, item_id=items[4])["id"]
    ids["E"] = claim_actions.add_claim(db, "rita", E_TEXT, item_id=items[1])["id"]

    for key, reviewer in (("A", "rita"), ("B", "rami"), ("C", "rita"), ("D", "rita")):
        reviewing.assign(db, reviewer, ids[key], _v(db, ids[key]), reviewer)
    _propose(db, "rita", ids["A"], "False", A_RATIONALE, ["https://moh.example/bulletin?d=1,2"])
    reviewing.sign_off(db, "eddie", ids["A"], _v(db, ids["A"]))
    _propose(db, "rami", ids["B"], "Mostly true", "Close to the official rate.", ["https://stats.example/q4"])
    reviewing.return_verdict(db, "eddie", ids["B"], _v(db, ids["B"]), "the official rate is 3.9")
    _propose(db, "rami", ids["B"], "Misleading", "The rate was 3.9 percent, not 3.", ["https://stats.example/q4"])
    reviewing.sign_off(db, "edna", ids["B"], _v(db, ids["B"]))
    _propose(db, "rita", ids["C"], "Unverifiable", "-No source could be found.", ["https://example.org/none"])
    reviewing.sign_off(db, "edna", ids["C"], _v(db, ids["C"]))
    _propose(db, "rita", ids["D"], "True", "Committee report, page 4.", ["https://parliament.example/r"])
    reviewing.dismiss(db, "rita", ids["E"], _v(db, ids["E"]), "opinion, not a claim")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return ids


@pytest.fixture(scope="module")
def desk_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("desk") / "desk.db"
    return path, build_desk(path)


@pytest.fixture
def desk(desk_template, tmp_path):
    template, ids = desk_template
    path = tmp_path / "desk.db"
    shutil.copyfile(template, path)
    db = open_db(path)
    yield db, ids
    db.close()


def assert_claimreview(review: dict) -> None:
    """What Google's fact-check structured data documentation marks required (claimReviewed, reviewRating with
    alternateName, url) and recommended (author, datePublished, itemReviewed: a Claim with appearance,
    firstAppearance, author and datePublished when known; rating bestRating/worstRating/ratingValue), typed."""
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"].strip()
    assert re.match(r"^https://desk\.example/checks/\d+$", review["url"])  # the public verdict, not the desk
    assert "localhost" not in json.dumps(review) and "review?claim" not in review["url"]
    assert DATE_RE.match(review["datePublished"])
    assert review["author"] == {"@type": "Organization", "name": ORG.name, "url": ORG.url,
                                "logo": {"@type": "ImageObject", "url": ORG.logo_url}}
    assert review["publisher"] == review["author"]
    assert review["inLanguage"] in ("ar", "en")
    for citation in review.get("citation", []):
        assert citation["@type"] == "CreativeWork" and re.match(r"^https?://", citation["url"])
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"] in ratings.LABELS
    assert (rating["bestRating"], rating["worstRating"]) == (5, 1)
    if rating["alternateName"] == "Unverifiable":
        assert "ratingValue" not in rating
    else:
        assert isinstance(rating["ratingValue"], int) and 1 <= rating["ratingValue"] <= 5
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    for work in claim.get("appearance", []) + ([claim["firstAppearance"]] if "firstAppearance" in claim else []):
        assert work["@type"] == "CreativeWork" and re.match(r"^https?://", work["url"])
        assert isinstance(work["headline"], str)
        assert work["publisher"]["@type"] == "Organization" and work["publisher"]["name"]
        assert "datePublished" not in work or DATE_RE.match(work["datePublished"])
    if "firstAppearance" in claim:
        assert claim["firstAppearance"] in claim["appearance"]
        assert claim["author"]["@type"] == "Organization"
        assert claim["author"]["name"] == claim["firstAppearance"]["publisher"]["name"]


def test_only_signed_off_claims_with_their_latest_verdict_and_approval(desk):
    db, ids = desk
    records = {r.claim_id: r for r in export.signed_off_reviews(db, None, None)}
    assert set(records) == {ids["A"], ids["B"], ids["C"]}  # D awaits sign-off, E was dismissed
    a, b, c = records[ids["A"]], records[ids["B"]], records[ids["C"]]
    assert (a.label, a.reviewer, a.editor, a.rationale) == ("False", "rita", "eddie", A_RATIONALE)
    assert a.evidence_urls == ("https://moh.example/bulletin?d=1,2",)
    assert (b.label, b.reviewer, b.editor) == ("Misleading", "rami", "edna")  # not the returned "Mostly true"
    assert [x.outlet for x in a.appearances] == ["Daily Post", "الصباح", "الصباح"]
    assert a.first_appearance.url == "https://dailypost.example/p/7"
    assert b.first_appearance.published is None and c.appearances == ()


def test_claimreview_structure_and_values(desk):
    db, ids = desk
    records = export.signed_off_reviews(db, None, None)
    reviews = json.loads(export.to_json(records, organisation=get_organisation(db)))
    assert len(reviews) == 3 and len({r["url"] for r in reviews}) == 3
    for review in reviews:
        assert_claimreview(review)
    by_url = {r["url"]: r for r in reviews}
    a = by_url[f"https://desk.example/checks/{ids['A']}"]
    assert a["claimReviewed"] == A_TEXT
    assert a["inLanguage"] == "en"  # the review is written in English, though the claim is Arabic
    assert a["citation"] == [{"@type": "CreativeWork", "url": "https://moh.example/bulletin?d=1,2"}]
    assert a["itemReviewed"]["author"] == {"@type": "Organization", "name": "Daily Post",
                                           "url": "https://dailypost.example"}
    assert a["reviewRating"]["ratingValue"] == 1 and a["reviewRating"]["alternateName"] == "False"
    assert a["datePublished"] == records[0].signed_off_at[:10]
    claim = a["itemReviewed"]
    assert claim["datePublished"] == "2025-02-20"
    assert claim["firstAppearance"]["url"] == "https://dailypost.example/p/7"
    assert claim["firstAppearance"]["publisher"]["name"] == "Daily Post"
    assert sorted(w["datePublished"] for w in claim["appearance"]) == ["2025-02-20", "2025-03-01", "2025-03-05"]
    b = by_url[f"https://desk.example/checks/{ids['B']}"]
    assert b["reviewRating"]["ratingValue"] == 3 and "datePublished" not in b["itemReviewed"]
    assert b["itemReviewed"]["firstAppearance"]["publisher"]["name"] == "Gulf Wire, Ltd."
    c = by_url[f"https://desk.example/checks/{ids['C']}"]
    assert c["itemReviewed"] == {"@type": "Claim"} and "ratingValue" not in c["reviewRating"]


def test_publisher_and_address_can_be_overridden_for_one_export(desk):
    db, ids = desk
    records = export.signed_off_reviews(db, None, None)
    reviews = export.to_claimreview(records, organisation=get_organisation(db), publisher_name="مرصد",
                                    base_url="https://marsad.example/v/")
    assert {r["author"]["name"] for r in reviews} == {"مرصد"}
    assert f"https://marsad.example/v/{ids['A']}" in {r["url"] for r in reviews}  # no {id}: appended


def test_claimreview_refuses_to_point_at_nothing(desk):
    db, _ = desk
    records = export.signed_off_reviews(db, None, None)
    with pytest.raises(export.ExportError, match="public address"):
        export.to_claimreview(records, organisation=Organisation(name="Desk"))
    with pytest.raises(export.ExportError, match="no name"):
        export.to_claimreview(records, organisation=Organisation(verdict_url="https://x.example/{id}"))
    rows = _parse(export.to_csv(records, organisation=Organisation()))
    assert {r["review_url"] for r in rows} == {""}  # the spreadsheet works, without a made-up address


def test_date_filter_on_sign_off_date(desk):
    db, _ = desk
    day = dt.date.fromisoformat(export.signed_off_reviews(db)[0].signed_off_at[:10])
    before, after = (day - dt.timedelta(days=1)).isoformat(), (day + dt.timedelta(days=1)).isoformat()
    assert len(export.signed_off_reviews(db, day.isoformat(), day.isoformat())) == 3
    assert len(export.signed_off_reviews(db, before, None)) == 3
    assert export.signed_off_reviews(db, after, None) == []
    assert export.signed_off_reviews(db, None, before) == []
    with pytest.raises(export.ExportError):
        export.signed_off_reviews(db, "yesterday", None)


def _parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_round_trips_commas_quotes_newlines_and_arabic(desk):
    db, ids = desk
    rows = {int(r["claim_id"]): r for r in _parse(export.to_csv(export.signed_off_reviews(db)))}
    assert set(rows) == {ids["A"], ids["B"], ids["C"]}
    a = rows[ids["A"]]
    assert a["claim"] == A_TEXT and a["rationale"] == A_RATIONALE
    assert a["evidence_urls"] == "https://moh.example/bulletin?d=1,2"
    assert (a["first_appearance_outlet"], a["first_appearance_published"]) == ("Daily Post", "2025-02-20")
    assert a["outlets"] == "Daily Post; الصباح" and a["appearances"] == "3" and a["rating_value"] == "1"
    assert rows[ids["B"]]["first_appearance_outlet"] == "Gulf Wire, Ltd."
    assert rows[ids["B"]]["first_appearance_title"] == "Minister: unemployment fell to 3 percent"
    c = rows[ids["C"]]  # a formula typed in as a claim, a rationale starting with '-'
    assert c["claim"] == "'" + C_TEXT and c["rationale"] == "'-No source could be found."
    assert c["rating_value"] == "" and c["first_appearance_url"] == ""


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # spelled out here, so dropping one from the module fails a test


@pytest.mark.parametrize("prefix", DANGEROUS, ids=repr)
def test_every_csv_cell_starting_with_a_formula_prefix_is_neutralised(desk, prefix):
    db, ids = desk
    record = next(r for r in export.signed_off_reviews(db) if r.claim_id == ids["A"])
    payload = prefix + 'cmd|" /C calc"!A0'
    hostile = dataclasses.replace(
        record, claim_text=payload, language=payload, rationale=payload, evidence_urls=(payload, "x"),
        reviewer=payload, editor=payload, signed_off_at=payload, first_published_at=payload,
        correction=export.Correction(previous_label=payload, reason=payload),
        appearances=(export.Appearance(item_id=1, url=payload, outlet=payload, published=payload, title=payload),))
    [row] = _parse(export.to_csv([hostile], organisation=Organisation(verdict_url=payload)))
    for column in export.CSV_COLUMNS:
        assert not row[column].startswith(DANGEROUS), column
    text_columns = set(export.CSV_COLUMNS) - {"claim_id", "label", "rating_value", "appearances"}
    for column in text_columns:
        assert row[column].startswith("'" + prefix), column
    assert row["claim"] == "'" + payload


@pytest.mark.parametrize(("value", "expected"), [
    ("3 - 2", "3 - 2"), ("a=b", "a=b"), ("الرقم -5", "الرقم -5"), (-5, "'-5"), (7, "7"), (None, ""),
    ("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\r=1", "'\r=1"), ("'=already", "'=already"),
])
def test_neutralise(value, expected):
    assert export.neutralise(value) == expected


def test_cli_export_to_file_and_stdout(desk, tmp_path, capsys):
    db, ids = desk
    out = tmp_path / "reviews.csv"
    assert export.cli_export(db, "csv", None, str(out)) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads the Arabic correctly
    rows = _parse(raw.decode("utf-8-sig"))
    assert {int(r["claim_id"]) for r in rows} == {ids["A"], ids["B"], ids["C"]}
    assert "3 reviews written" in capsys.readouterr().err
    assert export.cli_export(db, "claimreview", None, "-") == 0  # the stored organisation
    reviews = json.loads(capsys.readouterr().out)
    assert len(reviews) == 3
    for review in reviews:
        assert_claimreview(review)
    json_file = tmp_path / "reviews.json"
    assert export.cli_export(db, "claimreview", "2999-01-01", str(json_file)) == 0
    assert json.loads(json_file.read_text(encoding="utf-8")) == []


def test_cli_export_errors(desk, tmp_path, capsys):
    db, _ = desk
    assert export.cli_export(db, "xml", None, None) == export.EXIT_USAGE
    assert "unknown format" in capsys.readouterr().err
    assert export.cli_export(db, "csv", "31/12/2025", None) == export.EXIT_USAGE
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert export.cli_export(db, "csv", None, str(tmp_path / "missing" / "x.csv")) == export.EXIT_FAILED
    assert "cannot write" in capsys.readouterr().err
