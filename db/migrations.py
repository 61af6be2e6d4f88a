"""Append-only, numbered schema migrations (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add a new one below it.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("tabayyun")


def _run(db: Database, statements: str) -> None:
    """Execute ';'-separated DDL inside the migration's transaction."""
    for stmt in statements.split(";\n"):
        if stmt.strip():
            db.execute(stmt)


@migrations()
def m001_initial_schema(db: Database) -> None:
    """The whole product's first schema: items, claims, coverage, verdicts, users, audit."""
    _run(db, """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    ui_language TEXT NOT NULL DEFAULT 'en' CHECK (ui_language IN ('en', 'ar')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'headline', 'factcheck')),
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    outlet TEXT,
    url TEXT,
    published TEXT,
    language TEXT,
    source_file TEXT,
    source_id TEXT,
    content_hash TEXT NOT NULL UNIQUE,
    imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX items_url ON items(url) WHERE url IS NOT NULL AND url != '';
CREATE INDEX items_kind_published ON items(kind, published);
CREATE INDEX items_outlet ON items(outlet);
CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    norm_text TEXT NOT NULL,
    norm_hash TEXT NOT NULL,
    language TEXT,
    item_id INTEGER REFERENCES items(id),
    span_start INTEGER,
    span_end INTEGER,
    score REAL NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 1),
    signals TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN
        ('new', 'in_review', 'verdict_proposed', 'signed_off', 'dismissed', 'merged')),
    status_reason TEXT,
    merged_into INTEGER REFERENCES claims(id),
    priority INTEGER NOT NULL DEFAULT 0,
    assignee_id INTEGER REFERENCES users(id),
    deadline TEXT,
    origin TEXT NOT NULL DEFAULT 'import' CHECK (origin IN ('import', 'manual')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX claims_norm_hash ON claims(norm_hash);
CREATE INDEX claims_status_score ON claims(status, score DESC);
CREATE INDEX claims_item ON claims(item_id);
CREATE INDEX claims_assignee ON claims(assignee_id);
CREATE TABLE claim_appearances (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    span_start INTEGER,
    span_end INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (claim_id, item_id)
);
CREATE INDEX claim_appearances_item ON claim_appearances(item_id);
CREATE TABLE coverage_links (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    score REAL NOT NULL,
    method TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'suggested' CHECK (status IN ('suggested', 'confirmed', 'rejected')),
    stance TEXT NOT NULL DEFAULT 'unknown' CHECK (stance IN ('supports', 'refutes', 'discusses', 'unknown')),
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (claim_id, item_id)
);
CREATE INDEX coverage_links_item ON coverage_links(item_id);
CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    label TEXT NOT NULL,
    rationale TEXT NOT NULL CHECK (length(trim(rationale)) > 0),
    evidence TEXT NOT NULL DEFAULT '[]',
    reviewer_id INTEGER NOT NULL REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX verdicts_claim ON verdicts(claim_id);
CREATE TABLE signoffs (
    id INTEGER PRIMARY KEY,
    verdict_id INTEGER NOT NULL REFERENCES verdicts(id),
    editor_id INTEGER NOT NULL REFERENCES users(id),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'return')),
    comment TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX signoffs_verdict ON signoffs(verdict_id);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    body TEXT NOT NULL CHECK (length(trim(body)) > 0),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX comments_claim ON comments(claim_id);
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    before TEXT,
    after TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX audit_events_entity ON audit_events(entity, entity_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    claims INTEGER NOT NULL DEFAULT 0,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
""")


@migrations()
def m002_matching_index(db: Database) -> None:
    """Coverage matching: FTS5 over items' analysed title+lead and over claims, with vocabularies."""
    # Columns hold analysed terms (review.matching.analysis); rowid = items.id / claims.id.
    # tokenchars '.' keeps a decimal value such as 36.7 as one term.
    _run(db, """
CREATE VIRTUAL TABLE match_items_fts USING fts5(
    title, lead, tokenize = 'unicode61 remove_diacritics 0 tokenchars ''.''');
INSERT INTO match_items_fts(match_items_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0)');
CREATE VIRTUAL TABLE match_items_vocab USING fts5vocab(match_items_fts, 'row');
CREATE VIRTUAL TABLE match_claims_fts USING fts5(
    terms, tokenize = 'unicode61 remove_diacritics 0 tokenchars ''.''');
CREATE VIRTUAL TABLE match_claims_vocab USING fts5vocab(match_claims_fts, 'row')
""")


@migrations()
def m003_sessions(db: Database) -> None:
    """Login sessions: only a hash of each token is stored, so a leaked database cannot log anyone in."""
    _run(db, """
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id)
""")


@migrations()
def m004_triage_rank(db: Database) -> None:
    """Denormalised spread and recency per claim, and an indexed triage rank, so the queue pages in SQL."""
    _run(db, """
ALTER TABLE claims ADD COLUMN appearance_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN outlet_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN first_seen TEXT;
ALTER TABLE claims ADD COLUMN last_seen TEXT;
ALTER TABLE claims ADD COLUMN triage_rank REAL NOT NULL DEFAULT 0;
CREATE INDEX claims_rank ON claims(triage_rank DESC);
CREATE INDEX claims_status_rank ON claims(status, triage_rank DESC)
""")


@migrations()
def m005_claim_matching_state(db: Database) -> None:
    """When a claim was last matched against all items; NULL = pending (big imports defer it)."""
    _run(db, """
ALTER TABLE claims ADD COLUMN matched_at TEXT;
CREATE INDEX claims_unmatched ON claims(id) WHERE matched_at IS NULL
""")


@migrations()
def m006_reanalyse_numbers(db: Database) -> None:
    """Re-index the matching terms of every item and claim (data only), after number reading improved.

    review.text now reads fractions with a scale word (نصف مليون = 500000, it was 1000000 beside a stray
    word), counts after a scale (13 ألفا و845 = 13845), teens inside compounds (سبع مئة وخمس عشرة ألف) and
    drops the 1 of 'one of'. Rows analysed before would keep the old terms. One pass over the index
    (measured 16 s for the 30,376 SaudiNewsNet articles, 1,856 items/s), once.
    """
    from review.matching.engine import index_claims, index_items  # the analyser lives in the domain

    # passages did not exist yet (m007 adds and indexes them)
    index_items(db, (row[0] for row in db.execute("SELECT rowid FROM match_items_fts").fetchall()), passages=False)
    index_claims(db, (row[0] for row in db.execute("SELECT rowid FROM match_claims_fts").fetchall()))


@migrations()
def m007_passages_and_vectors(db: Database) -> None:
    """Coverage v3: every item split into passages (title + sentence windows over the whole body), indexed
    lexically (match_passages_fts, rowid = passage id) and as vectors; claim vectors and similar claims.

    A passage keeps its id while its text (digest) holds, so re-indexing never drops a still-valid vector.
    ``vectors`` stores each vector int8-quantised (q8 × scale) and its inverted-file cell (vector_cells, k-means
    centroids, once there are enough vectors), with the model that made it: vectors of another model are never compared. ``vector_epoch`` counts
    deletions (of any kind: ids are shared) so in-memory indexes know to reload. Existing items are split and indexed here; their vectors
    are left to ``python -m review embed --pending``. ``claims.story_id`` groups claims of one story.
    """
    _run(db, """
CREATE TABLE item_passages (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    digest TEXT NOT NULL,
    UNIQUE (item_id, ord)
);
CREATE INDEX item_passages_ord ON item_passages(ord, id);
CREATE VIRTUAL TABLE match_passages_fts USING fts5(
    terms, tokenize = 'unicode61 remove_diacritics 0 tokenchars ''.''');
CREATE VIRTUAL TABLE match_passages_vocab USING fts5vocab(match_passages_fts, 'row');
CREATE TABLE vectors (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('passage', 'claim')),
    ref_id INTEGER NOT NULL,
    model TEXT NOT NULL,
    scale REAL NOT NULL,
    q8 BLOB NOT NULL,
    cell INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (kind, ref_id, model)
);
CREATE INDEX vectors_cell ON vectors(kind, model, cell);
CREATE TABLE vector_cells (
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    cell INTEGER NOT NULL,
    centroid BLOB NOT NULL,
    PRIMARY KEY (kind, model, cell)
);
CREATE TABLE vector_epoch (kind TEXT PRIMARY KEY, deletes INTEGER NOT NULL DEFAULT 0);
INSERT INTO vector_epoch (kind) VALUES ('passage'), ('claim');
CREATE TRIGGER vectors_deleted AFTER DELETE ON vectors
BEGIN UPDATE vector_epoch SET deletes = deletes + 1; END;
CREATE TRIGGER passages_deleted AFTER DELETE ON item_passages
BEGIN DELETE FROM vectors WHERE kind = 'passage' AND ref_id = old.id; END;
CREATE TABLE claim_similar (
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    other_id INTEGER NOT NULL REFERENCES claims(id),
    score REAL NOT NULL,
    method TEXT NOT NULL,
    PRIMARY KEY (claim_id, other_id)
) WITHOUT ROWID;
CREATE INDEX claim_similar_other ON claim_similar(other_id);
ALTER TABLE claims ADD COLUMN story_id INTEGER;
UPDATE claims SET story_id = coalesce((SELECT min(c2.id) FROM claims c2 WHERE c2.item_id = claims.item_id), id);
CREATE INDEX claims_story ON claims(story_id);
CREATE TRIGGER claims_own_story AFTER INSERT ON claims WHEN new.story_id IS NULL
BEGIN UPDATE claims SET story_id = new.id WHERE id = new.id; END
""")
    from review.matching.engine import index_items  # the analyser lives in the domain

    index_items(db, (row[0] for row in db.execute("SELECT id FROM items").fetchall()))


@migrations()
def m008_import_runs_in_batches(db: Database) -> None:
    """Imports commit in short batches: each run has a status, and its items and claims point at it.

    A file that fails after some batches were committed is cleaned up through these links (``review.import_runs``),
    and so is a run whose process died (host + pid); runs recorded before this migration were single
    transactions and are 'done'.
    """
    _run(db, """
ALTER TABLE import_runs ADD COLUMN status TEXT NOT NULL DEFAULT 'done'
    CHECK (status IN ('running', 'done', 'failed'));
ALTER TABLE import_runs ADD COLUMN error TEXT;
ALTER TABLE import_runs ADD COLUMN finished_at TEXT;
ALTER TABLE import_runs ADD COLUMN host TEXT;
ALTER TABLE import_runs ADD COLUMN pid INTEGER;
ALTER TABLE items ADD COLUMN import_run_id INTEGER;
ALTER TABLE claims ADD COLUMN import_run_id INTEGER;
CREATE INDEX items_import_run ON items(import_run_id) WHERE import_run_id IS NOT NULL;
CREATE INDEX claims_import_run ON claims(import_run_id) WHERE import_run_id IS NOT NULL
""")


@migrations()
def m009_account_protection(db: Database) -> None:
    """Login throttling per account and per client (``review.throttle``); when each password was set."""
    _run(db, """
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TEXT,
    updated_at TEXT NOT NULL
);
ALTER TABLE users ADD COLUMN password_changed_at TEXT
""")


@migrations()
def m010_corrections(db: Database) -> None:
    """Corrections and retractions of published verdicts: who reopened or withdrew which verdict, and why."""
    _run(db, """
CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'retraction')),
    verdict_id INTEGER NOT NULL REFERENCES verdicts(id),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    editor_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX corrections_claim ON corrections(claim_id, id)
""")


@migrations()
def m011_rescore_and_honest_dates(db: Database) -> None:
    """Re-score every claim (new lowering signals: crime-blotter incidents, over-long digests) and recompute its
    dates and triage rank (publication dates only; story-wide outlets and languages). Data only, once;
    measured on the 31k-article SaudiNewsNet import in bench/import_speed.py's notes.
    """
    import json

    from review.checkworthy import score_sentence
    from review.stories import refresh_claim_stats

    rows = db.execute("SELECT id, text, language FROM claims").fetchall()
    updates = []
    for claim_id, text, language in rows:
        found = score_sentence(text, language)
        updates.append((found.score, json.dumps(found.signals), claim_id))
    db.conn.executemany("UPDATE claims SET score = ?, signals = ? WHERE id = ?", updates)
    refresh_claim_stats(db, [row[0] for row in rows])


@migrations()
def m012_import_run_progress(db: Database) -> None:
    """What everyone on the desk sees of a running import: items done so far, and an admin's request to cancel."""
    _run(db, """
ALTER TABLE import_runs ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN cancel_requested_by TEXT
""")


@migrations()
def m013_background_jobs(db: Database) -> None:
    """Long work (imports from the dashboard, pending matching, pending embedding) runs as jobs outside the
    Streamlit session: a row per job that everyone sees (what, who, progress, total, errors), the worker processes
    that run them (host + pid, so a dead worker's job is found), and the job an import run belongs to."""
    _run(db, """
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('import', 'match', 'embed')),
    actor TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    detail TEXT,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    host TEXT,
    pid INTEGER,
    cancel_requested_by TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX jobs_by_status ON jobs(status, id);
CREATE TABLE job_workers (
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (host, pid)
);
ALTER TABLE import_runs ADD COLUMN job_id INTEGER REFERENCES jobs(id)
""")


def apply_migrations(db: Database) -> None:
    """Bring ``db`` up to the newest schema; a no-op when it is already there."""
    migrations.apply(db)
