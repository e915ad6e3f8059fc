"""Noticing a broker that lost what it held, and bringing this service's part of it back.

A Kafka cluster rebuilt from nothing, or the embedded broker restarted (it keeps everything in memory),
answers as before but has no topics, no committed offsets and none of the events it had acknowledged. Each
service keeps a topic of its own, its *epoch topic*, which nothing but this watch creates (clients never
create topics, `shared.events.bus`): while it exists the broker is the one this service has been using;
when it is gone, whatever the broker held may be gone. The cluster id cannot tell this: Tansu reports the
same one after every restart.

The service then recovers (`recover`, given the restoration of the topics to run at the right moment): with
its outbox relay paused (no batch in flight), it marks every outbox row of the retention window for
publication again and makes the topics again (with their partitions and dead-letter topics), so the relay
starts again from the oldest row and each key's events arrive in their order (a consumer may not have read
them; the inboxes drop what they had); it rejoins its consumer group (its group and offsets are gone). The
epoch topic comes last, so a recovery cut short is done again.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence

from shared.aio import every
from shared.events.bus import KafkaBus

log = logging.getLogger(__name__)

Restore = Callable[[], Awaitable[None]]


def epoch_topic(service: str) -> str:
    return f"asn.{service}.epoch"


class BrokerWatch:
    def __init__(
        self,
        bus: KafkaBus,
        *,
        service: str,
        topics: Sequence[str],
        recover: Callable[[Restore], Awaitable[None]],
        interval: float,
    ) -> None:
        self._bus = bus
        self._epoch = epoch_topic(service)
        self._topics = tuple(topics)
        self._recover = recover
        self._interval = interval
        # False from a failed look at the broker until a look finds everything in place (or restored).
        self.intact = False

    async def adopt(self) -> bool:
        """At start: make the topics; True when the broker did not know this service (so what it was
        sent before, by an earlier run of this service, may never have reached anyone)."""
        await self._bus.ensure_topics(self._topics)
        unknown = bool(await self._bus.missing_topics([self._epoch]))
        if unknown:
            await self._bus.ensure_topics([self._epoch], partitions=1)
        self.intact = True
        return unknown

    async def run(self) -> None:
        await every(self._interval, self.look)

    async def look(self) -> None:
        """One look at the broker; recovers when the epoch topic or one of the topics is gone."""
        try:
            missing = await self._bus.missing_topics([self._epoch, *self._topics])
        except Exception as error:
            if self.intact:
                log.warning("broker not reachable: %r", error)
            self.intact = False
            return
        if not missing:
            self.intact = True
            return
        self.intact = False
        log.warning("the broker lost %s; restoring topics and publishing the outbox again", sorted(missing))
        await self._recover(self._restore_topics)
        await self._bus.ensure_topics([self._epoch], partitions=1)
        self.intact = True
        log.info("events flow again after the broker's loss")

    async def _restore_topics(self) -> None:
        await self._bus.ensure_topics(self._topics)
