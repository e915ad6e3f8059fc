"""The local copy of the agencies (instansi) a service keeps to check the agency codes requests refer to,
fed by the employee service's agency events. The same table, handlers, lookup and read route for every
service that needs it; the newest version of an agency wins, whatever order its events arrive in."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contracts.employee import AgencyState
from shared.db import versioned_upsert
from shared.deps import ConnectionDep
from shared.errors import NotFound
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.references import References
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


async def referred_agency(
    references: References, connection: AsyncConnection, table: Table, field: str, code: str
) -> RowMapping | None:
    """Notes on `references` an agency code outside the caller's scope, or else one the service has not
    heard of; answers the agency when it is known."""
    if not references.in_scope(field, code):
        return None
    found = await agency_of(connection, table, code)
    if found is None:
        references.unknown(field, "agency", code)
    return found


class AgencyView(BaseModel):
    """What this service knows of an agency, as of the last agency event it applied."""

    code: str
    name: str
    kind: str
    province_code: str | None
    version: int


def agency_read_model_router(service: str, table: Table) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{service}/agencies", tags=["read models"])

    @router.get("/{code}", response_model=AgencyView)
    async def get_agency_view(code: str, connection: ConnectionDep) -> AgencyView:
        """This service's copy of one agency, built from agency events."""
        found = await agency_of(connection, table, code)
        if found is None:
            raise NotFound(f"the {service} service has no agency {code} (yet)")
        return AgencyView.model_validate(dict(found))

    return router
