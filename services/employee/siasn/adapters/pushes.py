"""Reads and writes of `siasn_pushes`, and the SIASN ids of the records a push names.

An attempt takes a push by a conditional update (due, and `attempts` as it read it) and moves its lease
(`next_attempt_at`) forward; each later write of that attempt is conditional on `attempts` still being its
own, so an attempt whose lease another process took over writes nothing more.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.tables import agencies, employees, positions, units
from services.employee.siasn.adapters.tables import siasn_pushes, siasn_references
from services.employee.siasn.domain.kursus import KursusOrder
from services.employee.siasn.domain.pushes import (
    PositionSeen,
    PushKind,
    PushOrder,
    PushState,
    PushStep,
    SiasnIds,
)


@dataclass(frozen=True)
class Push:
    id: UUID
    kind: PushKind
    source_key: str  # the mutation id (jabatan) or the enrolment id (kursus)
    mutation_id: str | None
    nip: str
    agency_code: str
    payload: dict[str, Any]
    state: PushState
    step: PushStep
    rw_jabatan_id: str | None
    rw_kursus_id: str | None
    attempts: int
    message: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def order(self) -> PushOrder:
        return PushOrder.of(self.payload)

    @property
    def kursus(self) -> KursusOrder:
        return KursusOrder.of(self.payload)


def _push(row: Any) -> Push:
    return Push(
        id=row.id,
        kind=PushKind(row.kind),
        source_key=row.source_key,
        mutation_id=row.mutation_id,
        nip=row.nip,
        agency_code=row.agency_code,
        payload=dict(row.payload),
        state=PushState(row.state),
        step=PushStep(row.step),
        rw_jabatan_id=row.rw_jabatan_id,
        rw_kursus_id=row.rw_kursus_id,
        attempts=row.attempts,
        message=row.message,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def add(connection: AsyncConnection, order: PushOrder | KursusOrder, now: datetime) -> UUID:
    push_id = uuid.uuid4()
    if isinstance(order, PushOrder):
        kind, source_key, mutation_id = PushKind.JABATAN, order.mutation_id, order.mutation_id
    else:
        kind, source_key, mutation_id = PushKind.KURSUS, order.enrolment_id, None
    await connection.execute(
        insert(siasn_pushes).values(
            id=push_id,
            kind=kind,
            source_key=source_key,
            mutation_id=mutation_id,
            nip=order.nip,
            agency_code=order.agency_code,
            payload=order.to_payload(),
            state=PushState.WAITING,
            step=PushStep.NONE,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    return push_id


async def exists_for(connection: AsyncConnection, kind: PushKind, source_key: str) -> bool:
    query = select(siasn_pushes.c.id).where(
        siasn_pushes.c.kind == kind, siasn_pushes.c.source_key == source_key
    )
    return (await connection.execute(query)).first() is not None


async def get(connection: AsyncConnection, push_id: UUID) -> Push | None:
    row = (await connection.execute(select(siasn_pushes).where(siasn_pushes.c.id == push_id))).first()
    return None if row is None else _push(row)


def _due(now: datetime) -> Any:
    # A push left `sending` by an attempt that died is due again once its lease ran out.
    return and_(
        siasn_pushes.c.state.in_([PushState.WAITING, PushState.SENDING]),
        or_(siasn_pushes.c.next_attempt_at.is_(None), siasn_pushes.c.next_attempt_at <= now),
    )


async def due(connection: AsyncConnection, now: datetime, limit: int) -> list[Push]:
    query = select(siasn_pushes).where(_due(now)).order_by(siasn_pushes.c.next_attempt_at).limit(limit)
    return [_push(row) for row in await connection.execute(query)]


async def take(connection: AsyncConnection, push: Push, now: datetime, lease_until: datetime) -> bool:
    """Hold `push` for one attempt until `lease_until`; False when another process took it first."""
    result = await connection.execute(
        update(siasn_pushes)
        .where(siasn_pushes.c.id == push.id, siasn_pushes.c.attempts == push.attempts, _due(now))
        .values(
            state=PushState.SENDING,
            attempts=push.attempts + 1,
            next_attempt_at=lease_until,
            updated_at=now,
        )
    )
    return result.rowcount == 1


async def record(connection: AsyncConnection, push_id: UUID, attempt: int, **values: Any) -> bool:
    """Store what the attempt numbered `attempt` learnt; False when it no longer holds the push."""
    result = await connection.execute(
        update(siasn_pushes)
        .where(siasn_pushes.c.id == push_id, siasn_pushes.c.attempts == attempt)
        .values(**values)
    )
    return result.rowcount == 1


async def reopen(connection: AsyncConnection, push_id: UUID, now: datetime) -> bool:
    """A failed push is due again at once, its attempts counted afresh; False if it is not failed."""
    result = await connection.execute(
        update(siasn_pushes)
        .where(siasn_pushes.c.id == push_id, siasn_pushes.c.state == PushState.FAILED)
        .values(state=PushState.WAITING, attempts=0, next_attempt_at=now, updated_at=now)
    )
    return result.rowcount == 1


async def search(
    connection: AsyncConnection,
    *,
    kind: PushKind | None = None,
    mutation_id: str | None,
    agency_code: str | None,
    state: PushState | None,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[Push]:
    """Pushes newest first."""
    query = select(siasn_pushes)
    if kind is not None:
        query = query.where(siasn_pushes.c.kind == kind)
    if mutation_id is not None:
        query = query.where(siasn_pushes.c.mutation_id == mutation_id)
    if agency_code is not None:
        query = query.where(siasn_pushes.c.agency_code == agency_code)
    if state is not None:
        query = query.where(siasn_pushes.c.state == state)
    if scope is not None:
        query = query.where(siasn_pushes.c.agency_code.in_(scope))
    if after is not None:
        created, push_id = after
        query = query.where(
            or_(
                siasn_pushes.c.created_at < created,
                and_(siasn_pushes.c.created_at == created, siasn_pushes.c.id < push_id),
            )
        )
    query = query.order_by(siasn_pushes.c.created_at.desc(), siasn_pushes.c.id.desc()).limit(limit)
    return [_push(row) for row in await connection.execute(query)]


async def position_seen(connection: AsyncConnection, position_id: str | None) -> PositionSeen | None:
    if not position_id:
        return None
    try:
        key = UUID(position_id)
    except ValueError:
        return None
    query = select(positions.c.type, positions.c.name, positions.c.siasn_id).where(positions.c.id == key)
    row = (await connection.execute(query)).first()
    return None if row is None else PositionSeen(row.type, row.name, row.siasn_id)


async def current_position_id(connection: AsyncConnection, nip: str) -> str | None:
    found = (await connection.execute(select(employees.c.position_id).where(employees.c.nip == nip))).scalar()
    return None if found is None else str(found)


async def siasn_ids(
    connection: AsyncConnection, order: PushOrder, satuan_kerja_ids: dict[str, str]
) -> SiasnIds:
    """The SIASN ids our records hold now for the person, agency, unit and position `order` names."""

    async def one(query: Any) -> Any:
        return (await connection.execute(query)).first()

    person = await one(select(employees.c.siasn_id).where(employees.c.nip == order.nip))
    agency = await one(select(agencies.c.siasn_id).where(agencies.c.code == order.agency_code))
    unit = await one(select(units.c.siasn_id).where(units.c.id == UUID(order.unit_id)))
    position = await one(
        select(positions.c.siasn_id, positions.c.type).where(positions.c.id == UUID(order.position_id))
    )
    unor_id = unit.siasn_id if unit else None
    eselon = None
    if unor_id:
        reference = await one(
            select(siasn_references.c.data).where(
                siasn_references.c.list == "ref-unor", siasn_references.c.id == unor_id
            )
        )
        if reference is not None and isinstance(reference.data, dict):
            eselon = reference.data.get("EselonId") or None
    instansi_id = agency.siasn_id if agency else None
    return SiasnIds(
        pns_id=person.siasn_id if person else None,
        instansi_id=instansi_id,
        satuan_kerja_id=satuan_kerja_ids.get(order.agency_code),
        unor_id=unor_id,
        jabatan_id=position.siasn_id if position else None,
        position_type=position.type if position else "",
        eselon_id=eselon,
    )


async def kursus_ids(connection: AsyncConnection, order: KursusOrder) -> tuple[str | None, str | None]:
    """The SIASN ids our records hold now for a kursus push: the person's PNS orang id and the instansi id of
    their agency."""
    person = (
        await connection.execute(select(employees.c.siasn_id).where(employees.c.nip == order.nip))
    ).first()
    agency = (
        await connection.execute(select(agencies.c.siasn_id).where(agencies.c.code == order.agency_code))
    ).first()
    return (person.siasn_id if person else None, agency.siasn_id if agency else None)
