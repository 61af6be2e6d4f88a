"""Hostile and careless imports: bombs, giant records, deep nesting, NUL, full or read-only databases, folders,
non-web URLs, and a file that fails after some of its batches were committed."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

from sqlite_utils import Database

from db import open_db
from db.connection import private_file
from review.backup import backup
from review.ingest import source
from review.importing import import_file, import_files
from review.sessions import load_secret
from tests.test_import import PAGE, ROOT, cli, snapshot

GOOD = {"title": "الوزير: 22 ألف وثيقة تسربت", "body": "قال الوزير إن 22 ألف وثيقة تسربت من الوزارة في 2016.",
        "outlet": "سبق", "language": "ar"}


def logical(db) -> dict:
    """The snapshot without what a cleaned-up run leaves on purpose: its failed run, its audit event, and FTS5's
    internal segment pages (they record that rows were inserted and deleted, not any row)."""
    return {t: rows for t, rows in snapshot(db).items()
            if t not in ("import_runs", "audit_events", "sqlite_stat1") and "_fts_" not in t}


def _records(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _many(n: int, prefix: str = "r") -> list[dict]:
    return [{**GOOD, "id": f"{prefix}{i}", "title": f"{GOOD['title']} ({prefix}{i})",
             "body": f"{GOOD['body']} وأكد أن {i + 100} موظفا فقدوا وظائفهم بسبب التسريب."} for i in range(n)]


def test_gzip_page_bomb_is_refused_by_its_decompressed_size(db, tmp_path):
    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:  # ~65 KB on disk, 70 MB of text
        for _ in range(70):
            out.write(b"a" * (1024 * 1024))
    assert bomb.stat().st_size < 200_000
    result = import_file(db, bomb)
    assert not result.ok and "decompression bomb" in result.error.problem
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_a_big_page_is_refused_by_its_size(db, tmp_path):
    page = tmp_path / "big.txt"
    line = "a line of page text repeated many times here\n" * 1000
    with page.open("w", encoding="utf-8") as out:
        for _ in range(1500):  # ~66 MB
            out.write(line)
    result = import_file(db, page)
    assert not result.ok and "more than 64 MB of text (after decompression)" in result.error.problem


def test_gzip_feed_bomb_stops_at_the_cap_while_streaming(db, tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    bomb = tmp_path / "bomb.jsonl.gz"
    line = (json.dumps(GOOD, ensure_ascii=False) + "\n").encode()
    with gzip.open(bomb, "wb") as out:
        out.write(line * (3 * 1024 * 1024 // len(line)))
    before = logical(db)
    result = import_file(db, bomb)
    assert not result.ok and "more than 2 MB of text" in result.error.problem
    assert logical(db) == before


def test_a_giant_line_is_one_bad_record_and_the_rest_imports(db, tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_LINE_BYTES", 64 * 1024)
    feed = tmp_path / "giant.jsonl"
    feed.write_text(json.dumps({**GOOD, "id": "ok1"}, ensure_ascii=False) + "\n"
                    + json.dumps({"title": "x" * 100_000, "body": "y"}) + "\n"
                    + json.dumps({**GOOD, "id": "ok2", "title": "عنوان آخر"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    assert "line longer than" in import_file(db, feed).error.problem
    result = import_file(db, feed, skip_invalid=True)
    assert result.ok and result.imported == 2 and [e.line for e in result.skipped] == [2]


def test_a_page_without_line_breaks_is_refused_not_stored_as_a_giant_title(db, tmp_path):
    page = tmp_path / "one-line.txt"
    page.write_text("كلمة " * 600_000, encoding="utf-8")  # 3 MB on one line
    result = import_file(db, page)
    assert not result.ok and "title of 2,999,999 characters (at most 2,000)" in result.error.problem


def test_a_ticker_of_thousands_of_headlines_is_refused(db, tmp_path):
    page = tmp_path / "ticker.txt"
    page.write_text("\u00a0\u00a0".join(f"عنوان رقم {i}" for i in range(5_000)) + "\n"
                    + PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    result = import_file(db, page)
    assert not result.ok and result.error.line == 1 and "5,000 headlines" in result.error.problem


def test_deep_json_is_a_named_error_and_the_next_file_still_imports(db, tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text(json.dumps(GOOD) + "\n" + '{"title": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
                    encoding="utf-8")
    good = _records(tmp_path / "good.jsonl", _many(3))
    failed, ok = import_files(db, [deep, good])
    assert not failed.ok and failed.error.line == 2 and "nested too deeply" in failed.error.problem
    assert ok.ok and ok.imported == 3
    skipped = import_file(db, deep, skip_invalid=True)
    assert skipped.ok and skipped.imported == 1 and "nested too deeply" in skipped.skipped[0].problem


def test_nul_and_control_characters_are_removed_not_a_crash(db, tmp_path):
    feed = _records(tmp_path / "nul.jsonl", [{
        "title": "\u0000عنوان", "language": "ar",
        "body": "\u0000قال الوزير إن 22 ألف وثيقة تسربت. \u0000\u0007 وذكرت صحيفة ديلي ميل أن 500 مقاتل قتلوا في 2015."}])
    result = import_file(db, feed)
    assert result.ok and result.imported == 1 and result.claims >= 1
    stored = " ".join(r[0] for r in db.execute("SELECT title || body FROM items UNION ALL SELECT text FROM claims"))
    assert "\x00" not in stored and "\x07" not in stored


def test_only_web_urls_are_stored(db, tmp_path):
    urls = ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "/relative/path",
            "https://example.com/a", "HTTP://Example.com/b"]
    feed = _records(tmp_path / "urls.jsonl", [{**r, "url": u} for r, u in zip(_many(len(urls)), urls)])
    assert import_file(db, feed).ok
    stored = [r[0] for r in db.execute("SELECT url FROM items ORDER BY id")]
    assert stored == [None, None, None, None, "https://example.com/a", "HTTP://Example.com/b"]


def test_a_full_disk_is_one_clear_error_and_nothing_is_stored(tmp_path):
    db = open_db(tmp_path / "full.db")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 3}")  # SQLite's own "database or disk is full"
    before = snapshot(db)
    result = import_file(db, _records(tmp_path / "feed.jsonl", _many(200)))
    assert not result.ok and "disk holding the database is full" in result.error.problem
    assert result.error.path.endswith("feed.jsonl")
    db.execute(f"PRAGMA max_page_count = {2**30}")
    assert snapshot(db) == before


def test_a_read_only_database_is_one_clear_error(tmp_path):
    open_db(tmp_path / "ro.db").close()
    db = Database(sqlite3.connect(f"file:{tmp_path / 'ro.db'}?mode=ro", uri=True))
    result = import_file(db, _records(tmp_path / "feed.jsonl", _many(2)))
    assert not result.ok and "read-only" in result.error.problem


def test_a_file_failing_after_committed_batches_is_cleaned_up(db, tmp_path):
    assert import_file(db, _records(tmp_path / "first.jsonl", _many(5, prefix="old"))).ok
    before = logical(db)
    records = _many(250) + [{"title": "bad", "published": "not a date"}]
    records[10] = _many(5, prefix="old")[2]  # an item already stored: a duplicate, untouched by the clean-up
    result = import_file(db, _records(tmp_path / "late-error.jsonl", records), batch_size=100)
    assert not result.ok and result.error.line == 251 and "unparseable date" in result.error.problem
    after = logical(db)
    run = db.execute("SELECT status, error FROM import_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert run[0] == "failed" and "unparseable date" in run[1]
    events = [r[0] for r in db.execute("SELECT action FROM audit_events ORDER BY id")]
    assert events[-1] == "import.failed"
    for table in before:
        assert after[table] == before[table], table


def test_a_claim_someone_worked_on_outlives_the_failed_run(db, tmp_path):
    records = _many(150) + [{"title": "bad", "published": "not a date"}]
    feed = _records(tmp_path / "late.jsonl", records)
    progress_hits = []

    def assign_first_claim(n: int) -> None:  # a reviewer picks a claim while the import is still running
        if not progress_hits:
            progress_hits.append(n)
            db.execute("UPDATE claims SET status = 'in_review' WHERE id = (SELECT min(id) FROM claims)")

    result = import_file(db, feed, batch_size=100, progress=assign_first_claim)
    assert not result.ok and progress_hits
    kept = db.execute("SELECT status, item_id FROM claims").fetchall()
    assert kept == [("in_review", None)]
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_cli_imports_a_folder_and_says_what_it_skipped(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    _records(folder / "a.jsonl", _many(2))
    shutil.copy(PAGE, folder / "sub" / "page.txt")
    shutil.copy(ROOT / "samples" / "README.md", folder / "README.md")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    _records(folder / ".hidden" / "x.jsonl", _many(1, prefix="h"))
    out = cli(tmp_path / "t.db", "import", str(folder), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["imported"] == 2 + 55 and not summary["failed"]
    assert sorted(Path(p).name for p in summary["not_imported"]) == ["README.md", "logo.png", "x.jsonl"]


def test_a_markdown_file_named_explicitly_is_refused(tmp_path):
    out = cli(tmp_path / "t.db", "import", str(ROOT / "samples" / "README.md"))
    assert out.returncode == 1 and "unknown file type '.md'" in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_does_not_create_a_database_in_a_missing_folder(tmp_path):
    out = cli(tmp_path / "missing" / "dir" / "x.db", "items")
    assert out.returncode == 2 and "does not exist" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "missing").exists()


def test_rss_line_numbers_are_right_deep_into_a_big_feed(db, tmp_path):
    items = "".join(f"<item><title>عنوان {i}</title><description>نص الخبر رقم {i}</description>"
                    f"<pubDate>{'not a date' if i == 4_000 else 'Mon, 02 May 2016 10:00:00 GMT'}</pubDate></item>\n"
                    for i in range(5_000))
    feed = tmp_path / "big.rss"
    feed.write_text(f'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>وكالة</title>\n{items}'
                    "</channel></rss>\n", encoding="utf-8")
    result = import_file(db, feed, skip_invalid=True, claims=False)
    assert result.ok and result.imported == 4_999
    assert [e.line for e in result.skipped] == [4_003]


def test_database_backup_and_secret_files_are_private(tmp_path):
    db = open_db(tmp_path / "private.db")
    db.execute("CREATE TABLE t (x)")
    copy = backup(db, tmp_path / "copy.db")
    load_secret(tmp_path)
    for path in (tmp_path / "private.db", Path(f"{tmp_path / 'private.db'}-wal"), copy, tmp_path / ".tabayyun-secret"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    legacy = tmp_path / "legacy.db"
    legacy.touch()
    os.chmod(legacy, 0o644)
    private_file(legacy)
    assert stat.S_IMODE(legacy.stat().st_mode) == 0o600
