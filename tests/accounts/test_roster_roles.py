"""The roster import takes every label the portal shows for a role, in both
languages, in any case and spacing, and the role codes; the upload page lists
them. A supervisor imported with a team leads it, as the admin form makes them."""

import pytest
from flask_babel import force_locale

from portal.accounts import roster
from portal.accounts.models import Team, User
from portal.accounts.policy import visible_users
from portal.core.roles import ROLE_LABELS, Role
from tests.accounts.test_roster import confirm, upload, workbook


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_role_label_the_ui_shows_is_accepted(app, locale):
    with app.test_request_context(), force_locale(locale):
        for role, label in ROLE_LABELS.items():
            shown = str(label)
            for typed in (shown, shown.upper(), f"  {shown.lower().replace(' ', '   ')} "):
                assert roster.role_from_text(typed) == role, typed
            assert roster.role_from_text(role.value) == role


def test_the_labels_of_the_add_person_form_import(login_as, db, make):
    make.team("Nhóm Hậu mãi")
    admin = login_as("admin")
    rows = [
        ("Giám Sát Một", "gs1@example.vn", "Giám sát viên", "Nhóm Hậu mãi", "2026-01-05"),
        ("Giám Sát Hai", "gs2@example.vn", "  GIÁM  SÁT  VIÊN ", "Nhóm Hậu mãi", ""),
        ("Nhân Viên", "nv@example.vn", "Nhân viên CSKH", "Nhóm Hậu mãi", "2026-01-05"),
        ("Người Mới", "moi@example.vn", "new_hire", "Nhóm Hậu mãi", "2026-11-02"),
        ("Nhân Sự", "ns@example.vn", "Nhân sự", "", ""),
        ("Quản Trị", "qt@example.vn", "Quản trị viên", "", ""),
        ("Supervisor En", "gs3@example.vn", "Supervisor", "Nhóm Hậu mãi", ""),
    ]
    response = upload(admin, workbook(*rows))
    assert response.status_code == 303
    page = admin.get(response.location)
    assert page.status_code == 200, page.get_data(as_text=True)[-3000:]
    assert confirm(admin, response.location).status_code == 200
    roles = {u.email: u.role for u in db.session.query(User)}
    assert (
        roles["gs1@example.vn"]
        == roles["gs2@example.vn"]
        == roles["gs3@example.vn"]
        == "supervisor"
    )
    assert roles["nv@example.vn"] == "agent" and roles["moi@example.vn"] == "new_hire"
    assert roles["ns@example.vn"] == "hr" and roles["qt@example.vn"] == "admin"


def test_the_upload_page_lists_the_accepted_values(login_as):
    page = login_as("admin").get("/admin/roster").get_data(as_text=True)
    for value in ("Giám sát viên", "Supervisor", "supervisor", "Nhân viên mới", "new_hire"):
        assert value in page, value


def test_an_unknown_role_names_the_accepted_ones(login_as):
    admin = login_as("admin")
    response = upload(admin, workbook(("A", "a@example.vn", "overlord", "Nhóm", "2026-01-01")))
    page = admin.get(response.location).get_data(as_text=True)
    assert "overlord" in page and "Giám sát viên" in page


def test_a_supervisor_imported_with_a_team_leads_it(login_as, db, make):
    team = make.team("Nhóm Tư vấn")
    agent = make.user(Role.AGENT, team=team)
    already = make.user(Role.SUPERVISOR, email="cu@example.vn", leads=[make.team("Nhóm Cũ")])
    admin = login_as("admin")
    response = upload(
        admin,
        workbook(
            ("Giám Sát Mới", "moi@example.vn", "Giám sát viên", "Nhóm Tư vấn", ""),
            ("Giám Sát Cũ", "cu@example.vn", "supervisor", "Nhóm Tư vấn", ""),
        ),
    )
    preview = admin.get(response.location).get_data(as_text=True)
    assert "phụ trách nhóm này" in preview  # the preview says they will lead it
    assert confirm(admin, response.location).status_code == 200
    new = db.session.query(User).filter_by(email="moi@example.vn").one()
    assert [t.name for t in new.led_teams] == ["Nhóm Tư vấn"] and new.team == team
    assert agent.id in {u.id for u in db.session.scalars(visible_users(new))}
    db.session.refresh(already)
    assert sorted(t.name for t in already.led_teams) == ["Nhóm Cũ", "Nhóm Tư vấn"]
    assert db.session.query(Team).count() == 2
