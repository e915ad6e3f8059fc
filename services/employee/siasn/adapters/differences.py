"""Reads and writes the reconciliation queue (`siasn_differences`): one row per person and field where SIASN
and our record differ, open until decided."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.siasn.adapters.tables import siasn_differences as table
from services.employee.siasn.domain.reconcile import DifferenceState, QueueChange, QueuedDifference


@dataclass(frozen=True)
class Difference:
    id: UUID
    nip: str
    agency_code: str
    field: str
    ours: Any
    theirs: Any
    state: DifferenceState
    since: datetime
    seen_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    version: int


def _difference(row: Any) -> Difference:
    return Difference(
        id=row.id,
        nip=row.nip,
        agency_code=row.agency_code,
        field=row.field,
        ours=row.ours,
        theirs=row.theirs,
        state=DifferenceState(row.state),
        since=row.since,
        seen_at=row.seen_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        version=row.version,
    )


async def queued_for(
    connection: AsyncConnection, nips: Sequence[str]
) -> dict[str, dict[str, tuple[UUID, int, QueuedDifference]]]:
    """NIP -> field -> (row id, version, the row as the pull compares it), for the people in `nips`."""
    found: dict[str, dict[str, tuple[UUID, int, QueuedDifference]]] = {}
    if not nips:
        return found
    rows = await connection.execute(select(table).where(table.c.nip.in_(list(nips))))
    for row in rows:
        queued = QueuedDifference(row.field, row.ours, row.theirs, DifferenceState(row.state), row.since)
        found.setdefault(row.nip, {})[row.field] = (row.id, row.version, queued)
    return found


@dataclass(frozen=True)
class Upsert:
    """One queue change of one person, with the row it changes (None: a new row)."""

    nip: str
    agency_code: str
    change: QueueChange
    row: tuple[UUID, int] | None  # id and version


async def apply(connection: AsyncConnection, upserts: Iterable[Upsert], now: datetime) -> None:
    """Write a pull's queue changes: new rows in one statement, changed rows in another."""
    new: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []  # the row keeps its `since` (and its decision, if rejected)
    restarted: list[dict[str, Any]] = []  # a new difference on an old row: since now, decision cleared
    for upsert in upserts:
        change = upsert.change
        if upsert.row is None:
            new.append(
                {
                    "id": uuid4(),
                    "nip": upsert.nip,
                    "agency_code": upsert.agency_code,
                    "field": change.field,
                    "ours": change.ours,
                    "theirs": change.theirs,
                    "state": change.state.value,
                    "since": change.since or now,
                    "seen_at": now,
                    "version": 1,
                }
            )
            continue
        row_id, version = upsert.row
        values = {
            "row_id": row_id,
            "new_agency": upsert.agency_code,
            "new_ours": change.ours,
            "new_theirs": change.theirs,
            "new_state": change.state.value,
            "new_seen_at": now,
            "new_since": change.since or now,
            "new_version": version + 1,
        }
        (kept if change.since is None else restarted).append(values)
    if new:
        await connection.execute(insert(table), new)
    common: dict[str, Any] = {
        "agency_code": bindparam("new_agency"),
        "ours": bindparam("new_ours"),
        "theirs": bindparam("new_theirs"),
        "state": bindparam("new_state"),
        "seen_at": bindparam("new_seen_at"),
        "version": bindparam("new_version"),
    }
    statement = update(table).where(table.c.id == bindparam("row_id"))
    if kept:
        await connection.execute(statement.values(**common), kept)
    if restarted:
        reopened = statement.values(**common, since=bindparam("new_since"), decided_by=None, decided_at=None)
        await connection.execute(reopened, restarted)


async def get(connection: AsyncConnection, difference_id: UUID) -> Difference | None:
    row = (await connection.execute(select(table).where(table.c.id == difference_id))).first()
    return None if row is None else _difference(row)


async def get_many(connection: AsyncConnection, ids: Sequence[UUID]) -> list[Difference]:
    rows = await connection.execute(select(table).where(table.c.id.in_(list(ids))))
    return [_difference(row) for row in rows]


async def search(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    scope: frozenset[str] | None,
    state: DifferenceState | None,
    nip: str | None,
    field: str | None,
    limit: int,
    after: tuple[str, str] | None,
) -> list[Difference]:
    """Rows in (NIP, field) order, which is unique and so a stable cursor."""
    conditions = []
    if agency_code is not None:
        conditions.append(table.c.agency_code == agency_code)
    if scope is not None:
        conditions.append(table.c.agency_code.in_(sorted(scope)))
    if state is not None:
        conditions.append(table.c.state == state.value)
    if nip is not None:
        conditions.append(table.c.nip == nip)
    if field is not None:
        conditions.append(table.c.field == field)
    if after is not None:
        after_nip, after_field = after
        conditions.append(
            or_(table.c.nip > after_nip, and_(table.c.nip == after_nip, table.c.field > after_field))
        )
    query = select(table).where(and_(*conditions)) if conditions else select(table)
    rows = await connection.execute(query.order_by(table.c.nip, table.c.field).limit(limit))
    return [_difference(row) for row in rows]


async def decide(
    connection: AsyncConnection,
    difference: Difference,
    state: DifferenceState,
    *,
    by: str,
    at: datetime,
) -> bool:
    """Record a decision on an open difference; False when it was decided or changed meanwhile."""
    result = await connection.execute(
        update(table)
        .where(
            table.c.id == difference.id,
            table.c.version == difference.version,
            table.c.state == DifferenceState.OPEN.value,
        )
        .values(state=state.value, decided_by=by, decided_at=at, version=difference.version + 1)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]
