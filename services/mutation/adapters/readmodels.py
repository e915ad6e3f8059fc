"""The mutation service's copies of the employee service's organisation, workload and competency data,
written by the event handlers. Each copy keeps the version of the event it applied last, so a replayed or
late event never moves it back."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import agencies, competencies, positions, units
from shared import db


async def put_agency(connection: AsyncConnection, data: Mapping[str, Any]) -> None:
    values = {k: data[k] for k in ("name", "kind", "province_code", "version")}
    await db.versioned_upsert(connection, agencies, {"code": data["code"]}, values)


async def put_unit(connection: AsyncConnection, data: Mapping[str, Any]) -> None:
    names = ("agency_code", "parent_id", "name", "kind", "location", "head_position_id", "version")
    await db.versioned_upsert(connection, units, {"unit_id": data["unit_id"]}, {k: data[k] for k in names})


async def put_position(connection: AsyncConnection, data: Mapping[str, Any]) -> None:
    names = (
        "unit_id",
        "agency_code",
        "name",
        "type",
        "job_class",
        "authorised_headcount",
        "competency_standard",
        "minimum_rank",
        "retirement_age",
        "version",
    )
    await db.versioned_upsert(
        connection, positions, {"position_id": data["position_id"]}, {k: data[k] for k in names}
    )


async def put_workload(
    connection: AsyncConnection, position_id: str, *, staff_needed: int, hours: float, tasks_version: int
) -> bool:
    """Keep the position's ABK need; False when the position is not known here yet (its definition comes
    first on the same topic, so that means it was never defined)."""
    table = positions
    found = (
        await connection.execute(select(table.c.tasks_version).where(table.c.position_id == position_id))
    ).first()
    if found is None:
        return False
    if found.tasks_version is not None and found.tasks_version >= tasks_version:
        return True
    await connection.execute(
        table.update()
        .where(table.c.position_id == position_id)
        .values(staff_needed=staff_needed, workload_hours=hours, tasks_version=tasks_version)
    )
    return True


async def put_competencies(connection: AsyncConnection, nip: str, levels: list[Mapping[str, Any]]) -> None:
    """The newest assessment per competency wins; an older one arriving late is ignored."""
    for level in levels:
        await db.versioned_upsert(
            connection,
            competencies,
            {"nip": nip, "competency": level["competency"]},
            {"level": level["level"], "assessed_on": level["assessed_on"]},
            version="assessed_on",
            equal_replaces=True,
        )
