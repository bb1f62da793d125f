"""Crafted workbooks (a sheet that unpacks to far more than the file) are refused
before anything parses them, quickly and with a reason, and never stored."""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from portal.core.storage import storage
from portal.core.workbooks import MAX_UNPACKED_BYTES, WorkbookError, check_workbook, read_rows


def _bomb(*, unpacked: int = MAX_UNPACKED_BYTES + 8 * 1024 * 1024) -> bytes:
    """A real one-sheet workbook whose sheet part is padded with blanks to `unpacked`
    bytes: a few hundred KB on the wire."""
    book = Workbook()
    book.active.append(["name", "email", "role", "team", "hire date"])
    plain = io.BytesIO()
    book.save(plain)
    crafted = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for part in source.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                out.writestr(part, source.read(part))
                continue
            with out.open(part.filename, "w") as sheet:
                sheet.write(source.read(part))
                chunk = b" " * (1024 * 1024)
                for _ in range(unpacked // len(chunk)):
                    sheet.write(chunk)
    return crafted.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb()


def test_the_check_refuses_a_bomb_in_well_under_a_second(bomb):
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire
    started = time.perf_counter()
    with pytest.raises(WorkbookError, match="giải nén"):
        check_workbook(io.BytesIO(bomb))
    assert time.perf_counter() - started < 1.0


def test_every_import_reader_refuses_it(bomb):
    with pytest.raises(WorkbookError):
        read_rows(io.BytesIO(bomb), ["name"], max_rows=10)


def test_a_plain_workbook_passes_the_check():
    book = Workbook()
    book.active.append(["a", "b"])
    plain = io.BytesIO()
    book.save(plain)
    plain.seek(0)
    check_workbook(plain)
    assert plain.tell() == 0  # the stream is left where it was, for the parser


def test_the_roster_upload_refuses_a_bomb_and_stores_nothing(app, bomb, login_as):
    admin = login_as("admin")
    before = set(storage().keys("uploads"))
    started = time.perf_counter()
    refused = admin.post(
        "/admin/roster",
        {"workbook": (io.BytesIO(bomb), "nhan-su.xlsx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert time.perf_counter() - started < 2.0
    assert "Excel" in refused.get_data(as_text=True)
    assert set(storage().keys("uploads")) == before


def test_the_outcome_upload_refuses_a_bomb_and_stores_nothing(bomb, login_as, db):
    from portal.core.jobs import Job

    hr = login_as("hr")
    before = set(storage().keys("uploads"))
    started = time.perf_counter()
    refused = hr.post(
        "/kpi/outcomes/import",
        {"file": (io.BytesIO(bomb), "crm.xlsx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422  # at once: no job, no page to wait on
    assert time.perf_counter() - started < 2.0
    assert "giải nén" in refused.get_data(as_text=True)
    assert set(storage().keys("uploads")) == before
    assert db.session.query(Job).count() == 0


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/kpi/outcomes/import", "file"),
        ("/quizzes/bank/import", "workbook"),
        ("/scripts/import", "workbook"),
    ],
)
def test_the_other_imports_answer_422_quickly(url, field, bomb, login_as):
    admin = login_as("admin")
    started = time.perf_counter()
    refused = admin.post(
        url, {field: (io.BytesIO(bomb), "x.xlsx")}, content_type="multipart/form-data"
    )
    assert refused.status_code == 422, url
    assert time.perf_counter() - started < 2.0
