"""The local copy of the agencies (instansi) a service keeps to check the agency codes requests refer to,
fed by the employee service's agency events. The same table, handlers and lookup for every service that
needs it; the newest version of an agency wins, whatever order its events arrive in."""

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contracts.employee import AgencyState
from shared.db import versioned_upsert
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.uow import UnitOfWork


def agency_read_model(metadata: MetaData) -> Table:
    return Table(
        "agencies",
        metadata,
        Column("code", String(20), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("kind", String(20), nullable=False, comment="central, province, kabupaten or kota"),
        Column("province_code", String(20), nullable=True),
        Column("version", Integer, nullable=False),
    )


def agency_subscriptions(table: Table) -> list[Subscription]:
    async def on_agency(uow: UnitOfWork, event: CloudEvent, data: AgencyState) -> None:
        values: dict[str, Any] = data.model_dump(exclude={"code"})
        await versioned_upsert(uow.connection, table, {"code": data.code}, values)

    return [
        Subscription("asn.employee.agency.defined", on_agency),
        Subscription("asn.employee.agency.updated", on_agency),
    ]


async def agency_of(connection: AsyncConnection, table: Table, code: str) -> RowMapping | None:
    """The agency as this service knows it; None for a code it has not heard of."""
    row = (await connection.execute(select(table).where(table.c.code == code))).mappings().first()
    return row
