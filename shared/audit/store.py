"""Stores a service's hash-chained audit log on two tables it declares with `audit_log_table` and
`audit_head_table`. Appends lock the chain's head row, so on PostgreSQL concurrent transactions append one
after the other (SQLite's write lock does the same); the head is written in the same transaction as the
entries, so a rolled-back decision leaves no entry and no hole."""

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.audit.chain import GENESIS, ChainCheck, Entry, Verification, seal
from shared.db import UtcDateTime, dialect_insert

HEAD_ID = 1
SEQ = BigInteger().with_variant(Integer, "sqlite")


def audit_log_table(metadata: MetaData) -> Table:
    """Append-only, hash-chained (`shared.audit.chain`)."""
    return Table(
        "audit_log",
        metadata,
        Column("seq", SEQ, primary_key=True, autoincrement=False),
        Column("at", UtcDateTime, nullable=False),
        Column("actor", String(200), nullable=False),
        Column("action", String(50), nullable=False),
        Column("subject_type", String(30), nullable=False),
        Column("subject_id", String(64), nullable=False),
        Column("agency_code", String(20), nullable=True),
        Column("data", JSON, nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Index("ix_audit_log_subject", "subject_id", "seq"),
    )


def audit_head_table(metadata: MetaData) -> Table:
    """The chain's tip: appends lock it, so entries get consecutive numbers and each links to the one before
    it, whatever the concurrency."""
    return Table(
        "audit_head",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("last_seq", SEQ, nullable=False),
        Column("last_hash", String(64), nullable=False),
    )


class AuditLog:
    """One service's chain on its `log` and `head` tables."""

    def __init__(self, log: Table, head: Table) -> None:
        self.log, self.head_table = log, head

    async def append(
        self, connection: AsyncConnection, records: Sequence[Mapping[str, Any]], *, at: datetime
    ) -> list[Entry]:
        """Seal and store records (actor, action, subject_type, subject_id, agency_code, data) in order."""
        if not records:
            return []
        seq, prev = await self._lock_head(connection)
        sealed = []
        for record in records:
            seq += 1
            entry = seal(seq, prev, at=at, **record)
            sealed.append(entry)
            prev = entry.hash
        await connection.execute(insert(self.log), [_row(e) for e in sealed])
        await connection.execute(
            update(self.head_table)
            .where(self.head_table.c.id == HEAD_ID)
            .values(last_seq=seq, last_hash=prev)
        )
        return sealed

    async def head(self, connection: AsyncConnection) -> tuple[int, str]:
        """The number and hash of the last entry written."""
        row = (await connection.execute(self._head_query())).first()
        return (0, GENESIS) if row is None else (int(row.last_seq), str(row.last_hash))

    async def stream(self, connection: AsyncConnection, *, batch: int = 2000) -> AsyncIterator[Entry]:
        """Every entry in order, read in keyset batches (the log can be long)."""
        after = 0
        while True:
            rows = (
                await connection.execute(
                    select(self.log).where(self.log.c.seq > after).order_by(self.log.c.seq).limit(batch)
                )
            ).all()
            for row in rows:
                yield entry_of(row)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    async def verify(self, connection: AsyncConnection) -> Verification:
        """Recompute every hash from the first row; the answer names the first row that does not match."""
        head_seq, head_hash = await self.head(connection)
        check = ChainCheck(head_seq=head_seq, head_hash=head_hash)
        async for entry in self.stream(connection):
            if check.add(entry) is not None:
                break
        return check.result()

    async def page(
        self,
        connection: AsyncConnection,
        *,
        subject_id: str | None,
        agencies: frozenset[str] | None,
        after: int,
        limit: int,
    ) -> list[Entry]:
        log = self.log
        query = select(log).where(log.c.seq > after).order_by(log.c.seq).limit(limit)
        if subject_id is not None:
            query = query.where(log.c.subject_id == subject_id)
        if agencies is not None:
            query = query.where(log.c.agency_code.in_(agencies))
        return [entry_of(row) for row in await connection.execute(query)]

    def _head_query(self) -> Any:
        head = self.head_table
        return select(head.c.last_seq, head.c.last_hash).where(head.c.id == HEAD_ID)

    async def _lock_head(self, connection: AsyncConnection) -> tuple[int, str]:
        row = (await connection.execute(self._head_query().with_for_update())).first()
        if row is None:
            await connection.execute(
                dialect_insert(connection, self.head_table)
                .values(id=HEAD_ID, last_seq=0, last_hash=GENESIS)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            row = (await connection.execute(self._head_query().with_for_update())).one()
        return int(row.last_seq), str(row.last_hash)


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
