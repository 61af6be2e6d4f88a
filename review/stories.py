"""Story groups: claims that tell one story share ``claims.story_id`` (the smallest claim id of the group).

Two things put claims in one story: they were extracted from the same item, or their vectors are near
(review.embedding links similar claims: paraphrases, translations). Groups only ever merge.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

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
