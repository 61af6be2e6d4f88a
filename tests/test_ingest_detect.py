"""detect_format by extension and content, IngestError's message form, and the format argument."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from review.ingest import FORMATS, IngestError, detect_format, iter_articles

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
HTML = "<!DOCTYPE html><html><body><article><p>Some article text that is long enough.</p></article></body></html>"
RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ATOM = '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'


def test_public_names() -> None:
    assert FORMATS == ("page", "html", "jsonl", "csv", "rss")


def test_error_message_forms() -> None:
    assert str(IngestError(Path("a/b.jsonl"), 3, "invalid JSON")) == "a/b.jsonl:3: invalid JSON"
    assert str(IngestError("a/b.jsonl", None, "empty file")) == "a/b.jsonl: empty file"
    error = IngestError(Path("x.csv"), 7, "missing column")
    assert (error.path, error.line, error.problem) == ("x.csv", 7, "missing column")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.jsonl", '{"title": "x"}\n', "jsonl"),
        ("a.ndjson", '{"title": "x"}\n', "jsonl"),
        ("a.json-lines", '{"title": "x"}\n', "jsonl"),
        ("a.json", '{"title": "x"}\n', "jsonl"),
        ("a.csv", "id,title\n", "csv"),
        ("a.rss", RSS, "rss"),
        ("a.atom", ATOM, "rss"),
        ("a.xml", RSS, "rss"),
        ("a.html", HTML, "html"),
        ("a.htm", "<p>fragment</p>", "html"),
        ("a.txt", "عنوان\nنص", "page"),
        ("a.txt", "  <!doctype HTML>\n<html><body>x</body></html>", "html"),  # content wins for .txt
        ("noext", "<html lang='ar'><body>x</body></html>", "html"),
        ("noext", "<!-- saved --><!DOCTYPE html><html></html>", "html"),
        ("noext", RSS, "rss"),
        ("noext", "عنوان الخبر\nنشر في الأول يوم 03 - 05 - 2016\n", "page"),
        ("page.txt", "\ufeffplain text with a BOM", "page"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert detect_format(path) == expected


def test_detect_gzip_by_inner_extension(tmp_path: Path) -> None:
    for name, expected in (("c.jsonl.gz", "jsonl"), ("c.csv.gz", "csv")):
        path = tmp_path / name
        path.write_bytes(gzip.compress(b'{"title": "x"}\n'))
        assert detect_format(path) == expected


@pytest.mark.parametrize(
    ("content", "fragment", "line"),
    [
        (b"", "empty file", None),
        (b"  \n\n\t\n", "empty file", None),
        (b"abc\x00def", "binary file", None),
        (b"line one\nline two \xff\xfe\n", "not UTF-8", 2),
    ],
)
def test_detect_rejects_empty_and_binary(tmp_path: Path, content: bytes, fragment: str, line: int | None) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        detect_format(path)
    assert fragment in caught.value.problem and caught.value.line == line


def test_multibyte_character_cut_at_64_kb_is_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("ب" * 40_000, encoding="utf-8")  # 80,000 bytes: the 64 KB head ends between letters
    assert detect_format(path) == "page"
    path.write_text("x" + "ب" * 40_000, encoding="utf-8")  # odd offset: the head ends inside a letter
    assert detect_format(path) == "page"


def test_xml_without_feed_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "data.xml"
    path.write_text('<?xml version="1.0"?><catalog><book/></catalog>', encoding="utf-8")
    with pytest.raises(IngestError, match="not an RSS/Atom feed"):
        detect_format(path)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot open"):
        detect_format(tmp_path / "nope.jsonl")
    with pytest.raises(IngestError, match="unknown format 'xls'"):
        iter_articles(FIXTURES / "good.jsonl", "xls")


def test_explicit_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "records.txt"
    path.write_text('{"id": "1", "title": "Title"}\n', encoding="utf-8")
    assert detect_format(path) == "page"
    (article,) = iter_articles(path, "jsonl")
    assert (article.kind, article.title, article.source_id) == ("article", "Title", "1")


@pytest.mark.parametrize("name", ["README.md", "notes.dat", "photo.png.gz", "report.pdf"])
def test_unknown_file_types_are_refused_in_auto_mode(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(b"| a | b |\n") if name.endswith(".gz") else b"| a | b |\n|---|---|\n")
    with pytest.raises(IngestError, match="unknown file type"):
        detect_format(path)
    assert next(iter_articles(path, "page")).title  # an explicit --format still imports it
