"""Suggested scores: the demo's stereo calls, measured and checked when they land,
suggest values for the call rubric's criteria with their evidence; the reviewer
accepts or overrides each, and both the suggestion and the final value are kept.
The auto-QA score of a call comes from those criteria alone."""

import pytest

from autoqa.figures import figures_of
from autoqa.models import DONE, CallAnalysis
from portal.kpi.models import AutoQaDay
from reviews import reviewing, rubrics
from reviews.models import CriterionScore, Rubric


@pytest.fixture
def demo_call(make, team):
    return lambda name: make.demo_call(team["agent"], name, by=team["lead"])


def _analysis(db, interaction) -> CallAnalysis:
    db.session.expire_all()
    return db.session.query(CallAnalysis).filter_by(interaction_id=interaction.id).one()


def test_each_demo_call_suggests_what_a_listener_would_hear(db, demo_call):
    clean = _analysis(db, demo_call("hai-kenh-tu-van-ro-rang"))
    assert clean.state == DONE
    values = {key: s["value"] for key, s in clean.suggested.items()}
    assert values == {"chao-hoi-xac-minh": 3, "ket-thuc-buoc-tiep": 3}
    assert clean.auto_score == 100.0 and clean.auto_passed is True
    curt = _analysis(db, demo_call("hai-kenh-khong-nen-noi"))
    assert curt.suggested["xu-ly-tinh-huong"]["value"] == 1  # two "don't say" lines
    said = [r["words"] for r in curt.suggested["xu-ly-tinh-huong"]["reasons"]]
    assert len(said) == 2 and all(said)  # the words are the evidence, with their times
    assert all(r["at"] is not None for r in curt.suggested["xu-ly-tinh-huong"]["reasons"])
    silent = _analysis(db, demo_call("hai-kenh-thieu-loi-chao"))
    assert silent.suggested["chao-hoi-xac-minh"]["value"] == 1
    assert silent.auto_score < curt.auto_score < clean.auto_score
    # The hold of the dead-air call was announced: the time criterion is suggested 3.
    hold = _analysis(db, demo_call("hai-kenh-im-lang-va-cho-may"))
    assert hold.suggested["quan-ly-thoi-gian"]["value"] == 3


def test_a_figure_the_call_cannot_give_suggests_nothing(db, demo_call):
    analysis = _analysis(db, demo_call("hai-kenh-tu-van-ro-rang"))
    figures = figures_of(analysis)
    assert "hold_announced" not in figures  # no long hold in this call
    analysis.measures = {**analysis.measures, "stereo": False}
    assert "agent_interruptions" not in figures_of(analysis)  # mono: who spoke is unknown
    analysis.checks = {}
    assert "opening" not in figures_of(analysis)  # no transcript: nothing heard said


def test_the_reviewer_sees_each_suggestion_accepts_one_overrides_another(
    db, demo_call, make, login_as, team
):
    interaction = demo_call("hai-kenh-khong-nen-noi")
    version = make.rubric()
    review = reviewing.assign(interaction, version, team["lead"].id, by=team["lead"])
    db.session.commit()
    lead = login_as(team["lead"])
    page = lead.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert page.count('class="suggestion"') == 3
    assert 'data-accept="c-xu-ly-tinh-huong" data-value="1"' in page
    assert "Gợi ý: 1" in page and "Câu “không nên nói” đã dùng" in page
    # The agent opening the same draft sees nothing of it (a draft is the reviewer's).
    assert login_as(team["agent"]).get(f"/reviews/{review.id}").status_code == 404
    # Accept the opening's suggestion (3), override the "don't say" one (1 → 2).
    form = {f"c-{k}": "1" if c["scale"] == "yes_no" else "3" for k, c in _criteria(version)}
    form |= {"c-xu-ly-tinh-huong": "2", "lock_version": "1", "summary": "Ổn."}
    assert lead.post(f"/reviews/{review.id}/submit", form).status_code == 303
    rows = {
        s.criterion_key: s for s in db.session.query(CriterionScore).filter_by(review_id=review.id)
    }
    assert (rows["chao-hoi-xac-minh"].value, rows["chao-hoi-xac-minh"].suggested_value) == (3, 3)
    assert (rows["xu-ly-tinh-huong"].value, rows["xu-ly-tinh-huong"].suggested_value) == (2, 1)
    assert rows["xu-ly-tinh-huong"].suggestion[0]["check"] == "dont_say"
    assert rows["ton-trong"].suggested_value is None  # no check for respect
    # The submitted review shows the final value with what was suggested.
    shown = lead.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "gợi ý: 1" in shown and 'data-accept="' not in shown


def _criteria(version):
    return [(c["key"], c) for s in version.structure["sections"] for c in s["criteria"]]


def test_publishing_new_rules_scores_every_analysed_call_again(db, demo_call, make, runner):
    silent = demo_call("hai-kenh-thieu-loi-chao")
    before = _analysis(db, silent)
    assert before.suggested["chao-hoi-xac-minh"]["value"] == 1 and before.auto_score == 0.0
    rubric = db.session.query(Rubric).filter_by(slug="goi-dien").one()
    draft = rubrics.open_draft(rubric, author=None)
    source = rubrics.to_yaml(draft.structure).replace("otherwise: 1", "otherwise: 2", 1)
    rubrics.save_draft(
        draft, title=draft.title, pass_percent=80, source=source, author=None, lock_version=1
    )
    rubrics.publish(draft)  # the job runs on commit (at once in tests)
    after = _analysis(db, silent)
    assert after.suggested["chao-hoi-xac-minh"]["value"] == 2
    assert after.auto_rubric_version_id == draft.id and after.auto_score > 0
    day = db.session.query(AutoQaDay).filter_by(agent_id=silent.agent_id).one()
    assert day.score_sum == after.auto_score  # the KPI rollups follow
    result = runner.invoke(args=["portal", "rescore-auto-qa"])
    assert result.exit_code == 0 and "1 calls scored again" in result.output
