"""What the mutation service records itself about people, beside the employee service's data: family ties
(the conflict-of-interest rule) and service bonds, and the rows its read-only views show."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import agencies, relatives, service_bonds
from shared.db import upsert


async def agency_row(connection: AsyncConnection, code: str) -> RowMapping | None:
    row = (await connection.execute(select(agencies).where(agencies.c.code == code))).first()
    return None if row is None else row._mapping


async def relatives_of(connection: AsyncConnection, nip: str) -> list[RowMapping]:
    rows = await connection.execute(
        select(relatives).where(relatives.c.nip == nip).order_by(relatives.c.relative_nip)
    )
    return [row._mapping for row in rows]


async def record_relative(connection: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Record a family tie, replacing what was recorded of the same two people."""
    await connection.execute(
        delete(relatives).where(
            relatives.c.nip == values["nip"], relatives.c.relative_nip == values["relative_nip"]
        )
    )
    await connection.execute(insert(relatives).values(**values))


async def record_service_bond(connection: AsyncConnection, nip: str, values: Mapping[str, Any]) -> None:
    await upsert(connection, service_bonds, {"nip": nip}, values)
