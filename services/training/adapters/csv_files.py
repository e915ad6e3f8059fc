"""Reading an uploaded CSV file of external JP records: UTF-8 (with or without a BOM), comma or semicolon
separated (spreadsheets in the Indonesian locale save with semicolons)."""

import csv
import io
from collections.abc import Mapping

from shared.errors import FieldProblem, InvalidInput


class NotCsv(InvalidInput):
    status, code, title = 415, "unsupported-file", "Not a CSV file"


def read_csv(content: bytes) -> tuple[list[str], list[tuple[int, Mapping[str, str | None]]]]:
    """The column names (line 1) and each following row with its line number; blank lines are skipped."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotCsv(
            "the file is not UTF-8 text; save it as CSV UTF-8",
            errors=[FieldProblem(message=f"undecodable byte at offset {error.start}")],
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().casefold() for name in next(reader)]
    except StopIteration:
        raise InvalidInput("the file is empty", errors=[FieldProblem(line=1, message="no header")]) from None
    rows: list[tuple[int, Mapping[str, str | None]]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            # reader.line_num counts physical lines, so quoted line breaks keep numbers true to the file.
            rows.append((reader.line_num, dict(zip(header, values, strict=False))))
    except csv.Error as error:
        raise InvalidInput(
            f"the file is not valid CSV: {error}",
            errors=[FieldProblem(line=reader.line_num, message=str(error))],
        ) from None
    return header, rows
