"""The proxy's HTTP/1.1 client against a raw server on a real socket, answering as the path asks: with a
length, in chunks, until it closes, to HEAD, and closing a kept-alive connection behind the client's back; and
the aiohttp fallback behind the same interface."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from services.gateway.adapters.upstream import Timeouts, Upstream, UpstreamError
from services.gateway.adapters.upstream_aiohttp import AiohttpUpstream as UpstreamByAiohttp

pytestmark = pytest.mark.integration

ANSWERS = {
    b"/length": b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
    b"/chunks": b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    b"/until-close": b"HTTP/1.1 200 OK\r\n\r\nall of it",
    b"/close": b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
    b"/head": b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n",
    b"/then-drop": b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
    b"/garbage": b"NOT HTTP AT ALL\r\n\r\n",
}
CLOSES_AFTER = {b"/until-close", b"/close", b"/then-drop", b"/garbage"}


class RawServer:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head)
                path = head.split(b" ", 2)[1]
                if b"transfer-encoding: chunked" in head:
                    while (size := int((await reader.readline()).strip(), 16)) > 0:
                        await reader.readexactly(size + 2)
                    await reader.readline()
                writer.write(ANSWERS[path])
                await writer.drain()
                if path in CLOSES_AFTER:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@pytest.fixture
async def served() -> AsyncIterator[tuple[RawServer, Upstream]]:
    raw = RawServer()
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    upstream = Upstream(
        "127.0.0.1", port, limit=4, keepalive_seconds=4.0, timeouts=Timeouts(connect=1.0, read=1.0)
    )
    async with server:
        yield raw, upstream
        upstream.close()


async def get(upstream: Upstream | UpstreamByAiohttp, path: bytes, method: str = "GET") -> tuple[int, bytes]:
    async with await upstream.request(method, path, [], None) as response:
        return response.status, await response.read()


async def test_answers_with_a_length_or_in_chunks_share_one_kept_alive_connection(served):
    raw, upstream = served
    assert await get(upstream, b"/length") == (200, b"hello")
    assert await get(upstream, b"/chunks") == (200, b"abcde")
    assert await get(upstream, b"/length") == (200, b"hello")
    assert raw.connections == 1


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        # Without a length, the answer ends with its connection.
        pytest.param("GET", b"/until-close", b"all of it", id="no-length"),
        pytest.param("GET", b"/close", b"ok", id="connection-close"),
        # An answer to HEAD has no body whatever its length says; its connection is not used again.
        pytest.param("HEAD", b"/head", b"", id="head"),
        # The server closes without saying so; the client may not have seen it yet when it sends the next
        # GET, which is retried once on a new connection.
        pytest.param("GET", b"/then-drop", b"ok", id="dropped-silently"),
    ],
)
async def test_the_next_request_after_a_connection_ends_goes_on_a_new_one(served, method, path, answer):
    raw, upstream = served
    assert await asyncio.wait_for(get(upstream, path, method), 2) == (200, answer)
    assert await get(upstream, b"/length") == (200, b"hello")
    assert raw.connections == 2


async def test_a_body_of_unknown_length_goes_in_chunks(served):
    raw, upstream = served

    async def body() -> AsyncIterator[bytes]:
        yield b"x" * 10
        yield b"y" * 20

    async with await upstream.request("POST", b"/length", [], body()) as response:
        assert await response.read() == b"hello"
    assert b"transfer-encoding: chunked" in raw.requests[0]
    sized = await upstream.request("POST", b"/length", [], b"abc")
    async with sized:
        await sized.read()
    assert b"content-length: 3" in raw.requests[1]


async def test_something_that_is_not_http_is_an_upstream_error(served):
    _, upstream = served
    with pytest.raises(UpstreamError):
        await get(upstream, b"/garbage")


@pytest.fixture
async def through_aiohttp() -> AsyncIterator[tuple[RawServer, UpstreamByAiohttp]]:
    raw = RawServer()
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, aiohttp.ClientSession(auto_decompress=False) as session:
        yield raw, UpstreamByAiohttp(session, f"http://127.0.0.1:{port}", Timeouts(connect=1.0, read=1.0))


async def test_the_aiohttp_fallback_answers_like_the_own_client(through_aiohttp):
    # ASN_UPSTREAM_CLIENT=aiohttp: the same interface, the same answers, the same errors for the proxy.
    raw, upstream = through_aiohttp
    assert await get(upstream, b"/length") == (200, b"hello")
    assert await get(upstream, b"/chunks") == (200, b"abcde")
    assert await get(upstream, b"/head", "HEAD") == (200, b"")
    async with await upstream.request("GET", b"/length", [(b"x-probe", b"1")], None) as response:
        assert response.header(b"content-length") == b"5"
        assert response.content_length == 5
        assert b"".join([part async for part in response.chunks()]) == b"hello"
    assert b"x-probe: 1" in raw.requests[-1].lower()
    with pytest.raises(UpstreamError):
        await get(upstream, b"/garbage")


async def test_the_aiohttp_fallback_reports_an_unreachable_service_as_an_upstream_error():
    async with aiohttp.ClientSession() as session:
        # A port nobody listens on, on loopback: found by binding and closing.
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        upstream = UpstreamByAiohttp(session, f"http://127.0.0.1:{port}", Timeouts(connect=1.0, read=1.0))
        with pytest.raises(UpstreamError):
            await upstream.request("GET", b"/length", [], None)
