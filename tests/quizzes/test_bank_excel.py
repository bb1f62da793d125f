"""The question bank as an Excel workbook: round trip, changes, bad and hostile workbooks."""

import io

from openpyxl import Workbook, load_workbook

from quizzes.excel import COLUMNS
from quizzes.models import Question, QuestionVersion
from tests.quizzes.test_bank_authoring import SAMPLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(*rows, header=COLUMNS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _upload(session, stream, name="bank.xlsx"):
    return session.post(
        "/quizzes/bank/import",
        {"workbook": (stream, name)},
        content_type="multipart/form-data",
    )


def _row(key, kind="single", answers=None, category="lang-nghe", **more):
    values = {
        "key": key,
        "category": category,
        "type": kind,
        "prompt": f"Câu {key}?",
        "points": 1,
        "answers": answers if answers is not None else SAMPLES[kind],
        **more,
    }
    return [values.get(c, "") for c in COLUMNS]


def test_export_then_import_changes_nothing_and_edits_make_versions(login_as, write_question, db):
    for kind in SAMPLES:
        write_question(SAMPLES[kind], kind=kind, key=f"q-{kind.replace('_', '-')}")
    author = login_as("supervisor")
    exported = author.get("/quizzes/bank/export.xlsx")
    assert exported.status_code == 200 and exported.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(exported.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and len(rows) == 1 + len(SAMPLES)

    unchanged = _upload(author, io.BytesIO(exported.data))
    assert unchanged.status_code == 200
    assert "0 mới, 0 thay đổi, 7 không đổi" in unchanged.get_data(as_text=True)

    book = load_workbook(io.BytesIO(exported.data))
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "q-single":
            row[5].value = "[x] 40\n[ ] 45\n[ ] 60"  # the key is fixed in Excel
    sheet.append(_row("q-moi", "true_false"))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    changed = _upload(author, buffer)
    assert "1 mới, 1 thay đổi, 6 không đổi" in changed.get_data(as_text=True)
    single = db.session.query(Question).filter_by(key="q-single").one()
    assert single.current_version == 2
    version = db.session.query(QuestionVersion).filter_by(question_id=single.id, version=2).one()
    assert version.change_note == "Excel import" and version.data["choices"][0]["correct"]


def test_a_bad_workbook_is_refused_row_by_row_and_nothing_is_written(login_as, category, db):
    author = login_as("admin")
    response = _upload(
        author,
        _workbook(
            _row("tot"),
            _row("tot"),  # the same key twice
            _row("sai-loai", kind="single", answers="[x] A\n[x] B"),
            _row("danh-muc", category="khong-co"),
            _row("cong-thuc", answers="=1+1"),
            _row("buoc", step="khong-co-buoc"),
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for row in (3, 4, 5, 6, 7):
        assert f"<td>{row}</td>" in text
    assert db.session.query(Question).count() == 0


def test_formula_cells_are_refused_and_text_that_looks_like_one_is_kept(login_as, category, db):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(_row("a"))
    sheet["D2"] = '=HYPERLINK("http://x","bấm")'  # a real formula in the prompt
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    author = login_as("admin")
    refused = _upload(author, buffer)
    assert refused.status_code == 422 and "công thức" in refused.get_data(as_text=True)

    # Typed through the portal, a prompt beginning with "=" is exported as text.
    from quizzes import bank

    bank.create_question(
        bank.QuestionInput(
            key="bang",
            category_id=category.id,
            type="short_answer",
            prompt="=SUM(A1:A3) nghĩa là gì?",
            points=1,
            answers="tổng",
        ),
        author=None,
    )
    exported = author.get("/quizzes/bank/export.xlsx")
    cell = load_workbook(io.BytesIO(exported.data)).active["D2"]
    assert cell.data_type == "s" and cell.value == "=SUM(A1:A3) nghĩa là gì?"


def test_files_that_are_not_workbooks_are_refused(login_as, category, db):
    author = login_as("admin")
    fake = _upload(author, io.BytesIO(b"PK\x03\x04 not really a zip"), "bank.xlsx")
    assert fake.status_code == 422 and "không phải" in fake.get_data(as_text=True).lower()
    wrong_type = _upload(author, io.BytesIO(b"key,category\n"), "bank.csv")
    assert wrong_type.status_code == 422
    wrong_header = _upload(author, _workbook(["x"], header=["cau_hoi", "loai"]))
    assert wrong_header.status_code == 422
    assert db.session.query(Question).count() == 0
