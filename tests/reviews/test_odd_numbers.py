"""Numbers in review forms are bounded: odd ones are refused with a message, never a 500."""

from portal.core.models import utcnow

HUGE = "9" * 20


def test_sampling_with_an_odd_step_is_refused_with_a_message(call_rubric, team, login_as):
    lead = login_as(team["lead"])
    today = utcnow().date().isoformat()
    response = lead.post(
        "/reviews/sample",
        {
            "agents": str(team["agent"].id),
            "per_agent": "3",
            "start": today,
            "end": today,
            "channel": "",
            "step_id": HUGE,
            "reviewers": str(team["lead"].id),
            "rubric_version_id": str(call_rubric.id),
        },
    )
    assert response.status_code == 422
    assert 'id="step_id-error"' in response.get_data(as_text=True)
