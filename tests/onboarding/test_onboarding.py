"""Onboarding: my path, opening before done, locking, re-acknowledgement, the matrix."""

import csv
import io
import re
from datetime import date, timedelta

import pytest

from portal.core.models import local_today, utcnow
from portal.core.roles import Role
from portal.onboarding.assignment import assign
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)
from portal.playbooks import services as playbooks


@pytest.fixture
def path(app, db, content):
    """Two modules on the pre-sale playbook; the second needs the first."""
    steps = playbooks.find_playbook("truoc-ban-hang").steps
    first = OnboardingModule(title="Học phần 1", due_days=5, position=1)
    second = OnboardingModule(title="Học phần 2", due_days=10, position=2, requires_previous=True)
    for module, chosen in ((first, steps[:2]), (second, steps[2:4])):
        for index, step in enumerate(chosen, start=1):
            module.items.append(
                ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.id, position=index)
            )
        db.session.add(module)
    db.session.commit()
    return [first, second]


@pytest.fixture
def hire(make, path, db):
    team = make.team("Nhóm Tư vấn")
    user = make.user(Role.NEW_HIRE, team=team, hire_date=date.today() - timedelta(days=1))
    admin = make.user(Role.ADMIN)
    assign([user], path, by=admin)
    return user


def test_due_dates_count_from_the_hire_date(hire, path, db):
    dues = {a.module_id: a.due_date for a in db.session.query(OnboardingAssignment)}
    assert dues[path[0].id] == hire.hire_date + timedelta(days=5)
    assert dues[path[1].id] == hire.hire_date + timedelta(days=10)


def test_new_hire_sees_progress_next_item_and_locked_module(hire, path, login_as):
    session = login_as(hire)
    page = session.get("/onboarding/").get_data(as_text=True)
    assert "0/2" in page and "Học phần 2" in page and "module locked" in page
    first_item = path[0].items[0]
    assert f"/onboarding/items/{first_item.id}/open" in page


def test_marking_done_requires_opening_first(hire, path, login_as, db):
    session = login_as(hire)
    item = path[0].items[0]
    refused = session.post(f"/onboarding/items/{item.id}/complete", htmx=True)
    assert refused.status_code == 422
    assert (
        db.session.query(ItemProgress).filter(ItemProgress.completed_at.is_not(None)).count() == 0
    )
    opened = session.get(f"/onboarding/items/{item.id}/open")
    assert opened.status_code == 302 and f"onboarding_item={item.id}" in opened.headers["Location"]
    # The content page shows the onboarding bar with the button.
    page = session.get(opened.headers["Location"]).get_data(as_text=True)
    assert 'id="onboarding-bar"' in page and f"/onboarding/items/{item.id}/complete" in page
    done = session.post(f"/onboarding/items/{item.id}/complete", htmx=True)
    assert done.status_code == 200
    body = done.get_data(as_text=True)
    assert "<html" not in body and "badge-done" in body and "1 / 4" not in body
    assert "1/2" in session.get("/onboarding/").get_data(as_text=True)


def test_a_module_stays_locked_until_the_previous_is_done(hire, path, login_as):
    session = login_as(hire)
    locked_item = path[1].items[0]
    response = session.get(f"/onboarding/items/{locked_item.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/onboarding/")
    for item in path[0].items:
        session.get(f"/onboarding/items/{item.id}/open")
        assert session.post(f"/onboarding/items/{item.id}/complete").status_code == 303
    response = session.get(f"/onboarding/items/{locked_item.id}/open")
    assert "onboarding_item" in response.headers["Location"]


def test_changed_content_is_flagged_for_reacknowledgement(app, hire, path, login_as, db):
    session = login_as(hire)
    item = path[0].items[0]
    session.get(f"/onboarding/items/{item.id}/open")
    session.post(f"/onboarding/items/{item.id}/complete")
    step = db.session.get(playbooks.PlaybookStep, item.ref_id)
    admin = login_as("admin")
    admin.post(
        f"/playbooks/{step.playbook.slug}/{step.slug}/edit",
        {
            "title": step.title,
            "goal": step.goal,
            "body_md": step.body_md + "\n\nQuy định mới: gọi lại trong 24 giờ.",
            "checklist": "\n".join(step.checklist),
            "mistakes": "\n".join(step.mistakes),
            "segments": step.segments,
            "channels": step.channels,
            "kpis": step.kpis,
            "change_note": "Thêm quy định gọi lại",
            "base_version": str(step.version),
        },
    )
    page = session.get("/onboarding/").get_data(as_text=True)
    assert "item-reack" in page and "0/2" in page
    # The hire opens what changed: only the change, with the bar to confirm it.
    changes_link = f"/onboarding/items/{item.id}/open?then=changes"
    assert changes_link in page.replace("&amp;", "&")
    opened = session.get(changes_link)
    assert "/diff?a=1&b=2" in opened.location and f"onboarding_item={item.id}" in opened.location
    diff = session.get(opened.location).get_data(as_text=True)
    assert "Quy định mới: gọi lại trong 24 giờ." in diff and 'id="onboarding-bar"' in diff
    assert diff.count("diff-same") < 8  # the unchanged document is not repeated
    assert session.post(f"/onboarding/items/{item.id}/complete", htmx=True).status_code == 200
    progress = db.session.query(ItemProgress).filter_by(item_id=item.id).one()
    assert progress.completed_version == 2 and not progress.stale


def test_overdue_modules_warn_the_hire_and_show_in_the_matrix(hire, path, login_as, db):
    assignment = db.session.query(OnboardingAssignment).filter_by(module_id=path[0].id).one()
    assignment.due_date = date.today() - timedelta(days=1)
    db.session.commit()
    page = login_as(hire).get("/onboarding/").get_data(as_text=True)
    assert "flash-error" in page and "Học phần 1" in page
    matrix = login_as("hr").get("/onboarding/matrix").get_data(as_text=True)
    assert '<td class="cell cell-overdue"' in matrix
    assert re.search(r'class="overdue-count">\s*1 ', matrix)


def test_matrix_filters_and_htmx_fragment(hire, path, make, login_as):
    other_team = make.team("Nhóm khác")
    other = make.user(Role.AGENT, team=other_team, name="Người Nhóm Khác")
    hr = login_as("hr")
    full = hr.get("/onboarding/matrix").get_data(as_text=True)
    assert hire.name in full and other.name in full
    fragment = hr.get(
        f"/onboarding/matrix?team={other_team.id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and other.name in fragment and hire.name not in fragment
    only_new = hr.get("/onboarding/matrix?role=new_hire").get_data(as_text=True)
    assert hire.name in only_new and other.name not in only_new
    not_started = hr.get("/onboarding/matrix?status=not_started").get_data(as_text=True)
    assert hire.name in not_started and other.name not in not_started


def test_assign_by_team_skips_existing_and_supervisor_scope(path, make, login_as, db):
    team, other = make.team("A"), make.team("B")
    supervisor = make.user(Role.SUPERVISOR, leads=[team])
    members = [make.user(Role.NEW_HIRE, team=team) for _ in range(3)]
    outsider = make.user(Role.NEW_HIRE, team=other)
    session = login_as(supervisor)
    data = {
        "modules": [str(path[0].id)],
        "target": "team",
        "team": str(team.id),
        "role": "new_hire",
    }
    assert session.post("/onboarding/assign", data).status_code == 303
    assert session.post("/onboarding/assign", data).status_code == 303  # again: no duplicates
    assigned = {a.user_id for a in db.session.query(OnboardingAssignment)}
    assert assigned == {m.id for m in members}
    # A supervisor cannot assign a team they do not lead.
    data["team"] = str(other.id)
    assert session.post("/onboarding/assign", data).status_code == 422
    assert outsider.id not in {a.user_id for a in db.session.query(OnboardingAssignment)}


def test_assign_form_validation(path, login_as):
    admin = login_as("admin")
    assert admin.post("/onboarding/assign", {"target": "people"}).status_code == 422
    assert (
        admin.post(
            "/onboarding/assign", {"modules": [str(path[0].id)], "target": "people"}
        ).status_code
        == 422
    )


def test_admin_builds_a_module(content, login_as, db):
    admin = login_as("admin")
    assert (
        admin.post("/onboarding/modules/new", {"title": "", "due_days": "400"}).status_code == 422
    )
    response = admin.post(
        "/onboarding/modules/new", {"title": "Tuần đầu", "due_days": "7", "requires_previous": "y"}
    )
    assert response.status_code == 303
    module = db.session.query(OnboardingModule).filter_by(title="Tuần đầu").one()
    step = playbooks.playbooks()[1].steps[0]
    url = f"/onboarding/modules/{module.id}/items"
    assert admin.post(url, {"content": f"playbook_step:{step.id}"}).status_code == 303
    again = admin.post(url, {"content": f"playbook_step:{step.id}"}, htmx=True)
    assert again.status_code == 422 and "<html" not in again.get_data(as_text=True)
    assert admin.post(url, {"content": "playbook_step:999999"}).status_code == 422
    assert admin.post(url, {"content": "quiz:1"}).status_code == 422
    db.session.refresh(module)
    assert [i.ref_id for i in module.items] == [step.id]


def test_completion_matrix_query_count_does_not_grow(app, path, make, db, count_queries, login_as):
    hr = login_as("hr")
    team = make.team("Đông người")
    admin = make.user(Role.ADMIN)

    def add_people(n):
        people = [make.user(Role.NEW_HIRE, team=team) for _ in range(n)]
        assign(people, path, by=admin)
        for person in people[::2]:
            db.session.add(
                ItemProgress(
                    user_id=person.id,
                    item_id=path[0].items[0].id,
                    opened_at=utcnow(),
                    completed_at=utcnow(),
                    completed_version=1,
                )
            )
        db.session.commit()

    add_people(5)
    with count_queries() as few:
        assert hr.get("/onboarding/matrix").status_code == 200
    add_people(195)
    with count_queries() as many:
        page = hr.get("/onboarding/matrix")
    assert page.status_code == 200
    assert len(many) == len(few), many
    assert len(many) <= 12
    # 200 people over two pages of 100, each row with its two module cells.
    text = page.get_data(as_text=True)
    assert "200 người" in text and text.count('<td class="cell cell-') == 100 * 2
    with count_queries() as second:
        page_two = hr.get("/onboarding/matrix?page=2").get_data(as_text=True)
    assert len(second) <= len(few)
    assert page_two.count('<td class="cell cell-') == 100 * 2
    csv_rows = hr.get("/onboarding/matrix.csv").get_data(as_text=True).strip().splitlines()
    assert len(csv_rows) == 1 + 200  # the export is not paginated


def test_modules_marked_for_new_hires_are_given_on_joining(path, make, login_as, db):
    path[0].auto_assign = True
    db.session.commit()
    team = make.team("Nhóm mới")
    admin = login_as("admin")
    response = admin.post(
        "/admin/users/new",
        {
            "name": "Người Mới Vào",
            "email": "moi.vao@example.vn",
            "role": "new_hire",
            "team_id": str(team.id),
            "hire_date": date.today().isoformat(),
            "password": "mật khẩu đủ dài",
        },
    )
    assert response.status_code == 303
    joined = db.session.query(OnboardingAssignment).join(OnboardingAssignment.module).all()
    assert [(a.module_id, a.due_date) for a in joined] == [
        (path[0].id, date.today() + timedelta(days=5))
    ]
    # An agent created the same way gets nothing.
    admin.post(
        "/admin/users/new",
        {
            "name": "Nhân Viên",
            "email": "nv@example.vn",
            "role": "agent",
            "team_id": str(team.id),
            "password": "mật khẩu đủ dài",
        },
    )
    assert db.session.query(OnboardingAssignment).count() == 1


def test_supervisor_moves_a_due_date_and_removes_a_module(hire, path, make, login_as, db):
    supervisor = login_as(make.user(Role.SUPERVISOR, leads=[hire.team]))
    url = f"/onboarding/people/{hire.id}/modules/{path[0].id}"
    assert supervisor.post(url + "/due", {"due_date": "not a date"}).status_code == 422
    assert supervisor.post(url + "/due", {"due_date": "2027-01-15"}).status_code == 303
    assignment = (
        db.session.query(OnboardingAssignment)
        .filter_by(user_id=hire.id, module_id=path[0].id)
        .one()
    )
    assert assignment.due_date == date(2027, 1, 15)
    assert supervisor.post(url + "/remove").status_code == 303
    assert db.session.query(OnboardingAssignment).filter_by(user_id=hire.id).count() == 1
    # Another team's supervisor cannot touch this person.
    stranger = login_as(make.user(Role.SUPERVISOR, leads=[make.team("Khác")]))
    assert (
        stranger.post(
            f"/onboarding/people/{hire.id}/modules/{path[1].id}/due", {"due_date": "2027-01-01"}
        ).status_code
        == 403
    )


def test_matrix_csv_is_safe_for_spreadsheets(hire, path, make, login_as, db):
    make.user(Role.AGENT, team=hire.team, name='=HYPERLINK("http://x","y")')
    response = login_as("hr").get("/onboarding/matrix.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert hire.name in text and "0/2" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x","y")' in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def _finish(session, items):
    for item in items:
        session.get(f"/onboarding/items/{item.id}/open")
        assert session.post(f"/onboarding/items/{item.id}/complete").status_code == 303


def _edit_step(login_as, step, extra):
    admin = login_as("admin")
    response = admin.post(
        f"/playbooks/{step.playbook.slug}/{step.slug}/edit",
        {
            "title": step.title,
            "goal": step.goal,
            "body_md": step.body_md + extra,
            "checklist": "\n".join(step.checklist),
            "mistakes": "\n".join(step.mistakes),
            "segments": step.segments,
            "channels": step.channels,
            "kpis": step.kpis,
            "change_note": "Cập nhật",
            "base_version": str(step.version),
        },
    )
    assert response.status_code == 303


def test_reacknowledging_needs_opening_the_new_version(hire, path, login_as, db):
    session = login_as(hire)
    item = path[0].items[0]
    _finish(session, [item])
    _edit_step(login_as, db.session.get(playbooks.PlaybookStep, item.ref_id), "\n\nThêm ý mới.")
    refused = session.post(f"/onboarding/items/{item.id}/complete", htmx=True)
    assert refused.status_code == 422
    assert db.session.query(ItemProgress).filter_by(item_id=item.id).one().stale
    session.get(f"/onboarding/items/{item.id}/open")
    assert session.post(f"/onboarding/items/{item.id}/complete", htmx=True).status_code == 200


def test_a_content_change_does_not_make_finished_work_overdue_or_relock(hire, path, login_as, db):
    session = login_as(hire)
    _finish(session, path[0].items)
    session.get(f"/onboarding/items/{path[1].items[0].id}/open")
    assignment = db.session.query(OnboardingAssignment).filter_by(module_id=path[0].id).one()
    assignment.due_date = date.today() - timedelta(days=3)
    db.session.commit()
    _edit_step(
        login_as, db.session.get(playbooks.PlaybookStep, path[0].items[0].ref_id), "\n\nMới."
    )
    page = session.get("/onboarding/").get_data(as_text=True)
    assert "flash-error" not in page  # no overdue warning for finished work
    assert "module locked" not in page  # the second module stays open
    matrix = login_as("hr").get("/onboarding/matrix").get_data(as_text=True)
    assert (
        '<td class="cell cell-reack"' in matrix
        and 'cell-overdue"' not in matrix.split("<tbody>")[1]
    )
    # The item opened in module 2 shows as in progress for managers too.
    assert '<td class="cell cell-in_progress"' in matrix


def test_an_empty_module_does_not_lock_the_path(hire, path, db, login_as):
    empty = OnboardingModule(title="Sắp có bài kiểm tra", due_days=3, position=0)
    db.session.add(empty)
    db.session.commit()
    assign([hire], [empty], by=None)
    path[0].requires_previous = True
    db.session.commit()
    response = login_as(hire).get(f"/onboarding/items/{path[0].items[0].id}/open")
    assert "onboarding_item" in response.headers["Location"]


def test_removing_an_item_keeps_progress_and_adding_it_back_restores_it(hire, path, login_as, db):
    session = login_as(hire)
    item = path[0].items[0]
    _finish(session, [item])
    admin = login_as("admin")
    assert admin.post(f"/onboarding/items/{item.id}/remove").status_code == 303
    assert db.session.query(ItemProgress).filter_by(item_id=item.id).count() == 1
    assert "0/1" in session.get("/onboarding/").get_data(as_text=True)
    admin.post(
        f"/onboarding/modules/{path[0].id}/items", {"content": f"playbook_step:{item.ref_id}"}
    )
    assert "1/2" in session.get("/onboarding/").get_data(as_text=True)


@pytest.fixture
def self_completing_kind(app):
    """A stand-in for quizzes: content that reports its own completion."""
    from portal.core.content import ItemInfo, ItemKind, register_item_kind

    kind = ItemKind(
        code="practice",
        label="practice",
        describe=lambda ids: {
            i: ItemInfo(f"Bài tập {i}", "Luyện tập", "/playbooks/", 1) for i in ids
        },
        diff_url=lambda ref_id, version: None,
        choices=lambda: [(7, "Bài tập 7")],
        completes_itself=True,
    )
    register_item_kind(app, kind)
    yield kind
    del app.extensions["item_kinds"]["practice"]


def test_content_that_completes_itself_ticks_the_item(
    app, hire, path, login_as, db, self_completing_kind
):
    from portal.core.signals import content_completed

    admin = login_as("admin")
    assert (
        admin.post(f"/onboarding/modules/{path[0].id}/items", {"content": "practice:7"}).status_code
        == 303
    )
    item = db.session.query(ModuleItem).filter_by(kind="practice").one()
    session = login_as(hire)
    opened = session.get(f"/onboarding/items/{item.id}/open")
    page = session.get(opened.location).get_data(as_text=True)
    assert f"/onboarding/items/{item.id}/complete" not in page  # no "mark done" button
    assert session.post(f"/onboarding/items/{item.id}/complete", htmx=True).status_code == 422
    content_completed.send(app, kind="practice", ref_id=7, user_id=hire.id, version=1)
    progress = db.session.query(ItemProgress).filter_by(item_id=item.id, user_id=hire.id).one()
    assert progress.completed_at is not None and progress.completed_version == 1
    assert "1/3" in session.get("/onboarding/").get_data(as_text=True)


def test_staff_hired_long_ago_get_days_from_today_not_an_instant_overdue(path, make, db):
    veteran = make.user(Role.AGENT, team=make.team(), hire_date=date(2020, 3, 1))
    assign([veteran], [path[0]], by=None)
    assignment = db.session.query(OnboardingAssignment).filter_by(user_id=veteran.id).one()
    assert assignment.due_date == local_today() + timedelta(days=path[0].due_days)


def test_csv_follows_the_filters_on_screen(hire, path, make, login_as):
    other = make.user(Role.AGENT, team=make.team("Khác"), name="Người Ngoài Bộ Lọc")
    hr = login_as("hr")
    fragment = hr.get("/onboarding/matrix?role=new_hire", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    link = (
        re.search(r'href="(/onboarding/matrix\.csv[^"]*)"', fragment).group(1).replace("&amp;", "&")
    )
    assert "role=new_hire" in link
    text = hr.get(link).get_data(as_text=True)
    assert hire.name in text and other.name not in text
    assert text.lstrip("\ufeff").startswith("Họ tên") and "Nhân viên mới" in text


def test_a_long_hired_person_keeps_the_module_order(path, make, db):
    person = make.user(Role.AGENT, team=make.team(), hire_date=local_today() - timedelta(days=7))
    assign([person], path, by=None)  # due 5 and 10 days after hire: the first has passed
    dues = {
        a.module_id: a.due_date
        for a in db.session.query(OnboardingAssignment).filter_by(user_id=person.id)
    }
    assert dues[path[0].id] == local_today() + timedelta(days=5)
    assert dues[path[1].id] == local_today() + timedelta(days=10)


def test_a_removed_item_cannot_be_moved_or_removed_again(path, login_as):
    admin = login_as("admin")
    item = path[0].items[0]
    assert admin.post(f"/onboarding/items/{item.id}/remove").status_code == 303
    assert admin.post(f"/onboarding/items/{item.id}/move", {"dir": "down"}).status_code == 404
    assert admin.post(f"/onboarding/items/{item.id}/remove").status_code == 404


def test_the_supervisor_start_page_counts_their_teams_overdue_modules(
    hire, path, make, login_as, db
):
    assignment = db.session.query(OnboardingAssignment).filter_by(module_id=path[0].id).one()
    assignment.due_date = date.today() - timedelta(days=1)
    db.session.commit()
    outsider = make.user(Role.NEW_HIRE, team=make.team("Khác"))
    assign([outsider], path, by=None)
    db.session.query(OnboardingAssignment).filter_by(user_id=outsider.id).update(
        {"due_date": date.today() - timedelta(days=30)}
    )
    db.session.commit()
    supervisor = login_as(make.user(Role.SUPERVISOR, leads=[hire.team]))
    page = supervisor.get("/").get_data(as_text=True)
    assert "1 người" in page and "1 học phần quá hạn" in page
    assert "3 học phần quá hạn" in login_as("hr").get("/").get_data(as_text=True)
