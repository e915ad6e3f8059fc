"""Import bombs (issue 18, item 6): how long opening and reading each bomb file takes, and the process's peak
memory meanwhile (`peak MiB`; `+MiB`: its growth once the file is made), through the employee import's own
file reading (`open_sheet`, then the rows as the import job reads them), each bomb in a fresh process so
one's peak does not hide another's.

The bombs: a workbook of two rows and one value in its last cell, XFD1048576, declaring `A1:XFD1048576`
(every cell Excel has), a workbook whose 2,000
rows each hold a value in column XFD (with its <dimension>, and without, so that only reading finds it), a
CSV of 2.5 million one-character rows. `--unlimited` reads them with limits too large to stop anything, as
the service did before it had limits (the first bomb then runs for minutes: `--timeout` stops it).

    .venv/bin/python bench/import_bombs.py [--unlimited] [--timeout 60]
"""

import argparse
import io
import multiprocessing
import re
import resource
import time
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

from services.employee.adapters.spreadsheets import FileFormat, open_sheet
from services.employee.domain import exchange
from services.employee.domain.exchange import ImportLimits, Mapping
from shared.errors import DomainError

HEADER = exchange.header(Mapping.NATIVE)
UNLIMITED = ImportLimits(upload_bytes=1 << 40, rows=1 << 40, columns=1 << 20, cell_chars=1 << 40)


def _workbook(rows: int, far_column: int | None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for line in range(2, rows + 2):
        sheet.append([f"Pegawai {line}"] * 5)
        if far_column is not None:
            sheet.cell(row=line, column=far_column, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_dimension(content: bytes, ref: str | None) -> bytes:
    """The workbook with its sheet's <dimension ref> replaced by `ref`, or removed (None)."""
    patched, replacement = io.BytesIO(), f'<dimension ref="{ref}"/>'.encode() if ref else b""
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', replacement, data)
            out.writestr(member, data)
    return patched.getvalue()


def declared_everything() -> bytes:
    """The issue's bomb: a header, a row, and one value in the sheet's last cell, XFD1048576."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["Pegawai"] * 5)
    sheet.cell(row=1_048_576, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return _with_dimension(buffer.getvalue(), "A1:XFD1048576")


def column_xfd() -> bytes:
    return _workbook(2_000, 16_384)


def column_xfd_undeclared() -> bytes:
    return _with_dimension(column_xfd(), None)


def one_character_rows() -> bytes:
    return ",".join(HEADER).encode() + b"\n" + b"x\n" * 2_500_000


BOMBS: dict[str, tuple[Callable[[], bytes], FileFormat]] = {
    "xlsx declaring A1:XFD1048576": (declared_everything, FileFormat.XLSX),
    "xlsx with 2,000 values in column XFD": (column_xfd, FileFormat.XLSX),
    "the same without its <dimension>": (column_xfd_undeclared, FileFormat.XLSX),
    "csv of 2.5 M one-character rows": (one_character_rows, FileFormat.CSV),
}


def _read(
    name: str, unlimited: bool, answer: "multiprocessing.Queue[tuple[str, float, int, int, int]]"
) -> None:
    make, file_format = BOMBS[name]
    content = make()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        rows = len(open_sheet(content, file_format, UNLIMITED if unlimited else None).rows())
        outcome = f"read {rows} rows"
    except DomainError as refusal:
        outcome = f"refused: {refusal.detail[:90]}"
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    answer.put((outcome, elapsed, len(content), peak // 1024, (peak - before) // 1024))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unlimited", action="store_true", help="read with limits that stop nothing")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a reading is stopped")
    args = parser.parse_args()
    print(f"limits: {'none' if args.unlimited else ImportLimits()}")
    print(f"{'bomb':<38} {'file':>10} {'seconds':>8} {'peak MiB':>9} {'+MiB':>6}  outcome")
    for name in BOMBS:
        answer: multiprocessing.Queue[tuple[str, float, int, int, int]] = multiprocessing.Queue()
        worker = multiprocessing.Process(target=_read, args=(name, args.unlimited, answer))
        worker.start()
        worker.join(args.timeout)
        if worker.is_alive():
            worker.kill()
            worker.join()
            print(f"{name:<38} {'':>10} {'>' + str(args.timeout):>8} {'':>9} {'':>6}  still reading: stopped")
            continue
        outcome, elapsed, size, peak, grown = answer.get()
        print(f"{name:<38} {size:>10,} {elapsed:>8.2f} {peak:>9,} {grown:>6,}  {outcome}")


if __name__ == "__main__":
    main()
