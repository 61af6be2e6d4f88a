"""The claim's life on the service layer: every transition and role rule, on real SQLite."""
from __future__ import annotations

import itertools
import json

import pytest

from db import open_db
from tests.conftest import copy_of, freeze_template
from review import reviewing, users, workflow
from review.audit import history
from review.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def team_template(tmp_path_factory):
    """A database with five users, built once: Argon2 hashing is deliberately slow."""
    path = tmp_path_factory.mktemp("team") / "team.db"
    db = open_db(path)
    for name, role in (("admin", "admin"), ("rita", "reviewer"), ("rami", "reviewer"),
                       ("eddie", "editor"), ("edna", "editor")):
        users.add_user(db, None, name, PASSWORD, role)
    freeze_template(db)
    return path


@pytest.fixture
def team(team_template, tmp_path):
    db = open_db(copy_of(team_template, tmp_path))
    yield db
    db.close()


def make_claim(db, status="new", assignee=None, text="نص الادعاء") -> int:
    assignee_id = users.get_user(db, assignee).id if assignee else None
    claim_id = db.execute("INSERT INTO claims (text, norm_text, norm_hash, status, assignee_id) "
                          "VALUES (?, ?, hex(randomblob(8)), ?, ?)", [text, text, status, assignee_id]).lastrowid
    item_id = db.execute("INSERT INTO items (kind, title, content_hash) VALUES ('article', 't', hex(randomblob(8)))"
                         ).lastrowid
    db.execute("INSERT INTO coverage_links (claim_id, item_id, score, method, status) "
               "VALUES (?, ?, 0.9, 'test', 'confirmed')", [claim_id, item_id])
    if status in ("verdict_proposed", "signed_off"):
        db.execute("INSERT INTO verdicts (claim_id, label, rationale, reviewer_id) VALUES (?, 'False', 'r', ?)",
                   [claim_id, users.get_user(db, "rita").id])
    return claim_id


def version(db, claim_id) -> int:
    return db.execute("SELECT version FROM claims WHERE id = ?", [claim_id]).fetchone()[0]


def status(db, claim_id) -> str:
    return db.execute("SELECT status FROM claims WHERE id = ?", [claim_id]).fetchone()[0]


def perform(db, action: str, claim_id: int):
    """Call the service for ``action`` as a user whose role allows it."""
    v = version(db, claim_id)
    if action == "assign":
        return reviewing.assign(db, "rita", claim_id, v, "rita")
    if action == "unassign":
        return reviewing.unassign(db, "eddie", claim_id, v)
    if action == "propose_verdict":
        return reviewing.propose_verdict(db, "rita", claim_id, v, label="False", rationale="because",
                                         evidence_urls=["https://example.org/x"])
    if action == "sign_off":
        return reviewing.sign_off(db, "eddie", claim_id, v)
    if action == "return":
        return reviewing.return_verdict(db, "eddie", claim_id, v, "needs a source")
    if action == "dismiss":
        return reviewing.dismiss(db, "rita", claim_id, v, "opinion, not a claim")
    if action == "reopen":
        return reviewing.reopen(db, "eddie", claim_id, v)
    if action == "merge":
        other = make_claim(db, text="claim two")
        return reviewing.merge(db, "rita", claim_id, v, other)
    if action == "decide_link":
        link = db.execute("SELECT id FROM coverage_links WHERE claim_id = ?", [claim_id]).fetchone()[0]
        return reviewing.decide_link(db, "rita", link, v, status="confirmed", stance="supports")
    if action == "set_priority":
        return reviewing.set_priority(db, "eddie", claim_id, v, priority=3, deadline="2026-12-01")
    if action == "correct":
        return reviewing.correct(db, "eddie", claim_id, v, "a reader sent the full report")
    if action == "retract":
        return reviewing.retract(db, "eddie", claim_id, v, "the source was fabricated")
    raise AssertionError(action)


CASES = list(itertools.product(workflow.TRANSITIONS, workflow.STATUSES))


@pytest.mark.parametrize(("action", "start"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_transition_is_allowed_or_refused(team, action, start):
    db = team
    claim_id = make_claim(db, start, assignee="rita" if start in ("in_review", "verdict_proposed") else None)
    allowed_from, target = workflow.TRANSITIONS[action]
    events_before = len(history(db, "claim", claim_id))
    v = version(db, claim_id)
    if start in allowed_from:
        after = perform(db, action, claim_id)
        assert after["status"] == (target or start)
        assert version(db, claim_id) == v + 1
        events = history(db, "claim", claim_id)
        assert len(events) == events_before + 1 and events[-1]["action"] == f"claim.{action}"
    else:
        with pytest.raises(WorkflowError):
            perform(db, action, claim_id)
        assert status(db, claim_id) == start and version(db, claim_id) == v
        assert len(history(db, "claim", claim_id)) == events_before


def test_reviewer_cannot_sign_off_or_return(team):
    claim_id = make_claim(team, "verdict_proposed", assignee="rita")
    with pytest.raises(PermissionDenied):
        reviewing.sign_off(team, "rami", claim_id, version(team, claim_id))
    with pytest.raises(PermissionDenied):
        reviewing.return_verdict(team, "rami", claim_id, version(team, claim_id), "no")
    assert status(team, claim_id) == "verdict_proposed"


def test_four_eyes_same_person_cannot_review_and_sign_off(team):
    claim_id = make_claim(team, "in_review", assignee="eddie")
    reviewing.propose_verdict(team, "eddie", claim_id, version(team, claim_id), label="True",
                              rationale="checked", evidence_urls=["https://example.org/a"])
    with pytest.raises(PermissionDenied, match="four-eyes"):
        reviewing.sign_off(team, "eddie", claim_id, version(team, claim_id))
    after = reviewing.sign_off(team, "edna", claim_id, version(team, claim_id), "ok")
    assert after["status"] == "signed_off"


def test_reviewer_assigns_only_to_self_editor_assigns_anyone(team):
    claim_id = make_claim(team)
    with pytest.raises(PermissionDenied):
        reviewing.assign(team, "rita", claim_id, version(team, claim_id), "rami")
    reviewing.assign(team, "eddie", claim_id, version(team, claim_id), "rami")
    with pytest.raises(PermissionDenied):
        reviewing.propose_verdict(team, "rita", claim_id, version(team, claim_id), label="False",
                                  rationale="x", evidence_urls=["https://example.org/x"])


def test_disabled_user_cannot_act_or_log_in(team):
    claim_id = make_claim(team)
    users.disable_user(team, "admin", "rita")
    with pytest.raises(PermissionDenied, match="disabled"):
        reviewing.assign(team, "rita", claim_id, version(team, claim_id), "rita")
    with pytest.raises(users.AuthError):
        users.authenticate(team, "rita", PASSWORD)
    assert users.authenticate(team, "rami", PASSWORD).role == "reviewer"
    with pytest.raises(users.AuthError):
        users.authenticate(team, "rami", "wrong password")


def test_only_admins_manage_users_and_last_admin_stays(team):
    with pytest.raises(PermissionDenied):
        users.add_user(team, "eddie", "newbie", PASSWORD, "reviewer")
    with pytest.raises(PermissionDenied):
        users.set_role(team, "rita", "rita", "admin")
    with pytest.raises(PermissionDenied, match="last active admin"):
        users.disable_user(team, "admin", "admin")
    users.set_role(team, "admin", "eddie", "admin")
    assert users.get_user(team, "eddie").role == "admin"


def test_passwords_are_hashed_with_argon2(team):
    stored = team.execute("SELECT password_hash FROM users WHERE name = 'rita'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_first_admin_only_once(db):
    assert not users.has_users(db)
    users.create_first_admin(db, "boss", PASSWORD)
    with pytest.raises(PermissionDenied):
        users.create_first_admin(db, "intruder", PASSWORD)


def test_stale_version_is_a_conflict_and_changes_nothing(team):
    claim_id = make_claim(team)
    seen = version(team, claim_id)
    reviewing.assign(team, "rita", claim_id, seen, "rita")
    with pytest.raises(ConflictError, match="reload"):
        reviewing.dismiss(team, "rami", claim_id, seen, "dup")
    assert status(team, claim_id) == "in_review"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"label": "Pants on fire", "rationale": "x", "evidence_urls": ["https://e.org/a"]}, "label"),
    ({"label": "False", "rationale": "   ", "evidence_urls": ["https://e.org/a"]}, "rationale"),
    ({"label": "False", "rationale": "x", "evidence_urls": ["javascript:alert(1)"]}, "evidence"),
])
def test_verdict_validation_names_the_field(team, kwargs, field):
    claim_id = make_claim(team, "in_review", assignee="rita")
    with pytest.raises(ValidationError) as err:
        reviewing.propose_verdict(team, "rita", claim_id, version(team, claim_id), **kwargs)
    assert err.value.field == field
    assert status(team, claim_id) == "in_review"


def test_verdict_requires_evidence(team):
    claim_id = make_claim(team, "in_review", assignee="rita")
    team.execute("UPDATE coverage_links SET status = 'suggested' WHERE claim_id = ?", [claim_id])
    with pytest.raises(ValidationError, match="evidence"):
        reviewing.propose_verdict(team, "rita", claim_id, version(team, claim_id), label="False", rationale="x")
    assert team.execute("SELECT count(*) FROM verdicts").fetchone()[0] == 0


def test_verdict_evidence_lists_confirmed_links_and_urls(team):
    claim_id = make_claim(team, "in_review", assignee="rita")
    reviewing.propose_verdict(team, "rita", claim_id, version(team, claim_id), label="Misleading",
                              rationale="context missing", evidence_urls=["https://example.org/report"])
    verdict = reviewing.latest_verdict(team, claim_id)
    evidence = json.loads(verdict["evidence"])
    assert len(evidence["links"]) == 1 and evidence["urls"] == ["https://example.org/report"]


def test_return_requires_comment_and_goes_back_to_reviewer(team):
    claim_id = make_claim(team, "verdict_proposed", assignee="rita")
    with pytest.raises(ValidationError):
        reviewing.return_verdict(team, "eddie", claim_id, version(team, claim_id), "  ")
    after = reviewing.return_verdict(team, "eddie", claim_id, version(team, claim_id), "cite the ministry")
    assert after["status"] == "in_review" and after["assignee_id"] == users.get_user(team, "rita").id
    row = team.execute("SELECT decision, comment FROM signoffs").fetchone()
    assert row == ("return", "cite the ministry")


def test_merge_moves_appearances_and_links(team):
    a, b = make_claim(team, text="a"), make_claim(team, text="b")
    item = team.execute("INSERT INTO items (kind, title, content_hash) VALUES ('article', 'x', 'hx')").lastrowid
    team.execute("INSERT INTO claim_appearances (claim_id, item_id) VALUES (?, ?)", [a, item])
    reviewing.merge(team, "rita", a, version(team, a), b)
    assert team.execute("SELECT count(*) FROM claim_appearances WHERE claim_id = ?", [b]).fetchone()[0] == 1
    assert team.execute("SELECT count(*) FROM coverage_links WHERE claim_id = ?", [b]).fetchone()[0] == 2
    assert team.execute("SELECT count(*) FROM coverage_links WHERE claim_id = ?", [a]).fetchone()[0] == 0
    with pytest.raises(ValidationError):
        reviewing.merge(team, "rita", b, version(team, b), b)


def test_comments_are_audited_and_stored_as_given(team):
    claim_id = make_claim(team)
    hostile = "<script>alert('x')</script> '; DROP TABLE claims; --"
    reviewing.add_comment(team, "rita", claim_id, hostile)
    assert team.execute("SELECT body FROM comments").fetchone()[0] == hostile
    assert history(team, "claim", claim_id)[-1]["after"]["body"] == hostile
