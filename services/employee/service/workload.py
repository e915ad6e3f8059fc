"""Use cases of the workload analysis (ABK): put a position's tasks, read its figures, and list the
positions, units and agencies whose staff do not match their workload."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters import organisation as organisation_repository
from services.employee.adapters import workload as repository
from services.employee.adapters.workload import StaffingSource
from services.employee.domain.organisation import AgencyKind, Position
from services.employee.domain.workload import (
    Staffing,
    Task,
    TaskList,
    Workload,
    position_workload,
    replace_tasks,
    rounded,
    totals_by,
    unit_workloads,
    workload_minutes,
)
from services.employee.service.organisation import get_position
from shared import clock
from shared.contracts import employee as contracts
from shared.errors import FieldProblem, InvalidInput, NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class PositionWorkload:
    """A position's task list with its figures and those of its unit with all sub-units; no figures
    before the position's ABK is made."""

    position: Position
    task_list: TaskList
    figures: Workload | None
    unit_figures: Workload | None


async def get_position_workload(connection: AsyncConnection, position_id: UUID) -> PositionWorkload:
    position = await get_position(connection, position_id)
    task_list = await _task_list(connection, position_id)
    figures = await _agency_figures(connection, position.agency_code)
    return PositionWorkload(
        position, task_list, figures.positions.get(position.id), figures.units.get(position.unit_id)
    )


async def put_tasks(
    uow: UnitOfWork, position_id: UUID, tasks: Sequence[Task], *, expected_version: int
) -> PositionWorkload:
    """Replace the position's whole task list and announce its recomputed figures."""
    connection = uow.connection
    position = await get_position(connection, position_id)
    current = await _task_list(connection, position_id)
    check_version(current.version, expected_version, f"the tasks of position {position_id}")
    task_list = replace_tasks(current, tasks, at=clock.now())
    changed = task_list.tasks != current.tasks
    if changed:
        await repository.save_task_list(
            connection, task_list, minutes=workload_minutes(task_list.tasks), expected_version=current.version
        )
    else:  # the same list again: no new version, no event
        task_list = current
    figures = await _agency_figures(connection, position.agency_code)
    own, unit = figures.positions.get(position.id), figures.units.get(position.unit_id)
    if changed:
        uow.publish(_assessed(position, task_list, figures))
        await uow.commit()
    return PositionWorkload(position, task_list, own, unit)


async def announce_workloads(uow: UnitOfWork, assessed: Sequence[tuple[Position, TaskList]]) -> None:
    """Publish the figures of many positions whose task lists were written in bulk (the demo seed), the
    figures of each agency computed once; the caller commits."""
    by_agency: dict[str, list[tuple[Position, TaskList]]] = {}
    for position, task_list in assessed:
        by_agency.setdefault(position.agency_code, []).append((position, task_list))
    for agency_code, entries in by_agency.items():
        figures = await _agency_figures(uow.connection, agency_code)
        await uow.publish_many([_assessed(position, task_list, figures) for position, task_list in entries])


def _assessed(position: Position, task_list: TaskList, figures: "_Figures") -> CloudEvent:
    return new_event(
        "asn.employee.workload.assessed",
        subject=str(position.id),
        agency=position.agency_code,
        data=contracts.WorkloadAssessed(
            position_id=str(position.id),
            unit_id=str(position.unit_id),
            agency_code=position.agency_code,
            tasks=len(task_list.tasks),
            tasks_version=task_list.version,
            position=_figures(figures.positions[position.id]),
            unit=_figures(figures.units[position.unit_id]),
        ),
    )


async def _task_list(connection: AsyncConnection, position_id: UUID) -> TaskList:
    task_list = await repository.get_task_list(connection, position_id)
    if task_list is None:
        raise NotFound(f"there is no position {position_id}")
    return task_list


async def _agency_figures(connection: AsyncConnection, agency_code: str) -> "_Figures":
    return _Figures.of(await repository.staffing_source(connection, [agency_code]))


def _figures(workload: Workload) -> contracts.WorkloadFigures:
    efficiency, band = workload.efficiency, workload.band
    return contracts.WorkloadFigures(
        workload_hours=float(rounded(workload.hours, 2)),
        staff_needed_exact=float(rounded(workload.staff_needed_exact, 4)),
        staff_needed=workload.staff_needed,
        present=workload.present,
        gap=workload.gap,
        efficiency=None if efficiency is None else float(rounded(efficiency, 4)),
        band=None if band is None else band.value,
    )


@dataclass(frozen=True)
class _Figures:
    """The figures of every assessed position of some agencies, and of their units and agencies."""

    positions: dict[UUID, Workload]
    units: dict[UUID, Workload]
    agencies: dict[str, Workload]

    @classmethod
    def of(cls, source: StaffingSource) -> "_Figures":
        positions = {p.id: position_workload(p.workload_minutes, p.present) for p in source.positions}
        tree = {u.id: u.parent_id for u in source.units}
        return cls(
            positions=positions,
            units=unit_workloads(tree, ((p.unit_id, positions[p.id]) for p in source.positions)),
            agencies=totals_by((p.agency_code, positions[p.id]) for p in source.positions),
        )


class Level(StrEnum):
    POSITION = "position"
    UNIT = "unit"
    AGENCY = "agency"


@dataclass(frozen=True)
class StaffingRow:
    """One position, unit (with its sub-units) or agency and its figures. `parent_unit_id` is the unit a
    position or a unit sits in."""

    level: Level
    id: str
    name: str
    agency_code: str
    parent_unit_id: UUID | None
    workload: Workload


SORT_FIELDS: Mapping[str, Callable[[Workload], Fraction | int | None]] = {
    "gap": lambda w: w.gap,
    "present": lambda w: w.present,
    "staff_needed": lambda w: w.staff_needed,
    "staff_needed_exact": lambda w: w.staff_needed_exact,
    "workload_hours": lambda w: w.hours,
    "efficiency": lambda w: w.efficiency,
}

SortOrder = tuple[tuple[str, bool], ...]  # (field, descending) pairs
SortKey = tuple[Any, ...]


async def staffing_list(
    connection: AsyncConnection,
    *,
    agency: str | None,
    province: str | None,
    level: Level,
    staffing: Staffing | None,
    sort: str,
    limit: int,
    after: list[Any] | None,
) -> tuple[list[StaffingRow], list[Any] | None]:
    """A page of rows, and the cursor key of the next page if there is one. Only positions whose ABK was
    made count: one without tasks has no known workload, so it is neither over- nor under-staffed."""
    order = parse_sort(sort)
    start = None if after is None else _key_of_cursor(after, order)
    source = await repository.staffing_source(connection, await _agency_codes(connection, agency, province))
    rows = sorted(
        (row for row in _rows(source, level) if staffing is None or row.workload.staffing is staffing),
        key=lambda row: _sort_key(row, order),
    )
    if start is not None:
        rows = [row for row in rows if _sort_key(row, order) > start]
    page = rows[:limit]
    more = len(rows) > limit
    return page, (_cursor_of(_sort_key(page[-1], order), order) if more else None)


def parse_sort(sort: str) -> SortOrder:
    """`gap,-present`: fields in order of precedence, `-` for descending."""
    order = tuple((name.strip().removeprefix("-"), name.strip().startswith("-")) for name in sort.split(","))
    unknown = [name for name, _ in order if name not in SORT_FIELDS]
    if unknown:
        raise InvalidInput(
            f"cannot sort by {', '.join(unknown)}; sortable: {', '.join(SORT_FIELDS)}",
            errors=[FieldProblem(field="sort", message="unknown field", value=name) for name in unknown],
        )
    return order


async def _agency_codes(connection: AsyncConnection, agency: str | None, province: str | None) -> list[str]:
    if agency is not None and province is None:
        if await organisation_repository.get_agency(connection, agency) is None:
            raise NotFound(f"there is no agency {agency}")
        return [agency]
    if province is not None and agency is None:
        found = await organisation_repository.get_agency(connection, province)
        if found is None or found.kind is not AgencyKind.PROVINCE:
            raise NotFound(f"there is no province agency {province}")
        return await repository.province_agency_codes(connection, province)
    raise InvalidInput(
        "name either one agency or one province",
        errors=[
            FieldProblem(field=name, message="give exactly one of agency and province")
            for name in ("agency", "province")
        ],
    )


def _rows(source: StaffingSource, level: Level) -> list[StaffingRow]:
    figures = _Figures.of(source)
    if level is Level.POSITION:
        return [
            StaffingRow(level, str(p.id), p.name, p.agency_code, p.unit_id, figures.positions[p.id])
            for p in source.positions
        ]
    if level is Level.UNIT:
        return [
            StaffingRow(level, str(u.id), u.name, u.agency_code, u.parent_id, figures.units[u.id])
            for u in source.units
            if u.id in figures.units
        ]
    return [
        StaffingRow(level, a.code, a.name, a.code, None, figures.agencies[a.code])
        for a in source.agencies
        if a.code in figures.agencies
    ]


def _sort_key(row: StaffingRow, order: SortOrder) -> SortKey:
    """The requested fields (rows without a value last, whichever the direction), then agency, name and
    id, so that every row has its own place and a cursor can resume after it."""
    fields = []
    for name, descending in order:
        value = SORT_FIELDS[name](row.workload)
        fields.append((True, Fraction(0)) if value is None else (False, -value if descending else value))
    return (*fields, row.agency_code, row.name, row.id)


def _cursor_of(key: SortKey, order: SortOrder) -> list[Any]:
    *fields, agency_code, name, row_id = key
    return [
        _sort_text(order),
        [[missing, str(value)] for missing, value in fields],
        agency_code,
        name,
        row_id,
    ]


def _key_of_cursor(cursor: list[Any], order: SortOrder) -> SortKey:
    """The sort key a cursor carries; it must come from a page sorted the same way."""
    try:
        sort_text, fields, agency_code, name, row_id = cursor
        if sort_text != _sort_text(order) or len(fields) != len(order):
            raise ValueError(sort_text)
        parsed = [(bool(missing), Fraction(value)) for missing, value in fields]
    except (TypeError, ValueError, ZeroDivisionError):
        raise InvalidInput(
            "the cursor does not belong to a list sorted this way",
            errors=[FieldProblem(field="cursor", message="invalid cursor for this sort")],
        ) from None
    return (*parsed, str(agency_code), str(name), str(row_id))


def _sort_text(order: SortOrder) -> str:
    return ",".join(("-" if descending else "") + name for name, descending in order)


async def figures_of(connection: AsyncConnection, positions: Sequence[Position]) -> dict[UUID, Workload]:
    """The ABK figures of positions whose ABK was made (others are left out)."""
    found: dict[UUID, Workload] = {}
    for agency_code in sorted({p.agency_code for p in positions}):
        figures = await _agency_figures(connection, agency_code)
        found.update((p.id, figures.positions[p.id]) for p in positions if p.id in figures.positions)
    return found
