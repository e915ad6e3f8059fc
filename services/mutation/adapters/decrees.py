"""The decrees' rows: the issuing offices' number registers and each decree version of a proposal."""

from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import decree_registers, decrees
from services.mutation.domain.decree import Decree, DecreeKind, DecreeStatus
from shared.db import dialect_insert


async def next_number(connection: AsyncConnection, register: str, year: int) -> int:
    """Take the register's next number: one upsert that increments the counter row and returns it. The row
    stays locked until the transaction ends, so a concurrent issue waits and then takes the number after;
    a rollback gives the number back."""
    first = dialect_insert(connection, decree_registers).values(register=register, year=year, last_number=1)
    statement = first.on_conflict_do_update(
        index_elements=["register", "year"], set_={"last_number": decree_registers.c.last_number + 1}
    ).returning(decree_registers.c.last_number)
    return int((await connection.execute(statement)).scalar_one())


def decree_of(row: Any) -> Decree:
    return Decree(
        row.id,
        row.proposal_id,
        row.number,
        row.register,
        row.year,
        row.sequence,
        DecreeKind(row.kind),
        row.version,
        row.changes_id,
        DecreeStatus(row.status),
        row.tmt,
        row.content,
        row.storage_key,
        row.sha256,
        row.size,
        row.issued_by,
        row.issued_at,
        row.on_behalf_reason,
    )


async def decree(connection: AsyncConnection, decree_id: UUID) -> Decree | None:
    row = (await connection.execute(select(decrees).where(decrees.c.id == decree_id))).first()
    return None if row is None else decree_of(row)


async def decrees_of(connection: AsyncConnection, proposal_id: UUID) -> list[Decree]:
    rows = await connection.execute(
        select(decrees).where(decrees.c.proposal_id == proposal_id).order_by(decrees.c.version)
    )
    return [decree_of(row) for row in rows]


async def versions_of(connection: AsyncConnection, proposal_id: UUID) -> int:
    """How many decree versions a proposal has."""
    counted = await connection.scalar(
        select(func.count()).select_from(decrees).where(decrees.c.proposal_id == proposal_id)
    )
    return int(counted or 0)


async def record(connection: AsyncConnection, decree: Decree, *, replaces: Decree | None) -> None:
    """Record a decree version; the one it replaces is kept, marked revoked (by a revocation) or
    superseded."""
    await connection.execute(insert(decrees).values(**vars(decree)))
    if replaces is not None:
        status = DecreeStatus.REVOKED if decree.kind is DecreeKind.REVOCATION else DecreeStatus.SUPERSEDED
        await connection.execute(
            update(decrees).where(decrees.c.id == replaces.id).values(status=status.value)
        )
