"""CSV and XLSX files for import and export: which format a file is, its rows with the line numbers a person
sees (the header is line 1), and writing rows back. Knows nothing of employees: a header and rows of cells.
"""

import asyncio
import io
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import PurePath
from typing import IO, Any, cast

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import WorkSheetParser

from services.employee.domain.exchange import Cell, ImportLimits, InvalidFile, OverLimits
from shared.csv_text import CsvError, csv_lines, read_csv_rows
from shared.errors import DomainError, FieldProblem
from shared.spreadsheet_text import starts_formula

XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip archive
# How many times its size a workbook may unpack to: sheets of text compress about tenfold.
UNZIPPED_RATIO = 20


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
    while, and stops when `stop` is set (its job was cancelled)."""

    def __init__(
        self,
        header: list[Cell],
        rows: Iterator[tuple[int, list[Cell]]],
        close: Callable[[], None] | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> None:
        self.header = header
        self._rows = rows
        self._close = close
        self.stop = stop or threading.Event()

    def rows(self) -> list[tuple[int, list[Cell]]]:
        """Every row with its line number; blocking, so call it in a thread (or `read_rows`)."""
        try:
            read = []
            for row in self._rows:
                if self.stop.is_set():
                    raise ReadingStopped
                read.append(row)
            return read
        finally:
            if self._close is not None:
                self._close()

    async def read_rows(self) -> list[tuple[int, list[Cell]]]:
        """`rows` in a thread, which stops at its next row when the awaiting task is cancelled."""
        try:
            return await asyncio.to_thread(self.rows)
        except asyncio.CancelledError:
            self.stop.set()
            raise


class ReadingStopped(Exception):
    """A sheet's reading stopped because its job was cancelled."""


def open_sheet(content: bytes, file_format: FileFormat, limits: ImportLimits | None = None) -> Sheet:
    """Open a file and read its header; an empty, unreadable or wrongly encoded file is refused whole, and
    so is a file over `limits` (the service's defaults if None) as far as it shows without reading it all:
    a CSV file whole, an XLSX file by its declared size (its rows are checked as they are read)."""
    limits = limits or ImportLimits()
    if len(content) > limits.upload_bytes:
        raise OverLimits(f"the file has {len(content)} bytes; at most {limits.upload_bytes} are accepted")
    if not content.strip():
        raise InvalidFile("the file is empty", code="empty-file")
    sheet = _open_xlsx(content, limits) if file_format is FileFormat.XLSX else _open_csv(content, limits)
    if not sheet.header:
        raise InvalidFile("line 1 must name the columns, but it is empty", code="empty-file")
    return sheet


def _open_csv(content: bytes, limits: ImportLimits) -> Sheet:
    if content.startswith(XLSX_MAGIC) or b"\x00" in content[:4096]:
        raise InvalidFile("this is binary content, not CSV text", code="invalid-file")
    parsed: list[tuple[int, list[Cell]]] = []
    try:
        # Parsed now (fast, unlike XLSX) so that a structural error or a file over the limits is refused
        # before any job; reading stops at the first row over them, so the rows held stay bounded.
        for line, cells in read_csv_rows(content):
            _check_row(line, cells, limits, data_rows=len(parsed))
            parsed.append((line, cast(list[Cell], cells)))  # str is a Cell
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


def _check_row(line: int, cells: Sequence[Cell], limits: ImportLimits, *, data_rows: int) -> None:
    """Refuses the file at the first row over the limits; `data_rows`: the rows before this one, the
    header included."""
    if data_rows > limits.rows:
        raise OverLimits(
            f"the file has more than {limits.rows} rows after the header (line {line} is beyond); "
            f"import it in parts of at most {limits.rows} rows",
            errors=[FieldProblem(line=line, message=f"more than {limits.rows} rows")],
        )
    if len(cells) > limits.columns:
        raise OverLimits(
            f"line {line} has {len(cells)} columns; at most {limits.columns} are accepted",
            errors=[FieldProblem(line=line, message=f"more than {limits.columns} columns")],
        )
    for column, cell in enumerate(cells, start=1):
        if isinstance(cell, str) and len(cell) > limits.cell_chars:
            raise OverLimits(
                f"line {line}, column {get_column_letter(column)} holds {len(cell)} characters; "
                f"at most {limits.cell_chars} are accepted in a cell",
                errors=[FieldProblem(line=line, message=f"more than {limits.cell_chars} characters")],
            )


def _open_xlsx(content: bytes, limits: ImportLimits) -> Sheet:
    try:
        _check_unzipped_size(content, limits)
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidFile("this is not a readable XLSX workbook", code="invalid-file") from None
    # The first sheet, whichever one the workbook was saved showing: what an export writes and what a
    # person preparing a file expects.
    sheet = workbook.worksheets[0]
    try:
        _check_declared_size(sheet, limits)
        rows = _xlsx_rows(workbook, sheet, limits)
        line, header = next(rows, (1, []))
    except BaseException:
        workbook.close()
        raise
    width = len(header)
    padded = ((line, cells + [None] * (width - len(cells))) for line, cells in rows)
    return Sheet(header if line == 1 else [], padded, close=workbook.close)


def _check_unzipped_size(content: bytes, limits: ImportLimits) -> None:
    """A workbook unpacks to a few times its size: one that claims far more is a zip bomb. The claim binds:
    Python's zip reader stops at each member's declared size."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > limits.upload_bytes * UNZIPPED_RATIO:
        raise OverLimits(
            f"the workbook unpacks to {unpacked} bytes; at most {limits.upload_bytes * UNZIPPED_RATIO} "
            "are accepted"
        )


def _check_declared_size(sheet: Any, limits: ImportLimits) -> None:
    """The size the sheet declares (its `<dimension ref>`, e.g. A1:XFD1048576), refused before any cell is
    read: openpyxl would otherwise make every declared cell, an hour's work for one far-away cell."""
    rows, columns = sheet.max_row, sheet.max_column
    if columns is not None and columns > limits.columns:
        raise OverLimits(
            f"the sheet declares {columns} columns (to column {get_column_letter(columns)}); at most "
            f"{limits.columns} are accepted: delete the empty columns after the data and save it again"
        )
    if rows is not None and rows > limits.rows + 1:
        raise OverLimits(
            f"the sheet declares {rows} rows; at most {limits.rows} rows after the header are accepted: "
            "delete the empty rows after the data, or import it in parts"
        )


def _xlsx_rows(workbook: Any, sheet: Any, limits: ImportLimits) -> Iterator[tuple[int, list[Cell]]]:
    """The sheet's rows as stored, without their trailing empty cells, refusing the file at the first row
    or cell over the limits.

    Read with openpyxl's own sheet parser rather than `iter_rows`, which pads every row to the widest (and
    fills the gaps between rows) with empty cells: a single cell in column XFD makes 16,384 cells a row.
    The parser gives only the cells stored, each with its column, so a row is never wider than its last
    stored cell, and that is checked against the limit before the row is made."""
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        data_rows = 0
        for line, stored in parser.parse():
            present = [cell for cell in stored if cell["value"] not in (None, "")]
            if not present:
                continue
            last = present[-1]["column"]
            if last > limits.columns:
                raise OverLimits(
                    f"line {line} has a value in column {get_column_letter(last)}; at most "
                    f"{limits.columns} columns are accepted",
                    errors=[FieldProblem(line=line, message=f"more than {limits.columns} columns")],
                )
            cells: list[Cell] = [None] * last
            for cell in present:
                cells[cell["column"] - 1] = cell["value"]
            _check_row(line, cells, limits, data_rows=data_rows)
            data_rows += 1
            yield line, cells


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
