"""Excel export and import of the library: round trip, bad workbooks, hostile cells."""

import io

from openpyxl import Workbook, load_workbook

from scripts_library.excel import COLUMNS
from scripts_library.models import CallScript, ScriptVersion
from scripts_library.pack import load_scripts_pack


def _upload(session, content: bytes, name="kich-ban.xlsx"):
    return session.post(
        "/scripts/import",
        {"workbook": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _export(session) -> bytes:
    response = session.get("/scripts/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def test_export_then_import_gives_the_same_library(content, db, login_as):
    load_scripts_pack()  # the built-in 27 scripts
    admin = login_as("admin")
    before = {
        s.slug: {k: getattr(s, k) for k in ("title", "blocks", "placeholders", "segments")}
        for s in db.session.query(CallScript)
    }
    exported = _export(admin)
    sheet = load_workbook(io.BytesIO(exported)).active
    assert [c.value for c in sheet[1]] == COLUMNS
    # Wipe the library, import the file: every script comes back identical.
    db.session.query(ScriptVersion).delete()
    db.session.query(CallScript).delete()
    db.session.commit()
    response = _upload(admin, exported)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    after = {
        s.slug: {k: getattr(s, k) for k in ("title", "blocks", "placeholders", "segments")}
        for s in db.session.query(CallScript)
    }
    assert after == before
    # Importing the same file again changes nothing.
    assert "0 mới, 0 thay đổi, 27 không đổi" in _upload(admin, exported).get_data(as_text=True)


def test_text_that_looks_like_a_formula_stays_text(scripts, db, login_as):
    script = scripts["cam-on-sau-dich-vu"]
    script.blocks = [
        *script.blocks,
        {"key": "cong-thuc", "kind": "note", "text": '=HYPERLINK("http://x")', "choices": []},
    ]
    db.session.commit()
    admin = login_as("admin")
    sheet = load_workbook(io.BytesIO(_export(admin))).active
    cells = [row[11] for row in sheet.iter_rows(min_row=2) if row[9].value == "cong-thuc"]
    assert cells[0].data_type == "s" and cells[0].value.startswith("=HYPERLINK")


def _workbook(*rows, header=COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_bad_workbooks_are_refused_with_reasons_and_nothing_written(scripts, db, login_as):
    admin = login_as("admin")
    versions = db.session.query(ScriptVersion).count()
    good = [
        "moi",
        "Kịch bản mới",
        "",
        "xu-ly-khieu-nai-nhanh",
        "phone",
        "greeting",
        "",
        "",
        "",
        "a",
        "agent",
        "Dạ em chào.",
        "",
    ]
    cases = [
        (_workbook(good, header=["slug", "title"]), "slug, title, purpose"),
        (_workbook(good, [*good[:9], "b", "agent", "Sang {ten_la}", ""]), "{ten_la}"),
        (_workbook(good, ["", *good[1:]]), "slug"),
        (_workbook([*good[:9], "a", "agent", "Chào", "sai cú pháp"]), "-&gt;"),
        (_workbook([*good[:9], "a", "agent", "Chào", "Đi -> khong-co"]), "khong-co"),
        (_workbook([*good[:4], "fax", *good[5:]]), "fax"),
        (b"PK\x03\x04 not really a zip", "xlsx"),
    ]
    for content, message in cases:
        response = _upload(admin, content)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True), message
    assert db.session.query(ScriptVersion).count() == versions
    assert db.session.query(CallScript).filter_by(slug="moi").count() == 0
    # Empty rows are skipped, a formula cell is reported by its row.
    formula = _workbook(good, [None] * 13, [*good[:11], "=1+1", ""])
    response = _upload(admin, formula)
    assert response.status_code == 422 and "<td>4</td>" in response.get_data(as_text=True)
    assert _upload(admin, b"x" * (21 * 1024 * 1024)).status_code == 413
    assert _upload(admin, b"slug,title", name="kich-ban.csv").status_code == 422


def test_only_approvers_import(scripts, login_as, make):
    from portal.core.roles import Role

    assert login_as("supervisor").get("/scripts/import").status_code == 403
    assert login_as("agent").get("/scripts/export.xlsx").status_code == 403
    granted = make.user(Role.SUPERVISOR)
    granted.can_approve_scripts = True
    assert login_as(granted).get("/scripts/import").status_code == 200
