"""The interaction list, the one-call upload form and drawing a sample, as a
supervisor uses them."""

import html
from datetime import timedelta

from portal.core.models import local_today
from portal.core.roles import Role
from reviews.interactions import PER_PAGE
from reviews.models import Interaction, Review


def test_the_list_pages_through_the_teams_calls_only(team, make, login_as, db):
    other = make.user(Role.AGENT, team=make.team("Nhóm khác"), name="Người Ngoài")
    for _ in range(PER_PAGE + 2):
        make.interaction(team["agent"], recording=None, channel="email")
    make.interaction(other, recording=None)
    lead = login_as(team["lead"])
    first = lead.get("/reviews/interactions").get_data(as_text=True)
    assert f"{PER_PAGE + 2} " in first and 'aria-current="page">1<' in first
    assert "page=2" in first
    second = lead.get("/reviews/interactions?page=2").get_data(as_text=True)
    assert second.count("/reviews/interactions/") >= 2
    assert "Người Ngoài" not in first + second
    # A page past the end shows the last page rather than an empty table.
    past = lead.get("/reviews/interactions?page=99").get_data(as_text=True)
    assert 'aria-current="page">2<' in past


def test_one_call_typed_in_by_hand_lands_in_vietnam_time(team, login_as, db):
    lead = login_as(team["lead"])
    saved = lead.post(
        "/reviews/interactions/new",
        {
            "agent_id": team["agent"].id,
            "channel": "phone",
            "occurred_at": "2026-11-30T08:15",
            "customer_ref": "KH-1",
            "step_id": "0",
        },
    )
    assert saved.status_code == 303
    call = db.session.query(Interaction).filter_by(customer_ref="KH-1").one()
    assert call.occurred_at.hour == 1  # 08:15 in Hanoi is 01:15 UTC
    assert call.recording_file is None


def test_a_sample_draws_into_the_queue_and_refuses_a_backwards_period(team, make, login_as, db):
    for _ in range(3):
        make.interaction(team["agent"], recording=None)
    version = make.rubric()
    lead = login_as(team["lead"])
    page = lead.get("/reviews/sample").get_data(as_text=True)
    today = local_today()  # Vietnam's date, which is ahead of UTC's
    assert f'value="{(today - timedelta(days=7)).isoformat()}"' in page  # the last seven days
    form = {
        "agents": str(team["agent"].id),
        "per_agent": "2",
        "start": (today - timedelta(days=1)).isoformat(),
        "end": (today + timedelta(days=1)).isoformat(),
        "reviewers": str(team["lead"].id),
        "rubric_version_id": str(version.id),
        "channel": "",
        "step_id": "0",
    }
    backwards = lead.post(
        "/reviews/sample", {**form, "end": (today - timedelta(days=3)).isoformat()}
    )
    assert backwards.status_code == 422 and "kết thúc sau khi bắt đầu" in backwards.get_data(
        as_text=True
    )
    assert db.session.query(Review).count() == 0
    drawn = lead.post("/reviews/sample", form)
    assert drawn.status_code == 200 and "Đã giao 2 lượt chấm" in drawn.get_data(as_text=True)
    assert db.session.query(Review).filter_by(reviewer_id=team["lead"].id).count() == 2


def test_a_calibration_is_set_up_from_the_page_with_at_least_two_reviewers(
    team, make, login_as, db
):
    call = make.interaction(team["agent"], recording=None)
    second = make.user(Role.SUPERVISOR, leads=[team["team"]])
    version = make.rubric()
    lead = login_as(team["lead"])
    form = {
        "title": "Hiệu chỉnh tháng 12",
        "rubric_version_id": str(version.id),
        "interactions": str(call.id),
        "reviewers": str(team["lead"].id),
        "benchmark_id": "0",
    }
    alone = lead.post("/reviews/calibration/new", form)
    assert alone.status_code == 422 and "ít nhất hai" in alone.get_data(as_text=True)
    assert db.session.query(Review).count() == 0
    made = lead.post("/reviews/calibration/new", {**form, "benchmark_id": str(second.id)})
    assert made.status_code == 303
    # Each of the two reviewers (the benchmark included) has the call in their queue.
    assert {r.reviewer_id for r in db.session.query(Review)} == {team["lead"].id, second.id}


def test_the_rubric_editor_refuses_an_over_long_publish_note_and_publishes_nothing(
    make, login_as, db
):
    version = make.rubric()
    admin = login_as(make.user(Role.ADMIN))
    page = admin.get("/reviews/rubrics/goi-dien/edit").get_data(as_text=True)
    token = page.split('name="lock_version" type="hidden" value="')[1].split('"')[0]
    posted = {
        "title": version.title,
        "pass_percent": "80",
        "source": html.unescape(
            page.split('class="code"')[1].split(">", 1)[1].split("</textarea>")[0]
        ),
        "lock_version": token,
        "note": "đ" * 201,
        "publish": "1",
    }
    refused = admin.post("/reviews/rubrics/goi-dien/edit", posted)
    assert refused.status_code == 422 and "đ" * 201 in refused.get_data(as_text=True)
    db.session.expire_all()
    assert make.rubric().id == version.id  # still the same published version
    published = admin.post("/reviews/rubrics/goi-dien/edit", {**posted, "note": "Sửa trọng số"})
    assert published.status_code == 303
    db.session.expire_all()
    assert make.rubric().version == version.version + 1
