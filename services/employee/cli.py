"""`asn import`, `asn export` and `asn seed` on the employee service's database, without the service running,
through the same use cases as the API. The events wait in the outbox until the service's relay publishes
them (it polls for rows other processes wrote)."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.employee.adapters.repository import EmployeeFilter
from services.employee.adapters.spreadsheets import (
    FileFormat,
    Sheet,
    csv_header,
    csv_rows,
    detect_format,
    open_sheet,
    write_xlsx,
)
from services.employee.adapters.tables import outbox
from services.employee.demo.generator import DemoProvince
from services.employee.domain import exchange
from services.employee.domain.exchange import Cell, Mapping
from services.employee.service import exchange as service
from services.employee.service import seeding
from services.employee.settings import employee_settings
from shared.db import Database
from shared.errors import DomainError
from shared.uow import UnitOfWork

errors = Console(stderr=True)


def import_employees(file: Path, mapping: Mapping, database_url: str) -> int:
    """Import a file, all or nothing, showing progress; prints every bad row. Returns the exit status."""
    return import_file("employees", file, mapping, database_url)


IMPORTS = {
    "employees": service.import_employees,
    "units": service.import_units,
    "positions": service.import_positions,
}


def import_file(kind: str, file: Path, mapping: Mapping, database_url: str) -> int:
    """Import a file of employees, units or positions, all or nothing, showing progress; prints every bad
    row. Returns the exit status."""
    try:
        content = file.read_bytes()
        limits = employee_settings().import_limits
        sheet = open_sheet(content, detect_format(file.name, None, content), limits)
        summary = asyncio.run(_import(IMPORTS[kind], sheet, mapping, database_url))
    except DomainError as refusal:
        _print_problem(refusal)
        return 1
    Console().print(f"{summary['imported']} {kind} imported from {file}")
    return 0


async def _import(
    run: Callable[..., Awaitable[dict[str, int]]], sheet: Sheet, mapping: Mapping, database_url: str
) -> dict[str, int]:
    db = Database(database_url)
    try:
        with _progress_bars() as progress:
            return await run(lambda: UnitOfWork(db, outbox), sheet, mapping, progress)
    finally:
        await db.dispose()


class _Bars:
    """The import's progress (`validated`, `written` of `total` rows) as two bars."""

    def __init__(self, bars: Progress) -> None:
        self._bars = bars
        self._tasks = {name: bars.add_task(name, total=None) for name in ("validated", "written")}

    async def __call__(self, **counters: int) -> None:
        if "total" in counters:
            for task in self._tasks.values():
                self._bars.update(task, total=counters["total"])
        for name, task in self._tasks.items():
            if name in counters:
                self._bars.update(task, completed=counters[name])


@contextmanager
def _progress_bars() -> Iterator[_Bars]:
    columns = (TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors) as bars:
        yield _Bars(bars)


def _print_problem(refusal: DomainError) -> None:
    errors.print(f"[bold red]{refusal.title}:[/] {refusal.detail}", highlight=False)
    for problem in refusal.errors:
        where = f"line {problem.line}" if problem.line is not None else ""
        column = f" {problem.field}" if problem.field else ""
        value = f" (value {problem.value!r})" if problem.value not in (None, "") else ""
        errors.print(f"  {where}{column}: {problem.message}{value}", highlight=False, markup=False)


def export_employees(file: Path, mapping: Mapping, where: EmployeeFilter, database_url: str) -> int:
    """Write the employees `where` selects to a CSV or XLSX file (by its suffix). Returns the exit status."""
    try:
        file_format = detect_format(file.name, None, b"")
    except DomainError as refusal:
        _print_problem(refusal)
        return 1
    rows = asyncio.run(_exported_rows(mapping, where, database_url))
    header, date_format = exchange.header(mapping), exchange.DATE_FORMATS[mapping]
    with file.open("wb") as target:
        if file_format is FileFormat.XLSX:
            write_xlsx(header, rows, date_format, target)
        else:
            target.write(csv_header(header) + csv_rows(rows, date_format))
    Console().print(f"{len(rows)} employees exported to {file}")
    return 0


def export_organisation(
    kind: str, file: Path, mapping: Mapping, agency_code: str | None, database_url: str
) -> int:
    """Write units or positions (of one agency, or all) to a CSV or XLSX file. Returns the exit status."""
    try:
        file_format = detect_format(file.name, None, b"")
    except DomainError as refusal:
        _print_problem(refusal)
        return 1
    columns = exchange.UNIT_COLUMNS if kind == "units" else exchange.POSITION_COLUMNS
    rows_of = service.export_unit_rows if kind == "units" else service.export_position_rows

    async def collect() -> list[list[Cell]]:
        db = Database(database_url)
        try:
            async with db.connect() as connection:
                return [row async for batch in rows_of(connection, agency_code, mapping) for row in batch]
        finally:
            await db.dispose()

    rows = asyncio.run(collect())
    header, date_format = exchange.header(mapping, columns), exchange.DATE_FORMATS[mapping]
    with file.open("wb") as target:
        if file_format is FileFormat.XLSX:
            write_xlsx(header, rows, date_format, target)
        else:
            target.write(csv_header(header) + csv_rows(rows, date_format))
    Console().print(f"{len(rows)} {kind} exported to {file}")
    return 0


async def _exported_rows(mapping: Mapping, where: EmployeeFilter, database_url: str) -> list[list[Cell]]:
    db = Database(database_url)
    try:
        async with db.connect() as connection:
            return [row async for batch in service.export_rows(connection, where, mapping) for row in batch]
    finally:
        await db.dispose()


def seed_demo(province: DemoProvince, database_url: str) -> dict[str, int]:
    """Write the demo province unless it is there; returns how many of each record were added."""
    return asyncio.run(_seed(province, database_url))


async def _seed(province: DemoProvince, database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        return await seeding.seed_province(lambda: UnitOfWork(db, outbox, enclosed=True), province)
    finally:
        await db.dispose()
