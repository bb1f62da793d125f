"""Disputes and decisions arrive through their WTForms forms: odd or hostile
posts are refused with a reason (422), what was typed stays, nothing changes."""

from reviews.models import Dispute, ScoreChange


def _first_criterion(review):
    from reviews.rubrics import criteria_of

    return next(iter(criteria_of(review.rubric_version.structure)))


def test_odd_dispute_posts_are_refused_and_keep_the_text(call, team, make, login_as, db):
    review = make.review(call, team["lead"])
    key = _first_criterion(review)
    agent = login_as(team["agent"])
    cases = [
        {"criteria": "khong-co-tieu-chi", f"reason-{key}": "x"},  # no such criterion
        {"criteria": key, f"reason-{key}": "Sai.", f"proposed-{key}": "99"},  # off the scale
        {"criteria": key, f"reason-{key}": "   "},  # no reason
        {"criteria": key, f"reason-{key}": "<script>alert(1)</script>" + "ồ" * 2100},
    ]
    for posted in cases:
        refused = agent.post(f"/reviews/{review.id}/dispute", posted)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422, posted
        assert "<script>alert(1)</script>" not in page
    assert "ồ" * 2100 in page  # the long reason comes back whole, to shorten
    assert db.session.query(Dispute).count() == 0
    db.session.refresh(review)
    assert review.state == "submitted"


def test_a_decision_must_cover_every_criterion_and_a_value_on_the_scale(
    call, team, make, login_as, db
):
    review = make.review(call, team["lead"], state="disputed")
    case = db.session.query(Dispute).one()
    item = case.items[0]
    lead = login_as(team["lead"])
    undecided = lead.post(f"/reviews/disputes/{case.id}/decide", {"note": "Xem lại"})
    assert undecided.status_code == 422 and "Xem lại" in undecided.get_data(as_text=True)
    off_scale = lead.post(
        f"/reviews/disputes/{case.id}/decide",
        {f"decision-{item.id}": "accept", f"value-{item.id}": "12345678901234567890"},
    )
    assert off_scale.status_code == 422
    assert db.session.query(ScoreChange).count() == 0
    decided = lead.post(
        f"/reviews/disputes/{case.id}/decide",
        {f"decision-{item.id}": "reject", "note": "Giữ nguyên."},
    )
    assert decided.status_code == 303
    db.session.refresh(review)
    assert review.state == "resolved"
