"""Paths that try to leave /api/v1/<segment>/ (issue 18): dot segments plain, encoded, double-encoded and as
overlong UTF-8, doubled slashes, backslashes, NUL bytes, case tricks, absolute-form targets and the services'
own routes (/metrics, /ready, /docs, /openapi.json) named through the gateway. Sent as raw bytes on a socket,
so no client tidies them first. Each is refused with a 4xx and a problem - or, for a spelling of a public
route, answers as that route does - and never reaches a service's route outside the API, never 5xx.

The refusals held when probed by hand; these tests keep them.
"""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.security.world import World, running_world

pytestmark = pytest.mark.integration

# What a service's own routes answer, which the gateway must never relay for an API path.
SERVICE_ONLY = (b"# HELP", b"# TYPE", b'"openapi"', b"swagger-ui", b'"status":"ready"', b'"checks"')


@pytest.fixture(scope="module")
async def world(database_factory, broker, tmp_path_factory) -> AsyncIterator[World]:
    async with running_world(database_factory, broker, tmp_path_factory.mktemp("paths")) as running:
        yield running


def tricks(world: World) -> list[bytes]:
    employee_port = world.urls["employee"].rsplit(":", 1)[1].encode()
    internal = [b"metrics", b"ready", b"health", b"docs", b"openapi.json"]
    targets = [
        b"/api/v1/../internal",
        b"/api/v1/../../metrics",
        b"/api/v1/employees/../../../metrics",
        b"/api/v1/employees/..%2f..%2f..%2fmetrics",
        b"/api/v1/employees/%2e%2e/%2e%2e/%2e%2e/metrics",
        b"/api/v1/employees/%2E%2E%2F%2E%2E%2F%2E%2E%2Fmetrics",
        b"/api/v1/employees/%252e%252e/%252e%252e/%252e%252e/metrics",
        b"/api/v1/employees/..%252f..%252f..%252fmetrics",
        b"/api/v1/employees/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/metrics",
        b"/api/v1/employees/..%c0%af..%c0%af..%c0%afmetrics",
        b"/api/v1/employees/%e0%80%ae%e0%80%ae/metrics",
        b"/api/v1/employees/..\\..\\..\\metrics",
        b"/api/v1/employees/..%5c..%5c..%5cmetrics",
        b"/api/v1/employees/%5c%5c127.0.0.1%5cmetrics",
        b"/api/v1/employees/..;/..;/..;/metrics",
        b"/api/v1/employees;/../../../metrics",
        b"/api/v1/employees%00/../../../metrics",
        b"/api/v1/employees/%00",
        b"/api/v1/employees/x%00.json",
        b"//api/v1/employees",
        b"///metrics",
        b"//127.0.0.1:" + employee_port + b"/metrics",
        b"/api/v1//employees",
        b"/api/v1/employees//..//..//..//metrics",
        b"/API/v1/employees",
        b"/Api/V1/Employees",
        b"/api/V1/employees",
        b"/api/v1/EMPLOYEES",
        b"/api/v1/employees/./././../../../metrics",
        b"/api/v1/./employees/../../../metrics",
        b"/api/v1/employees?/../../../metrics",
        b"/api/v1/employees#/../../../metrics",
        b"/api/v1/gateway/../employees/../../metrics",
        b"/api/v1/auth/../../../metrics",
        b"/api/v1/identity/../employees",
        b"/api/v1/%2e%2e/%2e%2e/metrics",
        b"/api/v1/%2fmetrics",
        b"/api/v1/employees%2f..%2f..%2f..%2fmetrics",
        b"/api/v1/employee/../../../" + b"metrics",
        *(b"/api/v1/employees/../../../" + route for route in internal),
        *(b"/api/v1/employees/%2e%2e%2f%2e%2e%2f%2e%2e%2f" + route for route in internal),
        b"http://127.0.0.1:" + employee_port + b"/metrics",
        b"http://127.0.0.1:" + employee_port + b"/api/v1/employees/../../metrics",
        b"http://attacker.example/api/v1/employees",
        b"*",
        # A trailing slash: the service redirects to the path without it, at the gateway, not at itself.
        b"/api/v1/employees/",
        b"/api/v1/units/" + world.units["7201"][0].encode() + b"/",
        b"/api/v1/employees/%2e%2e/",
    ]
    return targets


async def exchange(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(20):
            return await reader.read(-1)
    finally:
        writer.close()


def request(world: World, target: bytes) -> bytes:
    return (
        b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: " + world.admin["Authorization"].encode() + b"\r\nConnection: close\r\n\r\n"
    )


def answer_of(raw: bytes) -> tuple[int | None, dict[bytes, bytes], bytes]:
    if not raw:
        return None, {}, b""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = dict(line.lower().split(b": ", 1) for line in lines[1:] if b": " in line)
    return int(lines[0].split(b" ")[1]), headers, body


async def test_the_services_own_routes_answer_what_the_probes_look_for(world):
    """The yardstick: straight at the service, its own routes show what the gateway must never relay."""
    port = int(world.urls["employee"].rsplit(":", 1)[1])
    for route, marker in ((b"/metrics", b"# HELP"), (b"/openapi.json", b'"openapi"')):
        status, _, body = answer_of(await exchange(port, request(world, route)))
        assert status == 200 and marker in body, route


async def test_no_path_trick_reaches_a_route_outside_the_api(world):
    failures: list[str] = []
    targets = tricks(world)
    assert len(targets) >= 50
    for target in targets:
        status, headers, body = answer_of(await exchange(world.port, request(world, target)))
        what = f"{target!r}: {status}"
        if target.startswith(b"http://"):
            # The absolute form names a host; the gateway routes by the path alone, as the origin form.
            path = b"/" + target.split(b"/", 3)[3]
            if not path.startswith(b"/api/"):
                same, _, _ = answer_of(await exchange(world.port, request(world, path)))
                if status != same:
                    failures.append(f"{what}, but {same} for {path!r} itself")
                continue
        if any(marker in body for marker in SERVICE_ONLY):
            failures.append(f"{what} relayed a service's own route: {body[:80]!r}")
        elif status is None or status >= 500:
            failures.append(f"{what} {body[:200]!r}")
        elif 300 <= status < 400:
            location = headers.get(b"location", b"")
            if not location.startswith(b"/") or location.startswith(b"//"):
                failures.append(f"{what} redirected to {location!r}")
        elif status >= 400 and not headers.get(b"content-type", b"").startswith(b"application/problem+json"):
            # (The server's own refusals of a malformed request line are plain text; they carry no data.)
            if status != 400:
                failures.append(f"{what} {headers.get(b'content-type')!r}")
        elif status == 200:
            # Only a spelling of a public route, answering as the route does.
            page = json.loads(body)
            if not isinstance(page, dict) or "items" not in page:
                failures.append(f"{what} {body[:120]!r}")
    assert not failures, "\n".join(failures)
