"""Export signed-off reviews: schema.org ClaimReview JSON-LD and a spreadsheet-safe CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlite_utils import Database

from db.queries import rows
from review import ratings
from review.organisation import Organisation, get_organisation
from review.text import detect_language

FORMATS = ("claimreview", "csv")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("claim_id", "claim", "language", "label", "rating_value", "rationale", "evidence_urls",
               "reviewer", "editor", "signed_off_at", "review_url", "first_appearance_url",
               "first_appearance_outlet", "first_appearance_published", "first_appearance_title",
               "appearances", "outlets", "first_published_at", "corrected_from", "correction_reason")
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
class Correction:
    """The latest correction of a published verdict: the rating it replaced and why."""

    previous_label: str
    reason: str


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
    signed_off_at: str  # when the verdict shown was approved
    appearances: tuple[Appearance, ...] = field(default=())
    first_published_at: str = ""  # the claim's first approval (earlier than signed_off_at after a correction)
    correction: Correction | None = None

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
    # The claim's newest approved verdict is the published one: a verdict under correction stays published until
    # its replacement is signed off; a retracted claim (dismissed) is no longer published.
    found = rows(db, """
        WITH approvals AS (
            SELECT v.claim_id, v.id AS verdict_id, s.editor_id, s.created_at,
                   row_number() OVER (PARTITION BY v.claim_id ORDER BY s.id DESC) AS newest,
                   min(s.created_at) OVER (PARTITION BY v.claim_id) AS first_at
            FROM signoffs s JOIN verdicts v ON v.id = s.verdict_id
            WHERE s.decision = 'approve'
        )
        SELECT c.id AS claim_id, c.text AS claim_text, c.language, l.label, l.rationale, l.evidence,
               r.name AS reviewer, e.name AS editor, a.created_at AS signed_off_at, a.first_at
        FROM approvals a
        JOIN claims c ON c.id = a.claim_id
        JOIN verdicts l ON l.id = a.verdict_id
        JOIN users r ON r.id = l.reviewer_id
        JOIN users e ON e.id = a.editor_id
        WHERE a.newest = 1 AND c.status NOT IN ('dismissed', 'merged')
          AND NOT EXISTS (SELECT 1 FROM corrections k WHERE k.claim_id = c.id AND k.kind = 'retraction'
                          AND k.created_at >= a.created_at)
          AND (:since IS NULL OR substr(a.created_at, 1, 10) >= :since)
          AND (:until IS NULL OR substr(a.created_at, 1, 10) <= :until)
        ORDER BY a.created_at, c.id""", {"since": since, "until": until})
    if not found:
        return []
    ids = [r["claim_id"] for r in found]
    appearances = _appearances(db, ids)
    link_urls = _link_urls(db, [json.loads(r["evidence"] or "{}") for r in found])
    corrections = _corrections(db, ids)
    records = []
    for r in found:
        evidence = json.loads(r["evidence"] or "{}")
        evidence = evidence if isinstance(evidence, dict) else {}
        urls = [link_urls[i] for i in evidence.get("links", []) if link_urls.get(i)] + list(evidence.get("urls", []))
        records.append(ReviewRecord(
            claim_id=r["claim_id"], claim_text=r["claim_text"], language=r["language"], label=r["label"],
            rationale=r["rationale"], evidence_urls=tuple(dict.fromkeys(urls)), reviewer=r["reviewer"],
            editor=r["editor"], signed_off_at=r["signed_off_at"],
            appearances=tuple(appearances.get(r["claim_id"], ())), first_published_at=r["first_at"],
            correction=corrections.get(r["claim_id"]) if r["first_at"] != r["signed_off_at"] else None))
    return records


def _corrections(db: Database, claim_ids: list[int]) -> dict[int, Correction]:
    """Each claim's latest correction: the label of the verdict it reopened and the editor's reason."""
    found: dict[int, Correction] = {}
    for chunk in _chunks(claim_ids):
        for claim_id, label, reason in db.execute(
                f"SELECT k.claim_id, v.label, k.reason FROM corrections k JOIN verdicts v ON v.id = k.verdict_id "
                f"WHERE k.kind = 'correction' AND k.claim_id IN ({','.join('?' * len(chunk))}) ORDER BY k.id",
                chunk):
            found[claim_id] = Correction(label, reason)
    return found


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


def _organisation(organisation: Organisation | None, publisher_name: str | None,
                  base_url: str | None) -> Organisation:
    """The organisation an export speaks for, with one-off overrides (CLI --publisher / --base-url)."""
    org = organisation or Organisation()
    if publisher_name:
        org = replace(org, name=publisher_name)
    if base_url:
        org = replace(org, verdict_url=base_url)
    return org


def _origin(url: str | None) -> str | None:
    """'https://outlet.example' for an article URL (the outlet's address), None when there is none."""
    found = re.match(r"(?i)(https?://[^/?#\s]+)", url or "")
    return found.group(1) if found else None


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


def _claim(rec: ReviewRecord) -> dict:
    """The claim reviewed: where it appeared, first appearance, its author (the outlet it was first seen in)."""
    claim: dict = {"@type": "Claim"}
    if rec.appearances:
        claim["appearance"] = [_creative_work(a) for a in rec.appearances]
        first = rec.first_appearance
        claim["firstAppearance"] = _creative_work(first)
        if first.published:
            claim["datePublished"] = first.published
        if first.outlet:
            claim["author"] = {"@type": "Organization", "name": first.outlet}
            if origin := _origin(first.url):
                claim["author"]["url"] = origin
    return claim


def _publisher(org: Organisation) -> dict:
    entity: dict = {"@type": "Organization", "name": org.name}
    if org.url:
        entity["url"] = org.url
    if org.logo_url:
        entity["logo"] = {"@type": "ImageObject", "url": org.logo_url}
    return entity


def review_language(rec: ReviewRecord, org: Organisation) -> str:
    """The language the review is written in (its rationale), not the claim's."""
    return detect_language(rec.rationale) if rec.rationale.strip() else (org.language or rec.language or "ar")


def to_claimreview(records: list[ReviewRecord], *, organisation: Organisation | None = None,
                   publisher_name: str | None = None, base_url: str | None = None) -> list[dict]:
    """schema.org ClaimReview objects (JSON-LD) for these records, published by ``organisation``.

    ExportError when the organisation has no name or no public address for its verdict pages: a ClaimReview
    must link to the public page of the fact-check (Google lists ``url`` as required), never to the desk.
    """
    org = _organisation(organisation, publisher_name, base_url)
    if not org.name:
        raise ExportError("the organisation has no name: set it on the Organisation page "
                          "(or `python -m review organisation set --name ...`)")
    if not org.verdict_url:
        raise ExportError("there is no public address for verdict pages: set it on the Organisation page "
                          "(or pass --base-url https://your-site/checks/{id})")
    reviews = []
    for rec in records:
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": org.verdict_page(rec.claim_id),
            "claimReviewed": rec.claim_text,
            "reviewRating": ratings.review_rating(rec.label),
            "reviewBody": rec.rationale,
            "itemReviewed": _claim(rec),
            "author": _publisher(org),
            "publisher": _publisher(org),
            "datePublished": (rec.first_published_at or rec.signed_off_at)[:10],
            "inLanguage": review_language(rec, org),
        }
        if rec.evidence_urls:
            review["citation"] = [{"@type": "CreativeWork", "url": url} for url in rec.evidence_urls]
        if rec.correction:
            review["dateModified"] = rec.signed_off_at[:10]
            review["correction"] = {
                "@type": "CorrectionComment", "datePublished": rec.signed_off_at[:10],
                "text": f"Corrected on {rec.signed_off_at[:10]}: previously rated {rec.correction.previous_label}. "
                        f"{rec.correction.reason}"}
        reviews.append(review)
    return reviews


# Inside a <script type="application/ld+json"> tag, "</script>" or "<!--" in a string would end or confuse the
# script; JSON allows any character as a \u escape, so these never appear raw (U+2028/9 end JavaScript lines).
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def to_json(records: list[ReviewRecord], **options) -> str:
    """The ClaimReview list as a JSON document (UTF-8 text, Arabic unescaped), safe to embed in a <script> tag."""
    return json.dumps(to_claimreview(records, **options), ensure_ascii=False, indent=2).translate(_SCRIPT_SAFE) + "\n"


def neutralise(value: object) -> str:
    """A cell a spreadsheet will show as text: formula-like values get a leading single quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_row(rec: ReviewRecord, org: Organisation | None = None) -> dict[str, object]:
    """One review as a flat row (before neutralising); review_url is empty until the organisation has one."""
    first = rec.first_appearance
    org = org or Organisation()
    return {
        "claim_id": rec.claim_id, "claim": rec.claim_text, "language": rec.language, "label": rec.label,
        "rating_value": ratings.rating(rec.label).value, "rationale": rec.rationale,
        "evidence_urls": "\n".join(rec.evidence_urls), "reviewer": rec.reviewer, "editor": rec.editor,
        "signed_off_at": rec.signed_off_at, "review_url": org.verdict_page(rec.claim_id),
        "first_appearance_url": first.url if first else None,
        "first_appearance_outlet": first.outlet if first else None,
        "first_appearance_published": first.published if first else None,
        "first_appearance_title": first.title if first else None,
        "appearances": len(rec.appearances),
        "outlets": "; ".join(dict.fromkeys(a.outlet for a in rec.appearances if a.outlet)),
        "first_published_at": rec.first_published_at or rec.signed_off_at,
        "corrected_from": rec.correction.previous_label if rec.correction else None,
        "correction_reason": rec.correction.reason if rec.correction else None,
    }


def to_csv(records: list[ReviewRecord], *, organisation: Organisation | None = None, base_url: str | None = None,
           publisher_name: str | None = None) -> str:
    """One row per review under a header; every cell neutralised against formula injection."""
    org = _organisation(organisation, publisher_name, base_url)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        row = csv_row(rec, org)
        writer.writerow([neutralise(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def render(records: list[ReviewRecord], fmt: str, *, organisation: Organisation | None = None,
           base_url: str | None = None, publisher_name: str | None = None) -> str:
    """The export document in ``fmt`` ('claimreview' or 'csv')."""
    options = {"organisation": organisation, "base_url": base_url, "publisher_name": publisher_name}
    if fmt == "claimreview":
        return to_json(records, **options)
    if fmt == "csv":
        return to_csv(records, **options)
    raise ExportError(f"unknown format {fmt!r} (choose {' or '.join(FORMATS)})")


def cli_export(db: Database, fmt: str, since: str | None, out: str | None, *, until: str | None = None,
               base_url: str | None = None, publisher_name: str | None = None) -> int:
    """`python -m review export`: write the export to ``out`` (None or '-' = stdout); returns the exit code."""
    try:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r} (choose {' or '.join(FORMATS)})")
        records = signed_off_reviews(db, since, until)
        document = render(records, fmt, organisation=get_organisation(db), base_url=base_url,
                          publisher_name=publisher_name)
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
