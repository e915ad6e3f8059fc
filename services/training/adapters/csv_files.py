"""Reading an uploaded CSV file of external JP records (read as `shared.csv_text` reads every CSV file)."""

from collections.abc import Mapping

from shared.csv_text import CsvError, read_csv_rows
from shared.errors import FieldProblem, InvalidInput


class NotCsv(InvalidInput):
    status, code, title = 415, "unsupported-file", "Not a CSV file"


def read_csv(content: bytes) -> tuple[list[str], list[tuple[int, Mapping[str, str | None]]]]:
    """The column names (line 1) and each following row with its line number; blank lines are skipped."""
    try:
        lines = list(read_csv_rows(content))
    except CsvError as error:
        if error.encoding:
            raise NotCsv(
                "the file is not UTF-8 text; save it as CSV UTF-8",
                errors=[FieldProblem(line=error.line, message=f"undecodable {error.message}")],
            ) from None
        raise InvalidInput(
            f"the file is not valid CSV: {error.message}",
            errors=[FieldProblem(line=error.line, message=error.message)],
        ) from None
    if not lines:
        raise InvalidInput("the file is empty", errors=[FieldProblem(line=1, message="no header")])
    (line, names), rows = lines[0], lines[1:]
    header = [name.strip().casefold() for name in names] if line == 1 else []
    if line != 1:
        rows = lines  # line 1 is blank: no header, and every row is data
    return header, [(number, dict(zip(header, values, strict=False))) for number, values in rows]
