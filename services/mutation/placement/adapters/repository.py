"""Rounds, snapshots, plans and moves in the mutation service's database."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import employees, positions, units
from services.mutation.placement.adapters.tables import (
    placement_moves,
    placement_plans,
    placement_rounds,
    placement_snapshots,
)
from shared.errors import PreconditionFailed

Row = Mapping[Any, Any]  # a RowMapping: its keys may also be columns
KEYS_PER_QUERY = 1000


async def employee_agencies(connection: AsyncConnection, nips: Sequence[str]) -> dict[str, str]:
    """NIP -> agency code of the employees the read model holds among `nips`."""
    return await _agencies(connection, employees.c.nip, employees.c.agency_code, nips)


async def unit_agencies(connection: AsyncConnection, unit_ids: Sequence[str]) -> dict[str, str]:
    """Unit id -> agency code of the units the read model holds among `unit_ids`."""
    return await _agencies(connection, units.c.unit_id, units.c.agency_code, unit_ids)


async def position_agencies(connection: AsyncConnection, position_ids: Sequence[str]) -> dict[str, str]:
    """Position id -> agency code of the positions the read model holds among `position_ids`."""
    return await _agencies(connection, positions.c.position_id, positions.c.agency_code, position_ids)


async def _agencies(
    connection: AsyncConnection, key: Any, agency: Any, keys: Sequence[str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    wanted = list(dict.fromkeys(keys))
    for low in range(0, len(wanted), KEYS_PER_QUERY):
        rows = await connection.execute(
            select(key, agency).where(key.in_(wanted[low : low + KEYS_PER_QUERY]))
        )
        found.update({row[0]: row[1] for row in rows})
    return found


async def add_round(connection: AsyncConnection, values: Mapping[str, Any]) -> None:
    await connection.execute(insert(placement_rounds).values(**values))


async def get_round(connection: AsyncConnection, round_id: UUID) -> Row | None:
    row = (
        await connection.execute(select(placement_rounds).where(placement_rounds.c.id == round_id))
    ).first()
    return None if row is None else row._mapping


async def list_rounds(
    connection: AsyncConnection,
    agencies: frozenset[str] | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
    *,
    province_rounds: bool,
) -> list[Row]:
    """Newest first; `agencies` (None: all) limits rounds to those scoped to the caller's agencies (a
    province-wide round is scoped to the province government's agency code), and province-wide rounds are
    listed only when `province_rounds`."""
    t = placement_rounds
    query = select(t).order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
    if agencies is not None:
        query = query.where(t.c.scope_code.in_(sorted(agencies)))
        if not province_rounds:
            query = query.where(t.c.scope_kind == "agency")
    if after is not None:
        at, round_id = after
        query = query.where(or_(t.c.created_at < at, and_(t.c.created_at == at, t.c.id < round_id)))
    return [row._mapping for row in await connection.execute(query)]


async def update_round(
    connection: AsyncConnection, round_id: UUID, expected_version: int, values: Mapping[str, Any]
) -> None:
    """Optimistic: the row changes only if it still has the version the caller read."""
    t = placement_rounds
    result = await connection.execute(
        update(t)
        .where(t.c.id == round_id, t.c.version == expected_version)
        .values(**values, version=expected_version + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed("the placement round was changed by someone else; reload it")


async def add_snapshot(connection: AsyncConnection, values: Mapping[str, Any]) -> None:
    await connection.execute(insert(placement_snapshots).values(**values))


async def get_snapshot(connection: AsyncConnection, snapshot_id: UUID) -> Row | None:
    t = placement_snapshots
    row = (await connection.execute(select(t).where(t.c.id == snapshot_id))).first()
    return None if row is None else row._mapping


async def snapshot_keys(connection: AsyncConnection, snapshot_id: UUID) -> Mapping[str, list[Any]]:
    t = placement_snapshots
    keys = await connection.scalar(select(t.c.identities).where(t.c.id == snapshot_id))
    return dict(keys or {})


async def add_plan(
    connection: AsyncConnection, values: Mapping[str, Any], moves: Sequence[Mapping[str, Any]]
) -> None:
    await connection.execute(insert(placement_plans).values(**values))
    if moves:
        await connection.execute(insert(placement_moves), [dict(m) for m in moves])


async def get_plan(connection: AsyncConnection, plan_id: UUID) -> Row | None:
    row = (await connection.execute(select(placement_plans).where(placement_plans.c.id == plan_id))).first()
    return None if row is None else row._mapping


async def list_plans(connection: AsyncConnection, round_id: UUID) -> list[Row]:
    t = placement_plans
    query = select(t).where(t.c.round_id == round_id).order_by(t.c.created_at, t.c.id)
    return [row._mapping for row in await connection.execute(query)]


async def update_plan(
    connection: AsyncConnection, plan_id: UUID, expected_version: int, values: Mapping[str, Any]
) -> None:
    t = placement_plans
    result = await connection.execute(
        update(t)
        .where(t.c.id == plan_id, t.c.version == expected_version)
        .values(**values, version=expected_version + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed("the placement plan was changed by someone else; reload it")


async def moves_of(
    connection: AsyncConnection, plan_id: UUID, *, after: int | None = None, limit: int | None = None
) -> list[Row]:
    t = placement_moves
    query = select(t).where(t.c.plan_id == plan_id).order_by(t.c.seq)
    if after is not None:
        query = query.where(t.c.seq > after)
    if limit is not None:
        query = query.limit(limit)
    return [row._mapping for row in await connection.execute(query)]


async def published_plans(connection: AsyncConnection, round_id: UUID) -> int:
    t = placement_plans
    return int(
        await connection.scalar(
            select(func.count()).select_from(t).where(t.c.round_id == round_id, t.c.state == "published")
        )
        or 0
    )
