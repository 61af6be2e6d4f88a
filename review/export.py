"""Export signed-off reviews: schema.org ClaimReview JSON-LD and a spreadsheet-safe CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from db.queries import rows
from review import ratings

DEFAULT_BASE_URL = "http://localhost:8501"
DEFAULT_PUBLISHER = "Tabayyun"
FORMATS = ("claimreview", "csv")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("claim_id", "claim", "language", "label", "rating_value", "rationale", "evidence_urls",
               "reviewer", "editor", "signed_off_at", "review_url", "first_appearance_url",
               "first_appearance_outlet", "first_appearance_published", "first_appearance_title",
               "appearances", "outlets")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class ExportError(ValueError):
    """An export request that cannot be served (unknown format, malformed date, unwritable file)."""


@dataclass(frozen=True)
class Appearance:
    """One item the claim appeared in."""

    item_id: int
    url: str | None
    outlet: str | None
    published: str | None
    title: str


@dataclass(frozen=True)
class ReviewRecord:
    """A published (signed-off) review of one claim, with everything an export needs."""

    claim_id: int
    claim_text: str
    language: str | None
    label: str
    rationale: str
    evidence_urls: tuple[str, ...]
    reviewer: str
    editor: str
    signed_off_at: str
    appearances: tuple[Appearance, ...] = field(default=())

    @property
    def first_appearance(self) -> Appearance | None:
        """The earliest published appearance (undated ones only when nothing is dated)."""
        if not self.appearances:
            return None
        return min(self.appearances, key=lambda a: (a.published is None, a.published or "", a.item_id))


def _check_date(name: str, value: str | None) -> str | None:
    """'YYYY-MM-DD' or None; ExportError otherwise."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ExportError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def signed_off_reviews(db: Database, since: str | None = None, until: str | None = None) -> list[ReviewRecord]:
    """Signed-off claims whose approval falls in [since, until] (dates, inclusive), oldest sign-off first."""
    since, until = _check_date("since", since), _check_date("until", until)
    # The approval of the claim's latest verdict; a returned verdict's later approval is the one that counts.
    found = rows(db, """
        WITH latest AS (
            SELECT v.* FROM verdicts v
            WHERE v.id = (SELECT max(v2.id) FROM verdicts v2 WHERE v2.claim_id = v.claim_id)
        ), approval AS (
            SELECT s.verdict_id, s.editor_id, s.created_at FROM signoffs s
            WHERE s.id = (SELECT max(s2.id) FROM signoffs s2
                          WHERE s2.verdict_id = s.verdict_id AND s2.decision = 'approve')
        )
        SELECT c.id AS claim_id, c.text AS claim_text, c.language, l.label, l.rationale, l.evidence,
               r.name AS reviewer, e.name AS editor, a.created_at AS signed_off_at
        FROM claims c
        JOIN latest l ON l.claim_id = c.id
        JOIN approval a ON a.verdict_id = l.id
        JOIN users r ON r.id = l.reviewer_id
        JOIN users e ON e.id = a.editor_id
        WHERE c.status = 'signed_off'
          AND (:since IS NULL OR substr(a.created_at, 1, 10) >= :since)
          AND (:until IS NULL OR substr(a.created_at, 1, 10) <= :until)
        ORDER BY a.created_at, c.id""", {"since": since, "until": until})
    if not found:
        return []
    ids = [r["claim_id"] for r in found]
    appearances = _appearances(db, ids)
    link_urls = _link_urls(db, [json.loads(r["evidence"] or "{}") for r in found])
    records = []
    for r in found:
        evidence = json.loads(r["evidence"] or "{}")
        evidence = evidence if isinstance(evidence, dict) else {}
        urls = [link_urls[i] for i in evidence.get("links", []) if link_urls.get(i)] + list(evidence.get("urls", []))
        records.append(ReviewRecord(
            claim_id=r["claim_id"], claim_text=r["claim_text"], language=r["language"], label=r["label"],
            rationale=r["rationale"], evidence_urls=tuple(dict.fromkeys(urls)), reviewer=r["reviewer"],
            editor=r["editor"], signed_off_at=r["signed_off_at"],
            appearances=tuple(appearances.get(r["claim_id"], ()))))
    return records


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _appearances(db: Database, claim_ids: list[int]) -> dict[int, list[Appearance]]:
    """Appearances of these claims, grouped by claim, oldest published first."""
    grouped: dict[int, list[Appearance]] = {}
    for chunk in _chunks(claim_ids):
        for r in rows(db, f"""
                SELECT a.claim_id, i.id AS item_id, i.url, i.outlet, i.published, i.title
                FROM claim_appearances a JOIN items i ON i.id = a.item_id
                WHERE a.claim_id IN ({','.join('?' * len(chunk))})
                ORDER BY a.claim_id, i.published IS NULL, i.published, i.id""", chunk):
            grouped.setdefault(r.pop("claim_id"), []).append(Appearance(**r))
    return grouped


def _link_urls(db: Database, evidences: list[dict]) -> dict[int, str]:
    """The item URL behind each coverage link cited as evidence."""
    link_ids = sorted({i for e in evidences if isinstance(e, dict) for i in e.get("links", [])})
    found: dict[int, str] = {}
    for chunk in _chunks(link_ids):
        for r in rows(db, "SELECT l.id, i.url FROM coverage_links l JOIN items i ON i.id = l.item_id "
                          f"WHERE l.id IN ({','.join('?' * len(chunk))})", chunk):
            if r["url"]:
                found[r["id"]] = r["url"]
    return found


def review_url(base_url: str, claim_id: int) -> str:
    """The stable address of one published review."""
    return f"{base_url.rstrip('/')}/review?claim={claim_id}"


def _creative_work(appearance: Appearance) -> dict:
    """An appearance as a schema.org CreativeWork (empty fields left out)."""
    work: dict = {"@type": "CreativeWork"}
    if appearance.url:
        work["url"] = appearance.url
    if appearance.title:
        work["headline"] = appearance.title
    if appearance.published:
        work["datePublished"] = appearance.published
    if appearance.outlet:
        work["publisher"] = {"@type": "Organization", "name": appearance.outlet}
    return work


def to_claimreview(records: list[ReviewRecord], *, publisher_name: str = DEFAULT_PUBLISHER,
                   base_url: str = DEFAULT_BASE_URL) -> list[dict]:
    """schema.org ClaimReview objects (JSON-LD) for these records."""
    reviews = []
    for rec in records:
        claim: dict = {"@type": "Claim"}
        if rec.appearances:
            claim["appearance"] = [_creative_work(a) for a in rec.appearances]
            first = rec.first_appearance
            claim["firstAppearance"] = _creative_work(first)
            if first.published:
                claim["datePublished"] = first.published
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": review_url(base_url, rec.claim_id),
            "claimReviewed": rec.claim_text,
            "reviewRating": ratings.review_rating(rec.label),
            "reviewBody": rec.rationale,
            "itemReviewed": claim,
            "author": {"@type": "Organization", "name": publisher_name},
            "datePublished": rec.signed_off_at[:10],
        }
        if rec.language:
            review["inLanguage"] = rec.language
        reviews.append(review)
    return reviews


def to_json(records: list[ReviewRecord], **options: str) -> str:
    """The ClaimReview list as a JSON document (UTF-8 text, Arabic unescaped)."""
    return json.dumps(to_claimreview(records, **options), ensure_ascii=False, indent=2) + "\n"


def neutralise(value: object) -> str:
    """A cell a spreadsheet will show as text: formula-like values get a leading single quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_row(rec: ReviewRecord, base_url: str = DEFAULT_BASE_URL) -> dict[str, object]:
    """One review as a flat row (before neutralising)."""
    first = rec.first_appearance
    return {
        "claim_id": rec.claim_id, "claim": rec.claim_text, "language": rec.language, "label": rec.label,
        "rating_value": ratings.rating(rec.label).value, "rationale": rec.rationale,
        "evidence_urls": "\n".join(rec.evidence_urls), "reviewer": rec.reviewer, "editor": rec.editor,
        "signed_off_at": rec.signed_off_at, "review_url": review_url(base_url, rec.claim_id),
        "first_appearance_url": first.url if first else None,
        "first_appearance_outlet": first.outlet if first else None,
        "first_appearance_published": first.published if first else None,
        "first_appearance_title": first.title if first else None,
        "appearances": len(rec.appearances),
        "outlets": "; ".join(dict.fromkeys(a.outlet for a in rec.appearances if a.outlet)),
    }


def to_csv(records: list[ReviewRecord], *, base_url: str = DEFAULT_BASE_URL) -> str:
    """One row per review under a header; every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        row = csv_row(rec, base_url)
        writer.writerow([neutralise(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def render(records: list[ReviewRecord], fmt: str, *, base_url: str = DEFAULT_BASE_URL,
           publisher_name: str = DEFAULT_PUBLISHER) -> str:
    """The export document in ``fmt`` ('claimreview' or 'csv')."""
    if fmt == "claimreview":
        return to_json(records, base_url=base_url, publisher_name=publisher_name)
    if fmt == "csv":
        return to_csv(records, base_url=base_url)
    raise ExportError(f"unknown format {fmt!r} (choose {' or '.join(FORMATS)})")


def cli_export(db: Database, fmt: str, since: str | None, out: str | None, *, until: str | None = None,
               base_url: str = DEFAULT_BASE_URL, publisher_name: str = DEFAULT_PUBLISHER) -> int:
    """`python -m review export`: write the export to ``out`` (None or '-' = stdout); returns the exit code."""
    try:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r} (choose {' or '.join(FORMATS)})")
        records = signed_off_reviews(db, since, until)
        document = render(records, fmt, base_url=base_url, publisher_name=publisher_name)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if out in (None, "", "-"):
        sys.stdout.write(document)
        sys.stdout.flush()
    else:
        try:
            # utf-8-sig for CSV: Excel reads Arabic correctly only with the byte-order mark.
            Path(out).write_text(document, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
        except OSError as exc:
            print(f"error: cannot write {out}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"{len(records)} reviews written to {out}", file=sys.stderr)
    return EXIT_OK
