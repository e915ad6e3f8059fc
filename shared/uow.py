"""Unit of work: one database transaction holding a state change and the events it publishes.

It rolls back unless told to commit. Events added with `publish` are written to the outbox in the same
transaction, and the relay is woken after the commit so publishing does not wait for a poll.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db import Database
from shared.events.catalogue import topic_of_service
from shared.events.envelope import CloudEvent


class UnitOfWork:
    def __init__(self, db: Database, outbox: Table, on_commit: Callable[[], None] = lambda: None) -> None:
        self._db = db
        self._outbox = outbox
        self._on_commit = on_commit
        self._published: list[CloudEvent] = []
        self.connection: AsyncConnection

    async def __aenter__(self) -> Self:
        self.connection = await self._db.connect().start()
        await self._db.begin_write(self.connection)
        self._published = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.connection.rollback()
        await self.connection.close()

    def publish(self, event: CloudEvent) -> None:
        self._published.append(event)

    @property
    def published(self) -> list[CloudEvent]:
        return list(self._published)

    async def commit(self) -> None:
        if self._published:
            now = datetime.now(UTC)
            await self.connection.execute(
                insert(self._outbox),
                [
                    {
                        "event_id": e.id,
                        "topic": topic_of_service(e.producer),
                        "key": e.subject,
                        "type": e.type,
                        "payload": e.to_json(),
                        "created_at": now,
                    }
                    for e in self._published
                ],
            )
        await self.connection.commit()
        if self._published:
            self._published = []
            self._on_commit()
