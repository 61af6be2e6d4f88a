"""JSON Lines and CSV feeds: good files, gzip, and every malformed case with file:line messages."""
from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from review.ingest import IngestError, detect_format, iter_articles
from review.models import Article

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def test_good_jsonl() -> None:
    path = FIXTURES / "good.jsonl"
    got = list(iter_articles(path))
    assert got == [
        Article(kind="article", title="وزارة الصحة تطلق حملة للتلقيح", body="أطلقت الوزارة حملة وطنية.",
                outlet="هسبريس", url="https://example.ma/1", published="2016-05-03", language="ar",
                source_file=str(path), source_id="a-1", line=1),
        Article(kind="article", title="Flood relief set at 3 billion dirhams", language="en",  # detected
                source_file=str(path), source_id="a-2", line=2),
        Article(kind="headline", title="", body="نص بلا عنوان يكفي لأن الجسم غير فارغ", published="2016-05-03",
                language="ar", source_file=str(path), source_id="17", line=4),  # line 3 is blank
        Article(kind="factcheck", title="Claim: the video is from 2021", body="Rating: false.",
                published="2016-05-03", language="en", source_file=str(path), source_id="fc-9", line=5),
    ]


def test_good_csv() -> None:
    path = FIXTURES / "good.csv"
    assert detect_format(path) == "csv"
    got = list(iter_articles(path))
    assert [(a.kind, a.source_id, a.line) for a in got] == [("article", "c-1", 2), ("article", "c-2", 5),
                                                            ("factcheck", "c-3", 7)]
    first, second, third = got
    assert first.body == "أطلقت الوزارة حملة وطنية.\n\nوتستمر الحملة ثلاثة أسابيع."  # quoted multi-line cell
    assert (first.outlet, first.url, first.published, first.language) == (
        "هسبريس", "https://example.ma/1", "2016-05-03", "ar")
    assert (second.title, second.body, second.outlet, second.url, second.language) == (
        "Flood relief, set at 3 billion dirhams", "", None, None, "en")
    assert (third.body, third.outlet, third.published) == ('He said "no".', "Snopes", "2016-05-03")


def test_real_corpus_sample_plain_and_gzip() -> None:
    plain = list(iter_articles(FIXTURES / "marsum-sample.jsonl"))
    zipped = list(iter_articles(FIXTURES / "marsum-sample.jsonl.gz"))
    assert detect_format(FIXTURES / "marsum-sample.jsonl.gz") == "jsonl"
    expected = [json.loads(line) for line in (FIXTURES / "marsum-sample.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(a.source_id, a.title, a.body, a.outlet, a.language) for a in plain] == [
        (r["id"], r["title"], r["body"].strip(), r["outlet"], r["language"]) for r in expected]
    assert [a.source_id for a in zipped] == [a.source_id for a in plain]
    assert [a.source_file for a in zipped] == [str(FIXTURES / "marsum-sample.jsonl.gz")] * 3


@pytest.mark.parametrize(
    ("name", "line", "fragment", "good_before"),
    [
        ("truncated.jsonl", 3, "truncated", 2),
        ("invalid-line3.jsonl", 3, "invalid JSON", 2),
        ("bad-utf8.jsonl", 2, "UTF-8", 1),
        ("not-object.jsonl", 2, "expected a JSON object, found an array", 1),
        ("missing-fields.jsonl", 2, "title or body must be non-empty", 1),
        ("wrong-type.jsonl", 3, "field 'title' must be a string or null, found an array", 2),
        ("bad-date.jsonl", 2, "unparseable date in field 'published': 'yesterday'", 1),
        ("missing-column.csv", 3, "missing column: expected 7 columns as in the header, found 6", 1),
        ("extra-column.csv", 3, "extra column: expected 7 columns as in the header, found 8", 1),
    ],
)
def test_bad_record_names_file_and_line(name: str, line: int, fragment: str, good_before: int) -> None:
    path = FIXTURES / name
    fmt = "csv" if name.endswith(".csv") else "jsonl"
    got: list[Article] = []
    with pytest.raises(IngestError) as caught:
        for article in iter_articles(path, fmt):  # explicit format: records before the bad one stream out
            got.append(article)
    error = caught.value
    assert (error.path, error.line) == (str(path), line)
    assert fragment in error.problem
    assert str(error) == f"{path}:{line}: {error.problem}"
    assert len(got) == good_before


def test_invalid_json_on_line_3_message() -> None:
    with pytest.raises(IngestError, match=r"invalid-line3\.jsonl:3: invalid JSON"):
        list(iter_articles(FIXTURES / "invalid-line3.jsonl"))


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("empty.jsonl", "empty file"), ("empty.csv", "empty file"), ("blank-lines-only.jsonl", "empty file"),
     ("binary.jsonl", "binary file")],
)
def test_empty_and_binary_files(name: str, fragment: str) -> None:
    path = FIXTURES / name
    for call in (lambda: detect_format(path), lambda: list(iter_articles(path)), lambda: list(iter_articles(path, "jsonl"))):
        with pytest.raises(IngestError) as caught:
            call()
        assert fragment in caught.value.problem and caught.value.line is None
        assert str(caught.value) == f"{path}: {caught.value.problem}"


def test_header_missing_required_columns() -> None:
    with pytest.raises(IngestError) as caught:
        list(iter_articles(FIXTURES / "header-missing.csv"))
    assert caught.value.line == 1
    assert caught.value.problem == "CSV header lacks required columns: title, outlet, published, language"


def test_on_error_skips_bad_records_and_continues() -> None:
    skipped: list[IngestError] = []
    got = list(iter_articles(FIXTURES / "invalid-line3.jsonl", on_error=skipped.append))
    assert [a.source_id for a in got] == ["r1", "r2", "r4"]
    assert [e.line for e in skipped] == [3]
    skipped.clear()
    got = list(iter_articles(FIXTURES / "bad-utf8.jsonl", "jsonl", on_error=skipped.append))
    assert [a.source_id for a in got] == ["r1", "r3"] and [e.line for e in skipped] == [2]


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        ({"title": "x", "kind": "opinion"}, "field 'kind' must be one of"),
        ({"title": "x", "language": "fr"}, "field 'language' must be 'ar' or 'en'"),
        ({"title": "x", "id": True}, "field 'id' must be a string, number or null"),
        ({"title": "x", "published": 20160503}, "field 'published' must be a string or null, found a number"),
        ({"title": "x", "published": "2016-02-30"}, "unparseable date in field 'published': '2016-02-30'"),
        ({"body": None}, "title or body must be non-empty"),
    ],
)
def test_field_checks(tmp_path: Path, record: dict, fragment: str) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match=":1: ") as caught:
        list(iter_articles(path))
    assert fragment in caught.value.problem


def test_csv_header_in_any_order_with_bom_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text("\ufeffLanguage,Published,Outlet,URL,Body,Title,ID,notes\nen,2020-01-02,,,b,t,9,x\n", encoding="utf-8")
    (article,) = iter_articles(path)
    assert (article.title, article.body, article.source_id, article.published, article.language) == (
        "t", "b", "9", "2020-01-02", "en")


def test_gzip_csv_and_damaged_gzip(tmp_path: Path) -> None:
    good = tmp_path / "feed.csv.gz"
    good.write_bytes(gzip.compress((FIXTURES / "good.csv").read_bytes()))
    assert detect_format(good) == "csv"
    assert [a.source_id for a in iter_articles(good)] == ["c-1", "c-2", "c-3"]
    damaged = tmp_path / "feed.jsonl.gz"
    damaged.write_bytes(gzip.compress((FIXTURES / "marsum-sample.jsonl").read_bytes() * 50)[:-40])
    with pytest.raises(IngestError, match="gzip"):
        list(iter_articles(damaged))
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_text('{"title": "x"}\n', encoding="utf-8")
    with pytest.raises(IngestError, match="not a gzip file"):
        detect_format(fake)


def test_jsonl_streams_with_bounded_memory(tmp_path: Path) -> None:
    # 8,000 records (~7 MB): reading the whole file would hold it all; streaming holds one line.
    path = tmp_path / "big.jsonl"
    record = {"id": "x", "title": "عنوان", "body": "نص " * 150, "language": "ar"}
    with path.open("w", encoding="utf-8") as out:
        for i in range(8_000):
            out.write(json.dumps({**record, "id": str(i)}, ensure_ascii=False) + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in iter_articles(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 8_000
    assert peak < size / 10
