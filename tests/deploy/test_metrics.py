"""`/metrics` of services run in process, on the real broker and database: the outbox backlog, the consumer
lag and the dead letters move as events wait, flow and fail; requests are counted by route template."""

import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text

from services.employee.adapters.tables import employees
from services.employee.app import create_app as create_employee_app
from services.mutation.app import create_app as create_mutation_app
from shared import clock
from shared.db import Database
from shared.events.bus import KafkaBus
from shared.events.catalogue import dead_letter_topic
from shared.events.outbox import mark_for_replay
from shared.metrics import TRACE_ENDPOINT_VARIABLES, install_tracing
from shared.settings import Settings
from shared.testing import define_agencies, eventually, serve_in_process

pytestmark = pytest.mark.integration

EMPLOYEE = {
    "nip": "199001022015032001",
    "name": "Siti Rahma",
    "birth_date": "1990-01-02",
    "gender": "F",
    "agency_code": "7601",
}
EMPLOYEE_TOPIC = "asn.employee.events"


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(exposition: str, name: str, **labels: str) -> float | None:
    return samples(exposition).get((name, frozenset(labels.items())))


def total(exposition: str, name: str, **labels: str) -> float:
    """The sum of `name` over the series that carry `labels` (e.g. lag over the partitions of a topic)."""
    wanted = set(labels.items())
    return sum(v for (n, series), v in samples(exposition).items() if n == name and wanted <= series)


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@asynccontextmanager
async def consumer_held(settings: Settings) -> AsyncIterator[None]:
    """Hold the consumer's next transaction: the inbox table locked (PostgreSQL) or the write lock taken
    (SQLite), as a long migration or a stuck database would."""
    assert settings.database_url is not None
    db = Database(settings.database_url)
    try:
        async with db.connect() as connection:
            await db.begin_write(connection)
            if not db.is_sqlite:
                await connection.execute(text("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE"))
            yield
            await connection.rollback()
    finally:
        await db.dispose()


async def test_metrics_show_backlog_lag_and_dead_letters_moving(make_settings):
    # A poll interval of an hour: rows written by another process wait until the relay is woken.
    employee_settings = await make_settings("employee", outbox_poll_interval_seconds=3600)
    mutation_settings = await make_settings("mutation")
    employee_app = create_employee_app(employee_settings)
    mutation_app = create_mutation_app(mutation_settings)
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        await define_agencies(employee, EMPLOYEE["agency_code"])
        # The agency and its province reach the mutation service first: two events applied.
        await eventually(lambda: _applied(mutation, 2), what="the agencies in the mutation read model")
        since = clock.now()
        assert (await employee.post("/api/v1/employees", json=EMPLOYEE)).status_code == 201
        view = await eventually(
            lambda: _ok(mutation.get(f"/api/v1/mutation/employees/{EMPLOYEE['nip']}")),
            what="the mutation read model to have the employee",
        )
        assert view.json()["version"] == 1
        await eventually(lambda: _lag(mutation, 0), what="the mutation consumer to commit what it applied")

        exposition = await scrape(employee)
        assert value(exposition, "asn_outbox_backlog_events") == 0
        assert value(exposition, "asn_outbox_oldest_unpublished_age_seconds") == 0
        assert (
            value(
                exposition, "asn_http_requests_total", method="POST", route="/api/v1/employees", status="201"
            )
            == 1
        )
        exposition = await scrape(mutation)
        assert (
            value(
                exposition,
                "asn_http_requests_total",
                method="GET",
                route="/api/v1/mutation/employees/{nip}",
                status="200",
            )
            == 1
        )
        assert EMPLOYEE["nip"] not in exposition, "a raw path leaked into a label"
        assert value(exposition, "asn_consumer_events_total", outcome="applied") == 3
        dead_letters = dead_letter_topic(EMPLOYEE_TOPIC)
        assert total(exposition, "asn_dead_letter_topic_messages", topic=dead_letters) == 0

        # Another process (`asn replay`) marks the published event for republishing: the backlog shows it.
        employee_runtime = employee_app.state.runtime
        assert await mark_for_replay(employee_runtime.db, employee_runtime.outbox, since) == 1
        exposition = await scrape(employee)
        assert value(exposition, "asn_outbox_backlog_events") == 1
        age = value(exposition, "asn_outbox_oldest_unpublished_age_seconds")
        assert age is not None and age > 0

        # Published while the mutation consumer cannot commit: the backlog drains, the lag grows.
        async with consumer_held(mutation_settings):
            employee_runtime.relay.wake()
            await eventually(lambda: _backlog(employee, 0), what="the relay to publish the replayed event")
            await eventually(lambda: _lag(mutation, 1), what="the held consumer to lag one event")
        await eventually(lambda: _lag(mutation, 0), what="the released consumer to catch up")
        exposition = await scrape(mutation)
        assert value(exposition, "asn_consumer_events_total", outcome="duplicate") == 1

        # An event no handler can apply goes to the dead-letter topic: both counts show it.
        bus = KafkaBus(employee_settings)
        await bus.start()
        try:
            await bus.publish(EMPLOYEE_TOPIC, EMPLOYEE["nip"].encode(), b"{not json")
        finally:
            await bus.stop()
        exposition = await eventually(
            lambda: _scrape_when(mutation, "asn_dead_letter_topic_messages", 1, topic=dead_letters),
            what="the bad event to reach the dead-letter topic",
        )
        assert value(exposition, "asn_consumer_events_total", outcome="dead-lettered") == 1
        await eventually(lambda: _lag(mutation, 0), what="the consumer to move past the bad event")


async def test_metrics_need_no_token_and_unknown_paths_share_one_series(make_settings):
    app = create_employee_app(await make_settings("employee"))
    async with serve_in_process(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
            for _ in range(3):
                missing = await anonymous.get(f"/no-such-page/{uuid.uuid4().hex}")
                assert missing.status_code == 404
            exposition = await scrape(anonymous)
    assert value(exposition, "asn_http_requests_total", method="GET", route="<unmatched>", status="404") == 3
    assert "no-such-page" not in exposition
    assert value(exposition, "process_open_fds") is not None


async def _applied(client, count: int) -> bool:
    return value(await scrape(client), "asn_consumer_events_total", outcome="applied") == count


async def test_a_workflow_registered_by_a_service_is_counted_by_state(make_settings):
    app = create_employee_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        app.state.runtime.track_states("employee", employees.c.status)
        exposition = await scrape(client)
        assert value(exposition, "asn_workflow_items", workflow="employee", state="active") is None
        await define_agencies(client, EMPLOYEE["agency_code"])
        assert (await client.post("/api/v1/employees", json=EMPLOYEE)).status_code == 201
        exposition = await scrape(client)
        assert value(exposition, "asn_workflow_items", workflow="employee", state="active") == 1
        response = await client.get(f"/api/v1/employees/{EMPLOYEE['nip']}")
        changed = await client.post(
            f"/api/v1/employees/{EMPLOYEE['nip']}/status",
            json={"status": "leave", "effective_date": "2026-01-01", "reason": "cuti"},
            headers={"If-Match": response.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
        exposition = await scrape(client)
    # A state its last item left stays, at zero, so a graph of it ends at zero rather than stopping.
    assert value(exposition, "asn_workflow_items", workflow="employee", state="active") == 0
    assert value(exposition, "asn_workflow_items", workflow="employee", state="leave") == 1


async def _ok(request):
    response = await request
    return response if response.status_code == 200 else None


async def _lag(client: httpx.AsyncClient, expected: int) -> bool:
    exposition = await scrape(client)
    series = [n for (n, _), _ in samples(exposition).items() if n == "asn_consumer_lag_messages"]
    return bool(series) and total(exposition, "asn_consumer_lag_messages", topic=EMPLOYEE_TOPIC) == expected


async def _backlog(client: httpx.AsyncClient, expected: int) -> bool:
    return value(await scrape(client), "asn_outbox_backlog_events") == expected


async def _scrape_when(client: httpx.AsyncClient, name: str, expected: float, **labels: str) -> str | None:
    exposition = await scrape(client)
    return exposition if total(exposition, name, **labels) == expected else None


class _Lines(logging.Handler):
    """The log lines exactly as the service prints them (its formatter and context filter)."""

    def __init__(self, like: logging.Handler) -> None:
        super().__init__()
        self.filters = list(like.filters)
        self.setFormatter(like.formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_a_correlation_id_follows_the_request_into_logs_and_events(make_settings):
    app = create_employee_app(await make_settings("employee", log_json=True))
    async with serve_in_process(app) as client:
        await define_agencies(client, EMPLOYEE["agency_code"])
        root = logging.getLogger()
        lines = _Lines(root.handlers[0])
        root.addHandler(lines)
        try:
            response = await client.post(
                "/api/v1/employees", json=EMPLOYEE, headers={"X-Correlation-ID": "corr-mutasi-7601"}
            )
        finally:
            root.removeHandler(lines)
        assert response.status_code == 201
        assert response.headers["x-correlation-id"] == "corr-mutasi-7601"
        runtime = app.state.runtime
        async with runtime.db.connect() as connection:
            payload = await connection.scalar(
                select(runtime.outbox.c.payload).where(
                    runtime.outbox.c.type == "asn.employee.employee.registered"
                )
            )
    # The event carries it to every consumer, whose inbox sets it as the context of the handler's logs.
    assert json.loads(payload)["correlationid"] == "corr-mutasi-7601"
    (access,) = [json.loads(line) for line in lines.lines if '"logger": "asn.access"' in line]
    assert access["correlation_id"] == "corr-mutasi-7601"
    assert access["service"] == "employee" and access["request_id"]
    assert access["message"].startswith("POST /api/v1/employees 201")


async def test_traces_name_requests_by_route_and_carry_the_correlation_id(make_settings, monkeypatch):
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    for variable in TRACE_ENDPOINT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    app = create_employee_app(await make_settings("employee"))
    assert not hasattr(app.state, "tracer_provider"), "no endpoint configured: no tracing"
    spans = InMemorySpanExporter()
    assert install_tracing(app, exporter=spans)
    async with serve_in_process(app) as client:
        await client.get("/health")
        response = await client.get(
            f"/api/v1/employees/{EMPLOYEE['nip']}", headers={"X-Correlation-ID": "corr-trace-1"}
        )
        assert response.status_code == 404
    (span,) = spans.get_finished_spans()
    assert span.name == "GET /api/v1/employees/{nip}"
    assert span.attributes["asn.correlation_id"] == "corr-trace-1"
    assert span.attributes["http.route"] == "/api/v1/employees/{nip}"


@pytest.mark.unit
async def test_plain_starlette_routes_and_mounts_are_labelled_by_their_template():
    from fastapi import FastAPI
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from shared.metrics import HttpMetricsMiddleware, ServiceMetrics

    async def answer(request):
        return PlainTextResponse("ok")

    app = FastAPI()
    app.router.routes.append(Mount("/static", routes=[Route("/{name}", answer)]))
    app.router.routes.append(Mount("/assets", app=PlainTextResponse("a file")))
    app.router.routes.append(Route("/api/v1{path:path}", answer))
    app.add_middleware(HttpMetricsMiddleware)
    app.state.metrics = ServiceMetrics("test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path in ("/api/v1/employees/1", "/api/v1/mutations", "/static/app.css", "/assets/i18n/id.json"):
            assert (await client.get(path)).status_code == 200
    exposition = (await app.state.metrics.render()).decode()
    requests = "asn_http_requests_total"
    assert value(exposition, requests, method="GET", route="/api/v1{path:path}", status="200") == 2
    assert value(exposition, requests, method="GET", route="/static/{name}", status="200") == 1
    assert value(exposition, requests, method="GET", route="/assets/{path:path}", status="200") == 1
    assert "app.css" not in exposition and "/employees/1" not in exposition and "id.json" not in exposition
