"""The embedded broker: starts on any port, carries events for aiokafka clients, stops without leftovers."""

import asyncio
import socket
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.broker import BrokerError, EmbeddedBroker, kafka_answers
from shared.net import free_port, port_is_free

pytestmark = pytest.mark.integration


async def test_a_message_round_trips_through_the_broker(tmp_path: Path) -> None:
    topic = f"roundtrip-{uuid.uuid4().hex[:8]}"
    with EmbeddedBroker(port=free_port(), log_path=tmp_path / "broker.log") as broker:
        # The platform's clients never create topics by naming them (shared.events.bus).
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, 1, 1)])
        finally:
            await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"hello", key=b"employee-1")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=broker.bootstrap_servers,
            group_id=f"test-{topic}",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            async with asyncio.timeout(30):
                message = await consumer.getone()
        finally:
            await consumer.stop()

    assert (message.key, message.value) == (b"employee-1", b"hello")


def test_stop_leaves_no_process_and_frees_the_port(tmp_path: Path) -> None:
    broker = EmbeddedBroker(port=free_port(), log_path=tmp_path / "broker.log")
    with broker:
        pid = broker.pid
        assert pid is not None and broker.is_running()
        assert kafka_answers(broker.host, broker.port)

    assert not broker.is_running()
    assert not Path(f"/proc/{pid}").exists(), "the broker process is still there (or was not reaped)"
    assert port_is_free(broker.host, broker.port)
    assert "ready in" in (tmp_path / "broker.log").read_text()


def test_starting_on_a_port_in_use_raises_a_clear_error() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        broker = EmbeddedBroker(port=port)
        with pytest.raises(BrokerError, match=f"port {port} .* already in use"):
            broker.start()
        assert not broker.is_running()
        # Not a Kafka broker: a plain TCP listener must not pass for a ready one.
        assert not kafka_answers("127.0.0.1", port, timeout=0.5)


def test_a_broker_that_exits_early_reports_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "tansu"
    fake.write_text("#!/bin/sh\necho 'bad storage engine' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CALF_TANSU_BIN", str(fake))

    for log_path in (tmp_path / "broker.log", None):
        with pytest.raises(BrokerError, match=r"(?s)exited \(exit code 3\).*bad storage engine"):
            with EmbeddedBroker(port=free_port(), log_path=log_path):
                pass
