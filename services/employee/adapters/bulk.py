"""Many records at once: registering validated batches of employees, units and positions (imports, the demo
seed) and reading them in batches (exports).

Writes take the database's bulk path (`shared.db.bulk_insert`: COPY on PostgreSQL) and keep what a single
registration keeps: the record with its current placement and rank (and, where a batch brings them,
earlier placements and ranks, education and assessed competencies).
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters import organisation
from services.employee.adapters.repository import EmployeeFilter, employee_of, row_values
from services.employee.adapters.tables import (
    competency_assessments,
    education_history,
    employees,
    position_history,
    position_tasks,
    positions,
    rank_history,
    units,
)
from services.employee.domain.model import Employee, Placement, Rank
from services.employee.domain.organisation import Position, Unit
from services.employee.domain.workload import TaskList, workload_minutes
from shared import clock
from shared.db import bulk_insert, existing_keys


async def registered_nips(connection: AsyncConnection, nips: Sequence[str]) -> set[str]:
    """Which of `nips` are already registered."""
    return await existing_keys(connection, employees.c.nip, nips)


@dataclass(frozen=True)
class History:
    """A new employee's placements and ranks before the current ones (which the record holds), oldest
    first."""

    placements: Sequence[Placement]
    ranks: Sequence[Rank]


@dataclass(frozen=True)
class NewEmployees:
    """New employees as the rows a registration writes: the record (with the current placement and rank),
    earlier placements and ranks where known, education and assessed competencies. Built apart from the
    writing, so an import builds the next batch while the database writes this one."""

    record_columns: tuple[str, ...]
    records: list[tuple[Any, ...]]
    placements: list[tuple[Any, ...]]
    ranks: list[tuple[Any, ...]]
    education: list[tuple[Any, ...]]
    assessments: list[tuple[Any, ...]]


def new_employees(
    batch: Sequence[Employee], *, reason: str, histories: Sequence[History] | None = None
) -> NewEmployees:
    """`reason`: why the employees hold their current placement; `histories` (one per employee, if any):
    their earlier placements and ranks."""
    now = clock.now()
    nips = [str(e.nip) for e in batch]
    values = [row_values(e) for e in batch]
    earlier = list(zip(nips, histories, strict=True)) if histories is not None else []
    return NewEmployees(
        record_columns=("nip", "version", "created_at", "updated_at", "placement_reason", *_fields(values)),
        records=[
            (nip, e.version, now, now, reason, *v.values())
            for nip, e, v in zip(nips, batch, values, strict=True)
        ],
        placements=[
            (nip, p.agency_code, p.unit_id, p.position_id, p.tmt, reason, now)
            for nip, history in earlier
            for p in history.placements
        ],
        ranks=[(nip, rank.code, rank.tmt, now) for nip, history in earlier for rank in history.ranks],
        education=[
            (nip, d.level.value, d.institution, d.major, d.graduation_year)
            for nip, e in zip(nips, batch, strict=True)
            for d in e.education
        ],
        assessments=[
            (nip, a.competency, a.level, a.assessed_on, a.source)
            for nip, e in zip(nips, batch, strict=True)
            for a in e.competencies.values()
        ],
    )


def _fields(values: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(values[0]) if values else ()


_PLACEMENT_COLUMNS = ("nip", "agency_code", "unit_id", "position_id", "tmt", "reason", "recorded_at")
_RANK_COLUMNS = ("nip", "rank_code", "tmt", "recorded_at")
_EDUCATION_COLUMNS = ("nip", "level", "institution", "major", "graduation_year")
_ASSESSMENT_COLUMNS = ("nip", "competency", "level", "assessed_on", "source")


def with_siasn_ids(rows: NewEmployees, siasn_ids: Sequence[str | None]) -> NewEmployees:
    """The records with each employee's SIASN id (None: not linked)."""
    return replace(
        rows,
        record_columns=(*rows.record_columns, "siasn_id"),
        records=[(*record, siasn_id) for record, siasn_id in zip(rows.records, siasn_ids, strict=True)],
    )


async def add_employees(connection: AsyncConnection, new: NewEmployees) -> None:
    await bulk_insert(connection, employees, new.record_columns, new.records)
    await bulk_insert(connection, position_history, _PLACEMENT_COLUMNS, new.placements)
    await bulk_insert(connection, rank_history, _RANK_COLUMNS, new.ranks)
    await bulk_insert(connection, education_history, _EDUCATION_COLUMNS, new.education)
    await bulk_insert(connection, competency_assessments, _ASSESSMENT_COLUMNS, new.assessments)


async def add_units(
    connection: AsyncConnection, new: Sequence[Unit], siasn_ids: Mapping[UUID, str] | None = None
) -> None:
    """New units, every parent before its children (the parent key is checked row by row); `siasn_ids`:
    the SIASN id each linked one keeps."""
    linked = siasn_ids or {}
    await _add(
        connection, units, [{**organisation.unit_values(u), "siasn_id": linked.get(u.id)} for u in new]
    )


async def add_positions(
    connection: AsyncConnection,
    new: Sequence[Position],
    task_lists: Mapping[UUID, TaskList],
    siasn_ids: Mapping[UUID, str] | None = None,
) -> None:
    """New positions, with their ABK where `task_lists` has one; `siasn_ids`: the SIASN id each linked one
    keeps."""
    linked = siasn_ids or {}
    rows = []
    for position in new:
        task_list = task_lists.get(position.id)
        assessed = task_list is not None and task_list.version > 0
        rows.append(
            {
                **organisation.position_values(position),
                "siasn_id": linked.get(position.id),
                "tasks_version": task_list.version if task_list else 0,
                "assessed_at": task_list.assessed_at if task_list else None,
                "workload_minutes": workload_minutes(task_list.tasks) if task_list and assessed else None,
            }
        )
    await _add(connection, positions, rows)
    await bulk_insert(
        connection,
        position_tasks,
        ("position_id", "line", "name", "yearly_volume", "output_unit", "time_norm_minutes"),
        [
            (t.position_id, line, task.name, task.yearly_volume, task.output_unit, task.time_norm_minutes)
            for t in task_lists.values()
            for line, task in enumerate(t.tasks, start=1)
        ],
    )


async def set_unit_heads(connection: AsyncConnection, revised: Sequence[Unit]) -> None:
    """Write units whose head changed (their version already raised by the domain)."""
    if not revised:
        return
    await connection.execute(
        update(units)
        .where(units.c.id == bindparam("unit_id"))
        .values(head_position_id=bindparam("head"), version=bindparam("new_version"), updated_at=clock.now()),
        [{"unit_id": u.id, "head": u.head_position_id, "new_version": u.version} for u in revised],
    )


async def _add(connection: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    now = clock.now()
    columns = (*rows[0], "created_at", "updated_at")
    await bulk_insert(connection, table, columns, [(*row.values(), now, now) for row in rows])


async def unit_batches(
    connection: AsyncConnection, agency_code: str | None, *, size: int
) -> AsyncIterator[list[Unit]]:
    """Units (of one agency, or all), parents before children, a batch at a time."""
    query = select(units)
    if agency_code is not None:
        query = query.where(units.c.agency_code == agency_code)
    rows = list(await connection.execute(query.order_by(units.c.agency_code, units.c.name, units.c.id)))
    ordered = organisation.parents_first([organisation.unit_of(row) for row in rows])
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


async def position_batches(
    connection: AsyncConnection, agency_code: str | None, *, size: int
) -> AsyncIterator[list[tuple[Position, bool]]]:
    """Positions (of one agency, or all) by unit and name, each with whether it heads its unit."""
    query = select(positions, units.c.head_position_id).join(units, units.c.id == positions.c.unit_id)
    if agency_code is not None:
        query = query.where(positions.c.agency_code == agency_code)
    query = query.order_by(positions.c.agency_code, positions.c.unit_id, positions.c.name, positions.c.id)
    result = await connection.stream(query.execution_options(yield_per=size))
    async for rows in result.partitions(size):
        yield [(organisation.position_of(row), row.head_position_id == row.id) for row in rows]


async def employee_batches(
    connection: AsyncConnection, where: EmployeeFilter, *, size: int
) -> AsyncIterator[list[Employee]]:
    """The employees `where` selects, in NIP order, streamed from the database `size` at a time."""
    query = where.apply(select(employees)).order_by(employees.c.nip).execution_options(yield_per=size)
    result = await connection.stream(query)
    async for rows in result.partitions(size):
        yield [employee_of(row) for row in rows]
