"""Coverage use cases around the matcher: inline suggestions on import, the pending queue, ad-hoc lookups."""
from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from db.connection import write_transaction
from review import matching

INLINE_CLAIMS = 200  # an import with at most this many new claims matches them at once; bigger ones defer
BATCH = 100  # pending claims matched per transaction (short transactions keep the dashboard responsive)


def _mark_matched(db: Database, claim_ids: list[int]) -> None:
    marks = ",".join("?" * len(claim_ids))
    db.execute(f"UPDATE claims SET matched_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id IN ({marks})",
               claim_ids)


def match_claims_now(db: Database, claim_ids: list[int]) -> int:
    """Inside the caller's transaction: suggest coverage for these claims and mark them matched."""
    if not claim_ids:
        return 0
    links = matching.suggest_for_claims(db, claim_ids)
    _mark_matched(db, claim_ids)
    return links


def pending_count(db: Database) -> int:
    """Claims not yet matched against all items."""
    return db.execute("SELECT count(*) FROM claims WHERE matched_at IS NULL").fetchone()[0]


def match_pending(db: Database, *, limit: int | None = None, progress=None) -> tuple[int, int]:
    """Match pending claims in short transactions; returns (claims matched, links suggested)."""
    done = links = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        with write_transaction(db):
            ids = [r[0] for r in db.execute("SELECT id FROM claims WHERE matched_at IS NULL ORDER BY id LIMIT ?",
                                            [size]).fetchall()]
            if not ids:
                break
            links += match_claims_now(db, ids)
        done += len(ids)
        if progress:
            progress(done)
    return done, links


def ensure_matched(db: Database, claim_id: int) -> None:
    """Match one claim now if it is still pending (the review page calls this when a claim is opened).

    A plain read decides first, so the page takes no write lock on its reruns once the claim is matched."""
    pending = "SELECT 1 FROM claims WHERE id = ? AND matched_at IS NULL"
    if not db.execute(pending, [claim_id]).fetchone():
        return
    with write_transaction(db):
        if db.execute(pending, [claim_id]).fetchone():  # another session may have matched it meanwhile
            match_claims_now(db, [claim_id])


def lookup(db: Database, texts: Iterable[tuple[object, str]], *, limit: int = 10) -> Iterable[dict]:
    """Ad-hoc matching for (id, text) pairs: one result dict per input, best items first (read-only)."""
    for ident, query in texts:
        matches = matching.search(db, query, limit=limit)
        items = {}
        if matches:
            marks = ",".join("?" * len(matches))
            for row in db.execute(f"SELECT id, source_id, title, outlet, published, url, kind FROM items "
                                  f"WHERE id IN ({marks})", [m.item_id for m in matches]).fetchall():
                items[row[0]] = row
        yield {"id": ident, "results": [
            {"item_id": m.item_id, "source_id": items[m.item_id][1], "title": items[m.item_id][2],
             "outlet": items[m.item_id][3], "published": items[m.item_id][4], "url": items[m.item_id][5],
             "kind": items[m.item_id][6], "score": round(m.score, 4), "method": m.method,
             "explanation": m.explanation} for m in matches]}
