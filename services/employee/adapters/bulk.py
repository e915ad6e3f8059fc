"""Many employees at once: registering a validated batch (imports) and reading in batches (exports).

Writes take the database's bulk path (`shared.db.bulk_insert`: COPY on PostgreSQL) and keep what a single
registration keeps: the record, its first placement and its rank in the histories.
"""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.repository import EmployeeFilter, employee_of, row_values
from services.employee.adapters.tables import employees, position_history, rank_history
from services.employee.domain.model import Employee
from shared.db import bulk_insert

# Well below SQLite's limit of bound parameters in one statement (32,766).
LOOKUP_BATCH = 5_000


async def registered_nips(connection: AsyncConnection, nips: Sequence[str]) -> set[str]:
    """Which of `nips` are already registered."""
    found: set[str] = set()
    for start in range(0, len(nips), LOOKUP_BATCH):
        chunk = nips[start : start + LOOKUP_BATCH]
        found.update(await connection.scalars(select(employees.c.nip).where(employees.c.nip.in_(chunk))))
    return found


@dataclass(frozen=True)
class NewEmployees:
    """New employees as the rows a registration writes: the record, the first placement and the rank in
    the histories. Built apart from the writing, so an import builds the next batch while the database
    writes this one."""

    record_columns: tuple[str, ...]
    records: list[tuple[Any, ...]]
    placements: list[tuple[Any, ...]]
    ranks: list[tuple[Any, ...]]


def new_employees(batch: Sequence[Employee], *, reason: str) -> NewEmployees:
    now = datetime.now(UTC)
    nips = [str(e.nip) for e in batch]
    values = [row_values(e) for e in batch]
    return NewEmployees(
        record_columns=("nip", "version", "created_at", "updated_at", *(values[0] if values else ())),
        records=[
            (nip, e.version, now, now, *v.values()) for nip, e, v in zip(nips, batch, values, strict=True)
        ],
        placements=[
            (
                nip,
                e.placement.agency_code,
                e.placement.unit_id,
                e.placement.position_id,
                e.placement.tmt,
                reason,
                now,
            )
            for nip, e in zip(nips, batch, strict=True)
        ],
        ranks=[
            (nip, e.rank.code, e.rank.tmt, now)
            for nip, e in zip(nips, batch, strict=True)
            if e.rank is not None
        ],
    )


_PLACEMENT_COLUMNS = ("nip", "agency_code", "unit_id", "position_id", "tmt", "reason", "recorded_at")
_RANK_COLUMNS = ("nip", "rank_code", "tmt", "recorded_at")


async def add_employees(connection: AsyncConnection, new: NewEmployees) -> None:
    await bulk_insert(connection, employees, new.record_columns, new.records)
    await bulk_insert(connection, position_history, _PLACEMENT_COLUMNS, new.placements)
    await bulk_insert(connection, rank_history, _RANK_COLUMNS, new.ranks)


async def employee_batches(
    connection: AsyncConnection, where: EmployeeFilter, *, size: int
) -> AsyncIterator[list[Employee]]:
    """The employees `where` selects, in NIP order, streamed from the database `size` at a time."""
    query = where.apply(select(employees)).order_by(employees.c.nip).execution_options(yield_per=size)
    result = await connection.stream(query)
    async for rows in result.partitions(size):
        yield [employee_of(row) for row in rows]
