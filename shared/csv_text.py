"""Reading an uploaded CSV file, the one way every service does.

- UTF-8, with or without a BOM (Excel's "CSV UTF-8" writes one).
- The delimiter is the one line 1 uses most of comma, semicolon and tab, a comma on a tie: Excel in the
  Indonesian locale saves "CSV" with semicolons, other tools with commas, and a copy from a sheet is tab
  separated.
- Quoting is strict: a stray quote refuses the file rather than silently merging cells.
- Each row comes with the line of the file it starts on (a quoted value may span lines), as a person sees it
  in an editor; rows with nothing but blanks are left out.
- Text a spreadsheet would take for a formula is written with an apostrophe before it, and read back without
  (`shared.spreadsheet_text`): `csv_lines` writes what `read_csv_rows` reads.

The errors are plain: each service answers them with its own problem.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from shared.spreadsheet_text import neutralise, restore

DELIMITERS = (",", ";", "\t")


class CsvError(Exception):
    """The file is not CSV text the platform reads: `line` is where, `encoding` whether it is not UTF-8."""

    def __init__(self, message: str, *, line: int, encoding: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.encoding = encoding


def delimiter_of(first_line: str) -> str:
    """The delimiter of a file whose first line is `first_line`."""
    return max(DELIMITERS, key=first_line.count)


def read_csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row of `content` with the line it starts on; raises `CsvError` where the file stops
    being CSV (an undecodable byte: before any row)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise CsvError(
            f"byte 0x{content[error.start]:02x} on line {line}", line=line, encoding=True
        ) from None
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter_of(text.split("\n", 1)[0]), strict=True
    )
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvError(str(error), line=reader.line_num) from None
        if any(cell.strip() for cell in cells):
            yield line, [restore(cell) for cell in cells]
        # reader.line_num counts the physical lines read so far, quoted line breaks included.
        line = reader.line_num + 1


def csv_lines(rows: Iterable[Sequence[str | int | float]]) -> str:
    """`rows` as comma-separated lines, each text neutralised so that a spreadsheet shows it as text;
    numbers are written as they are."""
    buffer = io.StringIO()
    # Lines end with CRLF (RFC 4180): Python's writer quotes a value holding a character of the line end
    # only, and text may hold a carriage return, which would otherwise go out bare and split its row.
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [neutralise(cell) if isinstance(cell, str) else cell for cell in row] for row in rows
    )
    return buffer.getvalue()
