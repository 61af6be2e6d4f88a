"""Claim review: the claim in its source, where it appeared, coverage, verdict, comments and history."""
from __future__ import annotations

import html
import json

import plotly.express as px
import streamlit as st

from app_pages.bidi import caption, date_label, html_line, iso, join_list, ref, time_label
from app_pages.common import (current_user, get_db, hover, marked_html, match_strength, match_words,
                              md_plain, rich_block, run_safely, safe_link, show_error, show_match_evidence, text_block,
                              word_spans, worthiness)
from app_pages.history import sentence_html
from app_pages.i18n import current_language, labeller, t, tn, verdict_label
from db import queries
from review import audit, coverage, embedding, matching, ratings, reviewing, users
from review.errors import ReviewError
from review.workflow import TRANSITIONS


def _act(fn, *args, **kwargs) -> None:
    """Run one service action; show a refusal as a message, rerun on success so the page shows the new state."""
    try:
        fn(*args, **kwargs)
    except ReviewError as exc:
        show_error(exc)
        return
    st.session_state["review_flash"] = t("review.saved")
    st.rerun()


def _pick_claim() -> int | None:
    raw = st.query_params.get("claim")
    if raw and raw.isdigit():
        return int(raw)
    st.info(t("review.pick"))
    chosen = st.number_input(t("review.claim_id"), min_value=1, step=1, value=None, key="review_pick")
    if chosen:
        st.query_params["claim"] = str(int(chosen))
        st.rerun()
    return None


def _header(claim: dict) -> None:
    st.subheader(t("review.claim_n", id=ref(claim["id"])))
    text_block(claim["text"])
    signals = join_list(t(f"signal.{s}") for s in json.loads(claim["signals"] or "[]"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("review.status"), t(f"status.{claim['status']}"))
    c2.metric(t("review.score"), worthiness(claim["score"]), help=f"{claim['score']:.2f}")
    c3.metric(t("review.assignee"), claim["assignee"] or "—")
    c4.metric(t("review.appearances"), claim["appearance_count"])
    caption(t("review.signals", signals=signals or "—"))
    if claim["status_reason"]:
        text_block(t("review.reason", reason=claim["status_reason"]), muted=True)


def _context(full: str, start: int | None, end: int | None, around: int = 1) -> tuple[str, int, int]:
    """The paragraphs around a span (one either side) and the span's offsets inside that excerpt."""
    if start is None or end is None:
        return full[:600], 0, 0
    bounds, pos = [], 0
    for para in full.split("\n\n"):
        bounds.append((pos, pos + len(para)))
        pos += len(para) + 2
    hit = next((i for i, (a, b) in enumerate(bounds) if a <= start <= b), 0)
    lo, hi = bounds[max(0, hit - around)][0], bounds[min(len(bounds) - 1, hit + around)][1]
    return full[lo:hi], start - lo, end - lo


def _source(claim: dict) -> None:
    if claim["item_id"] is None:
        caption(t("review.no_source"))
        return
    label = t("review.source", outlet=iso(claim["outlet"] or "—"), date=date_label(claim["published"]))
    full = f"{claim['item_title']}\n\n{claim['item_body']}"
    with st.container(border=True):
        caption(label)
        excerpt, start, end = _context(full, claim["span_start"], claim["span_end"])
        rich_block(marked_html(excerpt, [(start, end)]))
        with st.expander(t("review.full_text")):
            rich_block(marked_html(full, [(claim["span_start"], claim["span_end"])]))


def _timeline(db, claim_id: int) -> None:
    seen = queries.appearances(db, claim_id)
    st.markdown(f"#### {t('review.where')}")
    dated = [a for a in seen if a["published"]]
    if dated:
        dated = [{**a, "title": html.escape(a["title"] or ""), "outlet": html.escape(a["outlet"] or "—")}
                 for a in dated]  # plotly renders some HTML in labels: keep article text inert
        fig = px.scatter(dated, x="published", y="outlet", hover_name="title",
                         labels={"published": t("review.date"), "outlet": t("review.outlet")},
                         title=tn("review.timeline_title", len(seen), n=len(seen)))
        fig.update_traces(marker={"size": 12})
        fig.update_xaxes(type="date", tickformat="%Y-%m-%d")
        st.plotly_chart(fig, key="review_timeline")
    link = t("review.link")
    st.dataframe([{t("review.outlet"): a["outlet"] or "—", t("review.date"): date_label(a["published"]),
                   t("review.title"): a["title"] or "", link: a["url"] or ""} for a in seen], hide_index=True,
                 column_config={link: st.column_config.LinkColumn(display_text=t("review.open_source"))},
                 key="review_appearances")


def _coverage(db, claim: dict, user) -> None:
    st.markdown(f"#### {t('review.coverage')}")
    links = queries.coverage(db, claim["id"])
    suggest, strong = matching.get_thresholds(db)
    if not embedding.has_vector(db, "claim", claim["id"]):
        caption(t("review.lexical_only"))
    if not links:
        caption(t("review.no_coverage"))
    for link in links:
        why = json.loads(link["explanation"] or "{}")
        with st.container(border=True):
            strength = match_strength(link["score"], strong, suggest)
            tip = t("review.match_tip", score=f"{link['score']:.2f}", method=link["method"])
            html_line(f"<strong>{hover(strength, tip)}</strong> · {html.escape(t('link.' + link['status']))} · "
                      f"{html.escape(t('stance.' + link['stance']))}")
            rich_block(marked_html(link["title"] or "", word_spans(link["title"] or "", match_words(why))))
            caption(f"{iso(link['outlet'] or '—')} · {date_label(link['published'])} · {t('kind.' + link['kind'])}")
            show_match_evidence(why, link["title"] or "", link["body"] or "", claim_text=claim["text"])
            if link["url"]:
                st.link_button(t("review.open_source"), link["url"])
            if claim["status"] not in TRANSITIONS["decide_link"][0]:
                continue  # published, dismissed or merged: coverage decisions are closed
            c1, c2, c3 = st.columns([2, 1, 1])
            stances = reviewing.STANCES
            stance = c1.selectbox(t("review.stance"), stances, index=stances.index(link["stance"]),
                                  format_func=labeller("stance.{}", stances), key=f"review_stance_{link['id']}")
            if c2.button(t("review.confirm"), key=f"review_confirm_{link['id']}"):
                _act(reviewing.decide_link, db, user.name, link["id"], claim["version"], status="confirmed",
                     stance=stance)
            if c3.button(t("review.reject"), key=f"review_reject_{link['id']}"):
                _act(reviewing.decide_link, db, user.name, link["id"], claim["version"], status="rejected",
                     stance="unknown")


def _already_checked(db, claim: dict) -> None:
    suggest, _ = matching.get_thresholds(db)
    found = queries.already_checked(db, [claim["id"]], suggest).get(claim["id"])
    if found:
        st.warning(already_checked_text(found))


def already_checked_text(found: dict) -> str:
    """'Already checked: <verdict>, <date>' for a similar signed-off claim or a matching imported fact-check."""
    label = verdict_label(found["label"])
    where = ref(found["other_id"]) if found.get("other_id") else iso(found.get("outlet") or "")
    return t("review.already_checked", verdict=iso(label or t("review.factcheck")), date=date_label(found["date"]),
             where=md_plain(where), title=iso(md_plain((found["title"] or "")[:160])))  # st.warning renders Markdown


def _similar(db, claim: dict, user) -> None:
    """Claims that say the same thing: merge suggestions while this claim is open."""
    similar = queries.similar_claims(db, claim["id"])
    if not similar:
        return
    st.markdown(f"#### {t('review.similar')}")
    can_merge = claim["status"] in ("new", "in_review")
    for other in similar:
        with st.container(border=True):
            line = t("review.similar_line", id=ref(other["id"]), status=t(f"status.{other['status']}"),
                     strength=t("review.similarity", score=other["score"]))
            if other["label"]:
                line += " · " + t("review.similar_verdict", label=iso(verdict_label(other["label"])))
            caption(line)
            text_block(other["text"])
            if can_merge and st.button(t("review.merge_into_n", id=other["id"]), key=f"review_merge_sim_{other['id']}"):
                _act(reviewing.merge, db, user.name, claim["id"], claim["version"], other["id"])


def _search(db, claim: dict, user) -> None:
    if claim["status"] not in TRANSITIONS["decide_link"][0]:
        return
    with st.expander(t("review.search")):
        with st.form("review_search_form"):
            query = st.text_input(t("review.search_box"), value="", max_chars=1000, key="review_search")
            st.form_submit_button(t("review.search_run"))
        if not query.strip():
            return
        for match in matching.search(db, query, limit=10, exclude_item_ids=[claim["item_id"]] if claim["item_id"]
                                     else ()):
            item = queries.rows(db, "SELECT title, outlet, published FROM items WHERE id = ?", [match.item_id])[0]
            c1, c2 = st.columns([5, 1])
            with c1:
                text_block(item["title"])
                caption(f"{iso(item['outlet'] or '—')} · {date_label(item['published'])} · "
                        f"{t('review.similarity', score=match.score)}")
            if c2.button(t("review.link_it"), key=f"review_link_{match.item_id}"):
                _act(reviewing.add_link, db, user.name, claim["id"], claim["version"], match.item_id,
                     score=match.score, method=f"manual:{match.method}")


def _actions(db, claim: dict, user) -> None:
    st.markdown(f"#### {t('review.actions')}")
    status, version = claim["status"], claim["version"]
    c1, c2 = st.columns(2)
    if status in ("new", "in_review") and claim["assignee"] != user.name:
        if c1.button(t("review.assign_me"), key="review_assign_me"):
            _act(reviewing.assign, db, user.name, claim["id"], version, user.name)
    if user.role in ("editor", "admin") and status in ("new", "in_review"):
        with c2.form("review_assign_form"):
            who = st.selectbox(t("review.assign_to"), [u.name for u in users.list_users(db) if u.active],
                               key="review_assign_to")
            if st.form_submit_button(t("review.assign")):
                _act(reviewing.assign, db, user.name, claim["id"], version, who)
    if status == "in_review":
        with st.form("review_verdict_form"):
            st.markdown(f"**{t('review.verdict')}**")
            label = st.selectbox(t("review.label"), ratings.LABELS, key="review_label",
                                 format_func=lambda lab: f"{ratings.rating(lab).arabic} — {lab}" if current_language() == "ar" else f"{lab} — {ratings.rating(lab).arabic}")
            rationale = st.text_area(t("review.rationale"), key="review_rationale", max_chars=20000)
            urls = st.text_area(t("review.evidence_urls"), key="review_urls", max_chars=20000)
            if st.form_submit_button(t("review.propose"), type="primary"):
                _act(reviewing.propose_verdict, db, user.name, claim["id"], version, label=label,
                     rationale=rationale, evidence_urls=urls.splitlines())
    if status in ("new", "in_review"):
        with st.expander(t("review.dismiss_or_merge")):
            with st.form("review_dismiss_form"):
                reason = st.text_input(t("review.dismiss_reason"), key="review_dismiss_reason", max_chars=500)
                if st.form_submit_button(t("review.dismiss")):
                    _act(reviewing.dismiss, db, user.name, claim["id"], version, reason)
            with st.form("review_merge_form"):
                into = st.number_input(t("review.merge_into"), min_value=1, step=1, value=None, key="review_merge")
                if st.form_submit_button(t("review.merge")) and into:
                    _act(reviewing.merge, db, user.name, claim["id"], version, int(into))
    if status == "signed_off" and user.role in ("editor", "admin"):
        with st.expander(t("review.correct_or_retract")), st.form("review_correct_form"):
            caption(t("review.correct_help"))
            reason = st.text_area(t("review.correct_reason"), key="review_correct_reason", max_chars=2000)
            c1, c2 = st.columns(2)
            if c1.form_submit_button(t("review.correct")):
                _act(reviewing.correct, db, user.name, claim["id"], version, reason)
            if c2.form_submit_button(t("review.retract")):
                _act(reviewing.retract, db, user.name, claim["id"], version, reason)
    if status == "dismissed" and user.role in ("editor", "admin"):
        if st.button(t("review.reopen"), key="review_reopen"):
            _act(reviewing.reopen, db, user.name, claim["id"], version)
    if user.role in ("editor", "admin") and status in ("new", "in_review", "verdict_proposed"):
        with st.expander(t("review.priority")), st.form("review_priority_form"):
            priority = st.number_input(t("review.priority_level"), 0, 5, int(claim["priority"]), key="review_prio")
            deadline = st.date_input(t("review.deadline"), value=None, key="review_deadline")
            if st.form_submit_button(t("review.save")):
                _act(reviewing.set_priority, db, user.name, claim["id"], version, priority=int(priority),
                     deadline=deadline.isoformat() if deadline else None)


def _verdicts(db, claim_id: int) -> None:
    for verdict in queries.verdicts(db, claim_id):
        with st.container(border=True):
            html_line(html.escape(t("review.verdict_by", label=verdict_label(verdict["label"]),
                                    who=iso(verdict["reviewer"]), when=time_label(verdict["created_at"]))))
            text_block(verdict["rationale"])
            evidence = json.loads(verdict["evidence"])
            if evidence.get("urls"):
                html_line("<br>".join(safe_link(url) for url in evidence["urls"]), muted=True)
            for decision in json.loads(verdict["signoffs"] or "[]"):
                key = "review.signed_by" if decision["decision"] == "approve" else "review.returned_by"
                caption(t(key, who=iso(decision["editor"]), comment=iso(decision["comment"] or "—"),
                          when=time_label(decision.get("at"))))


def _comments(db, claim_id: int, user) -> None:
    st.markdown(f"#### {t('review.comments')}")
    for comment in queries.comments(db, claim_id):
        caption(t("review.comment_by", who=iso(comment["author"]), when=time_label(comment["created_at"])))
        text_block(comment["body"])
    with st.form("review_comment_form", clear_on_submit=True):
        body = st.text_area(t("review.comment"), key="review_comment", max_chars=20000)
        if st.form_submit_button(t("review.add_comment")):
            _act(reviewing.add_comment, db, user.name, claim_id, body)


def _history(db, claim_id: int) -> None:
    with st.expander(t("review.history")):
        events = audit.history(db, "claim", claim_id)
        names = {u.id: u.name for u in users.list_users(db)}
        html_line("<br>".join(sentence_html(e, names) for e in events))
        with st.expander(t("history.details")):
            st.dataframe([{t("review.when"): e["created_at"][:19], t("review.who"): e["actor"],
                           t("review.what"): e["action"],
                           t("review.change"): json.dumps({k: v for k, v in (e["after"] or {}).items()
                                                           if (e["before"] or {}).get(k) != v}, ensure_ascii=False)}
                          for e in events], hide_index=True, key="review_history")


def render() -> None:
    """The whole review page for the claim named in ?claim=ID."""
    st.title(t("nav.review"))
    claim_id = _pick_claim()
    if claim_id is None:
        return
    if flash := st.session_state.pop("review_flash", None):
        st.success(flash)
    db = get_db()
    try:
        coverage.ensure_matched(db, claim_id)  # a claim a bulk import left pending gets its coverage now
        claim = queries.claim_detail(db, claim_id)
        if claim is None:
            st.warning(t("review.missing", id=claim_id))
            return
        user = current_user()
        _header(claim)
        if claim["merged_into"]:
            st.info(t("review.merged", id=claim["merged_into"]))
        _already_checked(db, claim)
        _source(claim)
        left, right = st.columns([3, 2])
        with left:
            _coverage(db, claim, user)
            _search(db, claim, user)
        with right:
            _actions(db, claim, user)
            _similar(db, claim, user)
            _verdicts(db, claim_id)
        _timeline(db, claim_id)
        _comments(db, claim_id, user)
        _history(db, claim_id)
    finally:
        db.close()


run_safely(render)
