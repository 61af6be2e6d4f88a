"""Analytics read side: aggregates computed in SQL, each returned as a list of dicts."""
from __future__ import annotations

from sqlite_utils import Database

from db.queries import rows

FALSE_LABELS = ("False", "Mostly false", "Misleading")
# (upper bound in hours, bucket name) for the time-to-decision distribution; the last bucket is open.
DURATION_BUCKETS: tuple[tuple[float, str], ...] = (
    (1, "lt_1h"), (6, "1_6h"), (24, "6_24h"), (72, "1_3d"), (168, "3_7d"), (float("inf"), "gt_7d"))
STAGES = ("to_verdict", "to_signoff", "to_publish")


PERIODS = {"day": "substr(first_seen, 1, 10)", "week": "date(first_seen, '-6 days', 'weekday 1')",
           "month": "substr(first_seen, 1, 7) || '-01'"}


def claims_by_period(db: Database, period: str) -> list[dict]:
    """Dated claims per day, week or month of first publication, by current status: {period, status, claims}."""
    return rows(db, f"""
        SELECT {PERIODS[period]} AS period, status, count(*) AS claims
        FROM claims WHERE first_seen IS NOT NULL AND status != 'merged'
        GROUP BY period, status ORDER BY period, status""")


def publication_range(db: Database) -> dict:
    """{first, last, dated, undated}: the publication dates the claims span and how many have none."""
    return rows(db, """
        SELECT min(first_seen) AS first, max(first_seen) AS last, count(first_seen) AS dated,
               sum(first_seen IS NULL) AS undated FROM claims WHERE status != 'merged'""")[0]


def funnel(db: Database) -> dict[str, int]:
    """How far claims got: all (merged duplicates left out) → with confirmed or suggested coverage → with a
    verdict → signed off at least once → published now (signed off, not retracted or reopened)."""
    row = db.execute("""
        SELECT count(*),
               sum(EXISTS (SELECT 1 FROM coverage_links l WHERE l.claim_id = c.id AND l.status != 'rejected')),
               sum(EXISTS (SELECT 1 FROM verdicts v WHERE v.claim_id = c.id)),
               sum(EXISTS (SELECT 1 FROM verdicts v JOIN signoffs s ON s.verdict_id = v.id
                           WHERE v.claim_id = c.id AND s.decision = 'approve')),
               sum(c.status = 'signed_off')
        FROM claims c WHERE c.status != 'merged'""").fetchone()
    return dict(zip(("claims", "covered", "verdict", "signed_off", "published"), (v or 0 for v in row)))


def verdict_time_per_week(db: Database) -> list[dict]:
    """Median hours from a claim entering the desk to its first proposed verdict, per week of that verdict:
    {week, claims, median_hours}."""
    found = rows(db, """
        SELECT date(e.first_verdict, '-6 days', 'weekday 1') AS week,
               (julianday(e.first_verdict) - julianday(c.created_at)) * 24 AS hours
        FROM (SELECT entity_id AS claim_id, min(created_at) AS first_verdict FROM audit_events
              WHERE entity = 'claim' AND action = 'claim.propose_verdict' GROUP BY entity_id) e
        JOIN claims c ON c.id = e.claim_id ORDER BY week, hours""")
    weeks: dict[str, list[float]] = {}
    for row in found:
        weeks.setdefault(row["week"], []).append(max(row["hours"], 0.0))
    return [{"week": week, "claims": len(hours), "median_hours": _median(hours)} for week, hours in weeks.items()]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def status_changes_per_day(db: Database) -> list[dict]:
    """Status transitions recorded in the audit trail per day: {day, status (entered), changes}."""
    return rows(db, """
        SELECT substr(created_at, 1, 10) AS day, json_extract(after, '$.status') AS status,
               count(*) AS changes
        FROM audit_events
        WHERE entity = 'claim' AND action LIKE 'claim.%'
          AND json_valid(before) AND json_valid(after)
          AND json_extract(after, '$.status') IS NOT json_extract(before, '$.status')
        GROUP BY day, status ORDER BY day, status""")


def verdicts_by_label(db: Database) -> list[dict]:
    """Each claim's latest verdict counted by label: {label, verdicts, published} (published = signed off)."""
    return rows(db, """
        SELECT v.label, count(*) AS verdicts, sum(c.status = 'signed_off') AS published
        FROM verdicts v JOIN claims c ON c.id = v.claim_id
        WHERE v.id = (SELECT max(v2.id) FROM verdicts v2 WHERE v2.claim_id = v.claim_id)
        GROUP BY v.label ORDER BY verdicts DESC, v.label""")


# Per claim: created → first proposed verdict; last proposal before sign-off → sign-off; created → sign-off.
_DURATIONS = """
    WITH events AS (
        SELECT entity_id AS claim_id,
               min(CASE WHEN action = 'claim.propose_verdict' THEN created_at END) AS first_verdict,
               min(CASE WHEN action = 'claim.sign_off' THEN created_at END) AS signed_off
        FROM audit_events
        WHERE entity = 'claim' AND action IN ('claim.propose_verdict', 'claim.sign_off')
        GROUP BY entity_id
    ), spans AS (
        SELECT 'to_verdict' AS stage, (julianday(e.first_verdict) - julianday(c.created_at)) * 24 AS hours
        FROM events e JOIN claims c ON c.id = e.claim_id WHERE e.first_verdict IS NOT NULL
        UNION ALL
        SELECT 'to_signoff', (julianday(e.signed_off) - julianday(
                   (SELECT max(p.created_at) FROM audit_events p WHERE p.entity = 'claim'
                    AND p.entity_id = e.claim_id AND p.action = 'claim.propose_verdict'
                    AND p.created_at <= e.signed_off))) * 24
        FROM events e WHERE e.signed_off IS NOT NULL
        UNION ALL
        SELECT 'to_publish', (julianday(e.signed_off) - julianday(c.created_at)) * 24
        FROM events e JOIN claims c ON c.id = e.claim_id WHERE e.signed_off IS NOT NULL
    )"""


def time_to_decision(db: Database) -> list[dict]:
    """Per stage: {stage, claims, median_hours, max_hours} (median of the middle one or two)."""
    return rows(db, _DURATIONS + """
        , ranked AS (
            SELECT stage, max(hours, 0) AS hours,
                   row_number() OVER (PARTITION BY stage ORDER BY hours) AS n,
                   count(*) OVER (PARTITION BY stage) AS total
            FROM spans WHERE hours IS NOT NULL
        )
        SELECT stage, max(total) AS claims,
               avg(CASE WHEN n IN ((total + 1) / 2, (total + 2) / 2) THEN hours END) AS median_hours,
               max(hours) AS max_hours
        FROM ranked GROUP BY stage
        ORDER BY CASE stage WHEN 'to_verdict' THEN 0 WHEN 'to_signoff' THEN 1 ELSE 2 END""")


def time_to_decision_histogram(db: Database) -> list[dict]:
    """Per stage and duration bucket: {stage, bucket, bucket_order, claims} (empty buckets left out)."""
    cases = " ".join(f"WHEN hours < {limit} THEN {i}" for i, (limit, _) in enumerate(DURATION_BUCKETS[:-1]))
    names = " ".join(f"WHEN {i} THEN '{name}'" for i, (_, name) in enumerate(DURATION_BUCKETS))
    return rows(db, _DURATIONS + f"""
        , bucketed AS (
            SELECT stage, CASE {cases} ELSE {len(DURATION_BUCKETS) - 1} END AS bucket_order
            FROM spans WHERE hours IS NOT NULL
        )
        SELECT stage, CASE bucket_order {names} END AS bucket, bucket_order, count(*) AS claims
        FROM bucketed GROUP BY stage, bucket_order
        ORDER BY CASE stage WHEN 'to_verdict' THEN 0 WHEN 'to_signoff' THEN 1 ELSE 2 END, bucket_order""")


def reviewer_throughput(db: Database) -> list[dict]:
    """Verdicts proposed per reviewer per week (weeks start on Monday): {week, reviewer, verdicts}."""
    return rows(db, """
        SELECT date(v.created_at, '-6 days', 'weekday 1') AS week, u.name AS reviewer, count(*) AS verdicts
        FROM verdicts v JOIN users u ON u.id = v.reviewer_id
        GROUP BY week, u.id ORDER BY week, reviewer""")


OUTLET_ORDERS = {"claims": "claims DESC, false_claims DESC", "false_claims": "false_claims DESC, claims DESC"}


def outlets(db: Database, *, order: str = "claims", limit: int = 20) -> list[dict]:
    """Top outlets by claims or by published False/Mostly false/Misleading ones: {outlet, claims, false_claims}."""
    if order not in OUTLET_ORDERS:
        raise ValueError(f"order must be one of {', '.join(OUTLET_ORDERS)}")
    marks = ",".join("?" * len(FALSE_LABELS))
    return rows(db, f"""
        WITH published_false AS (
            SELECT c.id FROM claims c JOIN verdicts v ON v.claim_id = c.id
            WHERE c.status = 'signed_off' AND v.label IN ({marks})
              AND v.id = (SELECT max(v2.id) FROM verdicts v2 WHERE v2.claim_id = c.id)
        )
        SELECT i.outlet, count(DISTINCT a.claim_id) AS claims,
               count(DISTINCT CASE WHEN a.claim_id IN (SELECT id FROM published_false) THEN a.claim_id END)
                   AS false_claims
        FROM claim_appearances a JOIN items i ON i.id = a.item_id
        WHERE i.outlet IS NOT NULL AND i.outlet != ''
        GROUP BY i.outlet ORDER BY {OUTLET_ORDERS[order]}, i.outlet LIMIT ?""", [*FALSE_LABELS, limit])


def claim_spread(db: Database) -> list[dict]:
    """Histogram of how many outlets carried each claim (merged duplicates left out): {outlets, claims}."""
    return rows(db, """
        SELECT outlet_count AS outlets, count(*) AS claims FROM claims
        WHERE status != 'merged' GROUP BY outlet_count ORDER BY outlet_count""")


def has_data(db: Database) -> bool:
    """True once there is at least one claim to chart."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM claims)").fetchone()[0] == 1
