"""Events that cannot be applied go to the dead-letter topic with the reason, and the consumer keeps going."""

import json
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import select

from services.mutation.adapters.tables import employees, metadata
from shared import clock
from shared.events.bus import KafkaBus
from shared.events.inbox import Outcome, Subscription
from shared.readmodels.employees import employee_subscriptions
from shared.runtime import ServiceRuntime
from shared.testing import eventually

pytestmark = pytest.mark.integration

TOPIC = "asn.employee.events"


def registered(nip: str, **data_overrides: object) -> dict[str, object]:
    data = {
        "nip": nip,
        "name": "Siti Rahma",
        "agency_code": "7601",
        "birth_date": "1990-01-02",
        "gender": "F",
        "employment_type": "PNS",
        "status": "active",
        **data_overrides,
    }
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/asn/employee",
        "type": "asn.employee.employee.registered",
        "time": clock.now().isoformat(),
        "subject": nip,
        "dataversion": "1",
        "correlationid": str(uuid.uuid4()),
        "actor": "test",
        "agency": "7601",
        "data": data,
    }


async def read_dead_letters(settings, expected: int) -> list:
    bus = KafkaBus(settings)
    consumer = AIOKafkaConsumer(
        bus.physical(TOPIC + ".dlq"),
        **bus.client_options(),
        auto_offset_reset="earliest",
        group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
    )
    await consumer.start()
    records = []
    try:

        async def more():
            batches = await consumer.getmany(timeout_ms=200)
            records.extend(r for rs in batches.values() for r in rs)
            return len(records) >= expected

        await eventually(more, what=f"{expected} dead letters")
    finally:
        await consumer.stop()
    return records


async def test_bad_events_are_dead_lettered_with_their_reason_and_the_consumer_goes_on(make_settings):
    settings = await make_settings("mutation", consumer_max_retries=2)
    failing_nip = "199001022015012001"
    apply_registered = next(
        s for s in employee_subscriptions(employees) if s.type == "asn.employee.employee.registered"
    )

    async def fails_for_one_nip(uow, event, data):
        if data.nip == failing_nip:
            raise RuntimeError("the handler cannot apply this event")
        await apply_registered.handle(uow, event, data)

    runtime = ServiceRuntime(
        settings, metadata=metadata, subscriptions=[Subscription(apply_registered.type, fails_for_one_nip)]
    )
    bad = [
        (b"not json at all", "malformed envelope"),
        (
            json.dumps(
                {**registered("199001022015012002"), "type": "asn.employee.employee.teleported"}
            ).encode(),
            "unknown event type",
        ),
        (
            json.dumps({**registered("199001022015012003"), "dataversion": "9"}).encode(),
            "unsupported dataversion",
        ),
        (json.dumps(registered("199001022015012004", birth_date="yesterday")).encode(), "invalid payload"),
        (json.dumps(registered(failing_nip)).encode(), "handler failed after 3 attempts"),
    ]
    good_nip = "199001022015012005"
    await runtime.start()
    try:
        for value, _ in bad:
            await runtime.bus.publish(TOPIC, b"same-key", value)
        await runtime.bus.publish(TOPIC, b"same-key", json.dumps(registered(good_nip)).encode())

        async def good_event_applied():
            async with runtime.db.connect() as connection:
                return await connection.scalar(select(employees.c.version).where(employees.c.nip == good_nip))

        assert await eventually(good_event_applied, what="the good event after the bad ones") == 1
    finally:
        await runtime.stop()

    letters = await read_dead_letters(settings, len(bad))
    reasons = [dict(r.headers)["dlq_reason"].decode() for r in letters]
    for (_, expected_reason), reason in zip(bad, reasons, strict=True):
        assert expected_reason in reason
    for record in letters:
        headers = dict(record.headers)
        assert headers["dlq_consumer"] == b"mutation"
        assert headers["dlq_original_topic"] == TOPIC.encode()
    assert [r.value for r in letters] == [value for value, _ in bad]
    assert runtime.consumer.counts[Outcome.DEAD_LETTERED] == len(bad)
    assert runtime.consumer.counts[Outcome.APPLIED] == 1
