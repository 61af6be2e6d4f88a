"""Saved HTML pages (trafilatura) and RSS/Atom feeds (feedparser) → Articles."""
from __future__ import annotations

from pathlib import Path

import pytest

from review.ingest import IngestError, detect_format, iter_articles
from review.ingest.rss import strip_html

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
NOISE = ("الرئيسية", "اتصل بنا", "إعلان", "جميع الحقوق", "اقرأ أيضا", "Subscribe", "cookies", "Advertisement",
         "Copyright", "By Sarah Collins")


@pytest.mark.parametrize(
    ("name", "title", "outlet", "published", "url", "language", "body_start", "body_end", "paragraphs"),
    [
        ("article-ar.html", "ارتفاع مخزون السدود إلى 11.6 مليار متر مكعب", "جريدة الأفق", "2026-02-13",
         "https://alofoq.example.ma/news/2026/02/13/dams-reserve-rise", "ar",
         "ارتفع إجمالي مخزون السدود في المغرب", "مواصلة ترشيد استهلاك المياه.", 4),
        ("article-en.html", "Flood relief budget set at 3 billion dirhams", "The Coastal Herald", "2026-02-12",
         "https://coastalherald.example.com/2026/02/12/flood-relief-budget", "en",
         "The government has approved", "publish the lists of beneficiaries.", 4),
        ("undated.html", "دليل: كيف تتحقق من صورة قبل مشاركتها", None, None, None, "ar",
         "قبل مشاركة أي صورة", "لم تتأكد من صحتها بعد.", 3),
    ],
)
def test_html_pages(name, title, outlet, published, url, language, body_start, body_end, paragraphs) -> None:
    path = FIXTURES / name
    assert detect_format(path) == "html"
    (article,) = iter_articles(path)
    assert (article.kind, article.title, article.outlet, article.published, article.url, article.language) == (
        "article", title, outlet, published, url, language)
    assert article.body.startswith(body_start) and article.body.endswith(body_end)
    assert len(article.body.split("\n\n")) == paragraphs
    assert not any(noise in article.body for noise in NOISE)
    assert article.source_file == str(path)


def test_html_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<!doctype html><html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match="no article text"):
        list(iter_articles(path))


def test_rss2_entries() -> None:
    path = FIXTURES / "feed-rss2.xml"
    assert detect_format(path) == "rss"
    got = list(iter_articles(path))
    assert [(a.source_id, a.url, a.published, a.language, a.line) for a in got] == [
        ("dw-2026-0213-001", "https://deskwire.example.org/2026/02/13/dams", "2026-02-13", "en", 7),
        ("https://deskwire.example.org/ar/2026/02/12/floods", "https://deskwire.example.org/ar/2026/02/12/floods",
         "2026-02-12", "ar", 14),
        # feedparser's tuples are UTC: 23:30 at -0500 is the next day
        ("dw-2026-0211-007", "https://deskwire.example.org/2026/02/11/storm", "2026-02-12", "en", 22),
        (None, "https://deskwire.example.org/brief/markets", None, "en", 29),
    ]
    assert {a.outlet for a in got} == {"Desk Wire"} and {a.kind for a in got} == {"article"}
    assert got[0].body == "Reservoirs now hold 69.4 per cent of capacity.\n\nLast year the figure was 28 per cent."
    # content:encoded wins over the short description; script dropped, link text kept
    assert got[1].title == "الحكومة تخصص 3 ملايير درهم لدعم المتضررين من الفيضانات"
    assert got[1].body == ("أعلنت الحكومة عن برنامج واسع للمساعدة والدعم لفائدة الأسر المتضررة من الاضطرابات الجوية."
                           "\n\nوتبلغ الميزانية التوقعية 3 ملايير درهم.")


def test_atom_entries() -> None:
    path = FIXTURES / "feed-atom.atom"
    assert detect_format(path) == "rss"
    got = list(iter_articles(path))
    assert [(a.title, a.published, a.language) for a in got] == [
        ("هل تظهر الصورة فيضانات طنجة فعلا؟", "2026-02-12", "ar"),  # 21:15+01:00 → 20:15 UTC
        ("Video of flooded prison is from 2021", "2026-02-11", "en"),
        ("مرصد: أرقام مخزون السدود صحيحة", "2026-02-10", "ar"),  # no <published>: <updated>
    ]
    assert got[0].source_id == "urn:uuid:7d1c2a3e-0000-4000-8000-000000000101"
    assert got[0].url == "https://tahaqquq.example.net/checks/tangier-floods-photo"
    assert got[0].body == "الصورة المتداولة التقطت في إسبانيا عام 2019."
    assert got[1].body == "The video shows a different prison.\n\nIt was first posted in 2021."
    assert {a.outlet for a in got} == {"نشرة التحقق"}


def test_rss_arabic_date_string_and_bad_date(tmp_path: Path) -> None:
    item = "<item><title>خبر</title><pubDate>{}</pubDate></item>"
    path = tmp_path / "f.rss"
    path.write_text(f'<rss version="2.0"><channel><title>t</title>\n{item.format("٣ ماي ٢٠١٦")}\n'
                    f'{item.format("قبل ساعة")}</channel></rss>', encoding="utf-8")
    skipped: list[IngestError] = []
    got = list(iter_articles(path, on_error=skipped.append))
    assert [a.published for a in got] == ["2016-05-03"]
    assert [(e.line, e.problem) for e in skipped] == [(3, "unparseable date in field 'published': 'قبل ساعة'")]


def test_malformed_feed_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel>\n<item><title>a</title></item>\n<item><title>b',
                    encoding="utf-8")
    with pytest.raises(IngestError, match="malformed feed XML") as caught:
        list(iter_articles(path))
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>a <b>b</b></p><p>c</p>", "a b\n\nc"),
        ("x &amp; y<br>z", "x & y\n\nz"),
        ("<div><script>var a = 1;</script>text</div>", "text"),
        ("plain\n\n  text  with   spaces", "plain\n\ntext with spaces"),
    ],
)
def test_strip_html(fragment: str, expected: str) -> None:
    assert strip_html(fragment) == expected
