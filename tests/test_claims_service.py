"""Claims on import, by hand, and their CLI, on real SQLite."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from db import queries
from review import claim_actions, users
from review.errors import NotFoundError, PermissionDenied, ValidationError
from review.importing import import_file

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "samples" / "aggregator-page-ar.txt"
MUST_RANK = ["22 ألف ملف", "لمقايضة النفط بالأسمدة", "دايل ميل أنها لم تتمكن من التحقق", "استعادة النظام السوري لمدينة تدمر"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_sample_page_top_claims_include_the_story(db):
    import_file(db, PAGE)
    top = [c["text"] for c in queries.list_claims(db, sort="score", limit=8)]
    for needle in MUST_RANK:
        assert any(needle in t for t in top), needle
    texts = " ".join(c["text"] for c in queries.list_claims(db, limit=100))
    for boilerplate in ("انقر هنا", "شكرا على الإبلاغ", "سيتم حجب", "نشر في الأول"):
        assert boilerplate not in texts


def test_claim_added_by_hand_free_standing_or_attached(db):
    import_file(db, PAGE)
    item = db.execute("SELECT id FROM items WHERE kind = 'article'").fetchone()[0]
    free = claim_actions.add_claim(db, None, "Sky News obtained 22,000 ISIS files in 2016")
    assert free["created"] and 0 <= free["score"] <= 1
    row = db.execute("SELECT item_id, origin FROM claims WHERE id = ?", [free["id"]]).fetchone()
    assert row == (None, "manual")
    sentence = "ويبدو أن الوثائق توضح أيضاً أن التنظيم ونظام الأسد قد أبرما اتفاقاً لمقايضة النفط بالأسمدة."
    again = claim_actions.add_claim(db, None, sentence, item_id=item)
    assert not again["created"]  # the importer already found it: no duplicate claim
    with pytest.raises(ValidationError):
        claim_actions.add_claim(db, None, "   ")
    with pytest.raises(NotFoundError):
        claim_actions.add_claim(db, None, "text", item_id=99999)
    events = db.execute("SELECT action FROM audit_events WHERE entity = 'claim' ORDER BY id").fetchall()
    assert events == [("claim.add",), ("claim.add_appearance",)]


def test_disabled_user_cannot_add_claims(db):
    users.add_user(db, None, "admin", "password-admin", "admin")
    users.add_user(db, None, "old", "password-old1", "reviewer")
    users.disable_user(db, None, "old")
    with pytest.raises(PermissionDenied):
        claim_actions.add_claim(db, "old", "The minister said 3 billion dirhams were spent.")


def test_cli_claims_list_add_and_checkworthy(tmp_path):
    db = str(tmp_path / "c.db")
    assert run("--db", db, "import", str(PAGE)).returncode == 0
    listed = json.loads(run("--db", db, "claims", "--min-score", "0.6", "--limit", "5", "--json").stdout)
    assert 1 <= len(listed) <= 5 and all(c["score"] >= 0.6 for c in listed)
    assert set(listed[0]) == {"id", "text", "score", "signals", "status", "item_id", "item_title", "outlet",
                              "published", "appearances"}
    assert listed[0]["outlet"] == "الأول" and isinstance(listed[0]["signals"], list)
    added = run("--db", db, "claims", "add", "The ministry said 40% of the budget went unspent", "--json")
    assert added.returncode == 0 and json.loads(added.stdout)["created"]
    batch = '{"id": 1, "text": "The army said 300 soldiers were killed in 2015.", "language": "en"}\n' \
            '{"id": "x", "text": "ربما يكون الطقس جميلا غدا", "language": "ar"}\n'
    out = run("--db", db, "checkworthy", "--batch", "-", "--json", stdin=batch)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in lines] == [1, "x"] and lines[0]["score"] > lines[1]["score"]
    bad = run("--db", db, "checkworthy", "--batch", "-", stdin='{"id": 1}\n')
    assert bad.returncode == 2 and "-:1" in bad.stderr
