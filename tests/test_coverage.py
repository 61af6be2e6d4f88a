"""Coverage suggestions on import (inline and deferred), rejected links stay rejected, and the match CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from review import coverage, reviewing, users
from review.importing import import_file

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "samples" / "aggregator-page-ar.txt"
COVERAGE = ROOT / "tests" / "fixtures" / "e2e" / "palmyra-coverage.jsonl"
NEEDLE = "استعادة النظام السوري لمدينة تدمر"


def _palmyra(db) -> int:
    return db.execute("SELECT id FROM claims WHERE text LIKE ?", [f"%{NEEDLE}%"]).fetchone()[0]


def _links(db, claim_id: int) -> dict[int, str]:
    return dict(db.execute("SELECT item_id, status FROM coverage_links WHERE claim_id = ?", [claim_id]).fetchall())


def test_new_items_are_matched_against_open_claims(db):
    import_file(db, PAGE)
    claim = _palmyra(db)
    result = import_file(db, COVERAGE)
    titles = dict(db.execute("SELECT id, source_id FROM items WHERE source_id LIKE 'e2e-%'").fetchall())
    linked = {titles[i] for i in _links(db, claim) if i in titles}
    assert {"e2e-1", "e2e-2"} & linked and "e2e-3" not in linked  # the unrelated exchange-rate item is not
    assert result.links >= 1


def test_new_claims_are_matched_against_older_items(db):
    import_file(db, COVERAGE)  # coverage first, then the page whose claims it reports
    import_file(db, PAGE)
    claim = _palmyra(db)
    sources = {r[0] for r in db.execute(
        "SELECT i.source_id FROM coverage_links l JOIN items i ON i.id = l.item_id WHERE l.claim_id = ?", [claim])}
    assert sources & {"e2e-1", "e2e-2"}
    assert coverage.pending_count(db) == 0


def test_bulk_import_defers_claim_matching_until_pending_is_run(db, monkeypatch):
    monkeypatch.setattr(coverage, "INLINE_CLAIMS", 0)
    import_file(db, COVERAGE)
    import_file(db, PAGE)
    claim = _palmyra(db)
    assert coverage.pending_count(db) > 0 and not _links(db, claim)
    done, links = coverage.match_pending(db)
    assert done > 0 and links > 0 and coverage.pending_count(db) == 0 and _links(db, claim)


def test_a_rejected_link_never_comes_back(db):
    users.add_user(db, None, "rita", "rita-password", "reviewer")
    import_file(db, PAGE)
    import_file(db, COVERAGE)
    claim = _palmyra(db)
    link_id, item_id = db.execute("SELECT id, item_id FROM coverage_links WHERE claim_id = ?", [claim]).fetchone()
    version = db.execute("SELECT version FROM claims WHERE id = ?", [claim]).fetchone()[0]
    reviewing.decide_link(db, "rita", link_id, version, status="rejected")
    db.execute("UPDATE claims SET matched_at = NULL WHERE id = ?", [claim])
    coverage.match_pending(db)
    coverage.ensure_matched(db, claim)
    assert _links(db, claim)[item_id] == "rejected"


def test_cli_match_text_batch_and_pending(tmp_path):
    db = str(tmp_path / "m.db")
    run = lambda *a, stdin=None: subprocess.run([sys.executable, "-m", "review", "--db", db, *a], cwd=ROOT,
                                                input=stdin, capture_output=True, text=True, timeout=120)
    assert run("import", str(PAGE), str(COVERAGE)).returncode == 0
    one = run("match", "Sky News leaked files show a secret deal over Palmyra", "--limit", "3", "--json")
    results = json.loads(one.stdout)
    assert results and results[0]["source_id"] == "e2e-2" and set(results[0]) == {
        "item_id", "source_id", "title", "outlet", "published", "score", "method"}
    batch = run("match", "--batch", "-", "--limit", "2", "--json",
                stdin='{"id": "a", "text": "وثائق مسربة عن اتفاق سري في تدمر"}\n{"id": 7, "text": "أسعار صرف العملات"}\n')
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", 7] and all(len(line["results"]) <= 2 for line in lines)
    assert lines[1]["results"][0]["source_id"] == "e2e-3"
    assert run("match").returncode == 2
    assert "matched 0 pending" in run("match", "--pending").stdout
