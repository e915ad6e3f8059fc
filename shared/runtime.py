"""What one service process runs besides its routes: database, bus, outbox relay, event consumer, for
services with a `jobs` table the job runner, and the background loops the service declares.

Every service builds one `ServiceRuntime` in `create_app` (`ServiceRuntime.declared`); its lifespan starts
and stops the parts, and the routes reach it through the dependencies in `shared.deps`.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Column, MetaData

from shared import clock
from shared.aio import backoff, every
from shared.db import Database
from shared.declaration import BackgroundLoop, ServiceDeclaration
from shared.events.bus import KafkaBus
from shared.events.catalogue import topic_of_service
from shared.events.continuity import BrokerWatch, Restore
from shared.events.inbox import EventConsumer, Subscription
from shared.events.outbox import OutboxRelay, mark_for_replay
from shared.idempotency import purge_expired
from shared.jobs import JobRunner
from shared.logging import configure_logging
from shared.metrics import ServiceMetrics, install_runtime_metrics
from shared.settings import Settings
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_RESTART_DELAY = 10.0
IDEMPOTENCY_PURGE_SECONDS = 3600.0


class ServiceRuntime:
    def __init__(
        self,
        settings: Settings,
        *,
        metadata: MetaData,
        subscriptions: Sequence[Subscription] = (),
        loops: Sequence[BackgroundLoop] = (),
    ) -> None:
        self.settings = settings
        self.metadata = metadata
        self.loops = tuple(loops)
        if settings.clock_start is not None:
            clock.pin(settings.clock_start)
        self.db = Database(
            settings.resolved_database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
        self.bus = KafkaBus(settings)
        self.outbox = metadata.tables["outbox"]
        self.inbox = metadata.tables["inbox"]
        self.relay = OutboxRelay(
            self.db,
            self.bus,
            self.outbox,
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval_seconds,
        )
        self.consumer = (
            EventConsumer(
                settings.service,
                self.db,
                self.bus,
                inbox=self.inbox,
                outbox=self.outbox,
                subscriptions=subscriptions,
                on_commit=self.relay.wake,
                max_retries=settings.consumer_max_retries,
                retry_backoff=settings.consumer_retry_backoff_seconds,
            )
            if subscriptions
            else None
        )
        self.watch = BrokerWatch(
            self.bus,
            service=settings.service,
            topics=self.topics,
            recover=self._recover_events,
            interval=settings.kafka_watch_interval_seconds,
        )
        self.jobs = JobRunner(self.db, metadata.tables["jobs"]) if "jobs" in metadata.tables else None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._consumer_ready = asyncio.Event()
        self.metrics = ServiceMetrics(settings.service)
        self._broker_offsets = install_runtime_metrics(self)

    @classmethod
    def declared(cls, service: ServiceDeclaration, settings: Settings) -> "ServiceRuntime":
        """The runtime of a declared service: its tables, its subscriptions and its background loops."""
        return cls(
            settings, metadata=service.metadata(), subscriptions=service.subscribed(), loops=service.loops
        )

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.outbox, self.relay.wake)

    def track_states(self, workflow: str, state: Column[Any]) -> None:
        """Count `state`'s rows by value at each scrape: `asn_workflow_items{workflow, state}` (/metrics)."""
        self.metrics.track_states(workflow, state, self.db)

    @property
    def topics(self) -> list[str]:
        own = topic_of_service(self.settings.service)
        return sorted({own, *(self.consumer.topics if self.consumer else [])})

    async def start(self) -> None:
        await self.bus.start()
        if await self.watch.adopt():
            await self._publish_window_again()
        self._tasks["outbox-relay"] = asyncio.create_task(self._supervise("outbox-relay", self.relay.run))
        self._tasks["broker-watch"] = asyncio.create_task(self._supervise("broker-watch", self.watch.run))
        if self.jobs is not None:
            # A SQLite database has one process (as for the relay), so any job still unfinished is one its
            # previous run left behind; with PostgreSQL other replicas may be running theirs.
            await self.jobs.fail_abandoned(all_others=self.db.is_sqlite)
            self._tasks["jobs"] = asyncio.create_task(self._supervise("jobs", self.jobs.run))
        if "idempotency_keys" in self.metadata.tables:
            self._tasks["idempotency-keys"] = asyncio.create_task(
                every(IDEMPOTENCY_PURGE_SECONDS, self._purge_idempotency_keys, at_once=True)
            )
        if self.consumer is not None:
            self._start_consumer()
            await asyncio.wait_for(self._consumer_ready.wait(), timeout=30)

    def _start_consumer(self) -> None:
        consumer = self.consumer
        if consumer is not None:
            self._tasks["consumer"] = asyncio.create_task(
                self._supervise("consumer", lambda: consumer.run(self._consumer_ready))
            )

    async def _publish_window_again(self) -> None:
        since = clock.now() - timedelta(hours=self.settings.outbox_republish_window_hours)
        marked = await mark_for_replay(self.db, self.outbox, since)
        if marked:
            log.info("publishing %d outbox rows again: the broker may not have delivered them", marked)
        self.relay.wake()

    async def _recover_events(self, restore_topics: Restore) -> None:
        """The broker lost what it held: publish the window again, in order, and join the group afresh."""
        async with self.relay.paused():
            await self._publish_window_again()
            await restore_topics()
        running = self._tasks.pop("consumer", None)
        if running is not None:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            self._start_consumer()

    def start_loops(self, app: FastAPI) -> None:
        """Start the declared background loops, each supervised; called once the parts above run."""
        for loop in self.loops:
            run = partial(loop.load(), app, loop.seconds(self.settings))
            self._tasks[loop.name] = asyncio.create_task(self._supervise(loop.name, run), name=loop.name)

    async def stop(self) -> None:
        if self.jobs is not None:
            await self.jobs.stop()
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
        if self._broker_offsets is not None:
            await self._broker_offsets.close()
        await self.bus.stop()
        await self.db.dispose()

    async def _purge_idempotency_keys(self) -> None:
        retention = timedelta(hours=self.settings.idempotency_key_retention_hours)
        await purge_expired(self.db, self.metadata.tables["idempotency_keys"], retention)

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        try:
            await asyncio.wait_for(self.db.ping(), timeout=2)
            checks["database"] = True
        except Exception:
            log.warning("database not reachable", exc_info=True)
            checks["database"] = False
        checks["broker"] = await self.bus.ping()
        # The broker answers but lost this service's topics: events do not flow until they are restored.
        checks["topics"] = self.watch.intact
        checks.update({name: not task.done() for name, task in self._tasks.items()})
        return checks

    async def _supervise(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Keep a background loop alive: a crash is logged and the loop restarted with growing delay."""
        crashes = 0
        while True:
            try:
                await run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                crashes += 1
                delay = backoff(crashes, base=0.5, cap=MAX_RESTART_DELAY)
                log.exception("%s crashed; restarting in %.1fs", name, delay)
                await asyncio.sleep(delay)

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        configure_logging(self.settings.service, level=self.settings.log_level, json=self.settings.log_json)
        app.state.runtime = self
        app.state.metrics = self.metrics
        await self.start()
        self.start_loops(app)
        log.info("%s service started", self.settings.service)
        try:
            yield
        finally:
            await self.stop()
