"""Roster import: every bad row reported by number and reason; all or nothing; preview
first. The check and the import are background jobs (run at once in tests), so an
upload or a confirm redirects to the job's page, which shows what the job found."""

import io
from datetime import date, datetime

from openpyxl import Workbook

from portal.accounts.models import Team, User
from portal.core.jobs import Job
from portal.core.roles import Role

HEADER = ["Họ tên", "Email", "Vai trò", "Nhóm", "Ngày vào làm"]


def workbook(*rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(admin, content: bytes, name="roster.xlsx"):
    return admin.post(
        "/admin/roster",
        {"workbook": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def confirm(admin, check_url: str):
    """Press "Import": the import job starts (and, in tests, runs); its page."""
    started = admin.post(check_url)
    assert started.status_code == 303, started.get_data(as_text=True)[-2000:]
    assert "/admin/roster/imports/" in started.location
    return admin.get(started.location)


def test_valid_roster_previews_then_commits(login_as, db, make):
    make.team("Nhóm Hậu mãi")
    existing = make.user(Role.AGENT, email="cu@example.vn", name="Tên Cũ")
    admin = login_as("admin")
    response = upload(
        admin,
        workbook(
            ("Lê Văn Tâm", "tam@example.vn", "nhân viên mới", "Nhóm Tư vấn", datetime(2026, 11, 2)),
            ("Phan Thị Mai", "MAI@example.vn", "agent", "Nhóm Hậu mãi", "15/10/2026"),
            ("Tên Mới", "cu@example.vn", "Agent", "Nhóm Hậu mãi", "2025-01-05"),
        ),
    )
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    page = admin.get(preview_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Lê Văn Tâm" in text and "Nhóm Tư vấn" in text
    # Nothing is written by the preview.
    assert db.session.query(User).filter_by(email="tam@example.vn").count() == 0
    done = confirm(admin, preview_url)
    assert done.status_code == 200
    tam = db.session.query(User).filter_by(email="tam@example.vn").one()
    assert (
        tam.role == Role.NEW_HIRE
        and tam.hire_date == date(2026, 11, 2)
        and tam.team.name == "Nhóm Tư vấn"
    )
    assert db.session.query(User).filter_by(email="mai@example.vn").one().hire_date == date(
        2026, 10, 15
    )
    db.session.refresh(existing)
    assert existing.name == "Tên Mới"
    # New accounts get a one-time password, shown once.
    assert done.get_data(as_text=True).count("<code>") == 2


def test_every_bad_row_is_reported_and_nothing_is_written(login_as, db):
    admin = login_as("admin")
    before = db.session.query(User).count()
    response = upload(
        admin,
        workbook(
            ("Đúng", "ok@example.vn", "agent", "A", "2026-01-01"),
            ("", "noname@example.vn", "agent", "A", "2026-01-01"),
            ("Sai vai trò", "role@example.vn", "overlord", "A", "2026-01-01"),
            ("Trùng", "ok@example.vn", "agent", "A", "2026-01-01"),
            ("Ngày sai", "date@example.vn", "agent", "A", "31/02/2026"),
            ("Công thức", '=HYPERLINK("http://x")', "agent", "A", "2026-01-01"),
            ("Không nhóm", "team@example.vn", "agent", None, "2026-01-01"),
        ),
    )
    page = admin.get(response.headers["Location"])
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    for row in (3, 4, 5, 6, 7, 8):
        assert f"<td>{row}</td>" in text
    assert "overlord" in text and "31/02/2026" in text
    # Even a confirm posted by hand is refused, and starts no import.
    assert admin.post(response.headers["Location"]).status_code == 422
    assert db.session.query(Job).filter_by(kind="roster_import").count() == 0
    assert db.session.query(User).count() == before
    assert db.session.query(Team).count() == 0


def test_formula_cells_and_markup_are_refused(login_as, db):
    admin = login_as("admin")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["=1+1", "f@example.vn", "agent", "A", "2026-01-01"])
    sheet.append(["<b>Bold</b>", "b@example.vn", "agent", "A", "2026-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = admin.get(upload(admin, buffer.getvalue()).headers["Location"])
    assert page.status_code == 422
    assert "<b>Bold</b>" not in page.get_data(as_text=True)
    assert (
        db.session.query(User).filter(User.email.in_(["f@example.vn", "b@example.vn"])).count() == 0
    )


def test_wrong_file_types_are_refused_clearly(login_as):
    admin = login_as("admin")
    response = upload(admin, b"name,email\nA,a@example.vn\n", name="roster.csv")
    assert response.status_code == 422
    # A file named .xlsx that is not a workbook: refused at once, never stored.
    response = upload(admin, b"<html>not excel</html>", name="roster.xlsx")
    assert response.status_code == 422
    assert "xlsx" in response.get_data(as_text=True)


def test_missing_columns_are_named(login_as):
    admin = login_as("admin")
    response = upload(admin, workbook(("A", "a@example.vn"), header=["Name", "Email"]))
    page = admin.get(response.headers["Location"])
    assert page.status_code == 422
    assert "role" in page.get_data(as_text=True)


def test_huge_upload_is_refused(app, login_as):
    admin = login_as("admin")
    too_big = b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert upload(admin, too_big).status_code == 413


def test_updates_keep_what_empty_cells_leave_out_and_show_changes(login_as, db, make):
    team = make.team("Nhóm Cũ")
    agent = make.user(
        Role.AGENT, team=team, email="an@example.vn", name="Lê An", hire_date=date(2020, 1, 1)
    )
    admin = login_as("admin")
    response = upload(admin, workbook(("Lê An", "an@example.vn", "new hire", None, None)))
    page = admin.get(response.headers["Location"])
    assert page.status_code == 200
    assert "→" in page.get_data(as_text=True)  # the role change is shown before committing
    assert "Đã tạo 0 tài khoản, cập nhật 1 tài khoản" in confirm(admin, response.location).get_data(
        as_text=True
    )
    db.session.refresh(agent)
    assert agent.role == Role.NEW_HIRE
    assert agent.hire_date == date(2020, 1, 1) and agent.team_id == team.id


def test_import_cannot_change_an_admins_role(login_as, db):
    admin = login_as("admin")
    me = admin.user
    response = upload(admin, workbook(("Tôi", me.email, "agent", "A", "2026-01-01")))
    page = admin.get(response.headers["Location"])
    assert page.status_code == 422
    assert admin.post(response.headers["Location"]).status_code == 422  # a hand-made confirm too
    db.session.refresh(me)
    assert me.role == Role.ADMIN


def test_a_supervisor_changed_to_agent_stops_leading(login_as, db, make):
    team = make.team("Nhóm A")
    supervisor = make.user(Role.SUPERVISOR, leads=[team], email="gs@example.vn")
    admin = login_as("admin")
    response = upload(
        admin, workbook(("Giám Sát", "gs@example.vn", "agent", "Nhóm A", "2026-01-01"))
    )
    assert confirm(admin, response.location).status_code == 200
    db.session.refresh(supervisor)
    assert supervisor.role == Role.AGENT and supervisor.led_teams == []
