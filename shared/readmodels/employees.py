"""The local copy of employee data that the appraisal, mutation and training services keep.

Each of them owns its copy (its own table in its own database), fed by the employee service's events;
the columns, the handlers and the read route are the same for all, so they live here once. A service adds
tables of its own, keyed by NIP, for what only it needs.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contracts.employee import EmployeeRegistered
from shared.db import UtcDateTime
from shared.deps import ConnectionDep
from shared.errors import NotFound
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.uow import UnitOfWork


def employee_read_model(metadata: MetaData) -> Table:
    """`version` counts the events applied to a row: a replayed event must not move it."""
    return Table(
        "employees",
        metadata,
        Column("nip", String(18), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("agency_code", String(20), nullable=False, index=True),
        Column("unit_id", String(64), nullable=True, index=True),
        Column("position_id", String(64), nullable=True),
        Column("birth_date", Date, nullable=False),
        Column("gender", String(1), nullable=False),
        Column("employment_type", String(10), nullable=False),
        Column("status", String(20), nullable=False),
        Column("version", Integer, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    )


class EmployeeView(BaseModel):
    """What this service knows of an employee, as of the last employee event it applied."""

    nip: str
    name: str
    agency_code: str
    unit_id: str | None
    position_id: str | None
    employment_type: str
    status: str
    version: int
    updated_at: datetime


async def _upsert(connection: AsyncConnection, table: Table, nip: str, values: dict[str, Any]) -> None:
    version = await connection.scalar(select(table.c.version).where(table.c.nip == nip))
    now = datetime.now(UTC)
    if version is None:
        await connection.execute(
            insert(table).values({**values, "nip": nip, "version": 1, "updated_at": now})
        )
    else:
        await connection.execute(
            update(table)
            .where(table.c.nip == nip)
            .values({**values, "version": version + 1, "updated_at": now})
        )


def employee_subscriptions(table: Table) -> list[Subscription]:
    async def on_employee_registered(uow: UnitOfWork, event: CloudEvent, data: EmployeeRegistered) -> None:
        await _upsert(uow.connection, table, data.nip, data.model_dump())

    return [Subscription("asn.employee.employee.registered", on_employee_registered)]


def employee_read_model_router(service: str, table: Table) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{service}/employees", tags=["read models"])

    @router.get("/{nip}", response_model=EmployeeView)
    async def get_employee_view(nip: str, connection: ConnectionDep) -> EmployeeView:
        """This service's copy of one employee, built from employee events."""
        row = (await connection.execute(select(table).where(table.c.nip == nip))).mappings().first()
        if row is None:
            raise NotFound(f"the {service} service has no employee with NIP {nip} (yet)")
        return EmployeeView.model_validate(dict(row))

    return router
