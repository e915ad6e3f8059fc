"""The broker watch (shared.events.continuity): a broker that lost a service's topics is noticed, the topics
come back with their partitions, the service recovers once; clients naming a topic never create it."""

import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import UnknownTopicOrPartitionError

from shared.broker import EmbeddedBroker
from shared.events.bus import KafkaBus
from shared.events.catalogue import dead_letter_topic
from shared.events.continuity import BrokerWatch, epoch_topic
from shared.settings import Settings

pytestmark = pytest.mark.integration

TOPICS = ("asn.employee.events", "asn.training.events")


async def _partitions(bus: KafkaBus) -> dict[str, int]:
    admin = AIOKafkaAdminClient(**bus.client_options())
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(bus.settings.kafka_topic_prefix)]
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return {bus.logical(d["topic"]): len(d["partitions"]) for d in described}


async def _delete(bus: KafkaBus, *topics: str) -> None:
    admin = AIOKafkaAdminClient(**bus.client_options())
    await admin.start()
    try:
        await admin.delete_topics([bus.physical(t) for t in topics])
    finally:
        await admin.close()


@pytest.fixture
async def bus(broker: EmbeddedBroker):
    settings = Settings(
        service="employee",
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_topic_prefix=f"w{uuid.uuid4().hex[:10]}.",
    )
    running = KafkaBus(settings)
    await running.start()
    yield running
    await running.stop()


async def test_a_lost_epoch_topic_brings_back_every_topic_with_its_partitions_and_recovers_once(bus):
    recoveries: list[str] = []

    async def recover(restore_topics) -> None:
        await restore_topics()
        recoveries.append("recovered")

    watch = BrokerWatch(bus, service="employee", topics=TOPICS, recover=recover, interval=60)
    assert await watch.adopt() is True, "a broker that never saw the service does not know it"
    assert await watch.adopt() is False
    expected = {
        **{topic: 3 for topic in TOPICS},
        **{dead_letter_topic(topic): 3 for topic in TOPICS},
        epoch_topic("employee"): 1,
    }
    assert await _partitions(bus) == expected

    await watch.look()
    assert (recoveries, watch.intact) == ([], True)

    await _delete(bus, epoch_topic("employee"), TOPICS[0], dead_letter_topic(TOPICS[1]))
    await watch.look()
    assert recoveries == ["recovered"]
    assert watch.intact is True
    assert await _partitions(bus) == expected
    await watch.look()
    assert recoveries == ["recovered"], "an intact broker is not recovered again"


async def test_naming_a_missing_topic_does_not_create_it(bus):
    missing = f"asn.never-made-{uuid.uuid4().hex[:6]}.events"
    producer = AIOKafkaProducer(**bus.client_options(), request_timeout_ms=1500)
    await producer.start()
    try:
        with pytest.raises(UnknownTopicOrPartitionError):
            await producer.send_and_wait(bus.physical(missing), b"lost?")
    finally:
        await producer.stop()
    assert await bus.missing_topics([missing]) == {missing}
