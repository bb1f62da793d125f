"""Sampling by signal: beside the random draw, the calls with the lowest auto-QA
score, the most dead air, detractors and long calls are drawn first; each review
says why it was chosen, and the agent's QA average counts the random sample unless
the viewer asks, so targeting the worst calls cannot lower anyone's score."""

from datetime import timedelta

from portal.core.models import local_today, utcnow
from portal.kpi.models import OutcomeRecord
from reviews import recordings, reviewing, sampling
from reviews.models import Interaction, Review
from reviews.rubrics import scale_values
from tests.factories import every_criterion


def _draw(make, team, signal, per_agent=1):
    now = utcnow()
    return sampling.draw(
        agent_ids=[team["agent"].id],
        per_agent=per_agent,
        start=now - timedelta(days=1),
        end=now + timedelta(minutes=1),
        reviewer_ids=[team["lead"].id],
        version=make.rubric(),
        by=team["lead"],
        signal=signal,
    )


def test_the_lowest_auto_qa_scores_are_drawn_first_and_say_why(db, make, team, login_as):
    calls = {
        name: make.demo_call(team["agent"], name, by=team["lead"])
        for name in ("hai-kenh-tu-van-ro-rang", "hai-kenh-thieu-loi-chao", "hai-kenh-khong-nen-noi")
    }
    drawn = _draw(make, team, "lowest_auto_qa", per_agent=2)
    chosen = [r.interaction_id for r in drawn.assigned]
    # Missing greeting (0 %) first, then the "don't say" call (30 %); not the clean one.
    assert chosen == [calls["hai-kenh-thieu-loi-chao"].id, calls["hai-kenh-khong-nen-noi"].id]
    assert {r.chosen_for for r in drawn.assigned} == {"lowest_auto_qa"}
    lead = login_as(team["lead"])
    page = lead.get(f"/reviews/{drawn.assigned[0].id}").get_data(as_text=True)
    assert "Có chủ đích: Điểm kiểm tra tự động thấp nhất" in page
    queue = lead.get("/reviews/").get_data(as_text=True)  # the reviewer's queue says it too
    assert queue.count("Có chủ đích: Điểm kiểm tra tự động thấp nhất") == 2
    # Drawn again: the clean call is the only one left, and it is analysed, so it comes.
    assert [r.interaction_id for r in _draw(make, team, "lowest_auto_qa").assigned] == [
        calls["hai-kenh-tu-van-ro-rang"].id
    ]


def test_dead_air_and_overtalk_take_only_calls_that_show_them(db, make, team):
    make.demo_call(team["agent"], "hai-kenh-tu-van-ro-rang", by=team["lead"])
    silent = make.demo_call(team["agent"], "hai-kenh-im-lang-va-cho-may", by=team["lead"])
    drawn = _draw(make, team, "dead_air", per_agent=2)
    assert [r.interaction_id for r in drawn.assigned] == [silent.id]
    assert drawn.short == {team["agent"].id: 1}  # the clean call has no dead air
    overtalk = make.demo_call(team["agent"], "hai-kenh-noi-chong", by=team["lead"])
    assert [r.interaction_id for r in _draw(make, team, "overtalk").assigned] == [overtalk.id]


def test_detractors_and_long_calls_come_from_the_outcomes_and_the_call(db, make, team):
    now = utcnow()
    made = []
    for n, (seconds, nps) in enumerate(((120, 9), (900, 8), (200, 3), (700, None))):
        interaction = recordings.create_interaction(
            recordings.InteractionInput(
                agent_id=team["agent"].id,
                channel="phone",
                occurred_at=now - timedelta(hours=n + 1),
                duration_seconds=seconds,
            ),
            None,
            by=None,
        )
        interaction.source, interaction.external_id = "tong-dai", f"CALL-{n}"
        made.append(interaction)
        if nps is not None:  # the CRM's record id is the call's id in the phone system
            db.session.add(
                OutcomeRecord(
                    record_key=f"id:CALL-{n}",
                    agent_id=team["agent"].id,
                    occurred_on=local_today(),
                    nps=nps,
                )
            )
    db.session.commit()
    assert [r.interaction_id for r in _draw(make, team, "detractor").assigned] == [made[2].id]
    long_ones = _draw(make, team, "long_handling", per_agent=3)
    assert [r.interaction_id for r in long_ones.assigned] == [made[1].id, made[3].id]


def _extreme(criterion, best: bool) -> int:
    values = scale_values(criterion["scale"])
    return values[-1] if best else values[0]


def test_targeted_reviews_do_not_move_the_default_average(db, make, team, login_as):
    agent, lead = team["agent"], team["lead"]
    random_call = make.interaction(agent, recording=None)
    targeted_call = make.interaction(agent, recording=None)
    rubric = make.rubric()
    good = make.review(random_call, lead, state="assigned")
    bad = make.review(targeted_call, lead, state="assigned")
    good.chosen_for, bad.chosen_for = sampling.RANDOM, "lowest_auto_qa"
    db.session.commit()
    for review, best in ((good, True), (bad, False)):
        values = every_criterion(rubric, lambda c, best=best: _extreme(c, best))
        reviewing.save_draft(review, values, fields={}, summary="", lock_version=1, now=utcnow())
        reviewing.submit(review, now=utcnow())
    db.session.expire_all()
    good, bad = db.session.get(Review, good.id), db.session.get(Review, bad.id)
    assert good.score == 100.0 and bad.score == 0.0
    me = login_as(agent)
    page = me.get(f"/kpi/agents/{agent.id}").get_data(as_text=True)
    assert 'data-measure="review_score">100.0%<' in page
    assert 'data-measure="review_count">1<' in page and 'data-measure="targeted_reviews">1<' in page
    asked = me.get(f"/kpi/agents/{agent.id}?targeted=1").get_data(as_text=True)
    assert (
        'data-measure="review_score">50.0%<' in asked and 'data-measure="review_count">2<' in asked
    )
    # The team table (and the workbook) keep to the random sample.
    table = login_as("hr").get("/kpi/team").get_data(as_text=True)
    assert "100.0%" in table and "50.0%" not in table


def test_the_sample_page_offers_each_signal(db, make, team, login_as):
    make.demo_call(team["agent"], "hai-kenh-thieu-loi-chao", by=team["lead"])
    lead = login_as(team["lead"])
    page = lead.get("/reviews/sample").get_data(as_text=True)
    for label in (
        "Điểm kiểm tra tự động thấp nhất",
        "Khách không hài lòng (NPS 0–6)",
        "Cuộc gọi dài",
    ):
        assert label in page
    today = local_today().isoformat()
    form = {
        "agents": team["agent"].id,
        "per_agent": "1",
        "start": today,
        "end": today,
        "reviewers": team["lead"].id,
        "rubric_version_id": make.rubric().id,
        "signal": "lowest_auto_qa",
        "channel": "",
        "step_id": "0",
    }
    assert lead.post("/reviews/sample", form).status_code == 200
    assert db.session.query(Review).one().chosen_for == "lowest_auto_qa"
    refused = lead.post("/reviews/sample", {**form, "signal": "<script>"})
    assert refused.status_code == 422 and db.session.query(Review).count() == 1
    assert db.session.query(Interaction).count() == 1
