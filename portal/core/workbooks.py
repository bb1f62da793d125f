"""Reading and writing the portal's plain one-sheet Excel workbooks.

Every text cell is written as text, never as a formula (a line such as
"=..." or "+84..." stays what it is), and a formula found on import is
refused with its row number rather than evaluated or stored.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.core.text import clean

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A real export of a few thousand rows unpacks to a few MB; a crafted file (a
# "zip bomb") declares gigabytes in a few MB and would hold a worker for minutes.
# A workbook is a zip whose directory says what each part unpacks to, and
# zipfile never inflates a part beyond its declared size (a lie fails its CRC),
# so the directory is checked before anything is parsed.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100  # unpacked : packed, for parts over 1 MB (real sheets stay near 10)
MAX_COLUMNS = 64  # columns read per row; anything to the right is never looked at


class WorkbookError(Exception):
    """The file as a whole cannot be read."""


def sheet_kind(stream) -> str:
    """'xlsx' or 'csv' for an uploaded sheet, told by its bytes (never its name);
    WorkbookError with a sentence for an empty file, a crafted workbook, or a file
    that is neither. The stream is left at its start."""
    head = stream.read(4)
    stream.seek(0)
    if not head:
        raise WorkbookError(str(_l("The file is empty.")))
    if head == b"PK\x03\x04":
        check_workbook(stream)
        return "xlsx"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(256 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise WorkbookError(
            str(_l("The file must be an Excel workbook or a UTF-8 CSV file."))
        ) from exc
    finally:
        stream.seek(0)
    return "csv"


def check_workbook(stream) -> None:
    """Refuse, before parsing, a file that is not a zip or unpacks to too much."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError(str(_l("This file is not a readable Excel workbook (.xlsx)."))) from exc
    finally:
        stream.seek(start)
    total = sum(part.file_size for part in parts)
    packed_too_tight = any(
        part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1)
        for part in parts
    )
    if total > MAX_UNPACKED_BYTES or packed_too_tight:
        raise WorkbookError(
            str(
                _l(
                    "This workbook unpacks to far more than its size (%(mb)d MB): it was "
                    "not read. Save the sheet again from Excel, or send it as CSV.",
                    mb=total // (1024 * 1024),
                )
            )
        )


def text_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def write_table(title: str, columns: list[str], rows, *, freeze: str = "A2") -> bytes:
    """One sheet: a bold frozen header and the rows (write-only: flat memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = freeze
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([text_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_table(
    stream, columns: list[str], *, max_rows: int, optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict | str]]:
    """(row number, {column: cleaned text}) for each non-empty row of the first
    sheet, or (row number, message) for a row holding a formula.

    Raises WorkbookError for a file that is not a workbook, a wrong header
    or too many rows; reading stops there, so callers write nothing.
    """
    check_workbook(stream)
    try:
        book = load_workbook(stream, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several types for a non-workbook
        raise WorkbookError(str(_l("This file is not a readable Excel workbook (.xlsx)."))) from exc
    try:
        rows = book.worksheets[0].iter_rows(max_col=MAX_COLUMNS)
        header = [clean(str(c.value or "")).lower() for c in next(rows, [])]
        if header[: len(columns)] != columns:
            raise WorkbookError(
                str(_l("The first row must be exactly: %(cols)s.", cols=", ".join(columns)))
            )
        # Optional columns may follow, by name; anything else is ignored.
        names = columns + [h if h in optional else "" for h in header[len(columns) :]]
        for number, cells in enumerate(rows, start=2):
            if number > max_rows:
                raise WorkbookError(str(_l("A workbook may hold at most %(n)d rows.", n=max_rows)))
            if any(c.data_type == "f" for c in cells):
                yield number, str(_l("A cell holds a formula; type the text instead."))
                continue
            values = {
                name: clean(str(c.value), multiline=True) if c.value is not None else ""
                for name, c in zip(names, cells, strict=False)
                if name
            }
            if any(values.values()):  # empty rows are skipped
                yield number, values
    finally:
        book.close()


def read_rows(
    stream, columns: list[str], *, max_rows: int, optional: tuple[str, ...] = ()
) -> list[tuple[int, dict | str]]:
    """Rows of an .xlsx workbook or a UTF-8 .csv file, told apart by their first
    bytes (never by the file's name), in the shape `read_table` gives."""
    head = stream.read(4)
    stream.seek(0)
    if head == b"PK\x03\x04":
        return list(read_table(stream, columns, max_rows=max_rows, optional=optional))
    try:
        # The whole file: the request's size limit already bounds it.
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorkbookError(
            str(_l("The file must be an Excel workbook or a UTF-8 CSV file."))
        ) from exc
    try:
        return _csv_rows(text, columns, max_rows=max_rows, optional=optional)
    except csv.Error as exc:
        raise WorkbookError(
            str(_l("The CSV file cannot be read: %(why)s.", why=str(exc)[:200]))
        ) from exc


def _csv_rows(text: str, columns, *, max_rows: int, optional) -> list[tuple[int, dict]]:
    csv.field_size_limit(10_000_000)  # a long transcript is one legitimate cell
    reader = csv.reader(io.StringIO(text))
    header = [clean(h).lower() for h in next(reader, [])]
    if header[: len(columns)] != columns:
        raise WorkbookError(
            str(_l("The first row must be exactly: %(cols)s.", cols=", ".join(columns)))
        )
    names = columns + [h if h in optional else "" for h in header[len(columns) :]]
    rows = []
    for number, cells in enumerate(reader, start=2):
        if number > max_rows:
            raise WorkbookError(str(_l("A workbook may hold at most %(n)d rows.", n=max_rows)))
        values = {n: clean(c, multiline=True) for n, c in zip(names, cells, strict=False) if n}
        if any(values.values()):
            rows.append((number, values))
    return rows
