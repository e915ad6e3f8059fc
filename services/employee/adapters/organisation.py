"""Loads and saves agencies, units and positions (Core statements on the unit of work's connection)."""

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.tables import agencies, positions, units
from services.employee.domain.model import EducationLevel
from services.employee.domain.organisation import Agency, AgencyKind, Position, PositionType, Unit, UnitKind
from shared import clock
from shared.errors import PreconditionFailed


async def add_agency(connection: AsyncConnection, agency: Agency) -> None:
    await _insert(connection, agencies, _agency_values(agency))


async def get_agency(connection: AsyncConnection, code: str) -> Agency | None:
    row = (await connection.execute(select(agencies).where(agencies.c.code == code))).first()
    return None if row is None else _agency_of(row)


async def save_agency(connection: AsyncConnection, agency: Agency, *, expected_version: int) -> None:
    where = agencies.c.code == agency.code
    await _update(
        connection, agencies, where, _agency_values(agency), expected_version, f"agency {agency.code}"
    )


async def add_unit(connection: AsyncConnection, unit: Unit) -> None:
    await _insert(connection, units, unit_values(unit))


async def get_unit(connection: AsyncConnection, unit_id: UUID) -> Unit | None:
    row = (await connection.execute(select(units).where(units.c.id == unit_id))).first()
    return None if row is None else unit_of(row)


async def save_unit(connection: AsyncConnection, unit: Unit, *, expected_version: int) -> None:
    where = units.c.id == unit.id
    await _update(connection, units, where, unit_values(unit), expected_version, f"unit {unit.id}")


async def unit_tree(connection: AsyncConnection, agency_code: str) -> dict[UUID, UUID | None]:
    """Every unit of the agency with its parent."""
    rows = await connection.execute(
        select(units.c.id, units.c.parent_id).where(units.c.agency_code == agency_code)
    )
    return {row.id: row.parent_id for row in rows}


async def add_position(connection: AsyncConnection, position: Position) -> None:
    await _insert(connection, positions, {**position_values(position), "tasks_version": 0})


async def get_position(connection: AsyncConnection, position_id: UUID) -> Position | None:
    row = (await connection.execute(select(positions).where(positions.c.id == position_id))).first()
    return None if row is None else position_of(row)


async def save_position(connection: AsyncConnection, position: Position, *, expected_version: int) -> None:
    where = positions.c.id == position.id
    values = position_values(position)
    await _update(connection, positions, where, values, expected_version, f"position {position.id}")


async def _insert(connection: AsyncConnection, table: Table, values: dict[str, Any]) -> None:
    now = clock.now()
    await connection.execute(insert(table).values(**values, created_at=now, updated_at=now))


async def _update(
    connection: AsyncConnection,
    table: Table,
    where: ColumnElement[bool],
    values: dict[str, Any],
    expected_version: int,
    what: str,
) -> None:
    """Write the new state unless someone else wrote since `expected_version` (checked by the database, so
    two concurrent updates of one version cannot both succeed)."""
    result = await connection.execute(
        update(table)
        .where(where, table.c.version == expected_version)
        .values(**values, updated_at=clock.now())
    )
    if result.rowcount != 1:
        raise PreconditionFailed(f"{what} was changed by someone else; reload it and try again")


def _agency_values(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind.value,
        "province_code": agency.province_code,
        "version": agency.version,
    }


def _agency_of(row: Row[Any]) -> Agency:
    return Agency(
        code=row.code,
        name=row.name,
        kind=AgencyKind(row.kind),
        province_code=row.province_code,
        version=row.version,
    )


def unit_values(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "agency_code": unit.agency_code,
        "parent_id": unit.parent_id,
        "name": unit.name,
        "kind": unit.kind.value,
        "location": unit.location,
        "head_position_id": unit.head_position_id,
        "version": unit.version,
    }


def unit_of(row: Row[Any]) -> Unit:
    return Unit(
        id=row.id,
        agency_code=row.agency_code,
        parent_id=row.parent_id,
        name=row.name,
        kind=UnitKind(row.kind),
        location=row.location,
        head_position_id=row.head_position_id,
        version=row.version,
    )


def position_values(position: Position) -> dict[str, Any]:
    return {
        "id": position.id,
        "unit_id": position.unit_id,
        "agency_code": position.agency_code,
        "name": position.name,
        "type": position.type.value,
        "job_class": position.job_class,
        "authorised_headcount": position.authorised_headcount,
        "competency_standard": dict(position.competency_standard),
        "minimum_rank": position.minimum_rank,
        "minimum_education": position.minimum_education.value if position.minimum_education else None,
        "retirement_age": position.custom_retirement_age,
        "version": position.version,
    }


def position_of(row: Row[Any]) -> Position:
    return Position(
        id=row.id,
        unit_id=row.unit_id,
        agency_code=row.agency_code,
        name=row.name,
        type=PositionType(row.type),
        job_class=row.job_class,
        authorised_headcount=row.authorised_headcount,
        competency_standard=row.competency_standard,
        minimum_rank=row.minimum_rank,
        minimum_education=EducationLevel(row.minimum_education) if row.minimum_education else None,
        custom_retirement_age=row.retirement_age,
        version=row.version,
    )


def parents_first(found: list[Unit]) -> list[Unit]:
    """The units in their order, but each parent before its children (as they must be inserted)."""
    ids = {u.id for u in found}
    placed: set[Any] = set()
    ordered: list[Unit] = []
    waiting = list(found)
    while waiting:
        ready = [u for u in waiting if u.parent_id is None or u.parent_id in placed or u.parent_id not in ids]
        if not ready:  # a cycle cannot be stored; keep the rest as they are
            ordered.extend(waiting)
            break
        ordered.extend(ready)
        placed.update(u.id for u in ready)
        ready_ids = {u.id for u in ready}
        waiting = [u for u in waiting if u.id not in ready_ids]
    return ordered


async def organisation_of(connection: AsyncConnection, agency_code: str) -> tuple[list[Unit], list[Position]]:
    """Every unit and position of an agency."""
    unit_rows = await connection.execute(select(units).where(units.c.agency_code == agency_code))
    position_rows = await connection.execute(select(positions).where(positions.c.agency_code == agency_code))
    return [unit_of(row) for row in unit_rows], [position_of(row) for row in position_rows]


async def units_by_id(connection: AsyncConnection, ids: Any) -> dict[UUID, Unit]:
    """The units of `ids` that exist."""
    wanted = sorted(set(ids))
    found: dict[UUID, Unit] = {}
    for start in range(0, len(wanted), 5_000):
        rows = await connection.execute(select(units).where(units.c.id.in_(wanted[start : start + 5_000])))
        found.update((row.id, unit_of(row)) for row in rows)
    return found


async def search_agencies(
    connection: AsyncConnection,
    *,
    province_code: str | None,
    kind: str | None,
    scope: frozenset[str] | None,
    limit: int,
    after_code: str | None,
) -> list[Agency]:
    """A page of agencies by code."""
    query = select(agencies)
    if province_code is not None:
        query = query.where(agencies.c.province_code == province_code)
    if kind is not None:
        query = query.where(agencies.c.kind == kind)
    if scope is not None:
        query = query.where(agencies.c.code.in_(sorted(scope)))
    if after_code is not None:
        query = query.where(agencies.c.code > after_code)
    rows = await connection.execute(query.order_by(agencies.c.code).limit(limit))
    return [_agency_of(row) for row in rows]


def _after(columns: tuple[Any, ...], key: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows after `key` in the order of `columns` (keyset pagination)."""
    condition = columns[-1] > key[-1]
    for column, value in zip(reversed(columns[:-1]), reversed(key[:-1]), strict=True):
        condition = (column > value) | ((column == value) & condition)
    return condition


async def search_units(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    parent_id: UUID | None,
    top_level: bool,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[str, str, UUID] | None,
) -> list[Unit]:
    """A page of units by agency, name and id."""
    query = select(units)
    if agency_code is not None:
        query = query.where(units.c.agency_code == agency_code)
    if parent_id is not None:
        query = query.where(units.c.parent_id == parent_id)
    if top_level:
        query = query.where(units.c.parent_id.is_(None))
    if scope is not None:
        query = query.where(units.c.agency_code.in_(sorted(scope)))
    order = (units.c.agency_code, units.c.name, units.c.id)
    if after is not None:
        query = query.where(_after(order, after))
    rows = await connection.execute(query.order_by(*order).limit(limit))
    return [unit_of(row) for row in rows]


async def search_positions(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    unit_id: UUID | None,
    position_type: str | None,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[str, str, UUID] | None,
) -> list[Position]:
    """A page of positions by agency, name and id."""
    query = select(positions)
    for column, value in (
        (positions.c.agency_code, agency_code),
        (positions.c.unit_id, unit_id),
        (positions.c.type, position_type),
    ):
        if value is not None:
            query = query.where(column == value)
    if scope is not None:
        query = query.where(positions.c.agency_code.in_(sorted(scope)))
    order = (positions.c.agency_code, positions.c.name, positions.c.id)
    if after is not None:
        query = query.where(_after(order, after))
    rows = await connection.execute(query.order_by(*order).limit(limit))
    return [position_of(row) for row in rows]
