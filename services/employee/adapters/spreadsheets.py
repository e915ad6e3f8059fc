"""CSV and XLSX files for import and export: which format a file is, its rows with the line numbers a person
sees (the header is line 1), and writing rows back. Knows nothing of employees: a header and rows of cells.
"""

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import PurePath
from typing import IO, Any, cast

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from services.employee.domain.exchange import Cell, InvalidFile
from shared.csv_text import CsvError, csv_lines, read_csv_rows
from shared.errors import DomainError, FieldProblem
from shared.spreadsheet_text import starts_formula

XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip archive


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is FileFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_CONTENT_TYPES = {
    "text/csv": FileFormat.CSV,
    "application/csv": FileFormat.CSV,
    "text/plain": FileFormat.CSV,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": FileFormat.XLSX,
}


class UnsupportedFormat(DomainError):
    status, code, title = 415, "unsupported-file-format", "Unsupported file format"


def detect_format(filename: str | None, content_type: str | None, content: bytes) -> FileFormat:
    """The format by the file's name, else its declared content type, else its first bytes."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix:
        if suffix in ("csv", "txt"):
            return FileFormat.CSV
        if suffix == "xlsx":
            return FileFormat.XLSX
        raise UnsupportedFormat(f"a .{suffix} file cannot be imported: save it as CSV (UTF-8) or XLSX")
    declared = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if declared is not None:
        return declared
    return FileFormat.XLSX if content.startswith(XLSX_MAGIC) else FileFormat.CSV


class Sheet:
    """An opened file: its header now, its rows (blank ones left out) when asked: reading them may take a
    while."""

    def __init__(
        self,
        header: list[Cell],
        rows: Iterator[tuple[int, list[Cell]]],
        close: Callable[[], None] | None = None,
    ) -> None:
        self.header = header
        self._rows = rows
        self._close = close

    def rows(self) -> list[tuple[int, list[Cell]]]:
        """Every row with its line number; blocking, so call it in a thread."""
        try:
            return list(self._rows)
        finally:
            if self._close is not None:
                self._close()


def open_sheet(content: bytes, file_format: FileFormat) -> Sheet:
    """Open a file and read its header; an empty, unreadable or wrongly encoded file is refused whole."""
    if not content.strip():
        raise InvalidFile("the file is empty", code="empty-file")
    sheet = _open_xlsx(content) if file_format is FileFormat.XLSX else _open_csv(content)
    if not sheet.header:
        raise InvalidFile("line 1 must name the columns, but it is empty", code="empty-file")
    return sheet


def _open_csv(content: bytes) -> Sheet:
    if content.startswith(XLSX_MAGIC) or b"\x00" in content[:4096]:
        raise InvalidFile("this is binary content, not CSV text", code="invalid-file")
    try:
        # Parsed whole now (fast, unlike XLSX) so that a structural error refuses the file before any job.
        parsed = cast(list[tuple[int, list[Cell]]], list(read_csv_rows(content)))  # str is a Cell
    except CsvError as error:
        if error.encoding:
            raise InvalidFile(
                f"the file is not UTF-8 text ({error.message}); save it as CSV UTF-8",
                code="file-encoding",
                errors=[FieldProblem(line=error.line, message="not UTF-8")],
            ) from None
        raise InvalidFile(
            f"line {error.line} is not valid CSV: {error.message}",
            code="invalid-file",
            errors=[FieldProblem(line=error.line, message=error.message)],
        ) from None
    rows = iter(parsed)
    line, header = next(rows, (1, []))
    return Sheet(header if line == 1 else [], rows)


def _open_xlsx(content: bytes) -> Sheet:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidFile("this is not a readable XLSX workbook", code="invalid-file") from None
    # The first sheet, whichever one the workbook was saved showing: what an export writes and what a
    # person preparing a file expects.
    values = workbook.worksheets[0].iter_rows(values_only=True)
    rows = ((line, _trimmed(cells)) for line, cells in enumerate(values, start=1))
    header = next(rows, (1, []))[1]
    width = len(header)
    padded = ((line, cells + [None] * (width - len(cells))) for line, cells in rows if cells)
    return Sheet(header, padded, close=workbook.close)


def _trimmed(cells: Sequence[Any]) -> list[Cell]:
    """A spreadsheet row without its trailing empty cells (rows often run on past the last column)."""
    end = len(cells)
    while end and cells[end - 1] in (None, ""):
        end -= 1
    return list(cells[:end])


def csv_header(header: Sequence[str]) -> bytes:
    """Line 1 of a CSV file (UTF-8, comma-separated); `csv_rows` gives the lines after it, batch by batch."""
    return _csv([header])


def csv_rows(rows: Iterable[Sequence[Cell]], date_format: str) -> bytes:
    return _csv([_text(cell, date_format) for cell in row] for row in rows)


def _csv(rows: Iterable[Sequence[Any]]) -> bytes:
    return csv_lines(rows).encode()


def _text(cell: Cell, date_format: str) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.strftime(date_format)
    return cell


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], date_format: str, target: IO[bytes]
) -> None:
    """An XLSX workbook with one sheet; dates are real date cells shown in `date_format`, text is always
    text. Blocking."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("employees")
    sheet.append(list(header))
    number_format = date_format.replace("%Y", "yyyy").replace("%m", "mm").replace("%d", "dd")
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell, number_format) for cell in row])
    workbook.save(target)


def _xlsx_cell(sheet: Any, cell: Cell, number_format: str) -> Any:
    if isinstance(cell, date) and not isinstance(cell, datetime):
        dated = WriteOnlyCell(sheet, value=cell)
        dated.number_format = number_format
        return dated
    if isinstance(cell, str):
        # openpyxl makes text beginning with "=" a formula, and "#N/A" an error: text stays text, and text a
        # spreadsheet would read as a formula is marked as typed with an apostrophe, so editing the cell
        # keeps it text. The value is the text itself: an import reads it back unchanged.
        text = WriteOnlyCell(sheet, value=cell)
        text.data_type = "s"
        if starts_formula(cell):
            text.quotePrefix = True
        return text
    return cell
