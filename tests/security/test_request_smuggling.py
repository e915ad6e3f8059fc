"""Ambiguous framings sent to the gateway over a raw socket (issue 18): each is refused (400, or the
connection closed) or read one safe way, and the request hidden in its body never reaches a service.

The hidden request creates a unit with the platform's internal token: the gateway refuses that token (it is
not an access token) while the employee service takes it, so the unit exists only if the hidden request got
past the gateway's own reading of the stream - straight onto the gateway's pooled connection to the service.
Each probe ends with a `GET /health ... Connection: close`, so the server answers it (or closes) promptly
rather than waiting for bytes that never come.

Probed with uvicorn's default parser (httptools, as the platform serves), which refuses every one with 400,
and with h11, which reads a body chunked when Content-Length is also sent: the gateway once forwarded that
Content-Length next to the longer body it had read, and the rest of the body reached the service as a request
of its own (the TE.CL probe that outruns its Content-Length)."""

import asyncio
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.testing import serving
from tests.security.world import KABUPATEN, World, running_world

pytestmark = pytest.mark.integration

HIDDEN_NAME = "Bidang Selundupan"
READ_DEADLINE_SECONDS = 5
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


@pytest.fixture(scope="module")
async def world(database_factory, broker, tmp_path_factory) -> AsyncIterator[World]:
    async with running_world(database_factory, broker, tmp_path_factory.mktemp("smuggling")) as running:
        yield running


def hidden_request(world: World, n: int) -> bytes:
    body = json.dumps({"agency_code": KABUPATEN, "name": f"{HIDDEN_NAME} {n}", "kind": "bidang"}).encode()
    return (
        b"POST /api/v1/units HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"Authorization: " + world.system["Authorization"].encode() + b"\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )


SENTINEL = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def framings(world: World, n: int) -> dict[str, bytes]:
    """Each probe's bytes: an outer POST through the gateway (an administrator's access token, so whatever
    the gateway forwards is acted on) whose framing is ambiguous, with the hidden request inside."""
    hidden = hidden_request(world, n)
    size = len(hidden)
    head = (
        b"POST /api/v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: " + world.admin["Authorization"].encode() + b"\r\n"
        b"Content-Type: application/json\r\n"
    )
    ended = b"0\r\n\r\n"
    chunk_of_hidden = b"%x\r\n%b\r\n0\r\n\r\n" % (size, hidden)

    def probe(headers: bytes, body: bytes) -> bytes:
        return head + headers + b"\r\n" + body

    return {
        "CL.TE: Content-Length covers the hidden request, chunked ends before it": probe(
            b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % (len(ended) + size), ended + hidden
        ),
        "TE.CL: chunked covers the hidden request, Content-Length ends before it": probe(
            b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", chunk_of_hidden
        ),
        "Transfer-Encoding: xchunked": probe(
            b"Transfer-Encoding: xchunked\r\nContent-Length: %d\r\n" % len(ended), ended + hidden
        ),
        "Transfer-Encoding with a space before the colon": probe(
            b"Transfer-Encoding : chunked\r\nContent-Length: %d\r\n" % (len(ended) + size), ended + hidden
        ),
        "Transfer-Encoding: chunked, identity": probe(
            b"Transfer-Encoding: chunked, identity\r\nContent-Length: %d\r\n" % len(ended), ended + hidden
        ),
        "Transfer-Encoding: identity, chunked with Content-Length": probe(
            b"Transfer-Encoding: identity, chunked\r\nContent-Length: %d\r\n" % (len(ended) + size),
            ended + hidden,
        ),
        "Transfer-Encoding after a tab": probe(
            b"Transfer-Encoding:\tchunked\r\nContent-Length: %d\r\n" % (len(ended) + size), ended + hidden
        ),
        "Transfer-Encoding folded onto a second line": probe(
            b"Transfer-Encoding: identity\r\n chunked\r\nContent-Length: %d\r\n" % (len(ended) + size),
            ended + hidden,
        ),
        "two Transfer-Encoding headers": probe(
            b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", chunk_of_hidden
        ),
        "two Content-Length headers that differ": probe(
            b"Content-Length: 0\r\nContent-Length: %d\r\n" % size, hidden
        ),
        "a Content-Length list that differs": probe(b"Content-Length: 0, %d\r\n" % size, hidden),
        "a negative Content-Length": probe(b"Content-Length: -1\r\n", hidden),
        "a non-numeric Content-Length": probe(b"Content-Length: abc\r\n", hidden),
        "a Content-Length with a plus sign": probe(b"Content-Length: +%d\r\n" % size, hidden),
        "a chunk size that is not hex": probe(
            b"Transfer-Encoding: chunked\r\n", b"zz\r\n" + hidden + b"\r\n"
        ),
        "a chunk size that overflows 64 bits": probe(
            b"Transfer-Encoding: chunked\r\n", b"1" + b"0" * 16 + b"\r\n" + hidden + b"\r\n" + ended
        ),
        "a negative chunk size": probe(
            b"Transfer-Encoding: chunked\r\n", b"-1\r\n" + hidden + b"\r\n" + ended
        ),
        "bare LF line endings with both framings": (
            head.replace(b"\r\n", b"\n")
            + b"Content-Length: %d\nTransfer-Encoding: chunked\n\n" % (len(ended) + size)
            + ended
            + hidden
        ),
        "bare LF ending the last chunk": probe(b"Transfer-Encoding: chunked\r\n", b"0\n\n" + hidden),
        "chunked in an HTTP/1.0 request": (
            head.replace(b"HTTP/1.1", b"HTTP/1.0")
            + b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n" % (len(ended) + size)
            + ended
            + hidden
        ),
        "TE.CL: the chunked body outruns the Content-Length by exactly the hidden request": probe(
            b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
            b"%x\r\n{}%b\r\n0\r\n\r\n" % (size + 2, hidden),
        ),
        "a whole second request pipelined inside a correctly sized body": probe(
            b"Content-Length: %d\r\n" % size, hidden
        ),
    }


async def exchange(port: int, data: bytes) -> bytes:
    """Send `data` and read until the server closes (or the deadline: then it was still waiting for more)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received = bytearray()
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(READ_DEADLINE_SECONDS):
            while chunk := await reader.read(65536):
                received.extend(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    finally:
        writer.close()
    return bytes(received)


async def hidden_units(world: World) -> list[str]:
    async with httpx.AsyncClient(base_url=world.urls["employee"], headers=world.system, timeout=20) as client:
        answer = await client.get("/api/v1/units", params={"agency": KABUPATEN, "limit": 500})
    assert answer.status_code == 200, answer.text
    return [unit["name"] for unit in answer.json()["items"] if unit["name"].startswith(HIDDEN_NAME)]


async def assert_still_in_step(world: World, port: int) -> None:
    """A request through the gateway to the service gets the answer to itself."""
    unit = world.units[KABUPATEN][0]
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=world.admin, timeout=20
    ) as door:
        answer = await door.get(f"/api/v1/units/{unit}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == unit


@pytest.fixture(scope="module", params=["auto", "h11"])
async def gateway_port(request, world: World) -> AsyncIterator[int]:
    """The gateway on a socket of its own with this HTTP parser (`auto` is httptools, as in production)."""
    if request.param == "auto":
        yield world.port
        return
    async with serving(world.gateway, lifespan="off", http=request.param) as url:
        yield int(url.rsplit(":", 1)[1])


async def test_the_hidden_request_creates_a_unit_when_it_reaches_the_service(world):
    """The probe's yardstick: sent to the employee service as a request of its own, it does create a unit."""
    port = int(world.urls["employee"].rsplit(":", 1)[1])
    received = await exchange(port, hidden_request(world, 0) + SENTINEL)
    assert [int(s) for s in STATUS_LINE.findall(received)] == [201, 200]
    assert f"{HIDDEN_NAME} 0" in await hidden_units(world)


PROBES = 22


@pytest.mark.parametrize("index", range(PROBES))
async def test_an_ambiguous_framing_is_refused_or_read_safely(world, gateway_port, index):
    n = 100 + index + (1000 if gateway_port != world.port else 0)
    probes = framings(world, n)
    assert len(probes) == PROBES
    name, data = list(probes.items())[index]
    received = await exchange(gateway_port, data + SENTINEL)
    statuses = [int(s) for s in STATUS_LINE.findall(received)]
    # The gateway reuses its newest idle connection to the service first: a request hidden on it is answered
    # (and so done) before this one, which also gets its own answer, not one left over from the probe.
    await assert_still_in_step(world, gateway_port)

    assert f"{HIDDEN_NAME} {n}" not in await hidden_units(world), name
    assert all(status < 500 for status in statuses), (name, statuses)
    # The outer request, if answered, was refused: its body is no unit (or its framing no request).
    assert not statuses or 400 <= statuses[0] < 500, (name, statuses)
    # Nothing in the stream was taken for a request that created something.
    assert 201 not in statuses, (name, statuses)
