"""Stores the hash-chained audit log. Appends lock the chain's head row, so on PostgreSQL concurrent
transactions append one after the other (SQLite's write lock does the same); the head is written in the
same transaction as the entries, so a rolled-back decision leaves no entry and no hole."""

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import audit_head, audit_log
from services.mutation.domain.audit import GENESIS, Entry, seal

HEAD_ID = 1


async def _lock_head(connection: AsyncConnection) -> tuple[int, str]:
    query = select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == HEAD_ID)
    row = (await connection.execute(query.with_for_update())).first()
    if row is None:
        dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        await connection.execute(
            dialect_insert(audit_head)
            .values(id=HEAD_ID, last_seq=0, last_hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = (await connection.execute(query.with_for_update())).one()
    return int(row.last_seq), str(row.last_hash)


async def append(
    connection: AsyncConnection, records: Sequence[Mapping[str, Any]], *, at: datetime
) -> list[Entry]:
    """Seal and store records (actor, action, subject_type, subject_id, agency_code, data) in order."""
    if not records:
        return []
    seq, prev = await _lock_head(connection)
    sealed = []
    for record in records:
        seq += 1
        entry = seal(seq, prev, at=at, **record)
        sealed.append(entry)
        prev = entry.hash
    await connection.execute(insert(audit_log), [_row(e) for e in sealed])
    await connection.execute(
        update(audit_head).where(audit_head.c.id == HEAD_ID).values(last_seq=seq, last_hash=prev)
    )
    return sealed


def _row(entry: Entry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "agency_code": entry.agency_code,
        "data": dict(entry.data),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def entry_of(row: Any) -> Entry:
    return Entry(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.subject_type,
        row.subject_id,
        row.agency_code,
        row.data,
        row.prev_hash,
        row.hash,
    )


async def head(connection: AsyncConnection) -> tuple[int, str]:
    row = (
        await connection.execute(
            select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == HEAD_ID)
        )
    ).first()
    return (0, GENESIS) if row is None else (int(row.last_seq), str(row.last_hash))


async def stream(connection: AsyncConnection, *, batch: int = 2000) -> AsyncIterator[Entry]:
    """Every entry in order, read in keyset batches (the log can be long)."""
    after = 0
    while True:
        rows = (
            await connection.execute(
                select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(batch)
            )
        ).all()
        for row in rows:
            yield entry_of(row)
        if len(rows) < batch:
            return
        after = rows[-1].seq


async def page(
    connection: AsyncConnection,
    *,
    subject_id: str | None,
    agencies: frozenset[str] | None,
    after: int,
    limit: int,
) -> list[Entry]:
    query = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(limit)
    if subject_id is not None:
        query = query.where(audit_log.c.subject_id == subject_id)
    if agencies is not None:
        query = query.where(audit_log.c.agency_code.in_(agencies))
    return [entry_of(row) for row in await connection.execute(query)]
