"""Prometheus metrics of one service process, served at `/metrics` (public, like /health and /ready).

What every service exposes without doing anything:
- `asn_http_requests_total{method,route,status}` and `asn_http_request_duration_seconds{method,route}`, the
  route being the template (`/api/v1/employees/{nip}`), never the raw path, so series stay bounded;
- `asn_outbox_backlog_events` and `asn_outbox_oldest_unpublished_age_seconds`;
- for a consuming service: `asn_consumer_events_total{outcome}` (applied, duplicate, ignored, dead-lettered),
  `asn_consumer_lag_messages{topic,partition}` (the log end against the group's committed offset, as the
  broker sees it: a stuck consumer shows, a dead one too) and `asn_dead_letter_topic_messages{topic}`;
- `asn_workflow_items{workflow,state}` for the `jobs` table, and for whatever a service tracks with
  `runtime.track_states("proposal", proposals.c.status)`;
- the process collectors (CPU, memory, open files) of prometheus-client.

Values read from the database or the broker are sampled when scraped: a service adds its own with
`runtime.metrics.add_sampler(name, coroutine_function)`, setting gauges it made with `runtime.metrics.gauge`.
Each process has its own registry, so several services can run in one test process.

Traces are optional (`install_tracing`): with the `otel` extra installed and OTEL_EXPORTER_OTLP_ENDPOINT set,
each request becomes a server span named by its route template and carrying the correlation id.
"""

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Column, func, select
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import clock, context
from shared.db import Database
from shared.events.bus import KafkaBus
from shared.events.catalogue import dead_letter_topic

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

Sampler = Callable[[], Awaitable[None]]

# Seconds: from a cached read to a slow report; above 30 s a request has already timed out upstream.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED_ROUTE = "<unmatched>"
# A scrape must answer even when the broker or the database does not; the stale series are dropped then.
SAMPLE_TIMEOUT_SECONDS = 5.0


class ServiceMetrics:
    """The registry of one service process and the samplers run before each scrape."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.http_requests = Counter(
            "asn_http_requests",
            "HTTP requests answered, by route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.http_duration = Histogram(
            "asn_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sampler_errors = Counter(
            "asn_metrics_sampler_errors",
            "Scrapes where a sampler failed (its series were dropped for that scrape).",
            ["sampler"],
            registry=self.registry,
        )
        self.workflow_items = self.gauge(
            "asn_workflow_items", "Items of a workflow of this service by state.", ["workflow", "state"]
        )
        self._samplers: list[tuple[str, Sampler, Sequence[Gauge]]] = []

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        """A gauge in this process's registry, for a sampler to set."""
        return Gauge(name, documentation, list(labels), registry=self.registry)

    def add_sampler(self, name: str, sampler: Sampler, *, clears: Sequence[Gauge] = ()) -> None:
        """Run `sampler` before every scrape; if it fails or times out, the labelled series of the gauges
        in `clears` are dropped rather than left showing a value that is no longer true."""
        self._samplers.append((name, sampler, tuple(clears)))

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)

    def track_states(self, workflow: str, state: Column[Any], db: Database) -> None:
        """Count the rows of `state`'s table by its value, as `asn_workflow_items{workflow, state}`.

        States seen once stay at 0 when their last item leaves them, so a graph drops to zero instead of
        ending."""
        seen: set[str] = set()
        gauge = self.workflow_items

        async def sample() -> None:
            async with db.connect() as connection:
                rows = (await connection.execute(select(state, func.count()).group_by(state))).all()
            counts = {str(value): int(count) for value, count in rows}
            seen.update(counts)
            for name in seen:
                gauge.labels(workflow, name).set(counts.get(name, 0))

        self.add_sampler(f"workflow:{workflow}", sample)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        # The labelled series, looked up once per kind of request: `labels()` is a third of this call.
        series = self._request_series.get((method, route, status))
        if series is None:
            series = self._request_series[(method, route, status)] = (
                self.http_requests.labels(method, route, str(status)),
                self.http_duration.labels(method, route),
            )
        series[0].inc()
        series[1].observe(seconds)

    async def render(self) -> bytes:
        """Run the samplers, then the exposition in the Prometheus text format."""
        for name, sampler, clears in self._samplers:
            try:
                async with asyncio.timeout(SAMPLE_TIMEOUT_SECONDS):
                    await sampler()
            except Exception:
                log.warning("metrics sampler %s failed", name, exc_info=True)
                self.sampler_errors.labels(name).inc()
                for gauge in clears:
                    gauge.clear()
        return generate_latest(self.registry)


class HttpMetricsMiddleware:
    """Counts and times each request under its route template; a plain ASGI middleware, as in shared.web.

    The metrics object is the one the service runtime put on `app.state` at start-up; an app without one
    is served unmeasured."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if getattr(scope["app"].state, "tracer_provider", None) is not None:
            _tag_current_span()
        metrics: ServiceMetrics | None = getattr(scope["app"].state, "metrics", None)
        if metrics is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            metrics.observe_request(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )


def _tag_current_span() -> None:
    """Put the request's ids (set by shared.web's middleware, outside this one) on its server span."""
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute("asn.correlation_id", context.correlation_id.get() or "")
        span.set_attribute("asn.request_id", context.request_id.get() or "")


def _route_serving(endpoint: Any, routes: Iterable[Any]) -> Any:
    for route in routes:
        if getattr(route, "endpoint", None) is endpoint or getattr(route, "app", None) is endpoint:
            return route
    return None


def route_template(scope: Scope) -> str:
    """The path template of the route that answered, with the prefix of the mount it sits in.

    The router leaves the route in the scope; a plain Starlette route (the gateway's proxy) or a mounted
    app only its endpoint, by which it is found among the app's routes."""
    route = scope.get("route")
    if route is None and "endpoint" in scope:
        route = _route_serving(scope["endpoint"], getattr(scope.get("app"), "routes", ()))
    path = getattr(route, "path", None)
    if not path:
        return UNMATCHED_ROUTE
    mount = ""
    if "app_root_path" in scope:  # set by a Mount: root_path has grown by the mount's prefix
        mount = str(scope.get("root_path", ""))[len(str(scope["app_root_path"])) :]
    if isinstance(route, Mount):  # an app mounted whole (static files), or no route inside matched
        return (mount or str(path)) + "/{path:path}"
    return mount + str(path)


router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False, response_model=None)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition of this process."""
    metrics: ServiceMetrics | None = getattr(request.app.state, "metrics", None)
    if metrics is None:
        return PlainTextResponse("no metrics: the service runtime has not started\n", status_code=503)
    return Response(await metrics.render(), media_type=CONTENT_TYPE_LATEST)


class _ConsumerOutcomes(Collector):
    """The in-process consumer's outcome counters, read at collection time."""

    def __init__(self, counts: Callable[[], dict[Any, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterable[CounterMetricFamily]:
        family = CounterMetricFamily(
            "asn_consumer_events",
            "Events this process's consumer took from the broker, by outcome.",
            labels=["outcome"],
        )
        for outcome, count in self._counts().items():
            family.add_metric([outcome.value], count)
        yield family


class BrokerOffsets:
    """What the broker knows about this service's consumption: per partition the log end, the log start and
    the consumer group's committed offset. Opens its own small clients (no group membership) on first use."""

    def __init__(self, bus: KafkaBus, group: str) -> None:
        self._bus = bus
        self._group = group
        self._admin: AIOKafkaAdminClient | None = None
        self._reader: AIOKafkaConsumer | None = None

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._reader is None:
            options = self._bus.client_options()
            admin = AIOKafkaAdminClient(**options)
            reader = AIOKafkaConsumer(**options, enable_auto_commit=False)
            await admin.start()
            try:
                await reader.start()
            except BaseException:
                await admin.close()
                raise
            self._admin, self._reader = admin, reader
        return self._admin, self._reader

    async def partitions(self, topics: Iterable[str]) -> list[TopicPartition]:
        admin, _ = await self._clients()
        physical = [self._bus.physical(topic) for topic in topics]
        described = await admin.describe_topics(physical)
        return sorted(
            TopicPartition(entry["topic"], partition["partition"])
            for entry in described
            if not entry.get("error_code")
            for partition in entry["partitions"]
        )

    async def lag(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        """Messages past the group's committed offset; from the log start where it committed none."""
        admin, reader = await self._clients()
        partitions = await self.partitions(topics)
        if not partitions:
            return {}
        ends = await reader.end_offsets(partitions)
        starts = await reader.beginning_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(
            self._bus.physical(self._group), partitions=partitions
        )
        lag = {}
        for tp in partitions:
            position = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else starts[tp]
            lag[tp] = max(ends[tp] - max(position, starts[tp]), 0)
        return lag

    async def sizes(self, topics: Iterable[str]) -> dict[str, int]:
        """Messages retained per topic (log end minus log start, summed over partitions)."""
        _, reader = await self._clients()
        partitions = await self.partitions(topics)
        if not partitions:
            return {}
        ends = await reader.end_offsets(partitions)
        starts = await reader.beginning_offsets(partitions)
        sizes: dict[str, int] = {}
        for tp in partitions:
            topic = self._bus.logical(tp.topic)
            sizes[topic] = sizes.get(topic, 0) + ends[tp] - starts[tp]
        return sizes

    async def close(self) -> None:
        admin, reader = self._admin, self._reader
        self._admin = self._reader = None
        if reader is not None:
            await reader.stop()
        if admin is not None:
            await admin.close()


def install_runtime_metrics(runtime: "ServiceRuntime") -> BrokerOffsets | None:
    """The metrics every service runtime has: outbox, consumer, jobs. Returns the broker clients to close."""
    metrics = runtime.metrics
    backlog = metrics.gauge("asn_outbox_backlog_events", "Outbox events not yet published to the broker.")
    oldest = metrics.gauge(
        "asn_outbox_oldest_unpublished_age_seconds",
        "Age of the oldest unpublished outbox event (0 when none waits).",
    )

    async def sample_outbox() -> None:
        count, created_at = await runtime.relay.backlog()
        backlog.set(count)
        oldest.set((clock.now() - created_at).total_seconds() if created_at is not None else 0)

    metrics.add_sampler("outbox", sample_outbox)
    if runtime.jobs is not None:
        metrics.track_states("job", runtime.metadata.tables["jobs"].c.state, runtime.db)
    consumer = runtime.consumer
    if consumer is None:
        return None
    metrics.add_collector(_ConsumerOutcomes(lambda: consumer.counts))
    offsets = BrokerOffsets(runtime.bus, consumer.name)
    lag = metrics.gauge(
        "asn_consumer_lag_messages",
        "Messages of a consumed topic partition past this service's committed offset.",
        ["topic", "partition"],
    )
    dead_letters = metrics.gauge(
        "asn_dead_letter_topic_messages",
        "Messages retained in the dead-letter topic of a topic this service consumes (all consumers').",
        ["topic"],
    )

    async def sample_consumer() -> None:
        topics = consumer.topics
        current = await offsets.lag(topics)
        sizes = await offsets.sizes([dead_letter_topic(topic) for topic in topics])
        lag.clear()
        for tp, messages in current.items():
            lag.labels(runtime.bus.logical(tp.topic), str(tp.partition)).set(messages)
        dead_letters.clear()
        for topic, size in sizes.items():
            dead_letters.labels(topic).set(size)

    metrics.add_sampler("consumer", sample_consumer, clears=[lag, dead_letters])
    return offsets


TRACE_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def install_tracing(app: FastAPI, *, exporter: Any = None) -> bool:
    """Export a span per request over OTLP/HTTP when an endpoint is configured (the standard OTEL_* variables
    name it, and OTEL_SERVICE_NAME the service), or to `exporter` (tests). Returns whether tracing is on.

    Needs the `otel` extra; without it a configured endpoint only earns a warning. The probes and /metrics
    are not traced. Spans of different services join up by the `asn.correlation_id` attribute (the
    platform's own correlation, which also crosses Kafka)."""
    if exporter is None and not any(os.environ.get(name) for name in TRACE_ENDPOINT_VARIABLES):
        return False
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError:
        log.warning("an OTLP endpoint is configured but the otel extra is not installed: no traces")
        return False
    # `asn serve` puts the service's name in ASN_SERVICE before the app is built.
    name = os.environ.get("OTEL_SERVICE_NAME") or f"asn-{os.environ.get('ASN_SERVICE', 'service')}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="/health$,/ready$,/metrics$",
        exclude_spans=["receive", "send"],
    )
    app.state.tracer_provider = provider
    return True
