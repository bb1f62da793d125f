"""The review page × every state of a review × every kind of person: the route
sweep's table for the object rule `review.read` (reviews/policy.py).

A review before submit is its reviewer's working state: only the reviewer and
admins open it; from submit on, the agent, the supervisors of the agent's
team, HR and admins read it.
"""

import pytest

from portal.core.roles import Role
from tests.factories import REVIEW_STATES as STATES

DRAFT, SCORED = 404, 200

# person -> expected status of GET /reviews/<id> per state
EXPECTED = {
    "reviewer": dict.fromkeys(STATES, 200),
    "admin": dict.fromkeys(STATES, 200),
    "co_lead": {**dict.fromkeys(STATES, SCORED), "assigned": DRAFT, "in_progress": DRAFT},
    "hr": {**dict.fromkeys(STATES, SCORED), "assigned": DRAFT, "in_progress": DRAFT},
    "agent": {**dict.fromkeys(STATES, SCORED), "assigned": DRAFT, "in_progress": DRAFT},
    "team_mate": dict.fromkeys(STATES, 404),
    "other_lead": dict.fromkeys(STATES, 404),
}
SUMMARY = "Ghi chú nháp của người chấm"


@pytest.fixture
def people(team, make):
    other = make.team("Nhóm khác")
    return {
        "reviewer": team["lead"],
        "admin": make.user(Role.ADMIN),
        "co_lead": make.user(Role.SUPERVISOR, leads=[team["team"]]),
        "hr": make.user(Role.HR),
        "agent": team["agent"],
        "team_mate": make.user(Role.AGENT, team=team["team"]),
        "other_lead": make.user(Role.SUPERVISOR, leads=[other]),
    }


@pytest.mark.parametrize("state", STATES)
def test_who_opens_a_review_in_each_state(state, call, team, people, make, login_as):
    review = make.review(call, team["lead"], state=state, summary=SUMMARY)
    assert review.state == state
    failures = []
    for person, expected in EXPECTED.items():
        session = login_as(people[person])
        page = session.get(f"/reviews/{review.id}")
        if page.status_code != expected[state]:
            failures.append(f"{person}: got {page.status_code}, expected {expected[state]}")
        if page.status_code != 200 and SUMMARY in page.get_data(as_text=True):
            failures.append(f"{person}: the draft's text shows")
        # The interaction page lists only the reviews the person may open.
        listing = session.get(f"/reviews/interactions/{call.id}")
        if listing.status_code == 200:
            listed = f'/reviews/{review.id}"' in listing.get_data(as_text=True)
            if listed != (expected[state] == 200):
                failures.append(f"{person}: interaction page lists it: {listed}")
    assert not failures, f"state {state}:\n" + "\n".join(failures)


def test_hr_cannot_read_a_draft_even_by_its_parts(call, team, people, make, login_as):
    """Nothing else of a draft is reachable: not its comments, not an answer."""
    review = make.review(call, team["lead"], state="in_progress", summary=SUMMARY)
    hr = login_as(people["hr"])
    assert hr.post(f"/reviews/{review.id}/comments", {"body": "x"}).status_code == 404
    assert hr.post(f"/reviews/{review.id}/draft", {"lock_version": "2"}).status_code == 404
    assert hr.post(f"/reviews/{review.id}/acknowledge").status_code == 404
