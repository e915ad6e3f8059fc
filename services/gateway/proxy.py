"""The gateway's routing proxy: `/api/v1/<segment>/...` goes to the service owning the segment.

The hot path is neither httpx nor aiohttp but `adapters.upstream`, a keep-alive HTTP/1.1 client on asyncio
and httptools: httpx's `AsyncClient` proxies ~11x slower than aiohttp (ARCHITECTURE.md §3), and through the
whole gateway that client serves 34% more requests than aiohttp's (see its module;
`ASN_UPSTREAM_CLIENT=aiohttp` falls back to aiohttp). Each upstream gets one pool for the app's lifetime, and
one aiohttp session for the gateway's own low-volume calls. A dead upstream answers 502 and a silent one 504,
as problem details naming the service and never its internal URL.
"""

import asyncio
import logging
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from urllib.parse import quote_from_bytes

import aiohttp
from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from yarl import URL

from services.gateway.adapters.upstream import Timeouts, Upstream, UpstreamError, UpstreamResponse
from services.gateway.adapters.upstream_aiohttp import AiohttpResponse, AiohttpUpstream
from services.gateway.routes import API_PREFIX, owner_of
from shared import context
from shared.errors import DomainError, UpstreamTimeout, UpstreamUnavailable
from shared.problems import problem_response
from shared.settings import DOMAIN_SERVICES, Settings
from shared.web import CORRELATION_ID_HEADER, REQUEST_ID_HEADER

log = logging.getLogger(__name__)

CONNECTIONS_PER_UPSTREAM = 100
# Below uvicorn's default 5 s keep-alive, so the gateway drops an idle connection before the upstream does
# and never sends a request down a socket the server is closing (aiohttp retries only idempotent methods).
KEEPALIVE_SECONDS = 4.0
# Answers up to this size are read whole and sent in one ASGI message; larger ones stream.
BUFFERED_BODY_LIMIT = 64 * 1024
HEALTH_TIMEOUT_SECONDS = 1.0

# RFC 9110 §7.6.1: meaningful for one connection only, so never forwarded in either direction.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# The proxy writes these itself. Expect was already answered by the gateway's own server.
REQUEST_HEADERS_SET_HERE = frozenset(
    {
        b"host",
        b"expect",
        REQUEST_ID_HEADER.encode(),
        CORRELATION_ID_HEADER.encode(),
        b"x-forwarded-for",
        b"x-forwarded-proto",
    }
)
# The gateway's server and RequestContextMiddleware add these; forwarding the upstream's would double them.
RESPONSE_HEADERS_SET_HERE = frozenset(
    {
        b"date",
        b"server",
        REQUEST_ID_HEADER.encode(),
        CORRELATION_ID_HEADER.encode(),
    }
)
# aiohttp would otherwise add its own Accept, Accept-Encoding, User-Agent and Content-Type when the client
# sent none; the proxy forwards exactly what the client sent.
NO_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
REQUEST_DROPPED = HOP_BY_HOP | REQUEST_HEADERS_SET_HERE
RESPONSE_DROPPED = HOP_BY_HOP | RESPONSE_HEADERS_SET_HERE
# Characters a URL may carry as they are; anything else (spaces, raw UTF-8) is percent-encoded on the way.
URL_SAFE = "!#$%&'()*+,/:;=?@[]^`{|}~"


class UpstreamHealth(BaseModel):
    """One upstream service's liveness as the gateway sees it."""

    service: str
    up: bool
    status: int | None = None
    latency_ms: float | None = None
    problem: str | None = None


class UpstreamsPublic(BaseModel):
    items: list[UpstreamHealth]


class UpstreamPool:
    """One aiohttp session per upstream service, opened with the app's lifespan and closed with it."""

    def __init__(self, settings: Settings, services: Iterable[str] = DOMAIN_SERVICES) -> None:
        self._base_urls = {name: settings.upstream_url(name).rstrip("/") for name in services}
        # sock_read (silence between reads), not total: a long download to a slow client must not be cut off,
        # while an upstream that stops answering is. `connect` bounds the wait for a free pooled connection.
        self.timeout = aiohttp.ClientTimeout(
            total=None,
            connect=settings.upstream_timeout_seconds,
            sock_connect=settings.upstream_connect_timeout_seconds,
            sock_read=settings.upstream_timeout_seconds,
        )
        self.timeouts = Timeouts(
            connect=settings.upstream_connect_timeout_seconds, read=settings.upstream_timeout_seconds
        )
        self._client = settings.upstream_client
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._upstreams: dict[str, Upstream | AiohttpUpstream] = {}
        self._paths: dict[str, str] = {}

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._base_urls)

    def session(self, service: str) -> aiohttp.ClientSession:
        return self._sessions[service]

    def upstream(self, service: str) -> Upstream | AiohttpUpstream:
        """The proxy's connections to `service`."""
        return self._upstreams[service]

    def target(self, service: str, raw_path: bytes, query_string: bytes = b"") -> bytes:
        """The request target on the upstream, encoded as `url` encodes it."""
        return (self._paths[service] + _as_sent(raw_path, query_string)).encode("ascii")

    def base_url(self, service: str) -> str:
        return self._base_urls[service]

    def url(self, service: str, raw_path: bytes, query_string: bytes = b"") -> URL:
        """The upstream URL of a request."""
        return URL(self._base_urls[service] + _as_sent(raw_path, query_string), encoded=True)

    async def start(self) -> None:
        for name, base in self._base_urls.items():
            url = URL(base)
            assert url.host is not None and url.port is not None, base
            self._paths[name] = url.raw_path.rstrip("/")
            self._sessions[name] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=CONNECTIONS_PER_UPSTREAM, keepalive_timeout=KEEPALIVE_SECONDS
                ),
                timeout=self.timeout,
                # Bodies pass through still encoded, with their Content-Encoding and Content-Length.
                auto_decompress=False,
                # A shared jar would replay one user's Set-Cookie on every other user's requests.
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=NO_AUTO_HEADERS,
            )
            self._upstreams[name] = (
                AiohttpUpstream(self._sessions[name], str(url.origin()), self.timeouts)
                if self._client == "aiohttp"
                else Upstream(
                    url.host,
                    url.port,
                    limit=CONNECTIONS_PER_UPSTREAM,
                    keepalive_seconds=KEEPALIVE_SECONDS,
                    timeouts=self.timeouts,
                    tls=ssl.create_default_context() if url.scheme == "https" else None,
                )
            )

    async def close(self) -> None:
        for upstream in self._upstreams.values():
            upstream.close()
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(session.close() for session in sessions))

    @asynccontextmanager
    async def running(self) -> AsyncIterator["UpstreamPool"]:
        await self.start()
        try:
            yield self
        finally:
            await self.close()

    async def health(self) -> list[UpstreamHealth]:
        """Every upstream's `/health`, checked concurrently."""
        return list(await asyncio.gather(*(self._check(name) for name in self._base_urls)))

    async def _check(self, service: str) -> UpstreamHealth:
        started = time.perf_counter()
        try:
            async with self.session(service).get(
                self.url(service, b"/health"),
                headers=context_headers(),
                timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS),
                allow_redirects=False,
            ) as response:
                await response.read()
        except TimeoutError:
            return UpstreamHealth(service=service, up=False, problem="timeout")
        except aiohttp.ClientError:
            return UpstreamHealth(service=service, up=False, problem="unreachable")
        return UpstreamHealth(
            service=service,
            up=response.status == 200,
            status=response.status,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
        )


def _as_sent(raw_path: bytes, query_string: bytes) -> str:
    """Path and query as the client encoded them, never decoded and re-encoded (`%2F` stays `%2F`); only
    bytes no URL may carry raw get percent-encoded."""
    target = quote_from_bytes(raw_path, safe=URL_SAFE)
    if query_string:
        target += "?" + quote_from_bytes(query_string, safe=URL_SAFE)
    return target


class ProxyEndpoint:
    """Forwards a request to the service owning its path and streams the answer back.

    A raw ASGI endpoint rather than a FastAPI route (no dependency resolution, Request object or Response
    wrapping): measured here with wrk, 32 connections, it proxies ~4,500 req/s against ~3,100 for the same
    code as a FastAPI route.
    """

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        service = owner_of(path)
        if service is None:
            response = problem_response(
                404, "not-found", "Not found", f"No service answers {path}", instance=path
            )
            await response(scope, receive, send)
            return
        method = scope["method"]
        if_none_match = _if_none_match(scope) if method in ("GET", "HEAD") else None
        try:
            upstream = await self.pool.upstream(service).request(
                method,
                self.pool.target(service, scope.get("raw_path") or path.encode(), scope["query_string"]),
                _upstream_headers(scope),
                await _request_body(receive),
            )
        except TimeoutError:
            log.warning("%s did not answer %s %s in time", service, scope["method"], path)
            error: DomainError = UpstreamTimeout(f"The {service} service did not answer in time.")
        except UpstreamError as exc:
            # The exception names the internal address: it goes to the log, never to the caller.
            log.warning("%s unreachable for %s %s: %r", service, scope["method"], path, exc)
            error = UpstreamUnavailable(f"The {service} service is unavailable.")
        except ClientDisconnected:
            log.info("the caller of %s %s left before its body was whole; not forwarded", method, path)
            return
        else:
            async with upstream:
                if if_none_match is not None and _not_modified(upstream, if_none_match):
                    await _send_not_modified(upstream, send)
                else:
                    await _relay(upstream, service, send, self.pool.base_url(service).encode())
            return
        response = problem_response(error.status, error.code, error.title, error.detail, instance=path)
        await response(scope, receive, send)


def _if_none_match(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return value
    return None


def _not_modified(upstream: UpstreamResponse | AiohttpResponse, if_none_match: bytes) -> bool:
    """RFC 9110 §13.1.2: a 200 whose ETag matches one the client holds (weak comparison)."""
    etag = upstream.header(b"etag")
    if upstream.status != 200 or etag is None:
        return False
    offered = {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
    return b"*" in offered or etag.removeprefix(b"W/") in offered


async def _send_not_modified(upstream: UpstreamResponse | AiohttpResponse, send: Send) -> None:
    """The client's copy is current: 304 with the validators and no body, even when the service itself does
    not evaluate If-None-Match."""
    kept = [
        (name, value)
        for name, value in upstream.headers
        if name in (b"etag", b"cache-control", b"vary", b"expires", b"last-modified")
    ]
    await upstream.read()  # read, so the pooled connection stays reusable
    await send({"type": "http.response.start", "status": 304, "headers": kept})
    await send({"type": "http.response.body", "body": b""})


def route(pool: UpstreamPool) -> Route:
    """The catch-all route for the API; the gateway's own routes are matched before it."""
    return Route(API_PREFIX + "{path:path}", ProxyEndpoint(pool), include_in_schema=False)


class ClientDisconnected(Exception):
    """The caller went away before its request's body was whole: what came of it is not forwarded as a
    request (a truncated body must never reach a service as a complete one)."""


async def _request_body(receive: Receive) -> bytes | AsyncIterator[bytes] | None:
    """The whole body when it came in one message (the usual case), else a stream of its chunks."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnected
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body or None
    return _stream_body(body, receive)


async def _stream_body(first: bytes, receive: Receive) -> AsyncIterator[bytes]:
    yield first
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # Raised, not returned: the upstream request is aborted (its connection closed) instead of
            # being ended as if the body were complete.
            raise ClientDisconnected
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def _relay(
    upstream: UpstreamResponse | AiohttpResponse, service: str, send: Send, internal_base: bytes
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": upstream.status,
            "headers": _located_here(_without(upstream.headers, RESPONSE_DROPPED), internal_base),
        }
    )
    length = upstream.content_length
    try:
        if length is not None and length <= BUFFERED_BODY_LIMIT:
            await send({"type": "http.response.body", "body": await upstream.read()})
            return
        async for chunk in upstream.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (TimeoutError, UpstreamError) as exc:
        # The status line is out, so no problem response is possible: returning unfinished makes the server
        # drop the connection, and the client sees a truncated answer rather than a complete wrong one.
        log.warning("%s broke off its answer: %r", service, exc)
        return
    await send({"type": "http.response.body", "body": b""})


def _located_here(headers: list[tuple[bytes, bytes]], internal_base: bytes) -> list[tuple[bytes, bytes]]:
    """A Location the service wrote with its own address (a redirect to the path without its trailing slash)
    becomes the same path at the gateway, as a reverse proxy's `proxy_redirect default` does: the caller is
    never told the internal URL, nor sent round the gateway to it."""
    cut = len(internal_base)
    return [
        (name, value[cut:] or b"/")
        if name == b"location"
        and value.startswith(internal_base)
        and value[cut : cut + 1] in (b"", b"/", b"?")
        else (name, value)
        for name, value in headers
    ]


def _upstream_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    dropped = REQUEST_DROPPED
    if any(name == b"transfer-encoding" for name, _ in raw):
        # RFC 9112 §6.3: with Transfer-Encoding the body's length is not the Content-Length the client also
        # sent (the server read it chunked), so that length must not go on: forwarded next to a body of
        # another length, it let a request hidden in the body reach the service on the pooled connection.
        dropped = dropped | {b"content-length"}
    headers = _without(raw, dropped)
    forwarded_for = [value for name, value in raw if name == b"x-forwarded-for"]
    client = scope.get("client")
    if client:
        forwarded_for.append(client[0].encode("latin-1"))
    if forwarded_for:
        headers.append((b"x-forwarded-for", b", ".join(forwarded_for)))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
    headers.extend((name.encode(), value.encode("latin-1")) for name, value in context_headers())
    return headers


def context_headers() -> list[tuple[str, str]]:
    """The ids RequestContextMiddleware took or made, so the upstream logs and events carry the same ones."""
    ids = (
        (REQUEST_ID_HEADER, context.request_id.get()),
        (CORRELATION_ID_HEADER, context.correlation_id.get()),
    )
    return [(name, value) for name, value in ids if value is not None]


def _without(headers: list[tuple[bytes, bytes]], dropped: frozenset[bytes]) -> list[tuple[bytes, bytes]]:
    """`headers` (lower-case names) minus `dropped` and any header their Connection header names."""
    named = [
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
    ]
    if named:
        dropped = dropped | frozenset(named)
    return [(name, value) for name, value in headers if name not in dropped]


router = APIRouter(prefix=API_PREFIX + "gateway", tags=["gateway"])


@router.get("/upstreams", response_model=UpstreamsPublic)
async def upstreams(request: Request) -> UpstreamsPublic:
    """Each upstream service's `/health` as the gateway reaches it (1 s timeout each, all at once)."""
    pool: UpstreamPool = request.app.state.upstreams
    return UpstreamsPublic(items=await pool.health())
