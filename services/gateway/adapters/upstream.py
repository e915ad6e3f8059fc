"""The proxy's HTTP/1.1 client: keep-alive connections to one upstream service, on asyncio's transports with
httptools (the parser uvicorn uses) reading the answers.

Why not aiohttp here: measured end to end through the whole gateway (`bench/gateway_throughput.py`, which runs
the gateway once with this client and once with aiohttp's, `upstream_aiohttp.py`, in the same rounds: wrk, 32
connections, one gateway worker, 2 cores), an authenticated read reaches 2,293 req/s with this client against
1,712 with aiohttp (+34%, median of 6 rounds; a second run of 3 rounds gave +34% too), 48% of a bare FastAPI
hello-world against 36% — below the 40% the gateway must keep. The CPU per request tells why: aiohttp's
`ClientSession.request` ~150 µs, this client ~70 µs, and the gateway's one core limits it. Rust-backed clients
measured no better (pyreqwest 142 µs, rnet 194 µs: the hand-over between threads). aiohttp stays for the
gateway's low-volume calls (health, documents, aggregated views).

One request at a time per connection; idle connections are reused newest first and dropped after
`keepalive_seconds`, below the services' own keep-alive, so a request is never sent down a socket the
server is closing. A reused connection that fails before any answer arrives is retried once on a new one
when the request can be sent again (idempotent method, body in hand).
"""

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import cast

import httptools

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Past this much unread answer the connection stops reading until the caller catches up.
HIGH_WATER = 256 * 1024


class UpstreamError(ConnectionError):
    """The upstream could not be reached, hung up or answered something that is not HTTP."""


@dataclass(frozen=True)
class Timeouts:
    connect: float  # to open a connection (waiting for a free one included)
    read: float  # of silence while waiting for the answer or its next part


class _Connection(asyncio.Protocol):
    """One keep-alive connection; `exchange` sends a request and waits for the answer's head, the body
    then arrives through `chunk`."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self._keep_alive = False  # the service keeps the connection open after this answer
        self._sent_whole = False  # the request went out to its end
        self._parser = httptools.HttpResponseParser(self)
        self._head: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._readable = asyncio.Event()
        self._complete = False
        self._head_only = False
        self._length_known = False
        self._paused = False
        self._writable = asyncio.Event()
        self._writable.set()
        self._error: Exception | None = None

    # --- asyncio.Protocol ----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass, but one in kind

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamError(f"not an HTTP answer: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._keep_alive = False
        self._writable.set()  # a body still being sent stops waiting for a buffer that will never drain
        if self._head is not None and not self._head.done():
            self._fail(UpstreamError("the service closed the connection before answering"))
        elif not self._complete and not self._head_only:
            if self._length_known:
                self._fail(UpstreamError("the service closed the connection in the middle of its answer"))
            else:  # an answer without length or chunks ends where the connection does
                self._complete = True
                self._readable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # --- httptools callbacks -------------------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name in (b"content-length", b"transfer-encoding"):
            self._length_known = True
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        head, self._head = self._head, None
        if head is not None and not head.done():
            head.set_result((self._parser.get_status_code(), self._headers))
        if self._head_only:
            # An answer to HEAD has no body whatever its Content-Length says; the parser cannot be told
            # so, hence this connection serves no further request.
            self._complete = True
            self.close()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        self._readable.set()
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        self._complete = True
        self._keep_alive = self._parser.should_keep_alive()
        self._readable.set()

    # --- for Upstream --------------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    async def exchange(
        self,
        head: bytes,
        body: bytes | AsyncIterator[bytes] | None,
        *,
        chunked: bool,
        head_only: bool,
        timeout: float,
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        """Send the request, then wait at most `timeout` for the answer's head (a slow upload is not cut
        off: the timeout counts the service's silence, not the caller's)."""
        assert self.transport is not None
        self._headers, self._complete, self._length_known, self._error = [], False, False, None
        self._head_only, self._keep_alive, self._sent_whole = head_only, False, False
        answer = self._head = asyncio.get_running_loop().create_future()
        if isinstance(body, bytes) or body is None:
            self.transport.write(head + body if body else head)
            self._sent_whole = True
        else:
            self.transport.write(head)
            async for part in body:
                if answer.done():  # the service answered (or hung up) before taking the whole body
                    break
                if part:
                    self.transport.write(b"%x\r\n%b\r\n" % (len(part), part) if chunked else part)
                    await self._writable.wait()
            else:
                if chunked:
                    self.transport.write(b"0\r\n\r\n")
                self._sent_whole = True
        async with asyncio.timeout(timeout):
            return await answer

    async def chunk(self, timeout: float) -> bytes | None:
        """The answer's next part; None once it is complete."""
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self._complete:
                return None
            self._readable.clear()
            async with asyncio.timeout(timeout):
                await self._readable.wait()
        part = self._chunks.popleft()
        self._buffered -= len(part)
        if self._paused and self._buffered <= HIGH_WATER // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return part

    async def rest(self, timeout: float) -> bytes:
        """The rest of the answer, whole."""
        parts = []
        while (part := await self.chunk(timeout)) is not None:
            parts.append(part)
        return b"".join(parts)

    @property
    def reusable(self) -> bool:
        """Its answer read to the end, its request sent whole, and the service keeps it open."""
        return self._keep_alive and self._sent_whole and self._complete and not self._chunks and self.alive

    def close(self) -> None:
        self._keep_alive = False
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: Exception) -> None:
        self._error = error
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        self._head = None
        self._readable.set()


class AnswerHead:
    """An answer's status and headers, names in lower case: what the proxy reads of any client's answer."""

    status: int
    headers: list[tuple[bytes, bytes]]

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def content_length(self) -> int | None:
        value = self.header(b"content-length")
        return int(value) if value is not None and value.isdigit() else None


class UpstreamResponse(AnswerHead):
    """An answer's status and headers (names in lower case); its body through `read` or `chunks`. Must be
    released (`async with`) so its connection goes back to the pool or is closed."""

    def __init__(
        self,
        upstream: "Upstream",
        connection: _Connection,
        status: int,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        self._upstream = upstream
        self._connection = connection
        self.status = status
        self.headers = headers

    async def chunks(self) -> AsyncIterator[bytes]:
        while (part := await self._connection.chunk(self._upstream.timeouts.read)) is not None:
            yield part

    async def read(self) -> bytes:
        return await self._connection.rest(self._upstream.timeouts.read)

    async def __aenter__(self) -> "UpstreamResponse":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._upstream.release(self._connection)


class Upstream:
    """The keep-alive connections to one service (host and port), at most `limit` at once."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        limit: int,
        keepalive_seconds: float,
        timeouts: Timeouts,
        tls: ssl.SSLContext | None = None,
    ):
        self.host, self.port, self._tls = host, port, tls
        self.timeouts = timeouts
        self._keepalive = keepalive_seconds
        self._slots = asyncio.Semaphore(limit)
        self._idle: deque[_Connection] = deque()
        self._host_header = f"host: {host}:{port}\r\n".encode()

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        """Send a request (`target`: path and query, already encoded; `headers`: lower-case names, no Host,
        no hop-by-hop ones) and wait for the answer's head. Raises TimeoutError or UpstreamError."""
        chunked = False
        sized = any(name == b"content-length" for name, _ in headers)
        if isinstance(body, bytes) or body is None:
            if not sized and (body or method in _BODY_METHODS):
                headers = [*headers, (b"content-length", str(len(body or b"")).encode())]
        elif not sized:
            chunked = True
            headers = [*headers, (b"transfer-encoding", b"chunked")]
        head = b"".join(
            [
                method.encode(),
                b" ",
                target,
                b" HTTP/1.1\r\n",
                self._host_header,
                *(b"%b: %b\r\n" % (name, value) for name, value in headers),
                b"\r\n",
            ]
        )
        if self._slots.locked():  # all connections busy: wait for one, but not for ever
            async with asyncio.timeout(self.timeouts.connect):
                await self._slots.acquire()
        else:
            await self._slots.acquire()
        try:
            retry = method in IDEMPOTENT and (body is None or isinstance(body, bytes))
            while True:
                connection, reused = await self._connection()
                try:
                    status, answer = await connection.exchange(
                        head,
                        body,
                        chunked=chunked,
                        head_only=method == "HEAD",
                        timeout=self.timeouts.read,
                    )
                except UpstreamError:
                    connection.close()
                    if reused and retry:
                        retry = False
                        continue
                    raise
                except BaseException:
                    connection.close()
                    raise
                return UpstreamResponse(self, connection, status, answer)
        except BaseException:
            self._slots.release()
            raise

    def release(self, connection: _Connection) -> None:
        """Back to the pool when its answer was read to the end and the server keeps it open."""
        if connection.reusable:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        self._slots.release()

    async def _connection(self) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if connection.alive and now - connection.idle_since < self._keepalive:
                return connection, True
            connection.close()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeouts.connect):
                _, connection = await loop.create_connection(_Connection, self.host, self.port, ssl=self._tls)
        except OSError as error:
            raise UpstreamError(f"cannot connect: {error}") from error
        return connection, False

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
