"""Story groups: claims that tell one story share ``claims.story_id`` (the smallest claim id of the group).

Two things put claims in one story: they were extracted from the same item, or their vectors are near
(review.embedding links similar claims: paraphrases, translations). Groups only ever merge.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from review.triage import triage_rank

MAX_STORY_CLAIMS = 50  # stories merge only while the result stays this small: union is transitive, and a claim
# repeated across many articles (or a loose similarity) would otherwise chain unrelated stories together


def merge_stories(db: Database, claim_ids: Iterable[int], *, max_size: int | None = None) -> int | None:
    """Put these claims, and everything already in their stories, into one story; returns its id.

    With ``max_size``, stories are left apart when together they would hold more claims than that.
    """
    ids = list(dict.fromkeys(int(i) for i in claim_ids))
    if not ids:
        return None
    marks = ",".join("?" * len(ids))
    stories = sorted({r[0] for r in db.execute(f"SELECT story_id FROM claims WHERE id IN ({marks})", ids)})
    if max_size is not None and len(stories) > 1:
        size = db.execute(f"SELECT count(*) FROM claims WHERE story_id IN ({','.join('?' * len(stories))})",
                          stories).fetchone()[0]
        if size > max_size:
            return None
    if len(stories) > 1:
        keep = stories[0]
        db.execute(f"UPDATE claims SET story_id = ? WHERE story_id IN ({','.join('?' * len(stories))})",
                   [keep, *stories])
        return keep
    return stories[0] if stories else None


def story_claim_ids(db: Database, claim_ids: Iterable[int]) -> list[int]:
    """Every claim in the stories of these claims."""
    ids = sorted({int(i) for i in claim_ids})
    out: set[int] = set()
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        out.update(r[0] for r in db.execute(
            f"SELECT id FROM claims WHERE story_id IN (SELECT story_id FROM claims WHERE id IN ({','.join('?' * len(chunk))}))",
            chunk))
    return sorted(out)


def refresh_claim_stats(db: Database, claim_ids: Iterable[int]) -> None:
    """Recompute spread, first/last publication and triage rank of these claims from their appearances.

    Dates are publication dates: an item without one leaves the claim's dates unknown (NULL), never the import
    time. Spread counts the outlets and languages of the claim's whole story.
    """
    ids = sorted(set(claim_ids))
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        marks = ",".join("?" * len(chunk))
        stats = db.execute(
            "SELECT c.id, c.score, c.priority, count(a.id), count(DISTINCT i.outlet), min(i.published), "
            "max(i.published), substr(c.created_at, 1, 10), c.story_id "
            f"FROM claims c LEFT JOIN claim_appearances a ON a.claim_id = c.id LEFT JOIN items i ON i.id = a.item_id "
            f"WHERE c.id IN ({marks}) GROUP BY c.id", chunk).fetchall()
        stories = sorted({row[-1] for row in stats if row[-1] is not None})
        spread = {story: (outlets, languages) for story, outlets, languages in db.execute(
            "SELECT c.story_id, count(DISTINCT i.outlet), count(DISTINCT c.language) FROM claims c "
            "JOIN claim_appearances a ON a.claim_id = c.id JOIN items i ON i.id = a.item_id "
            f"WHERE c.story_id IN ({','.join('?' * len(stories))}) GROUP BY c.story_id", stories)} if stories else {}
        updates = []
        for cid, score, priority, n, outlets, first, last, created, story in stats:
            if n == 0:  # a claim a reviewer typed in: its date is the day it was added
                first = last = created
            story_outlets, languages = spread.get(story, (outlets, 1))
            updates.append((n, outlets, first, last,
                            triage_rank(score, outlets=max(outlets, story_outlets), appearances=n, last_seen=last,
                                        priority=priority, languages=languages), cid))
        db.conn.executemany("UPDATE claims SET appearance_count = ?, outlet_count = ?, first_seen = ?, last_seen = ?, "
                            "triage_rank = ? WHERE id = ?", updates)
