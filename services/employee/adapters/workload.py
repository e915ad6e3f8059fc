"""Loads and saves positions' task lists (ABK), and gathers what staffing figures are computed from."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.tables import agencies, employees, position_tasks, positions, units
from services.employee.domain.model import EmployeeStatus
from services.employee.domain.workload import Task, TaskList
from shared.errors import PreconditionFailed


async def get_task_list(connection: AsyncConnection, position_id: UUID) -> TaskList | None:
    """None when there is no such position."""
    head = (
        await connection.execute(
            select(positions.c.tasks_version, positions.c.assessed_at).where(positions.c.id == position_id)
        )
    ).first()
    if head is None:
        return None
    rows = await connection.execute(
        select(position_tasks)
        .where(position_tasks.c.position_id == position_id)
        .order_by(position_tasks.c.line)
    )
    tasks = tuple(Task(r.name, r.yearly_volume, r.output_unit, r.time_norm_minutes) for r in rows)
    return TaskList(position_id, tasks, head.tasks_version, head.assessed_at)


async def save_task_list(
    connection: AsyncConnection, task_list: TaskList, *, minutes: Decimal, expected_version: int
) -> None:
    """Replace the position's tasks and record their total, unless someone else put a list since
    `expected_version`."""
    result = await connection.execute(
        update(positions)
        .where(positions.c.id == task_list.position_id, positions.c.tasks_version == expected_version)
        .values(tasks_version=task_list.version, assessed_at=task_list.assessed_at, workload_minutes=minutes)
    )
    if result.rowcount != 1:
        raise PreconditionFailed(
            f"the tasks of position {task_list.position_id} were changed by someone else; reload them"
        )
    await connection.execute(
        delete(position_tasks).where(position_tasks.c.position_id == task_list.position_id)
    )
    if task_list.tasks:
        await connection.execute(
            insert(position_tasks),
            [
                {
                    "position_id": task_list.position_id,
                    "line": line,
                    "name": task.name,
                    "yearly_volume": task.yearly_volume,
                    "output_unit": task.output_unit,
                    "time_norm_minutes": task.time_norm_minutes,
                }
                for line, task in enumerate(task_list.tasks, start=1)
            ],
        )


@dataclass(frozen=True)
class AgencyEntry:
    code: str
    name: str


@dataclass(frozen=True)
class UnitEntry:
    id: UUID
    agency_code: str
    parent_id: UUID | None
    name: str


@dataclass(frozen=True)
class PositionEntry:
    """A position whose ABK was made: its yearly task minutes and how many active employees hold it."""

    id: UUID
    agency_code: str
    unit_id: UUID
    name: str
    workload_minutes: Decimal
    present: int


@dataclass(frozen=True)
class StaffingSource:
    """Everything the staffing figures of some agencies are computed from."""

    agencies: list[AgencyEntry]
    units: list[UnitEntry]
    positions: list[PositionEntry]


async def province_agency_codes(connection: AsyncConnection, province_code: str) -> list[str]:
    """The province agency and every kabupaten and kota agency that belongs to it."""
    rows = await connection.scalars(select(agencies.c.code).where(agencies.c.province_code == province_code))
    return list(rows)


async def staffing_source(connection: AsyncConnection, agency_codes: list[str]) -> StaffingSource:
    found_agencies = await connection.execute(
        select(agencies.c.code, agencies.c.name).where(agencies.c.code.in_(agency_codes))
    )
    found_units = await connection.execute(
        select(units.c.id, units.c.agency_code, units.c.parent_id, units.c.name).where(
            units.c.agency_code.in_(agency_codes)
        )
    )
    assessed = await connection.execute(
        select(
            positions.c.id,
            positions.c.agency_code,
            positions.c.unit_id,
            positions.c.name,
            positions.c.workload_minutes,
        ).where(positions.c.agency_code.in_(agency_codes), positions.c.workload_minutes.is_not(None))
    )
    present = await _present_staff(connection, agency_codes)
    return StaffingSource(
        agencies=[AgencyEntry(r.code, r.name) for r in found_agencies],
        units=[UnitEntry(r.id, r.agency_code, r.parent_id, r.name) for r in found_units],
        positions=[
            PositionEntry(r.id, r.agency_code, r.unit_id, r.name, r.workload_minutes, present[r.id])
            for r in assessed
        ],
    )


async def _present_staff(connection: AsyncConnection, agency_codes: list[str]) -> Counter[UUID]:
    """Active employees per position (bezetting), read from the employee record's own table.

    Filtered by the employees' agency rather than by a list of position ids, which for a whole province
    could exceed a driver's limit on bound parameters.
    """
    rows = await connection.execute(
        select(employees.c.position_id, func.count())
        .where(
            employees.c.agency_code.in_(agency_codes),
            employees.c.status == EmployeeStatus.ACTIVE.value,
            employees.c.position_id.is_not(None),
        )
        .group_by(employees.c.position_id)
    )
    counts: Counter[UUID] = Counter()
    for position_id, count in rows:
        position = _uuid_or_none(position_id)
        # The record stores position ids as text; one that names no position of ours holds no ABK place.
        if position is not None:
            counts[position] += count
    return counts


def _uuid_or_none(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
