"""The Kafka bus on aiokafka: one producer per process, topics created on start, one consumer group per
consuming service. Works against Apache Kafka (SASL/TLS by settings) and the embedded Tansu broker.

Topics are made by `ensure_topics` alone, with the configured partitions: clients never ask the broker to
create a topic they merely name. Otherwise a broker that lost its topics (Tansu keeps them in memory) would
get them back from the first producer or consumer to name one, with the broker's default partitions and
without the dead-letter topics, and a lost topic could not be told from an empty one.
"""

import asyncio
import logging
import ssl
from collections.abc import Iterable, Sequence
from typing import Any

import aiokafka.client
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.protocol.metadata import MetadataRequest

from shared.events.catalogue import dead_letter_topic
from shared.settings import Settings

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes]]


class _MetadataRequestNeverCreating(MetadataRequest):
    # aiokafka has no `allow.auto.create.topics` setting (the Java client's) and always asks for creation.
    def __init__(self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False):
        super().__init__(topics, allow_auto_topic_creation)


aiokafka.client.MetadataRequest = _MetadataRequestNeverCreating  # type: ignore[misc]


class KafkaBus:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None

    def physical(self, topic: str) -> str:
        return self.settings.kafka_topic_prefix + topic

    def logical(self, topic: str) -> str:
        prefix = self.settings.kafka_topic_prefix
        return topic[len(prefix) :] if prefix and topic.startswith(prefix) else topic

    def client_options(self) -> dict[str, Any]:
        s = self.settings
        options: dict[str, Any] = {
            "bootstrap_servers": s.kafka_bootstrap_servers,
            "security_protocol": s.kafka_security_protocol,
        }
        if s.kafka_security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = ssl.create_default_context(
                cafile=str(s.kafka_ssl_cafile) if s.kafka_ssl_cafile else None
            )
        if s.kafka_sasl_mechanism:
            options["sasl_mechanism"] = s.kafka_sasl_mechanism
            options["sasl_plain_username"] = s.kafka_sasl_username
            options["sasl_plain_password"] = (
                s.kafka_sasl_password.get_secret_value() if s.kafka_sasl_password else None
            )
        return options

    async def ensure_topics(self, topics: Iterable[str], *, partitions: int | None = None) -> None:
        """Create each topic and its dead-letter topic if missing (an existing topic is not an error).
        `partitions` overrides the configured count, and then no dead-letter topic is made."""
        if partitions is None:
            wanted = sorted({t for topic in topics for t in (topic, dead_letter_topic(topic))})
        else:
            wanted = sorted(set(topics))
        if not wanted:
            return
        admin = AIOKafkaAdminClient(**self.client_options())
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = [
                NewTopic(
                    self.physical(t),
                    partitions or self.settings.kafka_partitions,
                    self.settings.kafka_replication_factor,
                )
                for t in wanted
                if self.physical(t) not in existing
            ]
            if missing:
                response = await admin.create_topics(missing)
                for name, code, message in _topic_errors(response):
                    if code not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS, another service won the race
                        raise RuntimeError(f"cannot create topic {name}: {code} {message}")
        finally:
            await admin.close()

    async def start(self, topics: Iterable[str] = ()) -> None:
        await self.ensure_topics(topics)
        self._producer = AIOKafkaProducer(
            **self.client_options(),
            acks="all",
            enable_idempotence=self.settings.kafka_enable_idempotence,
            linger_ms=0,
            # A batch for a topic the broker lost is retried until this passes; a recovery waits for it.
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the bus is not started")
        return self._producer

    async def publish_many(self, records: Sequence[tuple[str, bytes, bytes, Headers]]) -> None:
        """Send (topic, key, value, headers) records in order and return once the broker acknowledged all."""
        futures = [
            await self.producer.send(self.physical(topic), value=value, key=key, headers=list(headers))
            for topic, key, value, headers in records
        ]
        await asyncio.gather(*futures)

    async def publish(self, topic: str, key: bytes | None, value: bytes, headers: Headers = ()) -> None:
        await self.producer.send_and_wait(self.physical(topic), value=value, key=key, headers=list(headers))

    def consumer(self, group_id: str, topics: Iterable[str], **overrides: Any) -> AIOKafkaConsumer:
        options: dict[str, Any] = {
            **self.client_options(),
            # Prefixed like the topics: environments (and tests) sharing a broker must not share groups,
            # or one's members join the other's rebalances.
            "group_id": self.physical(group_id),
            # Offsets are committed after the handler's transaction: at-least-once, deduplicated by the inbox.
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "fetch_max_wait_ms": 50,
            "session_timeout_ms": self.settings.kafka_session_timeout_ms,
            "heartbeat_interval_ms": self.settings.kafka_heartbeat_interval_ms,
            "max_poll_records": 500,
        }
        options.update(overrides)
        return AIOKafkaConsumer(*[self.physical(t) for t in topics], **options)

    async def missing_topics(self, topics: Iterable[str], timeout: float = 5.0) -> set[str]:
        """Which of `topics` the broker does not have (raises when it does not answer)."""
        # Not asyncio.wait_for: on Python 3.11 it can swallow the cancellation of the loop calling this.
        async with asyncio.timeout(timeout):
            metadata = await self.producer.client.fetch_all_metadata()
        existing = metadata.topics()
        return {topic for topic in topics if self.physical(topic) not in existing}

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when the broker answers a metadata request."""
        try:
            client = self.producer.client
            async with asyncio.timeout(timeout):
                await client.fetch_all_metadata()
        except Exception:
            log.warning("broker not reachable", exc_info=True)
            return False
        return True


def _topic_errors(response: Any) -> list[tuple[str, int, str | None]]:
    errors = []
    for entry in response.topic_errors:
        name, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 else None
        errors.append((name, code, message))
    return errors
