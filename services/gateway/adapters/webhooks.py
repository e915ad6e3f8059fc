"""Webhook subscriptions and deliveries as stored: the queries of the use cases and of the dispatcher."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.adapters.tables import webhook_deliveries as deliveries
from services.gateway.adapters.tables import webhook_subscriptions as subscriptions
from shared.db import bulk_insert

PENDING = "pending"
DELIVERY_COLUMNS = (
    "id",
    "subscription_id",
    "event_id",
    "event_type",
    "agency_code",
    "payload",
    "state",
    "attempts",
    "next_attempt_at",
    "created_at",
)


async def active_subscriptions(connection: AsyncConnection) -> Sequence[RowMapping]:
    return (await connection.execute(select(subscriptions).where(subscriptions.c.active))).mappings().all()


async def add_deliveries(connection: AsyncConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows of DELIVERY_COLUMNS."""
    await bulk_insert(connection, deliveries, DELIVERY_COLUMNS, rows)


async def add_subscription(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(subscriptions.insert().values(values))


async def subscriptions_page(
    connection: AsyncConnection, *, owner: str | None, after: uuid.UUID | None, limit: int
) -> Sequence[RowMapping]:
    """Subscriptions in id order (`owner` None: everyone's)."""
    query = select(subscriptions).order_by(subscriptions.c.id).limit(limit)
    if owner is not None:
        query = query.where(subscriptions.c.owner == owner)
    if after is not None:
        query = query.where(subscriptions.c.id > after)
    return (await connection.execute(query)).mappings().all()


async def subscription(connection: AsyncConnection, subscription_id: uuid.UUID) -> RowMapping | None:
    found = select(subscriptions).where(subscriptions.c.id == subscription_id)
    return (await connection.execute(found)).mappings().first()


async def change_subscription(
    connection: AsyncConnection, subscription_id: uuid.UUID, changes: dict[str, Any], *, version: int
) -> None:
    await connection.execute(
        update(subscriptions).where(subscriptions.c.id == subscription_id).values(**changes, version=version)
    )


async def deliveries_page(
    connection: AsyncConnection,
    subscription_id: uuid.UUID,
    *,
    state: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[RowMapping]:
    """A subscription's deliveries, oldest first."""
    d = deliveries.c
    query = (
        select(deliveries)
        .where(d.subscription_id == subscription_id)
        .order_by(d.created_at, d.id)
        .limit(limit)
    )
    if state is not None:
        query = query.where(d.state == state)
    if after is not None:
        query = query.where(or_(d.created_at > after[0], and_(d.created_at == after[0], d.id > after[1])))
    return (await connection.execute(query)).mappings().all()


async def delivery(connection: AsyncConnection, delivery_id: uuid.UUID) -> RowMapping | None:
    found = select(deliveries).where(deliveries.c.id == delivery_id)
    return (await connection.execute(found)).mappings().first()


async def change_delivery(
    connection: AsyncConnection, delivery_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await connection.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(values))


async def claim_due(
    connection: AsyncConnection, now: datetime, *, until: datetime, batch: int
) -> list[uuid.UUID]:
    """Claim up to `batch` pending deliveries that are due and unclaimed, each conditional on still being so
    (another replica may have taken it meanwhile); the caller commits."""
    d = deliveries.c
    unclaimed = or_(d.claimed_until.is_(None), d.claimed_until < now)
    due = (
        await connection.execute(
            select(d.id)
            .where(d.state == PENDING, d.next_attempt_at <= now, unclaimed)
            .order_by(d.next_attempt_at)
            .limit(batch)
        )
    ).scalars()
    claimed = []
    for delivery_id in list(due):
        result = await connection.execute(
            update(deliveries)
            .where(d.id == delivery_id, d.state == PENDING, unclaimed)
            .values(claimed_until=until)
        )
        if result.rowcount:
            claimed.append(delivery_id)
    return claimed


async def with_subscriptions(
    connection: AsyncConnection, delivery_ids: Sequence[uuid.UUID]
) -> list[RowMapping]:
    """The deliveries with their subscription's URL, secret and whether it is active, oldest first."""
    d = deliveries.c
    query = (
        select(deliveries, subscriptions.c.url, subscriptions.c.secret, subscriptions.c.active)
        .join(subscriptions, subscriptions.c.id == d.subscription_id)
        .where(d.id.in_(list(delivery_ids)))
        .order_by(d.created_at)
    )
    return list((await connection.execute(query)).mappings().all())
