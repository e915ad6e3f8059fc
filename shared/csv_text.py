"""Reading an uploaded CSV file, the one way every service does.

- UTF-8, with or without a BOM (Excel's "CSV UTF-8" writes one).
- The delimiter is the one line 1 uses most of comma, semicolon and tab, a comma on a tie: Excel in the
  Indonesian locale saves "CSV" with semicolons, other tools with commas, and a copy from a sheet is tab
  separated.
- Quoting is strict: a stray quote refuses the file rather than silently merging cells.
- Each row comes with the line of the file it starts on (a quoted value may span lines), as a person sees it
  in an editor; rows with nothing but blanks are left out.

The errors are plain: each service answers them with its own problem.
"""

import csv
import io
from collections.abc import Iterator

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
            yield line, cells
        # reader.line_num counts the physical lines read so far, quoted line breaks included.
        line = reader.line_num + 1
