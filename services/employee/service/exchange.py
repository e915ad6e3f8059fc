"""Use cases of bulk exchange: importing a file of employees, units or positions, all or nothing, and
exporting them; and the bulk registrations those imports (and the demo seed) write through.

The API (as a job), the `asn import` command and the benchmark all call `import_employees`.
"""

import asyncio
import gc
import random
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters import bulk, tables
from services.employee.adapters import organisation as organisation_repository
from services.employee.adapters.repository import EmployeeFilter
from services.employee.adapters.spreadsheets import Sheet
from services.employee.domain import exchange, organisation
from services.employee.domain.exchange import Cell, ImportLimits, InvalidFile, InvalidRows, Layout, Mapping
from services.employee.domain.model import Employee
from services.employee.domain.organisation import Agency, Position, Unit, placement_problems
from services.employee.domain.workload import TaskList
from services.employee.service.employees import snapshot
from services.employee.service.organisation import position_event, unit_event
from services.employee.siasn.adapters import identities as siasn_identities
from services.employee.siasn.domain.identities import RecordKind
from shared import clock
from shared.contracts.employee import (
    CompetenciesAssessed,
    CompetencyLevel,
    EmployeeRegistered,
    PositionDefined,
    UnitDefined,
    UnitUpdated,
)
from shared.db import existing_keys
from shared.errors import Conflict, DomainError, FieldProblem, Forbidden, ProblemList
from shared.events.envelope import CloudEvent, EventCopies, new_event
from shared.jobs import Progress, no_progress
from shared.uow import UnitOfWork, outbox_record, outbox_row

# Rows checked between two yields to the event loop: the writer (and the service's other tasks) get their
# turn every ~10 ms.
CHECK_BATCH = 250
# Rows per bulk write: COPY is fast on big statements; memory stays bounded.
WRITE_BATCH = 20_000
# The first batches are smaller, so the database starts writing soon after the check starts.
FIRST_WRITE_BATCH = 1_250
EXPORT_BATCH = 1_000
IMPORTED = "imported"  # the reason the position history gives for an imported employee's first placement


def check_header(sheet: Sheet, mapping: Mapping) -> Layout:
    """Refuse a file whose columns do not fit `mapping` before any job is started for it."""
    return exchange.layout_of(sheet.header, mapping)


async def import_employees(
    unit_of_work: Callable[[], UnitOfWork],
    sheet: Sheet,
    mapping: Mapping,
    progress: Progress = no_progress,
    *,
    max_errors: int = ImportLimits.errors,
    agencies: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Register every employee of a file, or none: any bad row refuses the file, listing the first
    `max_errors` problems by line and counting them all.

    Reports `validated`, `written` and `total` rows. The rows are read (in a thread: XLSX is slow to parse)
    before the unit of work opens, so its transaction lasts only for the checks and the writes. A SIASN
    file's columns this import does not use are ignored and listed as warnings. Rows of agencies outside
    `agencies` (None: every agency), once a SIASN file's references are resolved, refuse the file (403)."""
    layout = exchange.layout_of(sheet.header, mapping)
    with _collector_paused():
        rows = await sheet.read_rows()
        if not rows:
            raise InvalidFile("the file has a header but no rows", code="empty-file")
        await progress(validated=0, written=0, total=len(rows))
        async with unit_of_work() as uow:
            run = _Import(uow, layout, progress, ProblemList(max_errors), agencies)
            try:
                await run.check_and_write(rows)
            except IntegrityError:
                # Checked before each write; only a registration that slipped in since then gets here.
                raise Conflict(
                    "an employee of the file was registered during the import; nothing was imported",
                    code="duplicate-nip",
                ) from None
            _require_scope(layout, "agency_code", run.agency_codes, agencies)
            _refuse_if_any(run.problems, len(rows))
            await uow.commit()
    return {"rows": len(rows), "imported": run.written, "warnings": ignored_columns(layout)}


def ignored_columns(layout: Layout) -> list[dict[str, str]]:
    return [{"column": name, "message": "not a column this import reads; ignored"} for name in layout.ignored]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """An import makes millions of objects that all live until it ends: the cyclic garbage collector's
    passes over them free nothing and cost a third of the import's time. Reference counting still frees
    everything else meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class _Batch:
    """Checked rows: their lines and NIPs, to look up in the register, and, while the file has no problem,
    what to write."""

    lines: list[int]
    nips: list[str]
    rows: bulk.NewEmployees | None = None
    outbox_rows: list[tuple[Any, ...]] = field(default_factory=list)  # the registered events


class _Import:
    """Checks the rows and writes the good ones, the writes (a task) running while later rows are still
    being checked, so the database works while Python checks. The first problem stops the writes, and the
    caller then rolls the transaction back: the file is still imported all or nothing, and the checks go on
    to the last row to report every bad one."""

    def __init__(
        self,
        uow: UnitOfWork,
        layout: Layout,
        progress: Progress,
        problems: ProblemList,
        agencies: frozenset[str] | None = None,
    ) -> None:
        self._uow = uow
        self._agencies = agencies
        # (line, agency code) of each resolved row, checked against `agencies` when the checks end.
        self.agency_codes: list[tuple[int, str]] = []
        self._layout = layout
        self._progress = progress
        self._batches: asyncio.Queue[_Batch | None] = asyncio.Queue()
        self._registered = _RegisteredEvents()
        self._organisation = _Organisation(uow.connection)
        self.problems = problems
        self.written = 0
        self._handed_over = 0

    async def check_and_write(self, rows: Sequence[tuple[int, list[Cell]]]) -> None:
        writer = asyncio.create_task(self._write())
        try:
            await self._check(rows, writer)
            self._batches.put_nowait(None)
            await writer
        finally:
            if not writer.done():
                writer.cancel()
                await asyncio.wait({writer})

    async def _check(self, rows: Sequence[tuple[int, list[Cell]]], writer: asyncio.Task[None]) -> None:
        """Every row through the domain, and each NIP (and SIASN id) against the rest of the file."""
        first_line: dict[str, int] = {}
        first_siasn_line: dict[str, int] = {}
        checked: list[tuple[int, Employee, str | None]] = []
        siasn = self._layout.mapping is Mapping.SIASN
        for start in range(0, len(rows), CHECK_BATCH):
            in_batch: list[tuple[int, Employee, str | None]] = []
            for line, cells in rows[start : start + CHECK_BATCH]:
                values, problems = exchange.read_row(self._layout, line, cells)
                if siasn and not problems:
                    problems = await self._organisation.resolve(self._layout, line, values)
                    if self._agencies is not None and not problems:
                        self.agency_codes.append((line, values["agency_code"]))
                if problems:
                    self.problems.extend(problems)
                    continue
                outcome = exchange.employee_of(self._layout, line, values)
                if isinstance(outcome, list):
                    self.problems.extend(outcome)
                    continue
                placed = await self._organisation.check(self._layout, line, outcome)
                if placed:
                    self.problems.extend(placed)
                    continue
                nip, siasn_id = str(outcome.nip), values.get("siasn_id")
                earlier = first_line.setdefault(nip, line)
                if earlier != line:
                    message = f"the same NIP is on line {earlier}"
                    self.problems.append(exchange.nip_problem(self._layout, line, nip, message))
                    continue
                if siasn_id is not None and (held := first_siasn_line.setdefault(siasn_id, line)) != line:
                    message = f"the same SIASN id is on line {held}"
                    self.problems.append(
                        exchange.problem_at(self._layout, line, "siasn_id", message, siasn_id)
                    )
                    continue
                in_batch.append((line, outcome, siasn_id))
            checked.extend(await self._siasn_ids_free(in_batch))
            if len(checked) >= min(WRITE_BATCH, FIRST_WRITE_BATCH << self._handed_over):
                self._hand_over(checked)
                checked = []
            if writer.done():
                writer.result()  # the writer failed: raise its error now
            await self._progress(validated=min(start + CHECK_BATCH, len(rows)))
            await asyncio.sleep(0)
        self._hand_over(checked)

    async def _siasn_ids_free(
        self, batch: list[tuple[int, Employee, str | None]]
    ) -> list[tuple[int, Employee, str | None]]:
        """The rows whose SIASN id no registered employee holds; the others are problems."""
        wanted = [siasn_id for _, _, siasn_id in batch if siasn_id is not None]
        if not wanted:
            return batch
        held = await existing_keys(self._uow.connection, tables.employees.c.siasn_id, wanted)
        for line, _, siasn_id in batch:
            if siasn_id in held:
                message = "another registered employee has this SIASN id"
                self.problems.append(exchange.problem_at(self._layout, line, "siasn_id", message, siasn_id))
        return [row for row in batch if row[2] not in held]

    def _hand_over(self, checked: list[tuple[int, Employee, str | None]]) -> None:
        self._handed_over += 1
        lines, nips = [line for line, _, _ in checked], [str(e.nip) for _, e, _ in checked]
        if self.problems:  # the file will be refused: only look its NIPs up
            self._batches.put_nowait(_Batch(lines, nips))
            return
        employees = [employee for _, employee, _ in checked]
        rows = bulk.new_employees(employees, reason=IMPORTED)
        if any(siasn_id is not None for _, _, siasn_id in checked):
            rows = bulk.with_siasn_ids(rows, [siasn_id for _, _, siasn_id in checked])
        now = clock.now()
        outbox_rows = [self._registered(e, now) for e in employees]
        self._batches.put_nowait(_Batch(lines, nips, rows, outbox_rows))

    async def _write(self) -> None:
        """Each batch of checked rows written, until a problem shows; from then on only looked up in the
        register, to name every row whose NIP is already there. A batch is written under a savepoint, so
        a NIP already registered (the primary key refuses it) undoes only that batch, whose rows are then
        looked up: the register is searched only when a file will be refused."""
        connection = self._uow.connection
        while (batch := await self._batches.get()) is not None:
            if not self.problems and batch.rows is not None:
                try:
                    async with connection.begin_nested():
                        await bulk.add_employees(connection, batch.rows)
                except IntegrityError:
                    if not await self._registered_already(batch):
                        raise
                    continue
                await self._uow.publish_records(batch.outbox_rows)
                self.written += len(batch.lines)
                await self._progress(written=self.written)
            else:
                await self._registered_already(batch)

    async def _registered_already(self, batch: _Batch) -> bool:
        known = await bulk.registered_nips(self._uow.connection, batch.nips)
        self.problems.extend(
            exchange.nip_problem(self._layout, line, nip, "already registered")
            for line, nip in zip(batch.lines, batch.nips, strict=True)
            if nip in known
        )
        return bool(known)


class _Organisation:
    """The agencies, units and positions rows of an import refer to, each agency read once: a row's agency
    must exist, its unit be one of the agency's and its position one of the unit's."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._agencies: dict[str, tuple[Agency | None, dict[str, Unit], dict[str, Position]]] = {}
        self._agency_codes: dict[str, str | None] = {}  # a SIASN file's agency reference -> our code
        # our agency code -> SIASN id -> our unit id; `unit id/SIASN id` -> our position id
        self._siasn_ids: dict[str, tuple[dict[str, str], dict[str, str]]] = {}

    async def resolve(self, layout: Layout, line: int, values: dict[str, Any]) -> list[FieldProblem]:
        """A SIASN row's agency, unit and position as our own: each named by the SIASN id our record
        keeps (or by our own id, as our SIASN exports write a record SIASN does not know)."""
        reference = values["agency_code"]
        if reference not in self._agency_codes:
            self._agency_codes[reference] = await siasn_identities.agency_code_of(self._connection, reference)
        agency_code = self._agency_codes[reference]
        if agency_code is None:
            message = "no agency has this code or SIASN id (link the instansi on the SIASN page)"
            return [exchange.problem_at(layout, line, "agency_code", message, reference)]
        values["agency_code"] = agency_code
        if agency_code not in self._siasn_ids:
            self._siasn_ids[agency_code] = (
                await siasn_identities.refs_by_siasn_id(self._connection, RecordKind.UNIT, agency_code),
                await siasn_identities.refs_by_siasn_id(self._connection, RecordKind.POSITION, agency_code),
            )
        units, positions = self._siasn_ids[agency_code]
        problems = []
        unit_id = position_id = None
        if (unit_ref := values.get("unit_id")) is not None:
            unit_id = units.get(unit_ref.upper()) or _own_id(unit_ref)
            if unit_id is None:
                message = (
                    f"no unit of agency {agency_code} has this SIASN unor id (link it on the SIASN page)"
                )
                problems.append(exchange.problem_at(layout, line, "unit_id", message, unit_ref))
        if (position_ref := values.get("position_id")) is not None and not problems:
            position_id = positions.get(f"{unit_id}/{position_ref.upper()}") or _own_id(position_ref)
            if position_id is None:
                message = (
                    "no position of the row's unit has this SIASN jabatan id (link it on the SIASN page)"
                    if unit_id
                    else "a SIASN jabatan is found within its unit: the row needs unorId"
                )
                problems.append(exchange.problem_at(layout, line, "position_id", message, position_ref))
        values["unit_id"] = UUID(unit_id) if unit_id else None
        values["position_id"] = UUID(position_id) if position_id else None
        return problems

    async def check(self, layout: Layout, line: int, employee: Employee) -> list[FieldProblem]:
        """The problems of the employee's placement; none: its unit is filled in from its position."""
        placement = employee.placement
        known = self._agencies.get(placement.agency_code)
        if known is None:
            agency = await organisation_repository.get_agency(self._connection, placement.agency_code)
            found_units, found_positions = await organisation_repository.organisation_of(
                self._connection, placement.agency_code
            )
            known = (agency, {str(u.id): u for u in found_units}, {str(p.id): p for p in found_positions})
            self._agencies[placement.agency_code] = known
        agency, units, positions = known
        unit = units.get(placement.unit_id) if placement.unit_id else None
        position = positions.get(placement.position_id) if placement.position_id else None
        problems = placement_problems(
            placement.agency_code,
            placement.unit_id,
            placement.position_id,
            agency=agency,
            # A unit or position of another agency is not in this agency's index: it reads as unknown to
            # the agency, which is what the row gets told.
            unit=unit,
            position=position,
        )
        if problems:
            referred = {
                "agency_code": placement.agency_code,
                "unit_id": placement.unit_id,
                "position_id": placement.position_id,
            }
            return [
                exchange.problem_at(layout, line, p.field, p.message, referred[p.field]) for p in problems
            ]
        if position is not None and placement.unit_id is None:
            employee.placement = replace(placement, unit_id=str(position.unit_id))
        return []


def _own_id(reference: str) -> str | None:
    """Our own id, as a UUID written with its dashes; SIASN's GUIDs have none."""
    if "-" not in reference:
        return None
    try:
        return str(UUID(reference))
    except ValueError:
        return None


class _RegisteredEvents:
    """The outbox row of each imported employee's `registered` event, as a single registration publishes it.

    Events of one import differ only in id, time, subject, agency and data: the first is built and checked
    against the contract like any registration's, the others serialised from it (`EventCopies`) with their
    own snapshot: a fraction of the cost of building each anew."""

    def __init__(self) -> None:
        self._copies: EventCopies | None = None

    def __call__(self, employee: Employee, created_at: datetime) -> tuple[Any, ...]:
        data, nip, agency = snapshot(employee), str(employee.nip), employee.placement.agency_code
        if self._copies is None:
            first = new_event(
                "asn.employee.employee.registered", nip, EmployeeRegistered(**data), agency=agency
            )
            self._copies = EventCopies(first)
            return outbox_record(first, created_at)
        # A random version-4 id from the process's generator (seeded from the OS): a third of `uuid4`'s
        # cost, which asks the OS for every id.
        event_id = UUID(int=random.getrandbits(128), version=4)
        payload = self._copies.to_json(event_id, clock.now(), nip, agency, data)
        return outbox_row(self._copies.first, event_id, nip, payload, created_at)


async def register_employees(
    uow: UnitOfWork,
    employees: Sequence[Employee],
    *,
    reason: str,
    histories: Sequence[bulk.History] | None = None,
) -> int:
    """Register checked employees in bulk, as an import does, with their histories, education and assessed
    competencies: one `registered` event each and a `competencies-assessed` event for each one assessed.
    Refuses the whole batch if a NIP is already registered; the caller commits."""
    known = await bulk.registered_nips(uow.connection, [str(e.nip) for e in employees])
    if known:
        raise Conflict(
            f"{len(known)} of the employees are already registered, e.g. {min(known)}", code="duplicate-nip"
        )
    registered = _RegisteredEvents()
    for start in range(0, len(employees), WRITE_BATCH):
        batch = employees[start : start + WRITE_BATCH]
        these = histories[start : start + WRITE_BATCH] if histories is not None else None
        await bulk.add_employees(uow.connection, bulk.new_employees(batch, reason=reason, histories=these))
        now = clock.now()
        await uow.publish_records(
            [registered(e, now) for e in batch]
            + [outbox_record(assessed_event(e), now) for e in batch if e.competencies]
        )
    return len(employees)


def assessed_event(employee: Employee) -> CloudEvent:
    return new_event(
        "asn.employee.employee.competencies-assessed",
        subject=str(employee.nip),
        agency=employee.placement.agency_code,
        data=CompetenciesAssessed(
            nip=str(employee.nip),
            assessments=[
                CompetencyLevel(
                    competency=a.competency, level=a.level, assessed_on=a.assessed_on, source=a.source
                )
                for a in employee.competencies.values()
            ],
        ),
    )


async def define_units(
    uow: UnitOfWork, units: Sequence[Unit], *, siasn_ids: dict[UUID, str] | None = None
) -> None:
    """Add checked units (parents first) with a `unit.defined` event each, linked to their SIASN ids where
    `siasn_ids` has one; the caller commits."""
    await bulk.add_units(uow.connection, units, siasn_ids)
    await uow.publish_many([unit_event("asn.employee.unit.defined", UnitDefined, u) for u in units])


async def define_positions(
    uow: UnitOfWork,
    positions: Sequence[Position],
    *,
    heads: Sequence[Unit] = (),
    task_lists: dict[UUID, TaskList] | None = None,
    siasn_ids: dict[UUID, str] | None = None,
) -> None:
    """Add checked positions with a `position.defined` event each, their task lists where given and their
    SIASN ids where `siasn_ids` has one; the units in `heads` (already revised with `appoint_head`) get
    their new head and a `unit.updated` event. The caller commits; it announces the workload once the
    staff are in place."""
    await bulk.add_positions(uow.connection, positions, task_lists or {}, siasn_ids)
    await uow.publish_many(
        [position_event("asn.employee.position.defined", PositionDefined, p) for p in positions]
    )
    await bulk.set_unit_heads(uow.connection, heads)
    await uow.publish_many([unit_event("asn.employee.unit.updated", UnitUpdated, u) for u in heads])


async def import_units(
    unit_of_work: Callable[[], UnitOfWork],
    sheet: Sheet,
    mapping: Mapping,
    progress: Progress = no_progress,
    *,
    agencies: frozenset[str] | None = None,
    max_errors: int = ImportLimits.errors,
) -> dict[str, Any]:
    """Define every unit of a file, or none: the bad rows are listed with their lines (the first
    `max_errors` problems, all counted). A unit names its parent by id, in the file (before or after it) or
    already defined; a row without an id gets a new one. A SIASN file's unit named by its SIASN id gets a
    new id and keeps the SIASN id (`_SiasnUnits`). Rows of agencies outside `agencies` (None: any agency)
    refuse the file; a SIASN file's columns this import does not use are listed as warnings."""
    layout = exchange.layout_of(sheet.header, mapping, exchange.UNIT_COLUMNS)
    rows = await _rows_of(sheet, progress)
    async with unit_of_work() as uow:
        connection = uow.connection
        problems = ProblemList(max_errors)
        read = _checked(rows, layout, exchange.check_unit_row, problems)
        siasn = _SiasnUnits(connection, layout, problems)
        if mapping is Mapping.SIASN:
            read = await siasn.resolve_agencies(read)
        _require_scope(layout, "agency_code", [(line, row.agency_code) for line, row in read], agencies)
        if mapping is Mapping.SIASN:
            read = await siasn.resolve_units(read)
        lines = _ids(layout, read, problems)
        problems.extend(
            exchange.problem_at(layout, lines[unit_id], "id", "already defined", unit_id)
            for unit_id in await existing_keys(connection, tables.units.c.id, list(lines))
        )
        found_agencies = {
            code: await organisation_repository.get_agency(connection, code)
            for code in sorted({row.agency_code for _, row in read})
        }
        in_file = {unit_id: row for unit_id, (_, row) in zip(lines, read, strict=True)}
        stored = await organisation_repository.units_by_id(
            connection, [row.parent_id for _, row in read if row.parent_id and row.parent_id not in in_file]
        )
        defined: dict[UUID, Unit] = {}
        for unit_id in _parents_first(in_file):
            row, line = in_file[unit_id], lines[unit_id]
            parent = defined.get(row.parent_id) or stored.get(row.parent_id) if row.parent_id else None
            if row.parent_id in in_file and row.parent_id not in defined:
                where = lines[row.parent_id]
                message = "the parent unit is on a line with problems, or the units form a cycle"
                problems.append(exchange.problem_at(layout, line, "parent_id", f"{message} (line {where})"))
                continue
            try:
                unit = organisation.define_unit(
                    agency=found_agencies[row.agency_code],
                    agency_code=row.agency_code,
                    parent_id=row.parent_id,
                    name=row.name,
                    kind=row.kind,
                    location=row.location,
                    parent=parent,
                )
            except DomainError as refusal:
                problems.extend(exchange.refused(layout, line, refusal))
                continue
            defined[unit_id] = replace(unit, id=unit_id)
        await progress(validated=len(rows))
        _refuse_if_any(problems, len(rows))
        linked = {unit_id: row.siasn_id for unit_id, row in in_file.items() if row.siasn_id is not None}
        await define_units(uow, list(defined.values()), siasn_ids=linked)
        await uow.commit()
    await progress(written=len(defined))
    return {"rows": len(rows), "imported": len(defined), "warnings": ignored_columns(layout)}


async def import_positions(
    unit_of_work: Callable[[], UnitOfWork],
    sheet: Sheet,
    mapping: Mapping,
    progress: Progress = no_progress,
    *,
    agencies: frozenset[str] | None = None,
    max_errors: int = ImportLimits.errors,
) -> dict[str, Any]:
    """Define every position of a file, or none: the bad rows are listed with their lines (the first
    `max_errors` problems, all counted). A position names a unit already defined; `unit_head` makes it the
    head of its unit (one per unit). A SIASN file names the unit by its SIASN unor id, and a position named
    by its SIASN jabatan id gets a new id and keeps the SIASN id, one per unit (`_SiasnPositions`). Rows of
    units of agencies outside `agencies` (None: any agency) refuse the file; a SIASN file's columns this
    import does not use are listed as warnings."""
    layout = exchange.layout_of(sheet.header, mapping, exchange.POSITION_COLUMNS)
    rows = await _rows_of(sheet, progress)
    async with unit_of_work() as uow:
        connection = uow.connection
        problems = ProblemList(max_errors)
        read = _checked(rows, layout, exchange.check_position_row, problems)
        siasn = _SiasnPositions(connection, layout, problems)
        if mapping is Mapping.SIASN:
            read = await siasn.resolve_units(read)
        placed = [(line, row, row.unit_id) for line, row in read if row.unit_id is not None]
        units = await organisation_repository.units_by_id(connection, [unit_id for _, _, unit_id in placed])
        _require_scope(
            layout,
            "unit_id",
            [(line, units[unit_id].agency_code) for line, _, unit_id in placed if unit_id in units],
            agencies,
        )
        if mapping is Mapping.SIASN:
            read = await siasn.unlinked(read, units)
        lines = _ids(layout, read, problems)
        problems.extend(
            exchange.problem_at(layout, lines[position_id], "id", "already defined", position_id)
            for position_id in await existing_keys(connection, tables.positions.c.id, list(lines))
        )
        defined: list[Position] = []
        linked: dict[UUID, str] = {}
        heads: dict[UUID, tuple[int, Unit]] = {}
        for position_id, (line, row) in zip(lines, read, strict=True):
            unit_id = row.unit_id
            if unit_id is None:  # a native row always names its unit; a SIASN row's is resolved above
                continue
            try:
                position = organisation.define_position(
                    unit=units.get(unit_id),
                    unit_id=unit_id,
                    name=row.name,
                    type=row.type,
                    job_class=row.job_class,
                    authorised_headcount=row.authorised_headcount,
                    competency_standard=row.competency_standard,
                    minimum_rank=row.minimum_rank,
                    minimum_education=row.minimum_education,
                    retirement_age=row.retirement_age,
                )
            except DomainError as refusal:
                problems.extend(exchange.refused(layout, line, refusal))
                continue
            position = replace(position, id=position_id)
            defined.append(position)
            if row.siasn_id is not None:
                linked[position_id] = row.siasn_id
            if row.unit_head:
                if unit_id in heads:
                    message = f"the unit already gets its head on line {heads[unit_id][0]}"
                    problems.append(exchange.problem_at(layout, line, "unit_head", message, "true"))
                    continue
                heads[unit_id] = (line, organisation.appoint_head(units[unit_id], position))
        await progress(validated=len(rows))
        _refuse_if_any(problems, len(rows))
        await define_positions(uow, defined, heads=[unit for _, unit in heads.values()], siasn_ids=linked)
        await uow.commit()
    await progress(written=len(defined))
    return {"rows": len(rows), "imported": len(defined), "warnings": ignored_columns(layout)}


class _SiasnUnits:
    """A SIASN file's units as ours: the agency by our code or its SIASN instansi id; a unit SIASN names
    gets a new id of ours and keeps its SIASN id (free within its agency, in the file and among the units
    already linked); the parent by its SIASN id, a unit of the same agency in the file or already linked."""

    def __init__(self, connection: AsyncConnection, layout: Layout, problems: ProblemList) -> None:
        self._connection, self._layout, self._problems = connection, layout, problems

    async def resolve_agencies(
        self, read: list[tuple[int, exchange.UnitRow]]
    ) -> list[tuple[int, exchange.UnitRow]]:
        """The rows with their agency's code; those naming no agency of ours are problems."""
        codes = {
            reference: await siasn_identities.agency_code_of(self._connection, reference)
            for reference in sorted({row.agency_code for _, row in read})
        }
        resolved = []
        for line, row in read:
            code = codes[row.agency_code]
            if code is None:
                message = "no agency has this code or SIASN id (link the instansi on the SIASN page)"
                self._problem(line, "agency_code", message, row.agency_code)
                continue
            if row.parent_siasn_id is not None and row.parent_siasn_id == row.agency_code.upper():
                # The instansi itself above: a unit at the top of the agency (an uncertain case of ref-unor).
                row = replace(row, parent_siasn_id=None)
            resolved.append((line, replace(row, agency_code=code)))
        return resolved

    async def resolve_units(
        self, read: list[tuple[int, exchange.UnitRow]]
    ) -> list[tuple[int, exchange.UnitRow]]:
        """The rows with a new id for each unit SIASN names, and their parents as ours."""
        linked = {
            code: await siasn_identities.refs_by_siasn_id(self._connection, RecordKind.UNIT, code)
            for code in sorted({row.agency_code for _, row in read})
        }
        in_file: dict[tuple[str, str], tuple[int, UUID]] = {}  # (agency, SIASN id) -> line, new unit id
        named = []
        for line, row in read:
            code = row.agency_code
            if (siasn_id := row.siasn_id) is not None:
                if (holder := linked[code].get(siasn_id)) is not None:
                    self._problem(line, "id", f"already linked to unit {holder}", siasn_id)
                    continue
                if (earlier := in_file.get((code, siasn_id))) is not None:
                    self._problem(line, "id", f"the same SIASN id is on line {earlier[0]}", siasn_id)
                    continue
                new_id = uuid4()
                row = replace(row, id=new_id)
                in_file[(code, siasn_id)] = (line, new_id)
            named.append((line, row))
        resolved = []
        for line, row in named:
            if row.parent_siasn_id is not None:
                key = (row.agency_code, row.parent_siasn_id)
                parent = (
                    in_file[key][1] if key in in_file else linked[row.agency_code].get(row.parent_siasn_id)
                )
                if parent is None:
                    message = (
                        f"no unit of agency {row.agency_code} has this SIASN unor id, among the file's good"
                        " rows or the units linked to SIASN"
                    )
                    self._problem(line, "parent_id", message, row.parent_siasn_id)
                    continue
                row = replace(row, parent_id=UUID(str(parent)))
            resolved.append((line, row))
        return resolved

    def _problem(self, line: int, field: str, message: str, value: str) -> None:
        self._problems.append(exchange.problem_at(self._layout, line, field, message, value))


class _SiasnPositions:
    """A SIASN file's positions as ours: the unit by its SIASN unor id (the one unit linked to it, in any
    agency); a position SIASN names gets a new id of ours and keeps its SIASN jabatan id, free within its
    unit (in the file and among the positions already linked)."""

    def __init__(self, connection: AsyncConnection, layout: Layout, problems: ProblemList) -> None:
        self._connection, self._layout, self._problems = connection, layout, problems

    async def resolve_units(
        self, read: list[tuple[int, exchange.PositionRow]]
    ) -> list[tuple[int, exchange.PositionRow]]:
        unor_ids = sorted({row.unit_siasn_id for _, row in read if row.unit_siasn_id is not None})
        holders = await siasn_identities.units_by_siasn_id(self._connection, unor_ids)
        resolved = []
        for line, row in read:
            if row.unit_siasn_id is not None:
                found = holders.get(row.unit_siasn_id, [])
                if len(found) != 1:
                    message = (
                        f"units of several agencies ({', '.join(code for _, code in found)}) have this SIASN"
                        " unor id: name the unit by its id"
                        if found
                        else "no unit has this SIASN unor id (import the unit file first, or link the unit on"
                        " the SIASN page)"
                    )
                    self._problem(line, "unit_id", message, row.unit_siasn_id)
                    continue
                row = replace(row, unit_id=UUID(found[0][0]))
            resolved.append((line, row))
        return resolved

    async def unlinked(
        self, read: list[tuple[int, exchange.PositionRow]], units: dict[UUID, Unit]
    ) -> list[tuple[int, exchange.PositionRow]]:
        """The rows whose SIASN id is free in their unit; a new id for each."""
        linked: dict[str, str] = {}  # `unit id/SIASN id` -> our position id
        for code in sorted({units[row.unit_id].agency_code for _, row in read if row.unit_id in units}):
            linked.update(
                await siasn_identities.refs_by_siasn_id(self._connection, RecordKind.POSITION, code)
            )
        first_line: dict[str, int] = {}
        kept = []
        for line, row in read:
            if row.siasn_id is not None:
                key = f"{row.unit_id}/{row.siasn_id}"
                if (holder := linked.get(key)) is not None:
                    self._problem(line, "id", f"already linked to position {holder}", row.siasn_id)
                    continue
                if (earlier := first_line.setdefault(key, line)) != line:
                    self._problem(
                        line, "id", f"the unit has the same SIASN id on line {earlier}", row.siasn_id
                    )
                    continue
                row = replace(row, id=uuid4())
            kept.append((line, row))
        return kept

    def _problem(self, line: int, field: str, message: str, value: str) -> None:
        self._problems.append(exchange.problem_at(self._layout, line, field, message, value))


async def _rows_of(sheet: Sheet, progress: Progress) -> list[tuple[int, list[Cell]]]:
    rows = await sheet.read_rows()
    if not rows:
        raise InvalidFile("the file has a header but no rows", code="empty-file")
    await progress(validated=0, written=0, total=len(rows))
    return rows


Row = TypeVar("Row", exchange.UnitRow, exchange.PositionRow)


def _checked(
    rows: Sequence[tuple[int, list[Cell]]],
    layout: Layout,
    check: Callable[[Layout, int, Sequence[Cell]], "Row | list[FieldProblem]"],
    problems: ProblemList,
) -> list[tuple[int, "Row"]]:
    """The rows whose cells are good; the problems of the others are added to `problems`."""
    read = []
    for line, cells in rows:
        outcome = check(layout, line, cells)
        if isinstance(outcome, list):
            problems.extend(outcome)
        else:
            read.append((line, outcome))
    return read


def _ids(layout: Layout, read: list[tuple[int, Any]], problems: ProblemList) -> dict[UUID, int]:
    """Each row's id (a new one where the file gives none) and its line; rows repeating an id of an earlier
    line are reported and left out of `read`."""
    lines: dict[UUID, int] = {}
    kept = []
    for line, row in read:
        row_id = row.id or uuid4()
        if row_id in lines:
            message = f"the same id is on line {lines[row_id]}"
            problems.append(exchange.problem_at(layout, line, "id", message, row_id))
            continue
        lines[row_id] = line
        kept.append((line, row))
    read[:] = kept
    return lines


def _parents_first(in_file: dict[UUID, exchange.UnitRow]) -> list[UUID]:
    """The file's units, each after its parent when the parent is in the file too; units in a cycle last."""
    done: set[UUID] = set()
    ordered: list[UUID] = []
    waiting = list(in_file)
    while waiting:
        ready = [u for u in waiting if in_file[u].parent_id not in in_file or in_file[u].parent_id in done]
        if not ready:
            return ordered + waiting
        ordered.extend(ready)
        done.update(ready)
        waiting = [u for u in waiting if u not in done]
    return ordered


def _require_scope(
    layout: Layout, field: str, rows: list[tuple[int, str]], agencies: frozenset[str] | None
) -> None:
    """Refuses rows whose `field` refers to an agency outside `agencies` (None: every agency), naming the
    column and the line of each."""
    outside = [
        exchange.problem_at(
            layout, line, field, f"refers to agency {code}, which is outside your scope", code
        )
        for line, code in rows
        if agencies is not None and code not in agencies
    ]
    if outside:
        raise Forbidden(f"{len(outside)} row(s) of agencies outside your scope", errors=outside)


def _refuse_if_any(problems: ProblemList, total: int) -> None:
    if problems:
        listed = problems.first()
        shown = ""
        if problems.total > len(listed):
            shown = f"; the first {len(listed)} of its {problems.total} problems are listed"
        raise InvalidRows(
            f"{problems.rows} of {total} rows are invalid; nothing was imported{shown}",
            errors=listed,
            errors_total=problems.total,
        )


async def export_unit_rows(
    connection: AsyncConnection, agency_code: str | None, mapping: Mapping
) -> AsyncIterator[list[list[Cell]]]:
    """The rows of a units export (parents first), a batch at a time."""
    async for batch in bulk.unit_batches(connection, agency_code, size=EXPORT_BATCH):
        siasn_ids: dict[str, str] = {}
        if mapping is Mapping.SIASN:  # SIASN's ids where our records are linked, ours where not
            unit_ids = {str(u.id) for u in batch} | {str(u.parent_id) for u in batch if u.parent_id}
            codes = sorted({u.agency_code for u in batch})
            siasn_ids = await siasn_identities.siasn_ids_of(connection, RecordKind.UNIT, sorted(unit_ids))
            siasn_ids.update(await siasn_identities.siasn_ids_of(connection, RecordKind.AGENCY, codes))
        yield [exchange.export_unit_row(unit, mapping, siasn_ids) for unit in batch]


async def export_position_rows(
    connection: AsyncConnection, agency_code: str | None, mapping: Mapping
) -> AsyncIterator[list[list[Cell]]]:
    """The rows of a positions export, a batch at a time."""
    async for batch in bulk.position_batches(connection, agency_code, size=EXPORT_BATCH):
        siasn_ids: dict[str, str] = {}
        if mapping is Mapping.SIASN:  # SIASN's ids where our records are linked, ours where not
            position_ids = sorted(str(p.id) for p, _ in batch)
            unit_ids = sorted({str(p.unit_id) for p, _ in batch})
            siasn_ids = await siasn_identities.siasn_ids_of(connection, RecordKind.POSITION, position_ids)
            siasn_ids.update(await siasn_identities.siasn_ids_of(connection, RecordKind.UNIT, unit_ids))
        yield [exchange.export_position_row(position, head, mapping, siasn_ids) for position, head in batch]


async def export_rows(
    connection: AsyncConnection, where: EmployeeFilter, mapping: Mapping
) -> AsyncIterator[list[list[Cell]]]:
    """The rows of an export, in NIP order, a batch at a time; `exchange.header(mapping)` names them."""
    async for batch in bulk.employee_batches(connection, where, size=EXPORT_BATCH):
        if mapping is Mapping.NATIVE:
            yield [exchange.export_row(employee, mapping) for employee in batch]
            continue
        siasn_ids = await siasn_identities.siasn_ids_of_employees(connection, [str(e.nip) for e in batch])
        yield [exchange.export_row(e, mapping, siasn_id=siasn_ids.get(str(e.nip))) for e in batch]
