"""Reviewing: autosave with a version check, submit, rubric versions that never
move an old score, disputes with their history, coaching, sampling, calibration."""

from datetime import timedelta

import pytest

from portal.core.models import utcnow
from portal.core.roles import Role
from reviews import calibration, disputes, reviewing, rubrics, sampling
from reviews.models import Notification, Review, ScoreChange
from reviews.scoring import Given
from tests.factories import every_criterion


def _form(version, values, lock):
    data = {f"c-{k}": ("na" if v.na else str(v.value)) for k, v in values.items()}
    return {**data, "lock_version": str(lock), "summary": "Tốt."}


def test_the_review_page_autosaves_and_refuses_a_stale_tab(login_as, call, call_rubric, team, db):
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    lead = login_as(team["lead"])
    page = lead.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert 'id="player"' in page and "Alô." in page and 'name="c-ton-trong"' in page
    url = f"/reviews/{review.id}/draft"
    first = lead.post(url, {"c-chao-hoi-xac-minh": "3", "lock_version": "1"}, htmx=True)
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    assert "100.0%" in text and 'id="lock-version" value="2"' in text and "<html" not in text
    # A second tab still holding version 1 cannot overwrite.
    stale = lead.post(url, {"c-chao-hoi-xac-minh": "1", "lock_version": "1"}, htmx=True)
    assert stale.status_code == 409 and "tải lại trang" in stale.get_data(as_text=True)
    db.session.refresh(review)
    assert review.scores[0].value == 3 and review.lock_version == 2
    # The live score follows: a critical fail-all criterion at its minimum gives 0.
    worse = lead.post(
        url, {"c-chao-hoi-xac-minh": "3", "c-ton-trong": "0", "lock_version": "2"}, htmx=True
    )
    assert "0.0%" in worse.get_data(as_text=True) and "cả phiếu bị tính 0" in worse.get_data(
        as_text=True
    )


def test_values_off_the_scale_are_refused(call, call_rubric, team, db):
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    with pytest.raises(reviewing.ReviewRefused):
        reviewing.save_draft(
            review, {"lang-nghe": Given(9)}, fields={}, summary="", lock_version=1, now=utcnow()
        )
    with pytest.raises(reviewing.ReviewRefused):  # N/A is not allowed there
        reviewing.save_draft(
            review,
            {"ton-trong": Given(na=True)},
            fields={},
            summary="",
            lock_version=1,
            now=utcnow(),
        )


def test_submit_needs_every_criterion_and_tells_the_agent(login_as, call, call_rubric, team, db):
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    lead = login_as(team["lead"])
    values = every_criterion(call_rubric)
    partial = dict(list(values.items())[:5])
    refused = lead.post(f"/reviews/{review.id}/submit", _form(call_rubric, partial, 1))
    assert refused.status_code == 422 and "còn 8" in refused.get_data(as_text=True)
    assert review.state == "in_progress"  # what was set is kept
    done = lead.post(
        f"/reviews/{review.id}/submit", _form(call_rubric, values, review.lock_version)
    )
    assert done.status_code == 303
    db.session.refresh(review)
    assert review.state == "submitted" and review.score == pytest.approx(
        reviewing.live_score(review).percent
    )
    notice = db.session.query(Notification).filter_by(user_id=team["agent"].id).one()
    agent = login_as(team["agent"])
    assert "badge" in agent.get("/reviews/").get_data(as_text=True)
    page = agent.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Tôi đã đọc và đồng ý" in page and 'id="player"' in page
    db.session.refresh(notice)
    assert notice.read_at is not None


def test_editing_a_published_rubric_never_moves_an_old_score(
    submitted, call, call_rubric, team, make, db
):
    before = submitted.score
    rubric = db.session.get(rubrics.Rubric, call_rubric.rubric_id)
    admin = make.user(Role.ADMIN)
    draft = rubrics.open_draft(rubric, author=admin)
    structure = draft.structure
    structure["sections"][0]["weight"] = 90  # a very different weighting
    rubrics.save_draft(
        draft,
        title=draft.title,
        pass_percent=95,
        source=rubrics.to_yaml(structure),
        author=admin,
        lock_version=draft.lock_version,
    )
    rubrics.publish(draft)
    db.session.expire_all()
    old = db.session.get(Review, submitted.id)
    assert old.rubric_version_id == call_rubric.id and old.score == before
    assert reviewing.live_score(old).percent == pytest.approx(before)
    fresh = reviewing.assign(call, rubrics.published(rubric), team["lead"].id, by=team["lead"])
    assert fresh.rubric_version_id == draft.id != call_rubric.id


def test_a_dispute_is_decided_and_every_change_is_kept(login_as, submitted, team, db):
    agent = login_as(team["agent"])
    form = {
        "criteria": ["lang-nghe", "ket-thuc-buoc-tiep"],
        "reason-lang-nghe": "Tôi đã nhắc lại ý khách.",
        "proposed-lang-nghe": "5",
        "reason-ket-thuc-buoc-tiep": "Có cảm ơn.",
    }
    assert agent.post(f"/reviews/{submitted.id}/dispute", form).status_code == 303
    db.session.refresh(submitted)
    assert submitted.state == "disputed"
    dispute = disputes.open_dispute(submitted)
    first, second = dispute.items
    before = submitted.score
    lead = login_as(team["lead"])
    decided = lead.post(
        f"/reviews/disputes/{dispute.id}/decide",
        {
            f"decision-{first.id}": "accept",
            f"decision-{second.id}": "reject",
            "note": "Đồng ý phần lắng nghe.",
        },
    )
    assert decided.status_code == 303
    db.session.refresh(submitted)
    assert dispute.state == "partially_accepted" and submitted.state == "resolved"
    change = db.session.query(ScoreChange).one()
    assert (change.criterion_key, change.old_value, change.new_value) == ("lang-nghe", 3, 5)
    assert change.old_score == pytest.approx(before) and change.new_score == pytest.approx(
        submitted.score
    )
    assert change.changed_by_id == team["lead"].id and change.dispute_id == dispute.id
    assert submitted.score > before
    page = agent.get(f"/reviews/{submitted.id}").get_data(as_text=True)
    assert "Lịch sử điểm" in page and "Đồng ý phần lắng nghe." in page


def test_disputes_close_after_the_configured_days(submitted, team, app):
    late = submitted.submitted_at + timedelta(days=app.config["REVIEW_DISPUTE_DAYS"], minutes=1)
    with pytest.raises(reviewing.ReviewRefused):
        disputes.raise_dispute(
            submitted, team["agent"], [disputes.DisputedCriterion("lang-nghe", "x")], now=late
        )


def test_coaching_puts_a_refresher_on_the_agents_path(login_as, submitted, team, content, app, db):
    from portal.onboarding.path import path_for
    from portal.playbooks.services import process_steps

    step = process_steps()[3]
    submitted.interaction.step_id = step.id
    db.session.commit()
    lead = login_as(team["lead"])
    response = lead.post(
        f"/reviews/{submitted.id}/coaching",
        {
            "body": "Hỏi rõ lỗi rồi đưa lựa chọn.",
            "criteria": ["dua-lua-chon"],
            "refreshers": [f"playbook_step:{step.id}"],
            "due_in_days": "5",
        },
    )
    assert response.status_code == 303
    # The note shows on the review, with the criteria it concerns, to both of them.
    for viewer in (lead, login_as(team["agent"])):
        page = viewer.get(f"/reviews/{submitted.id}").get_data(as_text=True)
        assert "Hỏi rõ lỗi rồi đưa lựa chọn." in page and "Đưa ra các lựa chọn có lợi" in page
    with app.test_request_context():
        path = path_for(team["agent"])
    refresher = [m for m in path.modules if m.module.refresher_for_id == team["agent"].id]
    assert len(refresher) == 1 and refresher[0].items[0].info.title == step.title
    # The refresher is the agent's alone: not in the module list or anyone else's path.
    from portal.onboarding.modules import modules

    assert all(m.refresher_for_id is None for m in modules())


def test_sampling_draws_exactly_n_unreviewed_interactions_and_shares_them(
    call_rubric, team, make, db
):
    from reviews import recordings

    other = make.user(Role.SUPERVISOR, leads=[team["team"]])
    now = utcnow()
    for n in range(5):
        recordings.create_interaction(
            recordings.InteractionInput(
                agent_id=team["agent"].id, channel="phone", occurred_at=now - timedelta(hours=n)
            ),
            None,
            by=None,
        )
    db.session.commit()
    kwargs = {
        "agent_ids": [team["agent"].id],
        "start": now - timedelta(days=1),
        "end": now + timedelta(minutes=1),
        "reviewer_ids": [team["lead"].id, other.id],
        "version": call_rubric,
        "by": team["lead"],
    }
    first = sampling.draw(per_agent=4, **kwargs)
    assert len(first.assigned) == 4 and not first.short
    assert {r.reviewer_id for r in first.assigned} == {team["lead"].id, other.id}
    second = sampling.draw(per_agent=3, **kwargs)  # one left unreviewed
    assert len(second.assigned) == 1 and second.short == {team["agent"].id: 2}
    assert len({r.interaction_id for r in first.assigned + second.assigned}) == 5


def test_calibration_is_blind_and_never_counts_for_the_agent(
    login_as, call, call_rubric, team, make, db
):
    expert = make.user(Role.ADMIN, name="Chuyên Gia")
    second = make.user(Role.SUPERVISOR, leads=[make.team()], name="Giám Sát Hai")
    session = calibration.create_session(
        "Tuần 47",
        call_rubric,
        [call],
        [team["lead"].id, second.id],
        benchmark_id=expert.id,
        by=expert,
    )
    reviews = {r.reviewer_id: r for r in calibration.reviews_of(session)}
    lead = login_as(team["lead"])
    assert "kết quả chỉ hiện" in lead.get(f"/reviews/calibration/{session.id}").get_data(
        as_text=True
    )
    # A reviewer from another team may listen to the call they calibrate on.
    assert login_as(second).get(f"/reviews/interactions/{call.id}/recording").status_code == 200
    scores = {expert.id: 3, team["lead"].id: 3, second.id: 1}
    for reviewer_id, value in scores.items():
        review = reviews[reviewer_id]
        values = every_criterion(call_rubric, lambda c, v=value: 1 if c["scale"] == "yes_no" else v)
        reviewing.save_draft(review, values, fields={}, summary="", lock_version=1, now=utcnow())
        reviewing.submit(review, now=utcnow())
    page = lead.get(f"/reviews/calibration/{session.id}").get_data(as_text=True)
    assert "Alpha Krippendorff" in page and "Giám Sát Hai" in page
    result = calibration.results(session)
    lines = {line.reviewer_id: line for line in result.reviewers}
    assert lines[team["lead"].id].mean_deviation == 0 and lines[team["lead"].id].within == 1
    assert lines[second.id].within == 0 and result.within == 0.5
    assert result.complete
    # The agent is never told and never sees calibration reviews.
    assert db.session.query(Notification).filter_by(user_id=team["agent"].id).count() == 0
    agent = login_as(team["agent"])
    assert agent.get(f"/reviews/{reviews[expert.id].id}").status_code == 404


def test_a_calibration_participant_cannot_open_the_others_reviews_before_submitting(
    login_as, call, call_rubric, team, make, db
):
    expert = make.user(Role.ADMIN)
    session = calibration.create_session(
        "Tuần 48", call_rubric, [call], [team["lead"].id], benchmark_id=expert.id, by=expert
    )
    reviews = {r.reviewer_id: r for r in calibration.reviews_of(session)}
    mine, theirs = reviews[team["lead"].id], reviews[expert.id]
    reviewing.save_draft(
        theirs, every_criterion(call_rubric), fields={}, summary="", lock_version=1, now=utcnow()
    )
    reviewing.submit(theirs, now=utcnow())
    lead = login_as(team["lead"])
    assert lead.get(f"/reviews/{theirs.id}").status_code == 404
    listing = lead.get(f"/reviews/interactions/{call.id}").get_data(as_text=True)
    assert f"/reviews/{theirs.id}" not in listing
    reviewing.save_draft(
        mine, every_criterion(call_rubric), fields={}, summary="", lock_version=1, now=utcnow()
    )
    reviewing.submit(mine, now=utcnow())
    assert lead.get(f"/reviews/{theirs.id}").status_code == 200
    assert login_as("hr").get(f"/reviews/{theirs.id}").status_code == 404


def test_the_review_page_does_not_query_per_comment_or_change(
    login_as, submitted, team, make, db, count_queries
):
    lead = login_as(team["lead"])

    def statements():
        with count_queries() as found:
            assert lead.get(f"/reviews/{submitted.id}").status_code == 200
        return len(found)

    reviewing.add_comment(submitted, team["lead"], "Một", at_seconds=1, now=utcnow())
    few = statements()
    for n in range(8):
        reviewing.add_comment(
            submitted,
            make.user(Role.SUPERVISOR, leads=[team["team"]]),
            f"Ý {n}",
            at_seconds=n,
            now=utcnow(),
        )
    assert statements() == few


def test_a_draft_page_asks_only_for_what_a_draft_has(
    login_as, call, call_rubric, team, make, db, count_queries
):
    """The grading workspace: a draft has no dispute, score history or coaching yet
    (a review never returns to draft), and a supervisor with nothing unread marks
    nothing read."""
    draft = make.review(call, team["lead"], rubric=call_rubric, state="in_progress")
    lead = login_as(team["lead"])
    with count_queries() as statements:
        page = lead.get(f"/reviews/{draft.id}")
    assert page.status_code == 200 and 'name="lock_version"' in page.get_data(as_text=True)
    asked = " ".join(statements)
    for table in (
        "FROM disputes",
        "FROM score_changes",
        "FROM coaching_notes",
        "FROM call_scripts",
    ):
        assert table not in asked
    # Whether the viewer leads the agent's team: from the teams read with the viewer
    # and the agent loaded with the review, not a query of its own.
    assert not any("EXISTS" in s and "team_leads" in s for s in statements)
    # Six, and the automatic measures of the call (autoqa) for a recorded one.
    assert "UPDATE" not in asked and len(statements) <= 7


def test_the_rubric_editor_makes_drafts_and_refuses_stale_tabs(login_as, call_rubric, db):
    from reviews.models import Rubric

    admin = login_as("admin")
    rubric = db.session.get(Rubric, call_rubric.rubric_id)
    page = admin.get("/reviews/rubrics/goi-dien/edit").get_data(as_text=True)
    assert 'value="0"' in page and rubrics.draft_of(rubric) is None  # looking creates nothing
    source = rubrics.to_yaml(call_rubric.structure)
    form = {"title": "Chấm cuộc gọi", "pass_percent": "75", "source": source, "lock_version": "0"}
    assert admin.post("/reviews/rubrics/goi-dien/edit", form).status_code == 303
    draft = rubrics.draft_of(rubric)
    token = f"{draft.id}:{draft.lock_version}"
    assert (
        admin.post("/reviews/rubrics/goi-dien/edit", {**form, "lock_version": token}).status_code
        == 303
    )
    stale = admin.post(
        "/reviews/rubrics/goi-dien/edit", {**form, "lock_version": token, "pass_percent": "60"}
    )
    assert stale.status_code == 409
    bad = admin.post(
        "/reviews/rubrics/goi-dien/edit",
        {
            **form,
            "lock_version": f"{draft.id}:{draft.lock_version}",
            "source": "sections: [ {key: x",
        },
    )
    assert bad.status_code == 422
    published = admin.post(
        "/reviews/rubrics/goi-dien/edit",
        {**form, "lock_version": f"{draft.id}:{draft.lock_version}", "publish": "1"},
    )
    assert published.status_code == 303
    db.session.refresh(rubric)
    assert (
        rubric.published_version == draft.version and rubrics.published(rubric).pass_percent == 75
    )
    # A tab still holding the published draft cannot overwrite the next one.
    admin.post("/reviews/rubrics/goi-dien/edit", {**form, "lock_version": "0"})
    old_tab = admin.post(
        "/reviews/rubrics/goi-dien/edit", {**form, "lock_version": f"{draft.id}:1"}
    )
    assert old_tab.status_code == 409


def test_supervisors_reach_only_their_teams_calls(login_as, call, call_rubric, team, make, db):
    outsider = make.user(Role.SUPERVISOR, leads=[make.team()])
    session = calibration.create_session(
        "Chéo nhóm",
        call_rubric,
        [call],
        [team["lead"].id, outsider.id],
        benchmark_id=None,
        by=team["lead"],
    )
    assert session.id
    other = login_as(outsider)
    assert other.get(f"/reviews/interactions/{call.id}").status_code == 200  # they calibrate on it
    refused = other.post(
        f"/reviews/interactions/{call.id}/review", {"rubric_version_id": call_rubric.id}
    )
    assert refused.status_code == 403
    assert f"#{call.id}" not in other.get("/reviews/calibration/new").get_data(as_text=True)


def test_a_double_sent_dispute_or_decision_counts_once(submitted, team, db):
    item = disputes.DisputedCriterion("lang-nghe", "Tôi có lắng nghe.", 5)
    dispute = disputes.raise_dispute(submitted, team["agent"], [item], now=utcnow())
    with pytest.raises(reviewing.ReviewRefused):
        disputes.raise_dispute(submitted, team["agent"], [item], now=utcnow())
    decision = {dispute.items[0].id: disputes.Decision(accept=True)}
    disputes.decide_dispute(dispute, team["lead"], decision, note="", now=utcnow())
    with pytest.raises(reviewing.ReviewRefused):
        disputes.decide_dispute(dispute, team["lead"], decision, note="", now=utcnow())
    assert db.session.query(ScoreChange).count() == 1


def test_a_scheduled_sample_fills_every_teams_supervisor_queue(runner, call_rubric, team, make, db):
    from reviews import recordings

    make.user(Role.AGENT, team=make.team("Không ai giám sát"))
    for hours in range(4):
        recordings.create_interaction(
            recordings.InteractionInput(
                agent_id=team["agent"].id,
                channel="phone",
                occurred_at=utcnow() - timedelta(hours=hours),
            ),
            None,
            by=None,
        )
    db.session.commit()
    result = runner.invoke(args=["portal", "sample-reviews", "--per-agent", "3"])
    assert result.exit_code == 0, result.output
    assert "Nhóm Hậu mãi: 3 assigned" in result.output and "no supervisor" in result.output
    assert db.session.query(Review).filter_by(reviewer_id=team["lead"].id).count() == 3
    again = runner.invoke(args=["portal", "sample-reviews", "--per-agent", "3"])
    assert "Nhóm Hậu mãi: 1 assigned, 2 short" in again.output


def test_submitting_right_after_this_pages_own_autosave_is_not_a_conflict(
    login_as, call, call_rubric, team, db
):
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    lead = login_as(team["lead"])
    form = _form(call_rubric, every_criterion(call_rubric), 1)
    # Leaving the summary box autosaved (lock 1 -> 2) while the page still says 1.
    assert lead.post(f"/reviews/{review.id}/draft", form, htmx=True).status_code == 200
    same = lead.post(f"/reviews/{review.id}/submit", form)
    assert same.status_code == 303
    other = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    lead.post(f"/reviews/{other.id}/draft", form, htmx=True)
    changed = lead.post(
        f"/reviews/{other.id}/submit",
        {**form, "summary": "Khác hẳn"},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert changed.status_code == 409 and changed.headers.get("HX-Push-Url") == "false"


def test_the_weekly_sampling_is_a_scheduled_job_with_its_result_kept(call, call_rubric, team, db):
    from datetime import datetime

    from portal.core.jobs import Job
    from reviews import scheduled_sampling

    # Monday 06:00 in Vietnam (Sunday 23:00 UTC), not at other hours.
    when = scheduled_sampling.scheduled_sampling.task_class()
    assert when.validate_datetime(datetime(2026, 12, 6, 23, 0))
    assert not when.validate_datetime(datetime(2026, 12, 7, 23, 0))
    scheduled_sampling.scheduled_sampling.call_local()
    run = db.session.query(Job).filter_by(kind="review_sampling").one()
    assert run.state == "done" and run.requested_by_id is None
    assert run.result["assigned"] == 1
    assert {"team": "Nhóm Hậu mãi", "assigned": 1, "short": 2, "skipped": False} in run.result[
        "teams"
    ]
    assert db.session.query(Review).filter_by(reviewer_id=team["lead"].id).count() == 1
