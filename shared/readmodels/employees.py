"""The local copy of employee data that the appraisal, mutation and training services keep.

Each of them owns its copy (its own table in its own database), fed by the employee service's events;
the columns, the handlers and the read route are the same for all, so they live here once. A service adds
tables of its own, keyed by NIP, for what only it needs.
"""

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared import clock
from shared.auth import PrincipalDep
from shared.contracts.employee import (
    EmployeePositionChanged,
    EmployeeRankChanged,
    EmployeeSnapshot,
    EmployeeStatusChanged,
)
from shared.db import UtcDateTime, dialect_insert
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
        Column("position_id", String(64), nullable=True, index=True),
        Column("position_tmt", Date, nullable=True),
        Column("birth_date", Date, nullable=False),
        Column("gender", String(1), nullable=False),
        Column("employment_type", String(10), nullable=False),
        Column("status", String(20), nullable=False),
        Column("tmt_cpns", Date, nullable=True),
        Column("rank_code", String(5), nullable=True),
        Column("rank_tmt", Date, nullable=True),
        Column("work_location", String(100), nullable=True),
        Column("ten_year_bond_until", Date, nullable=True),
        Column("disciplinary_status", String(20), nullable=False, server_default="none"),
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
    position_tmt: date | None
    employment_type: str
    status: str
    rank_code: str | None
    rank_tmt: date | None
    work_location: str | None
    ten_year_bond_until: date | None
    disciplinary_status: str
    version: int
    updated_at: datetime


async def _apply(
    connection: AsyncConnection, table: Table, nip: str, values: dict[str, Any], *, whole: bool = False
) -> None:
    """Bring the row to the event; only columns this read model keeps are taken from it. A `whole` employee
    (a registration or an update) inserts the row or replaces it, in one statement; the other events change
    one that exists."""
    values = {k: v for k, v in values.items() if k in table.c and k not in ("nip", "version", "updated_at")}
    now = clock.now()
    if whole:
        statement = _replacing(connection, table, tuple(values))
        await connection.execute(statement, {**values, "nip": nip, "version": 1, "updated_at": now})
        return
    changes = {**values, "version": table.c.version + 1, "updated_at": now}
    changed = await connection.execute(update(table).where(table.c.nip == nip).values(changes))
    if changed.rowcount == 0:
        raise LookupError(f"no employee {nip} to change: the event came before the employee's registration")


# Every event of a kind brings the same columns: its statement is built once and only bound afterwards.
# Built anew per event, SQLAlchemy's coercion of literal values and its cache keys were most of a consumer's
# CPU in bench/event_roundtrip.py.
_REPLACING: dict[tuple[str, Table, tuple[str, ...]], Any] = {}


def _replacing(connection: AsyncConnection, table: Table, columns: tuple[str, ...]) -> Any:
    """INSERT the row, or on its NIP set `columns` from the new values and count one more event."""
    key = (connection.dialect.name, table, columns)
    statement = _REPLACING.get(key)
    if statement is None:
        inserting = dialect_insert(connection, table)
        statement = inserting.on_conflict_do_update(
            index_elements=[table.c.nip],
            set_={
                **{name: inserting.excluded[name] for name in columns},
                "version": table.c.version + 1,
                "updated_at": inserting.excluded.updated_at,
            },
        )
        _REPLACING[key] = statement
    return statement


def employee_subscriptions(table: Table) -> list[Subscription]:
    async def on_snapshot(uow: UnitOfWork, event: CloudEvent, data: EmployeeSnapshot) -> None:
        await _apply(uow.connection, table, data.nip, data.model_dump(), whole=True)

    async def on_status_changed(uow: UnitOfWork, event: CloudEvent, data: EmployeeStatusChanged) -> None:
        await _apply(uow.connection, table, data.nip, {"status": data.status})

    async def on_rank_changed(uow: UnitOfWork, event: CloudEvent, data: EmployeeRankChanged) -> None:
        await _apply(uow.connection, table, data.nip, {"rank_code": data.rank_code, "rank_tmt": data.tmt})

    async def on_position_changed(uow: UnitOfWork, event: CloudEvent, data: EmployeePositionChanged) -> None:
        await _apply(uow.connection, table, data.nip, {**data.current.model_dump(), "position_tmt": data.tmt})

    return [
        Subscription("asn.employee.employee.registered", on_snapshot),
        Subscription("asn.employee.employee.updated", on_snapshot),
        Subscription("asn.employee.employee.status-changed", on_status_changed),
        Subscription("asn.employee.employee.rank-changed", on_rank_changed),
        Subscription("asn.employee.employee.position-changed", on_position_changed),
    ]


def employee_read_model_router(service: str, table: Table) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{service}/employees", tags=["read models"])

    @router.get("/{nip}", response_model=EmployeeView)
    async def get_employee_view(nip: str, connection: ConnectionDep, principal: PrincipalDep) -> EmployeeView:
        """This service's copy of one employee, built from employee events."""
        row = (await connection.execute(select(table).where(table.c.nip == nip))).mappings().first()
        if row is None:
            raise NotFound(f"the {service} service has no employee with NIP {nip} (yet)")
        principal.require_employee_access(nip, row["agency_code"])
        return EmployeeView.model_validate(dict(row))

    return router
