"""The outbox relay: publishes committed outbox rows to the broker in order and marks them published.

Woken by the unit of work right after a commit, so an event does not wait for a polling interval; the
interval only picks up rows written by another process (`asn replay`, a crashed predecessor). On
PostgreSQL one relay per database holds an advisory lock, so replicas of a service never publish
concurrently and order per key holds.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import Table, func, select, text, update

from shared import clock
from shared.aio import wait_until_set
from shared.db import Database
from shared.events.bus import KafkaBus

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x4153_4E4F_5554  # "ASNOUT": one relay per service database


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        bus: KafkaBus,
        outbox: Table,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self._db = db
        self._bus = bus
        self._outbox = outbox
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._publishing = asyncio.Lock()

    def wake(self) -> None:
        self._wakeup.set()

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No batch is in flight inside; a batch under way is finished (sent or failed) first."""
        async with self._publishing:
            yield
        self.wake()

    async def run(self) -> None:
        async with self._leadership():
            while True:
                self._wakeup.clear()
                try:
                    await self.drain()
                except Exception:
                    log.exception("outbox relay failed; retrying")
                await wait_until_set(self._wakeup, self._poll_interval)

    async def drain(self) -> int:
        """Publish every unpublished row, oldest first; returns how many were published."""
        published = 0
        while True:
            async with self._publishing:
                batch = await self._publish_batch()
            published += batch
            if batch < self._batch_size:
                return published

    async def _publish_batch(self) -> int:
        """Publish the oldest unpublished rows, one batch; returns how many."""
        outbox = self._outbox
        async with self._db.connect() as connection:
            rows = (
                await connection.execute(
                    select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.type, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(self._batch_size)
                )
            ).all()
        if not rows:
            return 0
        await self._bus.publish_many(
            [
                (
                    row.topic,
                    row.key.encode(),
                    row.payload,
                    [("ce_type", row.type.encode()), ("content-type", b"application/cloudevents+json")],
                )
                for row in rows
            ]
        )
        async with self._db.connect() as connection:
            await connection.execute(
                update(outbox)
                .where(outbox.c.seq.in_([row.seq for row in rows]))
                .values(published_at=clock.now())
            )
            await connection.commit()
        return len(rows)

    async def backlog(self) -> tuple[int, datetime | None]:
        """Unpublished rows and the creation time of the oldest one."""
        outbox = self._outbox
        async with self._db.connect() as connection:
            count, oldest = (
                await connection.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
                )
            ).one()
        return int(count), oldest

    @asynccontextmanager
    async def _leadership(self) -> AsyncIterator[None]:
        if self._db.is_sqlite:
            yield
            return
        async with self._db.engine.connect() as connection:
            while not await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": RELAY_LOCK_KEY}
            ):
                await connection.commit()
                log.info("another relay publishes this outbox; standing by")
                await asyncio.sleep(self._poll_interval * 5)
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": RELAY_LOCK_KEY})


async def mark_for_replay(db: Database, outbox: Table, since: datetime) -> int:
    """Mark rows created at or after `since` unpublished again, so the relay republishes them in order."""
    async with db.connect() as connection:
        result = await connection.execute(
            update(outbox).where(outbox.c.created_at >= since).values(published_at=None)
        )
        await connection.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
