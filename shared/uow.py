"""Unit of work: one database transaction holding a state change and the events it publishes.

It rolls back unless told to commit. Events added with `publish` are written to the outbox in the same
transaction, and the relay is woken after the commit so publishing does not wait for a poll.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared import clock
from shared.db import Database, bulk_insert
from shared.events.catalogue import topic_of_service
from shared.events.envelope import CloudEvent
from shared.idempotency import mark_effect


class UnitOfWork:
    """`commit()` ends the transaction, unless the unit is `enclosed`: then a use case's commit only stages
    its events, and whoever opened the unit (the event consumer, which must record the event in its inbox
    in the same transaction) ends it with `complete()`."""

    def __init__(
        self,
        db: Database,
        outbox: Table,
        on_commit: Callable[[], None] = lambda: None,
        *,
        enclosed: bool = False,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._on_commit = on_commit
        self._enclosed = enclosed
        self._published: list[CloudEvent] = []
        self._staged = 0
        self.connection: AsyncConnection

    async def __aenter__(self) -> Self:
        self.connection = await self._db.connect().start()
        await self._db.begin_write(self.connection)
        self._published = []
        self._staged = 0
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.connection.rollback()
        await self.connection.close()

    def publish(self, event: CloudEvent) -> None:
        self._published.append(event)

    async def publish_many(self, events: Sequence[CloudEvent]) -> None:
        """Write events to the outbox now, still inside this transaction, by the database's bulk path: a
        bulk use case streams its events batch by batch instead of holding all of them until the commit."""
        now = clock.now()
        await self.publish_records([outbox_record(e, now) for e in events])

    async def publish_records(self, records: Sequence[tuple[Any, ...]]) -> None:
        """`publish_many` for events already made into outbox rows (`outbox_record`): an import makes them
        while the database writes the batch before."""
        await self._stage_events()  # what was published before goes first: the outbox keeps the order
        await bulk_insert(self.connection, self._outbox, OUTBOX_COLUMNS, records)
        self._staged += len(records)

    async def commit(self) -> None:
        if self._enclosed:
            await self._stage_events()
        else:
            await self.complete()

    async def complete(self) -> None:
        await self._stage_events()
        await mark_effect(self.connection)
        await self.connection.commit()
        if self._staged:
            self._staged = 0
            self._on_commit()

    async def _stage_events(self) -> None:
        if not self._published:
            return
        now = clock.now()
        await self.connection.execute(
            insert(self._outbox),
            [dict(zip(OUTBOX_COLUMNS, outbox_record(e, now), strict=True)) for e in self._published],
        )
        self._staged += len(self._published)
        self._published = []


OUTBOX_COLUMNS = ("event_id", "topic", "key", "type", "payload", "created_at")


def outbox_record(event: CloudEvent, created_at: datetime) -> tuple[Any, ...]:
    """The outbox row of an event, its values in `OUTBOX_COLUMNS` order."""
    return outbox_row(event, event.id, event.subject, event.to_json(), created_at)


def outbox_row(
    kind: CloudEvent, event_id: UUID, subject: str, payload: bytes, created_at: datetime
) -> tuple[Any, ...]:
    """The outbox row of an event of `kind`'s type serialised apart (`EventCopies`)."""
    return (event_id, topic_of_service(kind.producer), subject, kind.type, payload, created_at)
