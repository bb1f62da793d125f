"""The recording access log: one row per person and listening however many Range
requests the player sends, none for people who may not listen; admins read it
newest first, filter it, page it and export it as CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

from portal.core.roles import Role
from reviews import access_log
from reviews.models import RecordingAccess

PAGE = "/reviews/recordings/accesses"
CSV = "/reviews/recordings/accesses.csv"


def _url(call):
    return f"/reviews/interactions/{call.id}/recording"


def _rows(db):
    db.session.expire_all()
    return db.session.query(RecordingAccess).order_by(RecordingAccess.id).all()


def _listen(session, call):
    """What a browser's player does: the first bytes, then seeks further on."""
    statuses = [
        session.get(_url(call), headers={"Range": "bytes=0-"}).status_code,
        session.get(_url(call), headers={"Range": "bytes=2000-"}).status_code,
        session.get(_url(call), headers={"Range": "bytes=4000-5000"}).status_code,
        session.get(_url(call), headers={"Range": "bytes=0-"}).status_code,  # seek back to 0
    ]
    assert statuses == [206, 206, 206, 206]


def test_a_listening_of_many_range_requests_is_one_row(login_as, team, call, db):
    lead = login_as(team["lead"])
    _listen(lead, call)
    rows = _rows(db)
    assert [(r.user_id, r.interaction_id, r.how) for r in rows] == [
        (team["lead"].id, call.id, "play")
    ]
    assert rows[0].address == "127.0.0.1"
    assert abs(rows[0].at - datetime.now(UTC)) < timedelta(minutes=1)


def test_each_person_has_their_own_row_and_a_later_listening_is_a_new_one(login_as, team, call, db):
    _listen(login_as(team["lead"]), call)
    agent = login_as(team["agent"])
    _listen(agent, call)
    assert [r.user_id for r in _rows(db)] == [team["lead"].id, team["agent"].id]

    # Eleven minutes later the agent starts the call again: a new listening.
    first = _rows(db)[1]
    first.at = first.at - timedelta(minutes=11)
    db.session.commit()
    _listen(agent, call)
    assert [r.user_id for r in _rows(db)] == [team["lead"].id, team["agent"].id, team["agent"].id]


def test_the_whole_file_without_range_is_a_download(login_as, call, db):
    admin = login_as("admin")
    response = admin.get(_url(call))
    assert response.status_code == 200 and response.data[:4] == b"RIFF"
    assert [r.how for r in _rows(db)] == ["download"]


def test_someone_who_may_not_listen_gets_404_and_no_row(login_as, make, call, db):
    stranger = login_as(make.user(Role.AGENT, team=make.team("Nhóm khác")))
    assert stranger.get(_url(call), headers={"Range": "bytes=0-"}).status_code == 404
    assert stranger.get(_url(call)).status_code == 404
    hr = login_as("hr")  # HR reads scores, not recordings
    assert hr.get(_url(call)).status_code == 404
    assert _rows(db) == []


def test_a_log_that_cannot_be_written_does_not_stop_playback(
    login_as, team, call, db, monkeypatch, caplog
):
    def broken(**_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(access_log, "RecordingAccess", broken)
    response = login_as(team["lead"]).get(_url(call), headers={"Range": "bytes=0-"})
    assert response.status_code == 206 and response.data
    assert "not logged" in caplog.text
    monkeypatch.undo()
    assert _rows(db) == []


def _log(db, make, call, user, count, *, start=None):
    start = start or datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for i in range(count):
        db.session.add(
            RecordingAccess(
                user_id=user.id,
                interaction_id=call.id,
                at=start + timedelta(minutes=i),
                how="play",
                address=f"10.0.0.{i % 250}",
            )
        )
    db.session.commit()


def _links(page_html, call):
    return page_html.count(f'href="/reviews/interactions/{call.id}"')


def test_admins_read_the_log_newest_first_filtered_and_paged(login_as, make, team, call, db):
    other_call = make.interaction(team["agent"], by=team["lead"])
    _log(db, make, call, team["lead"], 52)
    _log(db, make, other_call, team["agent"], 3, start=datetime(2026, 11, 21, 1, 0, tzinfo=UTC))
    admin = login_as("admin")

    first = admin.get(PAGE).get_data(as_text=True)
    # The newest three (the agent's, on the 21st) open the first page, in Vietnam time.
    table = first.split("<tbody>")[1]
    assert table.index(team["agent"].name) < table.index(team["lead"].name)
    assert "08:02" in first  # 01:02 UTC
    assert _links(first, other_call) == 3 and _links(first, call) == 47
    second = admin.get(PAGE + "?page=2").get_data(as_text=True)
    assert _links(second, call) == 5 and _links(second, other_call) == 0

    by_person = admin.get(f"{PAGE}?person={team['agent'].id}").get_data(as_text=True)
    assert _links(by_person, other_call) == 3 and _links(by_person, call) == 0
    by_call = admin.get(f"{PAGE}?interaction={call.id}&page=2").get_data(as_text=True)
    assert _links(by_call, call) == 2 and _links(by_call, other_call) == 0
    nothing = admin.get(f"{PAGE}?person={team['agent'].id}&interaction={call.id}")
    assert _links(nothing.get_data(as_text=True), call) == 0

    # The admin navigation leads here; the pages link to the CSV with the same filters.
    assert f'href="{PAGE}"' in admin.get("/").get_data(as_text=True)
    assert f"{CSV}?person={team['agent'].id}" in by_person


def test_the_csv_has_the_rows_with_formula_cells_neutralised(login_as, make, team, call, db):
    sly = make.user(Role.ADMIN, name='=HYPERLINK("http://x","bấm")', email="sly@example.vn")
    _log(db, make, call, sly, 2)
    _log(db, make, call, team["lead"], 1, start=datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
    response = login_as("admin").get(CSV)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 + 3
    assert rows[1][:2] == ["2026-11-22 10:00:00", team["lead"].name]
    assert rows[1][3] == str(call.id)
    assert rows[2][1] == '\'=HYPERLINK("http://x","bấm")'
    assert rows[2][5] == "10.0.0.1"

    only_lead = login_as("admin").get(f"{CSV}?person={team['lead'].id}")
    assert len(list(csv.reader(io.StringIO(only_lead.get_data(as_text=True))))) == 2


def test_only_admins_read_the_log(login_as, team):
    for who in (team["lead"], team["agent"], login_as("hr").user):
        session = login_as(who)
        assert session.get(PAGE).status_code == 403
        assert session.get(CSV).status_code == 403
        assert f'href="{PAGE}"' not in session.get("/", follow_redirects=True).get_data(
            as_text=True
        )


def test_the_page_issues_the_same_statements_whatever_the_rows(
    login_as, make, team, call, db, count_queries
):
    _log(db, make, call, team["lead"], 3)
    admin = login_as("admin")

    def statements():
        db.session.expire_all()  # the logged-in person is loaded afresh both times
        with count_queries() as run:
            assert admin.get(PAGE).status_code == 200
        return len(run)

    few = statements()
    for _ in range(12):
        person = make.user(Role.SUPERVISOR)
        _log(db, make, make.interaction(team["agent"], by=team["lead"]), person, 4)
    more = statements()
    assert more == few
