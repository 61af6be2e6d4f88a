"""Aggregator text pages: the real sample page and variations of the format."""
from __future__ import annotations

from pathlib import Path

import pytest

from review.ingest import IngestError, detect_format, iter_articles
from review.ingest.page import is_boilerplate, split_ticker

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SAMPLE = FIXTURES / "aggregator-page-ar.txt"
SAMPLE_TITLE = "وثائق خطيرة.. داعش سمحت لقوات بشار الأسد بدخول مدينة تدمر باتفاق"
WIDGET_LINES = ("شكرا على الإبلاغ!", "سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.")
READ_MORE = "انقر هنا لقراءة الخبر من مصدره."


def split(items: list) -> tuple[list, list]:
    """(headlines, articles) of a parsed page."""
    return [a for a in items if a.kind == "headline"], [a for a in items if a.kind == "article"]


@pytest.fixture(scope="module")
def sample() -> tuple[list, list]:
    return split(list(iter_articles(SAMPLE)))


def test_sample_is_a_page() -> None:
    assert detect_format(SAMPLE) == "page"


def test_sample_article_fields(sample: tuple[list, list]) -> None:
    _, articles = sample
    assert len(articles) == 1
    article = articles[0]
    assert article.title == SAMPLE_TITLE
    assert article.outlet == "الأول"
    assert article.published == "2016-05-03"
    assert article.language == "ar"
    assert article.line == 14
    assert article.source_file == str(SAMPLE)


def test_sample_body(sample: tuple[list, list]) -> None:
    body = sample[1][0].body
    assert body.startswith("نشرت وسائل إعلام غربية")
    assert "الوثائق التي تمّ تسريبها ونشرتها صحيفة ديلي ميل البريطانية" in body
    assert body.endswith("بمساعدة الجيش السوري الحر.")
    assert "انقر هنا" not in body
    assert not any(line in body for line in WIDGET_LINES)
    assert "نشر في" not in body
    assert len(body.split("\n\n")) == 19  # lines 17-35 of the page, one paragraph each


def test_sample_ticker(sample: tuple[list, list]) -> None:
    headlines, _ = sample
    assert len(headlines) == 54
    titles = [h.title for h in headlines]
    assert titles[0] == "رئيس مجلس النواب يجري مباحثات مع رئيس المجلس الدستوري لجمهورية تشاد"
    assert titles[9] == "انطلاق موسم دوري رابطة المقاتلين المحترفين لمنطقة الشرق الأوسط وشمال أفريقيا 2026"
    assert "كيوسك الجمعة | المغرب يتصدر قائمة الدول الإفريقية في الحد الأدنى للأجور" in titles  # ' | ' kept
    assert titles[-1] == "الفيضانات موعظة من السماء أم اختبار من الله؟"
    assert all(h.body == "" and h.line == 1 and h.source_file == str(SAMPLE) for h in headlines)
    assert all("\u00a0" not in t and t == t.strip() for t in titles)


def test_sample_survives_crlf_bom_and_no_blank_lines(tmp_path: Path, sample: tuple[list, list]) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(("\ufeff" + text.replace("\n", "\r\n")).encode())
    packed = tmp_path / "packed.txt"
    packed.write_text("\n".join(line for line in text.split("\n") if line.strip()), encoding="utf-8")
    for variant in (crlf, packed):
        headlines, articles = split(list(iter_articles(variant)))
        assert [h.title for h in headlines] == [h.title for h in sample[0]]
        assert (articles[0].title, articles[0].body, articles[0].published) == (
            sample[1][0].title, sample[1][0].body, sample[1][0].published)


@pytest.mark.parametrize(
    ("name", "headlines", "title", "outlet", "published", "body_start", "paragraphs"),
    [
        ("page-tabs-maghrebi-crlf-bom.txt",
         ["توقعات أحوال الطقس اليوم الجمعة", "ارتفاع أسعار المحروقات في المغرب", "الرجاء يتأهل إلى ربع النهائي"],
         "الحكومة تصادق على مشروع قانون المالية التعديلي", "هسبريس", "2016-09-12", "صادق مجلس الحكومة", 2),
        ("page-pipe-ticker-levantine.txt",
         ["أسعار الذهب اليوم", "مباراة الديربي تنتهي بالتعادل", "طقس بارد في العاصمة", "افتتاح معرض الكتاب"],
         "البرلمان يقر قانون الانتخابات الجديد", "النهار", "2017-01-03", "أقر مجلس النواب", 2),
        ("page-no-ticker-no-date.txt", [],
         "وزارة الصحة تطلق حملة وطنية للتلقيح ضد الحصبة", None, None, "أطلقت وزارة الصحة", 2),
        ("page-cr-slash-date.txt", ["رئيس الوزراء يستقبل وفدا اقتصاديا", "ارتفاع البورصة", "افتتاح مهرجان السينما"],
         "المصري اليوم: افتتاح خط جديد لمترو الأنفاق", "المصري اليوم", "2016-05-03", "افتتح وزير النقل", 1),
    ],
)
def test_page_variants(name, headlines, title, outlet, published, body_start, paragraphs) -> None:
    path = FIXTURES / name
    assert detect_format(path) == "page"
    got_headlines, articles = split(list(iter_articles(path)))
    assert [h.title for h in got_headlines] == headlines
    assert len(articles) == 1
    article = articles[0]
    assert (article.title, article.outlet, article.published) == (title, outlet, published)
    assert article.body.startswith(body_start)
    assert len(article.body.split("\n\n")) == paragraphs
    assert "هنا لقراءة الخبر" not in article.body and "الإبلاغ" not in article.body


def test_title_above_date_line_is_not_a_ticker(tmp_path: Path) -> None:
    page = tmp_path / "p.txt"
    page.write_text("كيوسك | الصحف | اليوم\nنشر في الأول يوم 1 - 2 - 2020\nنص.\n", encoding="utf-8")
    items = list(iter_articles(page))
    assert [(a.kind, a.title, a.published) for a in items] == [("article", "كيوسك | الصحف | اليوم", "2020-02-01")]


def test_bad_date_line_names_field_value_and_line() -> None:
    with pytest.raises(IngestError) as caught:
        list(iter_articles(FIXTURES / "page-bad-date.txt"))
    assert caught.value.line == 2
    assert "published" in caught.value.problem and "منذ ساعتين" in caught.value.problem
    assert str(caught.value).startswith(f"{FIXTURES / 'page-bad-date.txt'}:2: ")


def test_page_of_boilerplate_only_yields_nothing(tmp_path: Path) -> None:
    page = tmp_path / "p.txt"
    page.write_text("\n".join(WIDGET_LINES + (READ_MORE,)), encoding="utf-8")
    assert list(iter_articles(page)) == []


@pytest.mark.parametrize(
    "line",
    [*WIDGET_LINES, READ_MORE, "شكراً على الإبلاغ", "اضغط هنا لقراءة الخبر من مصدره", "الإبلاغ عن صورة غير لائقة",
     "سيتم حجب هذه الصورة تلقائياً عندما يتم الإبلاغ عنها من طرف عدة أشخاص."],
)
def test_boilerplate_table(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", [SAMPLE_TITLE, "شكرا على المتابعة", "انقر هنا لمشاهدة الفيديو كاملا مع التعليق"])
def test_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("أ\u00a0\u00a0\u00a0\u00a0ب | ج\u00a0\u00a0د", ["أ", "ب | ج", "د"]),
        ("أ\tب\t\tج", ["أ", "ب", "ج"]),
        ("أ | ب | ج", ["أ", "ب", "ج"]),
        ("أ | ب", []),  # a title with one ' | ' is not a ticker
        ("عنوان عادي بلا فواصل", []),
        ("كلمة\u00a0واحدة", []),  # a single no-break space is just a space
    ],
)
def test_split_ticker(line: str, expected: list[str]) -> None:
    assert split_ticker(line) == expected
