"""The inbox runs every handler subscribed to an event's type, in order, in one transaction, once per event; a
poison event in a batch is dead-lettered while the others apply once, in order;
subscribing one handler twice to a type is refused when the consumer is built."""

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import MetaData, func, select

from shared import clock
from shared.db import Database
from shared.events.inbox import EventConsumer, Outcome, Subscription
from shared.events.tables import inbox_table, outbox_table

AGENCY_DEFINED = "asn.employee.agency.defined"


def agency_defined(code: str) -> ConsumerRecord[bytes, bytes]:
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/asn/employee",
        "type": AGENCY_DEFINED,
        "time": clock.now().isoformat(),
        "subject": code,
        "dataversion": "1",
        "correlationid": str(uuid.uuid4()),
        "actor": "test",
        "agency": code,
        "data": {
            "code": code,
            "name": "Kabupaten Majene",
            "kind": "kabupaten",
            "province_code": "76",
            "version": 1,
        },
    }
    value = json.dumps(event).encode()
    return ConsumerRecord("asn.employee.events", 0, 0, 0, 0, code.encode(), value, None, 0, len(value), [])


@pytest.fixture
async def database(tmp_path: Path) -> Any:
    metadata = MetaData()
    inbox, outbox = inbox_table(metadata), outbox_table(metadata)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield db, inbox, outbox
    await db.dispose()


def consumer(database: Any, subscriptions: list[Subscription]) -> EventConsumer:
    db, inbox, outbox = database
    # The bus is only used to dead-letter, which these events never are.
    return EventConsumer("test", db, bus=None, inbox=inbox, outbox=outbox, subscriptions=subscriptions)  # type: ignore[arg-type]


async def test_two_handlers_of_one_type_both_run_once_in_order(database: Any) -> None:
    calls: list[tuple[str, str]] = []

    async def update_read_model(uow: Any, event: Any, data: Any) -> None:
        calls.append(("read model", data.code))

    async def complete_saga(uow: Any, event: Any, data: Any) -> None:
        calls.append(("saga", data.code))

    events = consumer(
        database,
        [Subscription(AGENCY_DEFINED, update_read_model), Subscription(AGENCY_DEFINED, complete_saga)],
    )
    record = agency_defined("7601")
    await events.process_batch([record])
    await events.process_batch([record])  # redelivered: the inbox has it

    assert calls == [("read model", "7601"), ("saga", "7601")]
    assert events.counts[Outcome.APPLIED] == 1
    assert events.counts[Outcome.DUPLICATE] == 1
    db, inbox, _ = database
    async with db.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(inbox)) == 1


async def test_a_failing_second_handler_undoes_the_first(database: Any) -> None:
    """All handlers of an event commit together: the retry runs both again, and each once more."""
    calls: list[str] = []

    async def first(uow: Any, event: Any, data: Any) -> None:
        calls.append("first")

    async def fails_once(uow: Any, event: Any, data: Any) -> None:
        calls.append("second")
        if calls.count("second") == 1:
            raise RuntimeError("not yet")

    db, inbox, outbox = database
    events = EventConsumer(
        "test",
        db,
        bus=None,  # type: ignore[arg-type]
        inbox=inbox,
        outbox=outbox,
        subscriptions=[Subscription(AGENCY_DEFINED, first), Subscription(AGENCY_DEFINED, fails_once)],
        retry_backoff=0.001,
    )
    await events.process_batch([agency_defined("7601")])

    assert calls == ["first", "second", "first", "second"]
    assert events.counts[Outcome.APPLIED] == 1


def test_one_handler_subscribed_twice_to_a_type_is_refused(database: Any) -> None:
    async def handler(uow: Any, event: Any, data: Any) -> None:
        pass

    with pytest.raises(ValueError, match=r"subscribed twice to asn\.employee\.agency\.defined"):
        consumer(database, [Subscription(AGENCY_DEFINED, handler), Subscription(AGENCY_DEFINED, handler)])


class _DeadLetters:
    """The bus as the inbox uses it to dead-letter: what was sent where, with which headers."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, dict[str, bytes]]] = []

    def logical(self, topic: str) -> str:
        return topic

    async def publish(self, topic: str, key: bytes | None, value: bytes, headers: Any) -> None:
        self.sent.append((topic, key, dict(headers)))


async def test_a_poison_event_in_a_batch_is_dead_lettered_and_the_others_apply_once_in_order(
    database: Any,
) -> None:
    applied: list[str] = []

    async def remember(uow: Any, event: Any, data: Any) -> None:
        if data.code == "7699":
            raise ValueError("this agency cannot be applied")
        applied.append(data.code)

    db, inbox, outbox = database
    dead = _DeadLetters()
    events = EventConsumer(
        "test",
        db,
        bus=dead,  # type: ignore[arg-type]
        inbox=inbox,
        outbox=outbox,
        subscriptions=[Subscription(AGENCY_DEFINED, remember)],
        max_retries=1,
        retry_backoff=0.001,
    )
    batch = [agency_defined(code) for code in ("7601", "7602", "7699", "7603")]

    await events.process_batch(batch)
    # The batch failed whole once (what its handlers did rolled back), then each event went alone, in order.
    assert applied == ["7601", "7602", "7601", "7602", "7603"]
    assert events.counts[Outcome.APPLIED] == 3 and events.counts[Outcome.DEAD_LETTERED] == 1
    ((topic, key, headers),) = dead.sent
    assert (topic, key) == ("asn.employee.events.dlq", b"7699")
    assert b"this agency cannot be applied" in headers["dlq_reason"]

    # Delivered again (a rebalance), the batch changes nothing: the inbox knows the three applied.
    applied.clear()
    await events.process_batch([batch[0], batch[1], batch[3]])
    assert applied == [] and events.counts[Outcome.DUPLICATE] == 3
    async with db.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(inbox)) == 3
