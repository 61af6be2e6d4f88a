"""Published verdicts change only through an editor: owners of assigned claims, merges into signed-off claims,
corrections and retractions, and JSON-LD that is safe to embed in a page."""
from __future__ import annotations

import json

import pytest

from review import claim_actions, export, reviewing
from review.audit import history
from review.errors import PermissionDenied, WorkflowError
from tests.test_export import ORG, A_TEXT, _propose, _v, desk, desk_template  # noqa: F401 - fixtures
from tests.test_workflow import make_claim, status, team, team_template, version  # noqa: F401 - fixtures


def test_another_reviewer_cannot_dismiss_merge_take_or_decide_an_assigned_claim(team):
    claim = make_claim(team, "in_review", assignee="rita")
    other = make_claim(team, text="another claim")
    link = team.execute("SELECT id FROM coverage_links WHERE claim_id = ?", [claim]).fetchone()[0]
    for attempt in (lambda: reviewing.dismiss(team, "rami", claim, version(team, claim), "not mine"),
                    lambda: reviewing.merge(team, "rami", claim, version(team, claim), other),
                    lambda: reviewing.assign(team, "rami", claim, version(team, claim), "rami"),
                    lambda: reviewing.decide_link(team, "rami", link, version(team, claim), status="rejected")):
        with pytest.raises(PermissionDenied, match="assigned to another reviewer"):
            attempt()
    assert status(team, claim) == "in_review"
    reviewing.dismiss(team, "eddie", claim, version(team, claim), "an editor may")  # editors step in
    assert status(team, claim) == "dismissed"


def test_a_reviewer_cannot_merge_into_a_published_verdict_or_someone_elses_claim(team):
    published = make_claim(team, "signed_off", text="published claim")
    taken = make_claim(team, "in_review", assignee="rita", text="rita's claim")
    duplicate = make_claim(team, text="a duplicate")
    before = team.execute("SELECT count(*) FROM coverage_links WHERE claim_id = ?", [published]).fetchone()[0]
    with pytest.raises(PermissionDenied, match="published verdict"):
        reviewing.merge(team, "rami", duplicate, version(team, duplicate), published)
    with pytest.raises(PermissionDenied, match="assigned to another reviewer"):
        reviewing.merge(team, "rami", duplicate, version(team, duplicate), taken)
    assert team.execute("SELECT count(*) FROM coverage_links WHERE claim_id = ?", [published]).fetchone()[0] == before
    reviewing.merge(team, "eddie", duplicate, version(team, duplicate), published)  # an editor decides
    assert status(team, duplicate) == "merged"


def test_bulk_dismiss_skips_claims_assigned_to_others(team):
    mine, theirs, free = (make_claim(team, "in_review", assignee="rami", text="m"),
                          make_claim(team, "in_review", assignee="rita", text="t"), make_claim(team, text="f"))
    done = claim_actions.bulk_apply(team, "rami", [mine, theirs, free], "dismiss", reason="duplicates")
    assert done == {"changed": 2, "skipped": 1} and status(team, theirs) == "in_review"


def test_correction_keeps_the_verdict_published_until_the_new_one_is_signed_off(desk):
    db, ids = desk
    a = ids["A"]
    with pytest.raises(PermissionDenied):
        reviewing.correct(db, "rita", a, _v(db, a), "I want to change it")
    reviewing.correct(db, "eddie", a, _v(db, a), "The ministry published a corrected bulletin")
    assert db.execute("SELECT status, assignee_id IS NOT NULL FROM claims WHERE id = ?", [a]).fetchone() == \
        ("in_review", 1)
    during = {r.claim_id: r for r in export.signed_off_reviews(db)}
    assert during[a].label == "False" and during[a].correction is None  # still published as it was
    with pytest.raises(WorkflowError, match="published verdict"):
        reviewing.dismiss(db, "rita", a, _v(db, a), "drop it quietly")
    _propose(db, "rita", a, "Mostly false", "The corrected bulletin says 450, not 500.", ["https://moh.example/v2"])
    with pytest.raises(PermissionDenied):  # the new verdict needs an editor's sign-off again
        reviewing.sign_off(db, "rita", a, _v(db, a))
    reviewing.sign_off(db, "edna", a, _v(db, a))
    record = {r.claim_id: r for r in export.signed_off_reviews(db)}[a]
    assert record.label == "Mostly false" and record.correction.previous_label == "False"
    review = next(r for r in export.to_claimreview([record], organisation=ORG))
    assert review["datePublished"] == record.first_published_at[:10]
    assert review["dateModified"] == record.signed_off_at[:10]
    assert review["correction"]["@type"] == "CorrectionComment"
    assert "previously rated False" in review["correction"]["text"] and "corrected bulletin" in review["correction"]["text"]
    row = export.csv_row(record)
    assert (row["corrected_from"], row["label"]) == ("False", "Mostly false")
    actions = [e["action"] for e in history(db, "claim", a)]
    assert actions[-3:] == ["claim.correct", "claim.propose_verdict", "claim.sign_off"]
    labels = [r[0] for r in db.execute("SELECT label FROM verdicts WHERE claim_id = ? ORDER BY id", [a])]
    assert labels == ["False", "Mostly false"]  # the previous rating stays in the history


def test_retraction_withdraws_the_verdict_from_exports(desk):
    db, ids = desk
    b = ids["B"]
    with pytest.raises(PermissionDenied):
        reviewing.retract(db, "rami", b, _v(db, b), "mine to withdraw")
    reviewing.retract(db, "edna", b, _v(db, b), "The statistics office withdrew the figure")
    assert b not in {r.claim_id for r in export.signed_off_reviews(db)}
    assert db.execute("SELECT status, status_reason FROM claims WHERE id = ?", [b]).fetchone() == \
        ("dismissed", "retracted: The statistics office withdrew the figure")
    assert db.execute("SELECT kind FROM corrections WHERE claim_id = ?", [b]).fetchone() == ("retraction",)


def _publish(db, hostile: str) -> None:
    """Sign off a claim and rationale carrying ``hostile`` markup."""
    claim = claim_actions.add_claim(db, "rita", f"{A_TEXT} {hostile}")["id"]
    reviewing.assign(db, "rita", claim, _v(db, claim), "rita")
    _propose(db, "rita", claim, "False", f"Rationale {hostile}", ["https://example.org/e"])
    reviewing.sign_off(db, "eddie", claim, _v(db, claim))


def test_claimreview_json_is_safe_inside_a_script_tag(desk):
    db, ids = desk
    hostile = "</script><script>window.pwned = 1</script><!-- & \u2028"
    _publish(db, hostile)
    text = export.to_json(export.signed_off_reviews(db), organisation=ORG)
    for raw in ("<", ">", "&", "\u2028"):
        assert raw not in text
    parsed = {r["claimReviewed"]: r for r in json.loads(text)}
    assert any("</script><script>window.pwned = 1</script><!-- &" in claimed for claimed in parsed)  # escaped, kept


def test_embedded_claimreview_runs_no_script_in_a_real_browser(desk, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    db, ids = desk
    hostile = "</script><script>window.pwned = 1; alert(1)</script><img src=x onerror='window.pwned=2'>"
    _publish(db, hostile)
    page_file = tmp_path / "publisher.html"
    page_file.write_text('<!doctype html><html><head><meta charset="utf-8"><title>Fact check</title>'
                         '<script type="application/ld+json" id="markup">'
                         f"{export.to_json(export.signed_off_reviews(db), organisation=ORG)}</script></head><body>ok</body></html>",
                         encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("window.pwned") is None and dialogs == []
            assert page.evaluate("document.scripts.length") == 1 and page.evaluate("document.images.length") == 0
            markup = json.loads(page.evaluate("document.getElementById('markup').textContent"))
        finally:
            browser.close()
    assert any(hostile in r["claimReviewed"] for r in markup)  # a parser reads the text back unchanged


def test_a_reopened_retraction_stays_unpublished_until_signed_off_again(desk):
    db, ids = desk
    c = ids["C"]
    reviewing.retract(db, "edna", c, _v(db, c), "fabricated source")
    reviewing.reopen(db, "eddie", c, _v(db, c))
    assert c not in {r.claim_id for r in export.signed_off_reviews(db)}
    reviewing.dismiss(db, "rita", c, _v(db, c), "no longer relevant")  # not published any more: a normal claim


def test_editor_corrects_from_the_review_page(desk, monkeypatch, tmp_path):
    from tests.apptest_helpers import app, log_in
    from tests.test_export import PASSWORD

    db, ids = desk
    path = db.execute("PRAGMA database_list").fetchone()[2]
    at = log_in(app(path, monkeypatch), "edna", PASSWORD)
    at.switch_page("app_pages/review.py")
    at.query_params["claim"] = str(ids["A"])
    at.run()
    at.text_area(key="review_correct_reason").input("A reader sent the full bulletin")
    at.button(key="FormSubmitter:review_correct_form-Reopen for correction").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert db.execute("SELECT status FROM claims WHERE id = ?", [ids["A"]]).fetchone()[0] == "in_review"
    assert db.execute("SELECT kind, reason FROM corrections").fetchall() == [
        ("correction", "A reader sent the full bulletin")]
