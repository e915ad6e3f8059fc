"""The gateway's proxy against real upstream servers on real sockets: one that echoes what it got, one that
never answers in time, one that hangs up, and a port nobody listens on."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from services.gateway.app import create_app
from services.gateway.tests.support import serve_gateway
from shared.auth import verify_internal_token
from shared.net import free_port
from shared.testing import eventually

pytestmark = pytest.mark.integration

UPSTREAM_TIMEOUT = 0.5


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with what it received; `x-echo-status` picks the status."""
    body = b""
    more_body = True
    while more_body:
        message = await receive()
        body += message.get("body", b"")
        more_body = message.get("more_body", False)
    headers = [[name.decode(), value.decode()] for name, value in scope["headers"]]
    answer = json.dumps(
        {
            "method": scope["method"],
            "raw_path": scope["raw_path"].decode(),
            "query": scope["query_string"].decode(),
            "body": body.decode(),
            "headers": headers,
            "client_port": scope["client"][1],
        }
    ).encode()
    status = int(dict(scope["headers"]).get(b"x-echo-status", b"200"))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-upstream", b"echo"),
                (b"connection", b"x-upstream-hop"),
                (b"x-upstream-hop", b"only for the gateway"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": answer})


def silent(release: asyncio.Event):
    """An upstream that accepts the request and answers only once released (after the test)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"too late"})

    return app


@asynccontextmanager
async def serving(app) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, what="upstream server to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def hanging_up() -> AsyncIterator[str]:
    """An upstream that reads the request and closes the connection without a word."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def nobody_listening() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def gateway_app(make_settings, nobody_listening) -> AsyncIterator[FastAPI]:
    release = asyncio.Event()
    async with serving(echo) as echo_url, serving(silent(release)) as silent_url, hanging_up() as hang_up_url:
        settings = await make_settings(
            "gateway",
            upstream_timeout_seconds=UPSTREAM_TIMEOUT,
            employee_url=echo_url,
            appraisal_url=silent_url,
            mutation_url=nobody_listening,
            training_url=hang_up_url,
        )
        yield create_app(settings)
        release.set()


@pytest.fixture
async def gateway(gateway_app) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_gateway(gateway_app) as client:
        yield client


def header_values(seen: dict, name: str) -> list[str]:
    return [value for key, value in seen["headers"] if key == name]


async def test_method_path_query_and_body_reach_the_owning_service_unchanged(gateway):
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        body = b'{"name": "Andi"}' if method in ("POST", "PUT", "PATCH") else b""
        response = await gateway.request(
            method,
            "/api/v1/employees/a%2Fb/notes?q=a%20b&x=1&x=2",
            content=body,
            headers={"content-type": "application/json", "x-echo-status": "201"},
        )
        assert response.status_code == 201, response.text
        assert response.headers["x-upstream"] == "echo"
        seen = response.json()
        assert seen["method"] == method
        assert seen["raw_path"] == "/api/v1/employees/a%2Fb/notes"
        assert seen["query"] == "q=a%20b&x=1&x=2"
        assert seen["body"] == body.decode()
        assert header_values(seen, "content-type") == ["application/json"]


async def test_end_to_end_headers_pass_and_hop_by_hop_headers_do_not(gateway, gateway_app):
    response = await gateway.get(
        "/api/v1/employees/198503122010011001",
        headers={
            "x-client-header": "kept",
            "connection": "keep-alive, x-client-hop",
            "x-client-hop": "only for the gateway",
            "keep-alive": "timeout=5",
            "x-forwarded-for": "203.0.113.7",
        },
    )
    seen = response.json()
    assert header_values(seen, "x-client-header") == ["kept"]
    # The caller's access token stays at the door: the service gets the internal token naming the caller.
    (authorization,) = header_values(seen, "authorization")
    secret = gateway_app.state.gateway.settings.internal_token_secret.get_secret_value()
    assert verify_internal_token(authorization.removeprefix("Bearer "), secret).subject == "tester"
    assert not any(header_values(seen, name) for name in ("connection", "x-client-hop", "keep-alive"))
    assert header_values(seen, "host") != ["testserver"]
    assert header_values(seen, "x-forwarded-for") == ["203.0.113.7, 127.0.0.1"]
    assert header_values(seen, "x-forwarded-proto") == ["http"]
    assert "x-upstream-hop" not in response.headers


async def test_the_callers_request_and_correlation_ids_reach_the_service_and_come_back_once(gateway):
    response = await gateway.get(
        "/api/v1/employees/1", headers={"x-request-id": "req-1", "x-correlation-id": "corr-1"}
    )
    seen = response.json()
    assert header_values(seen, "x-request-id") == ["req-1"]
    assert header_values(seen, "x-correlation-id") == ["corr-1"]
    assert response.headers.get_list("x-request-id") == ["req-1"]
    assert response.headers.get_list("x-correlation-id") == ["corr-1"]


async def test_a_request_without_ids_carries_the_ones_the_gateway_made(gateway):
    response = await gateway.get("/api/v1/employees/1")
    made = response.headers["x-request-id"]
    assert len(made) == 32
    seen = response.json()
    assert header_values(seen, "x-request-id") == [made]
    assert header_values(seen, "x-correlation-id") == [made]


async def test_large_bodies_stream_through_in_both_directions(gateway):
    chunk = b"x" * 100_000

    async def upload() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield chunk

    response = await gateway.post("/api/v1/employees/import", content=upload())
    assert response.status_code == 200
    seen = response.json()
    assert len(seen["body"]) == 300_000
    assert header_values(seen, "transfer-encoding") == ["chunked"]


async def test_an_unreachable_service_answers_502_naming_the_service_but_not_its_address(
    gateway, nobody_listening
):
    response = await gateway.get("/api/v1/mutations/7f0c", headers={"x-request-id": "req-502"})
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/upstream-unavailable"
    assert "mutation" in problem["detail"]
    assert problem["request_id"] == "req-502"
    port = nobody_listening.rsplit(":", 1)[1]
    assert port not in response.text
    assert "127.0.0.1" not in response.text


async def test_a_service_that_hangs_up_answers_502(gateway):
    for method in ("GET", "POST"):
        response = await gateway.request(method, "/api/v1/programmes", content=b"{}")
        assert response.status_code == 502
        assert response.json()["type"] == "/problems/upstream-unavailable"
        assert "training" in response.json()["detail"]


async def test_a_silent_service_answers_504_within_about_the_timeout(gateway):
    started = time.monotonic()
    response = await gateway.get("/api/v1/skp/7f0c")
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/upstream-timeout"
    assert "appraisal" in response.json()["detail"]
    assert UPSTREAM_TIMEOUT * 0.9 <= elapsed < UPSTREAM_TIMEOUT + 2


async def test_a_segment_no_service_owns_answers_404_naming_the_path(gateway):
    response = await gateway.get("/api/v1/salaries/7f0c")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "/api/v1/salaries/7f0c" in response.json()["detail"]


async def test_requests_to_one_service_reuse_one_pooled_connection(gateway, gateway_app):
    ports = {(await gateway.get("/api/v1/employees/1")).json()["client_port"] for _ in range(5)}
    assert len(ports) == 1
    pool = gateway_app.state.upstreams
    assert pool.session("employee") is pool.session("employee")
    assert len({id(pool.session(service)) for service in pool.services}) == len(pool.services) == 4


async def test_the_upstreams_view_reports_each_services_health(gateway):
    response = await gateway.get("/api/v1/gateway/upstreams")
    assert response.status_code == 200
    by_service = {item["service"]: item for item in response.json()["items"]}
    assert by_service["employee"]["up"] is True
    assert by_service["employee"]["status"] == 200
    assert by_service["appraisal"] == {
        "service": "appraisal",
        "up": False,
        "status": None,
        "latency_ms": None,
        "problem": "timeout",
    }
    assert by_service["mutation"]["problem"] == "unreachable"
    assert by_service["training"]["problem"] == "unreachable"
    assert "127.0.0.1" not in response.text


async def test_the_gateway_is_ready_while_its_upstreams_are_down(gateway):
    response = await gateway.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
