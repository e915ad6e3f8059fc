"""Reads and writes the SIASN ids our agencies, units, positions and employees keep."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.tables import agencies, employees, positions, units
from services.employee.siasn.domain.identities import RecordKind

_TABLES: dict[RecordKind, Table] = {
    RecordKind.AGENCY: agencies,
    RecordKind.UNIT: units,
    RecordKind.POSITION: positions,
    RecordKind.EMPLOYEE: employees,
}


@dataclass(frozen=True)
class Record:
    """One of our records with its SIASN id (None: not linked yet)."""

    kind: RecordKind
    ref: str  # agency code, unit or position id, NIP
    agency_code: str
    name: str
    siasn_id: str | None
    unit_id: str | None = None  # a position's unit: its SIASN id is unique within it
    version: int = 0


_KEYS = {
    RecordKind.AGENCY: "code",
    RecordKind.UNIT: "id",
    RecordKind.POSITION: "id",
    RecordKind.EMPLOYEE: "nip",
}


def _key(kind: RecordKind) -> Any:
    return _TABLES[kind].c[_KEYS[kind]]


def _agency(kind: RecordKind) -> Any:
    table = _TABLES[kind]
    return table.c.code if kind is RecordKind.AGENCY else table.c.agency_code


def _key_value(kind: RecordKind, ref: str) -> Any:
    """`ref` as the record's key column holds it; ValueError for a malformed unit or position id."""
    return UUID(ref) if kind in (RecordKind.UNIT, RecordKind.POSITION) else ref


def _columns(kind: RecordKind) -> list[Any]:
    table = _TABLES[kind]
    selected = [
        _key(kind).label("ref"),
        _agency(kind).label("agency_code"),
        table.c.name,
        table.c.siasn_id,
        table.c.version,
    ]
    if kind is RecordKind.POSITION:
        selected.append(table.c.unit_id)
    return selected


def _record(kind: RecordKind, row: Any) -> Record:
    unit_id = str(row.unit_id) if kind is RecordKind.POSITION else None
    return Record(kind, str(row.ref), row.agency_code, row.name, row.siasn_id, unit_id, row.version)


async def find(connection: AsyncConnection, kind: RecordKind, ref: str) -> Record | None:
    try:
        key = _key_value(kind, ref)
    except ValueError:
        return None
    row = (await connection.execute(select(*_columns(kind)).where(_key(kind) == key))).first()
    return None if row is None else _record(kind, row)


async def holder(connection: AsyncConnection, record: Record, siasn_id: str) -> Record | None:
    """The record of the same kind that holds `siasn_id` where it must be unique (see tables.py)."""
    kind, table = record.kind, _TABLES[record.kind]
    where = [table.c.siasn_id == siasn_id]
    if kind is RecordKind.UNIT:
        where.append(table.c.agency_code == record.agency_code)
    elif kind is RecordKind.POSITION:
        where.append(table.c.unit_id == UUID(record.unit_id or ""))
    row = (await connection.execute(select(*_columns(kind)).where(and_(*where)))).first()
    return None if row is None else _record(kind, row)


async def set_siasn_id(connection: AsyncConnection, kind: RecordKind, ref: str, siasn_id: str | None) -> None:
    """Link (or, with None, unlink) the record; the unique constraints refuse a SIASN id held twice."""
    await connection.execute(
        update(_TABLES[kind]).where(_key(kind) == _key_value(kind, ref)).values(siasn_id=siasn_id)
    )


async def search(
    connection: AsyncConnection,
    kind: RecordKind,
    *,
    agency_code: str | None,
    scope: frozenset[str] | None,
    linked: bool | None,
    limit: int,
    after: str | None,
) -> list[Record]:
    """Records of `kind` with their SIASN ids, by our ref."""
    table, key, agency = _TABLES[kind], _key(kind), _agency(kind)
    query = select(*_columns(kind))
    if agency_code is not None:
        query = query.where(agency == agency_code)
    if scope is not None:
        query = query.where(agency.in_(scope))
    if linked is not None:
        query = query.where(table.c.siasn_id.isnot(None) if linked else table.c.siasn_id.is_(None))
    if after is not None:
        query = query.where(key > _key_value(kind, after))
    rows = await connection.execute(query.order_by(key).limit(limit))
    return [_record(kind, row) for row in rows]


async def refs_by_siasn_id(connection: AsyncConnection, kind: RecordKind, agency_code: str) -> dict[str, str]:
    """SIASN id → our ref for the agency's records of `kind` that have one (a position's: per unit, so
    keyed `unit id/SIASN id`)."""
    table = _TABLES[kind]
    selected = [_key(kind).label("ref"), table.c.siasn_id]
    if kind is RecordKind.POSITION:
        selected.append(table.c.unit_id)
    query = select(*selected).where(_agency(kind) == agency_code, table.c.siasn_id.isnot(None))
    rows = await connection.execute(query)
    if kind is RecordKind.POSITION:
        return {f"{row.unit_id}/{row.siasn_id}": str(row.ref) for row in rows}
    return {row.siasn_id: str(row.ref) for row in rows}


async def agency_code_of(connection: AsyncConnection, reference: str) -> str | None:
    """Our agency a file names by its code or by its SIASN instansi id."""
    by_code = select(agencies.c.code).where(agencies.c.code == reference)
    if (code := (await connection.execute(by_code)).scalar()) is not None:
        return str(code)
    by_siasn_id = select(agencies.c.code).where(agencies.c.siasn_id == reference.strip().upper())
    found = (await connection.execute(by_siasn_id)).scalar()
    return None if found is None else str(found)


async def siasn_ids_of_employees(connection: AsyncConnection, nips: list[str]) -> dict[str, str]:
    """NIP -> SIASN id, for those of `nips` linked to SIASN."""
    query = select(employees.c.nip, employees.c.siasn_id).where(
        employees.c.nip.in_(nips), employees.c.siasn_id.isnot(None)
    )
    return {row.nip: row.siasn_id for row in await connection.execute(query)}


_LOOKUP_BATCH = 5_000


async def siasn_ids_of(connection: AsyncConnection, kind: RecordKind, refs: list[str]) -> dict[str, str]:
    """Our ref -> SIASN id, for those of `refs` (records of `kind`) linked to SIASN."""
    key, siasn_id = _key(kind), _TABLES[kind].c.siasn_id
    wanted = sorted({_key_value(kind, ref) for ref in refs})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _LOOKUP_BATCH):
        chunk = wanted[start : start + _LOOKUP_BATCH]
        query = select(key.label("ref"), siasn_id).where(key.in_(chunk), siasn_id.isnot(None))
        found.update((str(row.ref), row.siasn_id) for row in await connection.execute(query))
    return found


async def units_by_siasn_id(
    connection: AsyncConnection, siasn_ids: list[str]
) -> dict[str, list[tuple[str, str]]]:
    """SIASN unor id -> the (unit id, agency code) of each of our units linked to it, in any agency: for a
    file that names a unit only by its unor id (SIASN's GUIDs are unique nationally; ours only per agency)."""
    wanted = sorted(set(siasn_ids))
    found: dict[str, list[tuple[str, str]]] = {}
    for start in range(0, len(wanted), _LOOKUP_BATCH):
        chunk = wanted[start : start + _LOOKUP_BATCH]
        query = select(units.c.id, units.c.agency_code, units.c.siasn_id).where(units.c.siasn_id.in_(chunk))
        for row in await connection.execute(query.order_by(units.c.agency_code)):
            found.setdefault(row.siasn_id, []).append((str(row.id), row.agency_code))
    return found
