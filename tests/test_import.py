"""The import use case and CLI on real SQLite files: idempotent, one transaction per file, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from review.importing import import_file, import_files
from review.samples import load_samples_once, samples_loaded

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "ingest"
PAGE = ROOT / "samples" / "aggregator-page-ar.txt"
BAD = ["bad-utf8.jsonl", "binary.jsonl", "empty.jsonl", "invalid-line3.jsonl", "truncated.jsonl",
       "missing-column.csv", "extra-column.csv", "header-missing.csv", "not-object.jsonl", "wrong-type.jsonl",
       "bad-date.jsonl", "missing-fields.jsonl", "empty.csv"]


def snapshot(db) -> dict:
    """Every row of every table: to prove a failed import changed nothing."""
    tables = [t for t in db.table_names() if not t.startswith("_")]
    return {t: sorted(db.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}


def cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", "--db", str(db_path), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_sample_page_imports_article_headlines_and_claims(db):
    result = import_file(db, PAGE)
    assert result.ok and result.imported == 55 and result.duplicates == 0
    kinds = dict(db.execute("SELECT kind, count(*) FROM items GROUP BY kind").fetchall())
    assert kinds == {"article": 1, "headline": 54}
    article = db.execute("SELECT id, outlet, published, language FROM items WHERE kind = 'article'").fetchone()
    assert article[1:] == ("الأول", "2016-05-03", "ar")
    claims = db.execute("SELECT count(*) FROM claims WHERE item_id = ?", [article[0]]).fetchone()[0]
    assert claims == result.claims and 4 <= claims <= 10
    appearances = db.execute("SELECT count(*) FROM claim_appearances").fetchone()[0]
    assert appearances == claims
    event = db.execute("SELECT actor, action, after FROM audit_events").fetchone()
    assert event[:2] == ("system", "import") and json.loads(event[2])["imported"] == 55


def test_reimport_creates_nothing(db):
    first = import_file(db, PAGE)
    before = snapshot(db)
    again = import_file(db, PAGE)
    assert again.ok and again.imported == 0 and again.duplicates == first.imported
    after = snapshot(db)
    for table in ("items", "claims", "claim_appearances", "coverage_links"):
        assert after[table] == before[table]


def test_same_story_from_two_outlets_stays_two_items_and_same_url_is_one(db, tmp_path):
    story = {"title": "Ministry says 22,000 files leaked", "body": "The ministry said 22,000 files leaked.",
             "published": "2016-05-03", "language": "en"}
    feed = tmp_path / "two.jsonl"
    feed.write_text("\n".join(json.dumps({**story, "id": str(i), "outlet": o, "url": f"https://{o}/a"})
                              for i, o in enumerate(["a.example", "b.example"])) + "\n", encoding="utf-8")
    assert import_file(db, feed).imported == 2
    same_url = tmp_path / "same-url.jsonl"
    same_url.write_text(json.dumps({**story, "id": "9", "outlet": "a.example", "url": "https://a.example/a",
                                    "body": "Updated text."}) + "\n", encoding="utf-8")
    result = import_file(db, same_url)
    assert (result.imported, result.duplicates) == (0, 1)
    assert db.execute("SELECT source_id FROM items ORDER BY id").fetchall() == [("0",), ("1",)]
    # Each claim is seen in both outlets: one claim row each, with two appearances in two outlets.
    claims = db.execute("SELECT id, appearance_count, outlet_count FROM claims").fetchall()
    assert claims and all(c[1:] == (2, 2) for c in claims)
    assert db.execute("SELECT count(*) FROM claim_appearances").fetchone()[0] == 2 * len(claims)


@pytest.mark.parametrize("name", BAD)
def test_malformed_file_leaves_database_exactly_as_it_was(db, name):
    import_file(db, FIX / "good.jsonl")
    before = snapshot(db)
    result = import_file(db, FIX / name)
    assert not result.ok
    assert name in str(result.error) and result.error.problem
    assert snapshot(db) == before


def test_failed_file_does_not_stop_the_others(db):
    results = import_files(db, [FIX / "invalid-line3.jsonl", FIX / "good.jsonl", FIX / "good.csv"])
    assert [r.ok for r in results] == [False, True, True]
    assert results[0].error.line == 3
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == results[1].imported + results[2].imported


def test_skip_invalid_imports_the_good_records_and_lists_the_bad(db):
    result = import_file(db, FIX / "invalid-line3.jsonl", skip_invalid=True)
    assert result.ok and result.imported >= 1 and [e.line for e in result.skipped] == [3]


def test_coverage_only_import_extracts_no_claims(db):
    result = import_file(db, PAGE, claims=False)
    assert result.imported == 55 and result.claims == 0
    assert db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def test_samples_load_once(db):
    results = load_samples_once(db)
    assert results and all(r.ok for r in results) and samples_loaded(db)
    count = db.execute("SELECT count(*) FROM items").fetchone()[0]
    assert count > 400
    assert load_samples_once(db) == []


def test_cli_import_json_summary_and_exit_codes(tmp_path):
    db_path = tmp_path / "cli.db"
    ok = cli(db_path, "import", str(PAGE), "--json")
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert summary["imported"] == 55 and summary["duplicates"] == 0 and summary["failed"] == []
    mixed = cli(db_path, "import", str(PAGE), str(FIX / "invalid-line3.jsonl"), "--json")
    assert mixed.returncode == 1
    summary = json.loads(mixed.stdout)
    assert summary["duplicates"] == 55
    assert summary["failed"] == [{"path": str(FIX / "invalid-line3.jsonl"), "line": 3,
                                  "error": summary["failed"][0]["error"]}]
    assert "JSON" in summary["failed"][0]["error"] or "json" in summary["failed"][0]["error"]
    usage = cli(db_path, "import", str(PAGE), "--format", "docx")
    assert usage.returncode == 2


def test_cli_items_lists_fields(tmp_path):
    db_path = tmp_path / "items.db"
    assert cli(db_path, "import", str(FIX / "good.jsonl")).returncode == 0
    listed = cli(db_path, "items", "--kind", "article", "--limit", "2", "--json")
    rows = json.loads(listed.stdout)
    assert 1 <= len(rows) <= 2
    assert set(rows[0]) == {"id", "kind", "title", "outlet", "published", "url", "language", "source_id"}
    assert rows[0]["source_id"] is not None


def test_cli_help_for_every_command():
    from review.cli import build_parser
    parser = build_parser()
    commands = [a for a in parser._subparsers._group_actions[0].choices]
    assert {"init", "import", "items", "users", "backup"} <= set(commands)
    for command in ["", *commands]:
        out = subprocess.run([sys.executable, "-m", "review", *([command] if command else []), "--help"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "usage:" in out.stdout, command


def test_readme_documents_every_cli_command():
    from review.cli import build_parser
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices
    missing = [c for c in commands if f"python -m review {c}" not in readme]
    assert not missing
    lines = [line for line in readme.splitlines() if line.strip()]
    assert lines[1].startswith("```") and lines[2].startswith("bash scripts/run.sh") and \
        lines[3].startswith("bash scripts/test.sh")  # the README opens with exactly the two commands
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("bash scripts/test.sh")
