"""Reads and writes SIASN's reference lists as last fetched (`siasn_references`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.siasn.adapters.tables import siasn_references as table


@dataclass(frozen=True)
class Reference:
    list: str
    id: str
    name: str
    parent_id: str | None
    data: dict[str, Any]
    fetched_at: datetime


async def replace_list(connection: AsyncConnection, name: str, entries: Sequence[Reference]) -> None:
    """The list becomes `entries`: what SIASN no longer lists goes."""
    await connection.execute(delete(table).where(table.c.list == name))
    if entries:
        await connection.execute(
            insert(table),
            [
                {
                    "list": e.list,
                    "id": e.id,
                    "name": e.name,
                    "parent_id": e.parent_id,
                    "data": e.data,
                    "fetched_at": e.fetched_at,
                }
                for e in entries
            ],
        )


async def search(
    connection: AsyncConnection, name: str, *, contains: str | None, limit: int, after: tuple[str, str] | None
) -> list[Reference]:
    """Entries of one list in (name, id) order, those whose name holds `contains` (any case)."""
    conditions = [table.c.list == name]
    if contains:
        conditions.append(func.lower(table.c.name).contains(contains.lower(), autoescape=True))
    if after is not None:
        after_name, after_id = after
        conditions.append(
            or_(table.c.name > after_name, and_(table.c.name == after_name, table.c.id > after_id))
        )
    rows = await connection.execute(
        select(table).where(and_(*conditions)).order_by(table.c.name, table.c.id).limit(limit)
    )
    return [Reference(r.list, r.id, r.name, r.parent_id, r.data, r.fetched_at) for r in rows]


async def counts(connection: AsyncConnection) -> dict[str, int]:
    rows = await connection.execute(select(table.c.list, func.count()).group_by(table.c.list))
    return {row[0]: int(row[1]) for row in rows}
