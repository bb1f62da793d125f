"""Admin pages for people and teams: validation, hostile input, deactivation."""

import unicodedata

from portal.accounts.models import Team, User
from portal.core.roles import Role


def _new_user(admin, **overrides):
    data = {
        "name": "Trần Thị Bích",
        "email": "bich@example.vn",
        "role": "agent",
        "team_id": "None",
        "hire_date": "2026-11-02",
        "password": "a long enough password",
    }
    data.update(overrides)
    return admin.post("/admin/users/new", data)


def test_admin_creates_a_person_who_can_then_log_in(login_as, db, make):
    team = make.team("Nhóm Hậu mãi")
    admin = login_as("admin")
    response = _new_user(admin, team_id=str(team.id))
    assert response.status_code == 303
    user = db.session.query(User).filter_by(email="bich@example.vn").one()
    assert user.team_id == team.id and user.role == Role.AGENT
    assert admin.get("/admin/users?q=bich").get_data(as_text=True).count("bich@example.vn") == 1


def test_invalid_person_is_refused_with_messages_and_nothing_saved(login_as, db, make):
    existing = make.user(email="taken@example.vn")
    admin = login_as("admin")
    count = db.session.query(User).count()
    for overrides in (
        {"email": "not-an-email"},
        {"email": existing.email.upper()},
        {"name": ""},
        {"name": "x" * 121},
        {"role": "overlord"},
        {"hire_date": "31/02/2026"},
        {"password": "short"},
        {"team_id": "99999"},
    ):
        response = _new_user(admin, **overrides)
        assert response.status_code == 422, overrides
        assert 'aria-invalid="true"' in response.get_data(as_text=True), overrides
    assert db.session.query(User).count() == count


def test_markup_in_a_name_is_refused_and_text_elsewhere_is_inert(login_as, db, make):
    admin = login_as("admin")
    response = _new_user(admin, name="<script>alert(1)</script>")
    assert response.status_code == 422
    # A team description with markup is stored as text and shown escaped.
    admin.post(
        "/admin/teams/new", {"name": "Nhóm X", "description": "<img src=x onerror=alert(1)>"}
    )
    page = admin.get("/admin/teams").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_decomposed_unicode_is_stored_composed(login_as, db):
    admin = login_as("admin")
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Hồng")
    assert _new_user(admin, name=nfd_name, email="hong@example.vn").status_code == 303
    user = db.session.query(User).filter_by(email="hong@example.vn").one()
    assert user.name == unicodedata.normalize("NFC", "Nguyễn Thị Hồng")
    assert "\u0300" not in user.name


def test_htmx_form_failure_returns_the_form_fragment(login_as):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", {"name": "", "email": "x"}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<form") and "<html" not in body


def test_deactivation_keeps_history_and_blocks_login(app, login_as, make, db):
    agent = make.user(Role.AGENT)
    agent_session = login_as(agent)
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{agent.id}/active", {"active": "0"}, htmx=True)
    assert response.status_code == 200
    assert 'class="inactive"' in response.get_data(as_text=True)
    db.session.refresh(agent)
    assert agent.active is False and agent.deactivated_at is not None
    assert db.session.get(User, agent.id) is not None  # still there, with their records
    assert agent_session.get("/onboarding/").status_code == 302  # their open session ended


def test_admin_cannot_remove_their_own_admin_role(login_as, db):
    admin = login_as("admin")
    me = admin.user
    response = admin.post(
        f"/admin/users/{me.id}/edit",
        {"name": me.name, "email": me.email, "role": "agent", "team_id": "None"},
    )
    assert response.status_code == 422
    db.session.refresh(me)
    assert me.role == Role.ADMIN


def test_supervisor_leads_teams(login_as, db, make):
    a, b = make.team("A"), make.team("B")
    admin = login_as("admin")
    response = _new_user(
        admin, role="supervisor", email="sup@example.vn", led_team_ids=[str(a.id), str(b.id)]
    )
    assert response.status_code == 303
    sup = db.session.query(User).filter_by(email="sup@example.vn").one()
    assert {t.name for t in sup.led_teams} == {"A", "B"}
    # Only supervisors lead teams.
    response = _new_user(admin, role="agent", email="ag@example.vn", led_team_ids=[str(a.id)])
    assert response.status_code == 422


def test_team_names_are_unique(login_as, make, db):
    make.team("Nhóm A")
    admin = login_as("admin")
    assert admin.post("/admin/teams/new", {"name": "Nhóm A"}).status_code == 422
    assert db.session.query(Team).count() == 1


def test_people_search_is_vietnamese_aware(login_as, make):
    make.user(Role.AGENT, name="Đặng Văn Ánh", email="anh@example.vn")
    make.user(Role.AGENT, name="Trần Bình", email="binh@example.vn")
    admin = login_as("admin")
    for query in ("đặng", "Đặng", "dang anh", "ánh", "ANH@"):
        page = admin.get(
            "/admin/users", query_string={"q": query}, headers={"HX-Request": "true"}
        ).get_data(as_text=True)
        assert "Đặng Văn Ánh" in page and "Trần Bình" not in page, query
    assert "Trần Bình" in admin.get("/admin/users?q=tran").get_data(as_text=True)


def test_deactivating_without_javascript_returns_to_the_people_page(login_as, make, db):
    agent = make.user(Role.AGENT, name="Không JS")
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{agent.id}/active", {"active": "0"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users"
    db.session.refresh(agent)
    assert not agent.active


def test_the_phone_systems_id_for_an_agent_is_kept_and_unique(login_as, db, make):
    other = make.user(email="other@example.vn")
    other.external_agent_id = "ext-2041"
    db.session.commit()
    admin = login_as("admin")
    clash = _new_user(admin, external_agent_id="ext-2041")
    assert clash.status_code == 422 and "Đã có người dùng mã này." in clash.text
    assert db.session.query(User).filter_by(email="bich@example.vn").count() == 0

    assert _new_user(admin, external_agent_id="  ext-3001 ").status_code == 303
    user = db.session.query(User).filter_by(email="bich@example.vn").one()
    assert user.external_agent_id == "ext-3001"
    cleared = admin.post(
        f"/admin/users/{user.id}/edit",
        {"name": user.name, "email": user.email, "role": "agent", "team_id": "None"},
    )
    assert cleared.status_code == 303
    db.session.refresh(user)
    assert user.external_agent_id is None  # left empty: calls name this person by email
