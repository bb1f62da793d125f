"""Admins read the log of API calls: newest first, by token, a page at a time, and
as CSV that a spreadsheet opens without running anything in it."""

import csv
import io
from datetime import UTC, datetime, timedelta

from portal.core.roles import Role
from portal.integrations import tokens
from portal.integrations.models import SCOPES, ApiCall

PAGE = "/admin/integrations/calls"


def _log(db, token, n, *, start, path="/api/v1/reviews", status=200):
    for i in range(n):
        db.session.add(
            ApiCall(
                token_id=token.id if token else None,
                token_name=token.name if token else "",
                method="GET",
                path=f"{path}?n={i}",
                status=status,
                duration_ms=10 + i,
                at=start + timedelta(minutes=i),
            )
        )
    db.session.commit()


def test_the_log_shows_real_calls_newest_first_and_is_linked_from_the_tokens(login_as, db, client):
    issued = tokens.issue("Tổng đài", SCOPES)
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    client.get("/api/v1/reviews", headers=bearer)
    client.post("/api/v1/outcomes", json={"records": []}, headers=bearer)
    client.get("/api/v1/reviews", headers={"Authorization": "Bearer wrong"})

    admin = login_as(Role.ADMIN)
    assert 'href="/admin/integrations/calls"' in admin.get("/admin/integrations/").get_data(
        as_text=True
    )
    page = admin.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 lượt gọi, mới nhất trước." in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 3
    assert "401" in rows[0] and "Tổng đài" not in rows[0]  # newest first, no token
    assert "POST" in rows[1] and "/api/v1/outcomes" in rows[1] and "422" in rows[1]
    assert "Tổng đài" in rows[2] and "200" in rows[2]


def test_filtered_by_token_and_paged(login_as, db):
    crm = tokens.issue("CRM", SCOPES).token
    pbx = tokens.issue("Tổng đài", SCOPES).token
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    _log(db, crm, 60, start=start, path="/api/v1/crm")
    _log(db, pbx, 5, start=start, path="/api/v1/pbx")

    admin = login_as(Role.ADMIN)
    mine = admin.get(f"{PAGE}?token={pbx.id}").get_data(as_text=True)
    assert mine.count("/api/v1/pbx") == 5 and "/api/v1/crm" not in mine

    first = admin.get(f"{PAGE}?token={crm.id}").get_data(as_text=True)
    assert first.count("/api/v1/crm?n=") == 50
    assert "/api/v1/crm?n=59" in first and "/api/v1/crm?n=9<" not in first  # newest first
    assert f"token={crm.id}" in first and "page=2" in first  # the pager keeps the filter
    second = admin.get(f"{PAGE}?token={crm.id}&page=2").get_data(as_text=True)
    assert second.count("/api/v1/crm?n=") == 10 and "/api/v1/crm?n=0<" in second


def test_the_csv_has_every_call_of_the_token_with_formulas_kept_as_text(login_as, db):
    sly = tokens.issue('=HYPERLINK("http://x")', SCOPES).token
    other = tokens.issue("CRM", SCOPES).token
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    _log(db, sly, 3, start=start, status=403)
    _log(db, other, 2, start=start)

    admin = login_as(Role.ADMIN)
    answer = admin.get(f"/admin/integrations/calls.csv?token={sly.id}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 + 3
    assert rows[1][0] == "2026-11-20 08:02:00"  # the newest, in Vietnam's time
    assert rows[1][1] == '\'=HYPERLINK("http://x")'  # text, not a formula
    assert rows[1][2:] == ["GET", "/api/v1/reviews?n=2", "403", "12"]

    everything = admin.get("/admin/integrations/calls.csv").get_data(as_text=True)
    assert len(everything.strip().splitlines()) == 1 + 5


def test_only_admins_read_the_log(login_as, db):
    for role in (Role.AGENT, Role.SUPERVISOR, Role.HR):
        person = login_as(role)
        assert person.get(PAGE).status_code == 403
        assert person.get("/admin/integrations/calls.csv").status_code == 403
