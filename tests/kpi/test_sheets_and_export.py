"""Outcome imports, who sees which sheet, and the HR workbook re-opened."""

import io
import zipfile

from openpyxl import load_workbook

from portal.core.models import local_today, utcnow
from portal.core.roles import Role
from portal.kpi.export import sheet_names
from portal.kpi.models import OutcomeImport, OutcomeRecord

HEADER = "agent_email,date,record_id,nps,csat,first_response_seconds,handling_seconds,complaint,recontact_7d,returned\n"


def _upload(session, body: bytes, name="crm.csv"):
    """Send the file and open the page the import leads to (in tests the job runs
    within the request that starts it)."""
    posted = session.post(
        "/kpi/outcomes/import",
        {"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 303 and "/kpi/outcomes/import/" in posted.location
    return session.get(posted.location)


def test_an_outcome_file_is_checked_row_by_row_and_writes_nothing_when_bad(login_as, make, db):
    agent = make.user(Role.AGENT, email="lan@demo.local")
    hr = login_as("hr")
    bad = (
        HEADER
        + "lan@demo.local,2026-11-10,,11,5,30,300,no,no,no\n"  # NPS out of range
        + "ai@khong.co,2026-11-10,,9,5,30,300,no,no,no\n"  # unknown agent
        + "lan@demo.local,10 tháng 11,,9,5,30,300,no,no,no\n"  # bad date
        + "lan@demo.local,2026-11-10,,9,6,-3,=1+1,maybe,no,no\n"  # csat, seconds, flags
    )
    response = _upload(hr, bad.encode())
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for row in (2, 3, 4, 5):
        assert f"<td>{row}</td>" in text
    assert "từ 0 đến 10" in text and "lan@demo.local" not in text.split("ai@khong.co")[0][-20:]
    assert db.session.query(OutcomeRecord).count() == 0 and agent


def test_importing_the_same_file_twice_does_not_double_count(login_as, make, db):
    make.user(Role.AGENT, email="lan@demo.local")
    hr = login_as("hr")
    good = (
        HEADER
        + "lan@demo.local,2026-11-10,,10,5,30,300,no,no,no\n"
        + "lan@demo.local,2026-11-10,,10,5,30,300,no,no,no\n"  # a second identical answer counts
        + "LAN@demo.local,11/11/2026,CRM-77,3,2,90,600,yes,yes,no\n"
    ).encode("utf-8-sig")
    first = _upload(hr, good)
    assert first.status_code == 200 and "3 bản ghi mới" in first.get_data(as_text=True)
    again = _upload(hr, good)
    assert again.status_code == 200
    assert "0 bản ghi mới, 3 bản ghi đã có" in again.get_data(as_text=True)
    assert db.session.query(OutcomeRecord).count() == 3
    assert db.session.query(OutcomeImport).count() == 2


def test_who_sees_which_kpi_sheet(login_as, make, db):
    team, other = make.team("Nhóm A"), make.team("Nhóm B")
    mine = make.user(Role.AGENT, team=team, name="Nguyễn Thị Lan")
    theirs = make.user(Role.AGENT, team=other, name="Đỗ Văn Hùng")
    me = login_as(mine)
    assert me.get(f"/kpi/agents/{mine.id}").status_code == 200
    assert me.get(f"/kpi/agents/{theirs.id}").status_code == 404
    assert me.get("/kpi/team").status_code == 403
    lead = login_as(make.user(Role.SUPERVISOR, leads=[team]))
    table = lead.get("/kpi/team").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in table and "Đỗ Văn Hùng" not in table
    assert lead.get(f"/kpi/agents/{theirs.id}").status_code == 404
    everyone = login_as("hr").get("/kpi/team").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in everyone and "Đỗ Văn Hùng" in everyone
    # The team filter swaps the whole <main> (table, export button, CSV link and
    # period picker together), so an htmx request gets the page.
    filtered = lead.get(
        f"/kpi/team?team={team.id}&sort=csat&dir=desc", headers={"HX-Request": "true"}
    )
    text = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and f'name="team" value="{team.id}"' in text
    assert f"team={team.id}" in text.split("kpi/team.csv")[1][:200]


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(
        [
            "Nguyễn Thị Lan",
            "Nguyễn Thị Lan",
            "a/b:c*d?[e]",
            "'quoted'",
            "x" * 40,
            "Tổng hợp",
            "***",
            "y" * 30 + "'z",
            "history",
        ],
        reserved=["Tổng hợp"],
    )
    assert names[6] == "Sheet" and not names[7].endswith("'") and names[8] == "history (2)"
    assert names[0] == "Nguyễn Thị Lan" and names[1] == "Nguyễn Thị Lan (2)"
    assert names[2] == "a b c d  e" and names[3] == "quoted"
    assert len(names[4]) == 31 and names[5] == "Tổng hợp (2)"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)


def test_the_hr_workbook(login_as, make, db):
    team = make.team("Nhóm =Hậu mãi")
    hostile = make.user(
        Role.AGENT, team=team, name='=HYPERLINK("http://x","bấm")', email="a@demo.local"
    )
    twin_a = make.user(Role.AGENT, team=team, name="Nguyễn Thị Lan", email="lan1@demo.local")
    make.user(Role.AGENT, team=team, name="Nguyễn Thị Lan", email="lan2@demo.local")
    for agent, csat, seconds in ((hostile, 5, 90), (twin_a, 2, 150)):
        db.session.add(
            OutcomeRecord(
                record_key=f"k{agent.id}",
                agent_id=agent.id,
                occurred_on=local_today(),
                csat=csat,
                first_response_seconds=seconds,
                nps=10,
            )
        )
    db.session.commit()
    hr = login_as("hr")
    started = hr.post("/kpi/export", {"period": "month", "ref": local_today().isoformat()})
    assert started.status_code == 303
    job_page = hr.get(started.location)
    assert "Tải tệp Excel" in job_page.get_data(as_text=True)
    download = hr.get(started.location + "/download")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames[0] == "Tóm tắt" and book.sheetnames[-1] == "Định nghĩa"
    assert "Nguyễn Thị Lan" in book.sheetnames and "Nguyễn Thị Lan (2)" in book.sheetnames
    summary = book["Tóm tắt"]
    header = [c.value for c in summary[1]]
    assert header[:4] == ["Nhân viên CSKH", "Email", "Nhóm", "Kỳ"] and "CSAT" in header
    assert summary.freeze_panes == "B2" and summary.auto_filter.ref.startswith("A1:")
    rows = {r[1].value: r for r in summary.iter_rows(min_row=2)}
    injected = rows["a@demo.local"]
    assert injected[0].data_type == "s" and injected[0].value.startswith("=HYPERLINK")
    assert injected[2].value == "Nhóm =Hậu mãi" and injected[2].data_type == "s"
    csat = injected[header.index("CSAT")]
    assert csat.value == 1.0 and csat.number_format == "0.0%"
    frt = rows["lan1@demo.local"][header.index("Phản hồi đầu tiên, trung vị")]
    # A duration Excel shows as 02:30 (openpyxl reads it back as one).
    assert round(frt.value.total_seconds()) == 150 and frt.number_format == "[mm]:ss"
    assert summary.conditional_formatting  # status colours
    assert "Tỉ lệ câu trả lời mức hài lòng" in str([c.value for c in book["Định nghĩa"]["B"]])
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # one trend chart per agent sheet
    # Someone else cannot download it.
    assert login_as("admin").get(started.location + "/download").status_code == 404


def test_the_summary_csv_is_safe_for_spreadsheets(login_as, make, db):
    make.user(Role.AGENT, name="+84 Lan", email="x@demo.local")
    body = login_as("admin").get("/kpi/team.csv").get_data(as_text=True)
    assert body.startswith("\ufeffagent,email,team") and "'+84 Lan" in body


def test_outcome_dates_in_the_forms_exports_produce(app, make, db):
    from datetime import date

    from portal.kpi.outcomes import read_outcomes

    make.user(Role.AGENT, email="lan@demo.local")
    body = (
        b"agent_email,date\n"
        b"lan@demo.local,2026-11-10 09:30:00.500000\n"  # an Excel date-time
        b"lan@demo.local,2026-11-10T20:00:00Z\n"  # UTC evening: already the 11th in Vietnam
        b"lan@demo.local,10/11/2026\n"
    )
    parsed = read_outcomes(io.BytesIO(body))
    assert not parsed.errors
    assert [r["occurred_on"] for r in parsed.records] == [
        date(2026, 11, 10),
        date(2026, 11, 11),
        date(2026, 11, 10),
    ]


def test_a_stalled_export_fails_instead_of_running_forever(login_as, make, db):
    from datetime import timedelta

    from portal.core.jobs import Job

    hr = login_as("hr")
    for n in range(2):
        db.session.add(
            Job(
                token=f"{n}" * 32,
                kind="hr_export",
                requested_by_id=hr.user.id,
                state="running",
                attempts=3,  # its last attempt: failed rather than run again
                created_at=utcnow() - timedelta(days=30),
                params={},
            )
        )
    db.session.commit()
    assert "Không tạo được tệp" in hr.get("/kpi/exports/" + "0" * 32).get_data(as_text=True)
    started = hr.post("/kpi/export", {"period": "month", "ref": local_today().isoformat()})
    assert started.status_code == 303 and "/kpi/exports/" in started.location


def test_odd_kpi_parameters_are_answered_not_crashed(login_as, make, db):
    agent = make.user(Role.AGENT)
    hr = login_as("hr")
    for url in (
        "/kpi/team?period=custom&start=0001-01-01&end=0001-01-05",
        "/kpi/team?period=custom&start=9999-12-01&end=9999-12-31",
        f"/kpi/agents/{agent.id}?period=custom&start=0001-03-01&end=0001-03-05",
        "/kpi/team?endpoint=x&_method=POST",
        "/kpi/?endpoint=x",
    ):
        assert hr.get(url).status_code in (200, 302), url
    assert hr.post("/kpi/export", {"period": "month", "team": "9" * 25}).status_code == 303
