"""Over-long text in a review is refused with what was typed kept, never cut: the
summary (5,000 characters) on autosave and on submit, comments (2,000), free-text
fields (500), dispute reasons and decision notes (2,000). The page counts as you type."""

import pytest

from portal.core.models import utcnow
from reviews import disputes, reviewing
from reviews.models import Review, ReviewComment
from tests.reviews.conftest import every_criterion
from tests.reviews.test_reviewing import _form

LONG_SUMMARY = "Nhân viên chào khách rõ ràng. " * 170  # 5,100 characters


@pytest.fixture
def draft(call, call_rubric, team, db):
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    return review


def test_the_review_page_counts_what_is_typed(draft, team, login_as):
    page = login_as(team["lead"]).get(f"/reviews/{draft.id}").get_data(as_text=True)
    assert 'name="summary" rows="3" maxlength="5000"' in page
    assert 'name="body" rows="2" maxlength="2000"' in page
    assert "/static/js/limits.js" in page and "data-over=" in page


def test_autosave_refuses_an_over_long_summary_and_cuts_nothing(draft, team, login_as, db):
    lead = login_as(team["lead"])
    response = lead.post(
        f"/reviews/{draft.id}/draft", {"summary": LONG_SUMMARY, "lock_version": "1"}, htmx=True
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "5099" in text and "5000" in text  # 5,100 less the final space
    db.session.expire_all()
    stored = db.session.get(Review, draft.id)
    assert stored.summary in ("", None) and stored.lock_version == 1


def test_submit_refuses_an_over_long_summary_and_keeps_the_typed_text(
    draft, call_rubric, team, login_as, db
):
    lead = login_as(team["lead"])
    values = every_criterion(call_rubric)
    form = {**_form(call_rubric, values, 1), "summary": LONG_SUMMARY}
    response = lead.post(f"/reviews/{draft.id}/submit", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert LONG_SUMMARY.strip() in page  # the whole text, back in the form
    first = next(iter(values))
    assert f'name="c-{first}" value="{values[first].value}" checked' in page
    db.session.expire_all()
    assert db.session.get(Review, draft.id).state != "submitted"


def test_an_over_long_free_text_field_is_refused(draft, team, login_as, db):
    lead = login_as(team["lead"])
    response = lead.post(
        f"/reviews/{draft.id}/draft",
        {"f-nguyen-nhan-goc": "x" * 501, "lock_version": "1"},
        htmx=True,
    )
    assert response.status_code == 422 and "500" in response.get_data(as_text=True)


def test_an_over_long_comment_is_refused_and_kept(draft, team, login_as, db):
    lead = login_as(team["lead"])
    body = "Khách hỏi lại lần thứ hai. " * 80  # 2,160 characters
    url = f"/reviews/{draft.id}/comments"
    by_htmx = lead.post(url, {"body": body}, htmx=True)
    assert by_htmx.status_code == 422 and "2000" in by_htmx.get_data(as_text=True)
    plain = lead.post(url, {"body": body})
    assert plain.status_code == 422 and body.strip() in plain.get_data(as_text=True)
    assert db.session.query(ReviewComment).count() == 0
    assert lead.post(url, {"body": "Ngắn thôi."}, htmx=True).status_code == 200


def test_over_long_dispute_reasons_and_decision_notes_are_refused(submitted, team, login_as, db):
    agent = login_as(team["agent"])
    key = submitted.scores[0].criterion_key
    reason = "Em đã xin lỗi khách ngay. " * 90  # 2,340 characters
    refused = agent.post(
        f"/reviews/{submitted.id}/dispute",
        {"criteria": key, f"reason-{key}": reason, f"proposed-{key}": "3"},
    )
    assert refused.status_code == 422 and "2000" in refused.get_data(as_text=True)
    assert reason.strip() in refused.get_data(as_text=True)
    case = disputes.raise_dispute(
        submitted,
        team["agent"],
        [disputes.DisputedCriterion(key, "Em đã xin lỗi.", proposed_value=3)],
        now=utcnow(),
    )
    lead = login_as(team["lead"])
    note = "Đã nghe lại cuộc gọi. " * 100  # 2,200 characters
    item = case.items[0]
    decided = lead.post(
        f"/reviews/disputes/{case.id}/decide", {f"decision-{item.id}": "reject", "note": note}
    )
    assert decided.status_code == 422 and note.strip() in decided.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(case), case.id).state == "open"
