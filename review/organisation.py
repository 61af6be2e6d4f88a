"""The newsroom that publishes the verdicts: its name, web address, logo, default language and the public address
of its verdict pages. Stored once (settings table), used by every export; only an admin changes it."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace

from sqlite_utils import Database

from db.connection import write_transaction
from review.audit import record_event
from review.errors import ValidationError
from review.users import acting_admin

PREFIX = "organisation."
LANGUAGES = ("ar", "en")
_HTTP = re.compile(r"https?://[^\s/?#]+\.[^\s]*|https?://localhost(?::\d+)?(?:/[^\s]*)?", re.IGNORECASE)


@dataclass(frozen=True)
class Organisation:
    """Who publishes; ``verdict_url`` is a template with ``{id}`` or a base the claim id is appended to."""

    name: str = ""
    url: str = ""
    verdict_url: str = ""
    logo_url: str = ""
    language: str = "ar"

    @property
    def ready(self) -> bool:
        """True when exports can name the publisher and point at public verdict pages."""
        return bool(self.name and self.verdict_url)

    def verdict_page(self, claim_id: int) -> str | None:
        """The public address of one verdict (None until the organisation has set one)."""
        if not self.verdict_url:
            return None
        if "{id}" in self.verdict_url:
            return self.verdict_url.replace("{id}", str(claim_id))
        return f"{self.verdict_url.rstrip('/')}/{claim_id}"


def _check_url(field: str, value: str, *, required: bool = False) -> str:
    value = value.strip()
    if not value:
        if required:
            raise ValidationError(field, "is required")
        return ""
    if len(value) > 500 or not _HTTP.fullmatch(value):
        raise ValidationError(field, "must be a web address starting with https:// (or http://)")
    if field == "verdict_url" and value.count("{id}") > 1:
        raise ValidationError(field, "may contain {id} at most once")
    return value


def validated(values: dict[str, str]) -> Organisation:
    """An Organisation from form or CLI values; ValidationError naming the first bad field."""
    name = " ".join(str(values.get("name", "")).split())
    if not name:
        raise ValidationError("name", "is required")
    if len(name) > 200:
        raise ValidationError("name", "must be at most 200 characters")
    language = str(values.get("language", "ar")).strip()
    if language not in LANGUAGES:
        raise ValidationError("language", f"must be one of {', '.join(LANGUAGES)}")
    return Organisation(name=name, url=_check_url("url", str(values.get("url", ""))),
                        verdict_url=_check_url("verdict_url", str(values.get("verdict_url", "")), required=True),
                        logo_url=_check_url("logo_url", str(values.get("logo_url", ""))), language=language)


def get_organisation(db: Database) -> Organisation:
    """The stored organisation (empty fields until an admin fills them in)."""
    stored = {key[len(PREFIX):]: value for key, value in
              db.execute("SELECT key, value FROM settings WHERE key LIKE ?", [PREFIX + "%"]).fetchall()}
    known = {f.name for f in fields(Organisation)}
    return replace(Organisation(), **{k: v for k, v in stored.items() if k in known})


def save_organisation(db: Database, actor: str | None, values: dict[str, str]) -> Organisation:
    """An admin stores the organisation (one transaction, audited); ``actor`` None is the trusted CLI."""
    organisation = validated(values)
    with write_transaction(db):
        name = "cli"
        if actor is not None:
            name = acting_admin(db, actor, "change the organisation").name
        before = asdict(get_organisation(db))
        db.conn.executemany("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                            [(PREFIX + k, v) for k, v in asdict(organisation).items()])
        record_event(db, actor=name, action="organisation.save", entity="settings", entity_id=None,
                     before=before, after=asdict(organisation))
    return organisation
