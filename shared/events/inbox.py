"""The consuming side: typed handlers behind an inbox, so every event is applied at most once.

A handler's effect and the inbox row `(consumer, event id)` commit in one transaction; a redelivered event
finds its row and is skipped. A failing handler is retried with exponential backoff; after the last try,
and at once for events that can never succeed (bad JSON, a type the catalogue does not know, a version the
handler does not accept, a payload that does not match its model), the event goes to the dead-letter topic
with the reason in its headers, and the consumer moves on. Offsets are committed after the handlers'
transactions (at-least-once delivery, exactly-once effect).

A type may have several handlers (a read model and a saga step, say): they run in the order subscribed, in
one transaction, so the event is applied by all of them or by none. Subscribing one handler twice to a
type is refused when the consumer is built: it would be a mistake, never a way to apply an event twice.
"""

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRecord
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, insert, select

from shared import clock, context
from shared.aio import backoff
from shared.db import Database
from shared.events.bus import KafkaBus
from shared.events.catalogue import dead_letter_topic, spec_of
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent, Any], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """One event type a service consumes, the data versions its handler understands, and the handler.
    Several subscriptions may name one type: each handler runs, in order."""

    type: str
    handle: Handler
    versions: frozenset[str] = field(default_factory=lambda: frozenset({"1"}))


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead-lettered"


@dataclass(frozen=True)
class _Work:
    record: ConsumerRecord
    event: CloudEvent
    subscriptions: tuple[Subscription, ...]
    payload: BaseModel | None


class Unprocessable(Exception):
    """An event that no retry can make succeed."""


class EventConsumer:
    def __init__(
        self,
        name: str,
        db: Database,
        bus: KafkaBus,
        *,
        inbox: Table,
        outbox: Table,
        subscriptions: Sequence[Subscription],
        on_commit: Callable[[], None] = lambda: None,
        on_applied: Callable[[CloudEvent], None] = lambda event: None,
        max_retries: int = 4,
        retry_backoff: float = 0.1,
    ) -> None:
        self.name = name
        self._db = db
        self._bus = bus
        self._inbox = inbox
        self._outbox = outbox
        self._subscriptions = _by_type(subscriptions)
        self._on_commit = on_commit
        self._on_applied = on_applied
        self._max_retries = max_retries
        self._retry_backoff = retry_backoff
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def counts_of(self, outcome: str) -> int:
        return self.counts[Outcome(outcome)]

    @property
    def topics(self) -> list[str]:
        topics = set()
        for event_type in self._subscriptions:
            spec = spec_of(event_type)
            if spec is None:
                raise ValueError(f"{self.name} subscribes to {event_type}, which is not in the catalogue")
            topics.add(spec.topic)
        return sorted(topics)

    async def run(self, ready: asyncio.Event | None = None) -> None:
        consumer = self._bus.consumer(group_id=self.name, topics=self.topics)
        await consumer.start()
        try:
            if ready is not None:
                ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=1000)
                if batches:
                    await self.process_batch([record for records in batches.values() for record in records])
                    await consumer.commit()
        finally:
            await consumer.stop()

    async def process_batch(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply a fetched batch in one transaction. If any handler fails, the batch is rolled back and
        applied again one event at a time, with retries, so a bad event neither blocks nor reorders others."""
        work: list[_Work] = []
        for record in records:
            try:
                event, handlers, payload = self._decode(record.value)
            except Unprocessable as problem:
                await self._dead_letter(record, str(problem))
                self.counts[Outcome.DEAD_LETTERED] += 1
                continue
            if not handlers:
                self.counts[Outcome.IGNORED] += 1
                continue
            work.append(_Work(record, event, handlers, payload))
        if not work:
            return
        try:
            outcomes = await self._apply(work)
        except Exception as error:
            log.warning(
                "%s: a batch of %d events failed (%r); applying one by one", self.name, len(work), error
            )
            outcomes = [await self._apply_with_retries(item) for item in work]
        for outcome in outcomes:
            self.counts[outcome] += 1

    async def _apply_with_retries(self, item: "_Work") -> Outcome:
        event = item.event
        for attempt in range(1, self._max_retries + 2):
            try:
                (outcome,) = await self._apply([item])
                return outcome
            except Exception as error:
                if attempt > self._max_retries:
                    log.exception("%s failed on %s %s; dead-lettering", self.name, event.type, event.id)
                    await self._dead_letter(
                        item.record, f"handler failed after {attempt} attempts: {error!r}"
                    )
                    return Outcome.DEAD_LETTERED
                log.warning(
                    "%s failed on %s %s (attempt %d): %r", self.name, event.type, event.id, attempt, error
                )
                await asyncio.sleep(backoff(attempt, base=self._retry_backoff))
        raise AssertionError("unreachable")

    def _decode(self, raw: bytes | None) -> tuple[CloudEvent, tuple[Subscription, ...], BaseModel | None]:
        if raw is None:
            raise Unprocessable("empty message")
        try:
            event = CloudEvent.from_json(raw)
        except ValidationError as error:
            raise Unprocessable(f"malformed envelope: {_first_line(error)}") from error
        spec = spec_of(event.type)
        if spec is None:
            raise Unprocessable(f"unknown event type {event.type!r}")
        handlers = self._subscriptions.get(event.type, ())
        if not handlers:
            return event, (), None
        # Every handler of the type must understand the version: an event is applied whole or not at all.
        accepted = frozenset.intersection(*(s.versions for s in handlers))
        if event.dataversion not in accepted or event.dataversion not in spec.versions:
            raise Unprocessable(
                f"unsupported dataversion {event.dataversion!r} of {event.type} "
                f"(accepted: {', '.join(sorted(accepted))})"
            )
        try:
            payload = spec.versions[event.dataversion].model_validate(event.data)
        except ValidationError as error:
            raise Unprocessable(f"invalid payload of {event.type}: {_first_line(error)}") from error
        return event, handlers, payload

    async def _apply(self, work: Sequence["_Work"]) -> list[Outcome]:
        """Run the handlers of `work` and record their events in the inbox, all in one transaction."""
        inbox = self._inbox
        async with UnitOfWork(self._db, self._outbox, self._on_commit, enclosed=True) as uow:
            seen = set(
                await uow.connection.scalars(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == self.name, inbox.c.event_id.in_([item.event.id for item in work])
                    )
                )
            )
            outcomes: list[Outcome] = []
            processed = []
            now = clock.now()
            for item in work:
                event = item.event
                if event.id in seen:
                    outcomes.append(Outcome.DUPLICATE)
                    continue
                tokens = (context.correlation_id.set(event.correlationid), context.actor.set(event.actor))
                try:
                    for subscription in item.subscriptions:
                        await subscription.handle(uow, event, item.payload)
                finally:
                    context.correlation_id.reset(tokens[0])
                    context.actor.reset(tokens[1])
                seen.add(event.id)
                processed.append(
                    {"consumer": self.name, "event_id": event.id, "type": event.type, "processed_at": now}
                )
                outcomes.append(Outcome.APPLIED)
            if processed:
                # A concurrent duplicate (possible during a rebalance) fails here on the primary key and
                # finds the row when retried.
                await uow.connection.execute(insert(inbox), processed)
            await uow.complete()
        for item, outcome in zip(work, outcomes, strict=True):
            if outcome is Outcome.APPLIED:
                self._on_applied(item.event)
        return outcomes

    async def _dead_letter(self, record: ConsumerRecord, reason: str) -> None:
        topic = self._bus.logical(record.topic)
        log.error("dead-lettering %s[%s]@%s: %s", topic, record.partition, record.offset, reason)
        headers = [
            *[(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq_")],
            ("dlq_reason", reason.encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_original_topic", topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_time", clock.now().isoformat().encode()),
        ]
        await self._bus.publish(dead_letter_topic(topic), record.key, record.value or b"", headers)


def _by_type(subscriptions: Sequence[Subscription]) -> dict[str, tuple[Subscription, ...]]:
    """Each type's handlers in the order subscribed; one handler subscribed twice to a type is refused."""
    by_type: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        handlers = by_type.setdefault(subscription.type, [])
        if any(s.handle == subscription.handle for s in handlers):
            raise ValueError(f"{_name(subscription.handle)} is subscribed twice to {subscription.type}")
        handlers.append(subscription)
    return {event_type: tuple(handlers) for event_type, handlers in by_type.items()}


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _first_line(error: ValidationError) -> str:
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', str(error))}" if where else first.get("msg", str(error))
