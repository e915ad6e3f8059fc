"""The door itself: every request to the gateway passes `Edge` before any route.

In order: security headers on every answer; the body-size limit (413); for `/api/`: the caller's access token
(401), the caller's rate limit (429 with Retry-After), the coarse access of the route family (403); then
the caller's Authorization header is replaced by the internal token the services verify, and the principal
is left in the request state for the gateway's own routes.

A raw ASGI middleware, like the proxy, because it sits on the hot path of every proxied request.
"""

import math
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.domain.access import family_of
from services.gateway.service.tokens import Gate
from services.gateway.settings import GatewaySettings
from shared.errors import DomainError
from shared.problems import problem_response

API_PREFIX = "/api/"
# Reachable without a token: logging in, and the integration documents.
PUBLIC_PATHS = frozenset({"/api/v1/auth/token", "/api/v1/openapi.json", "/api/v1/asyncapi.json"})

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# API answers are data, never a page: nothing may run or be framed from them.
API_HEADERS = [
    *SECURITY_HEADERS,
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
# Tokens must not stay in any cache.
AUTH_HEADERS = [*API_HEADERS, (b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class RateLimiter:
    """A token bucket per caller: `per_minute` on average, bursts of up to `burst`. In memory, per gateway
    replica: with N replicas behind a balancer a caller gets at most about N times the rate."""

    def __init__(self, per_minute: int, burst: int, *, size: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self._size = size
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when the request may go; else the seconds until it may."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = [self.burst, now]
            self._buckets[key] = bucket
            if len(self._buckets) > self._size:
                self._buckets.popitem(last=False)
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate if self.rate > 0 else 3600.0


class BodyLimits:
    """The most bytes a request's body may have: an upload route's own limit, any other route's `default`.

    `uploads` maps path prefixes, where `*` stands for one path segment, to their limits; a prefix matches
    whole segments only (`/api/v1/jp/imports` is not `/api/v1/jp/importsx`)."""

    def __init__(self, default: int, uploads: Mapping[str, int]) -> None:
        self.default = default
        self._routes = [(_prefix_pattern(prefix), limit) for prefix, limit in uploads.items()]

    def of(self, path: str) -> int:
        for pattern, limit in self._routes:
            if pattern.match(path):
                return limit
        return self.default


def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    segments = (r"[^/]+" if part == "*" else re.escape(part) for part in prefix.rstrip("/").split("/"))
    return re.compile("/".join(segments) + r"(?:/|$)")


class _TooLarge(Exception):
    pass


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: GatewaySettings,
        gate: Gate,
        limiter: RateLimiter,
    ) -> None:
        self.app = app
        self.gate = gate
        self.limiter = limiter
        self.body_limits = BodyLimits(settings.max_body_bytes, settings.upload_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        is_api = path.startswith(API_PREFIX)
        extra = (
            (AUTH_HEADERS if path.startswith("/api/v1/auth/") else API_HEADERS)
            if is_api
            else SECURITY_HEADERS
        )
        if scope.get("scheme") == "https" or _header(headers, b"x-forwarded-proto") == b"https":
            extra = [*extra, HSTS]
        started = False
        over_limit: list[bool] = []
        limit = self.body_limits.of(path)

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                if over_limit and not started:
                    # The body outgrew the limit while streaming on: whatever the route answers (the proxy
                    # sees its upstream request fail), the caller gets the 413 it deserves.
                    started = True
                    await self._refuse(
                        scope,
                        _no_body,
                        send,
                        413,
                        "payload-too-large",
                        "Payload too large",
                        f"the body may have at most {limit} bytes",
                        extra,
                    )
                    return
                started = True
                message["headers"] = [*message.get("headers", []), *extra]
            elif over_limit:
                return
            await send(message)

        length = _header(headers, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(
                scope,
                receive,
                send,
                413,
                "payload-too-large",
                "Payload too large",
                f"the body may have at most {limit} bytes",
                extra,
            )
            return
        if length is None and _header(headers, b"transfer-encoding") is not None:
            receive = _limited(receive, limit, over_limit)

        if is_api:
            refusal = await self._admit(scope, headers, path)
            if refusal is not None:
                await refusal(scope, receive, send_secured)
                return
        try:
            await self.app(scope, receive, send_secured)
        except _TooLarge:
            if not started:
                await self._refuse(
                    scope,
                    _no_body,
                    send,
                    413,
                    "payload-too-large",
                    "Payload too large",
                    f"the body may have at most {limit} bytes",
                    extra,
                )

    async def _admit(self, scope: Scope, headers: list[tuple[bytes, bytes]], path: str) -> Response | None:
        """None when the request may go on (its headers now carry the internal token); else the refusal."""
        if path in PUBLIC_PATHS:
            client = scope.get("client")
            wait = self.limiter.take("ip:" + (client[0] if client else "?"))
            return _too_many(wait, path) if wait else None
        authorization = _header(headers, b"authorization")
        if authorization is None or not authorization[:7].lower() == b"bearer ":
            return _unauthorized("unauthorized", "sign in first: this call needs a bearer access token", path)
        try:
            session, internal = await self.gate.admit(authorization[7:].strip().decode("latin-1"))
        except DomainError as error:
            return _unauthorized(error.code, error.detail, path)
        principal = session.principal
        wait = self.limiter.take(principal.subject)
        if wait:
            return _too_many(wait, path)
        family = family_of(path)
        if family is not None and not family.allows(scope["method"], principal.roles):
            return problem_response(
                403,
                "role-required",
                "Forbidden",
                f"none of your roles may {scope['method']} {path}",
                instance=path,
            )
        scope["headers"] = [
            *(item for item in headers if item[0] != b"authorization"),
            (b"authorization", b"Bearer " + internal.encode()),
        ]
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["session"] = session
        state["internal_token"] = internal
        return None

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        title: str,
        detail: str,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        response = problem_response(status, code, title, detail, instance=scope["path"])
        response.raw_headers.extend(extra)
        await response(scope, receive, send)


def _unauthorized(code: str, detail: str, path: str) -> Response:
    return problem_response(
        401,
        code,
        "Authentication required",
        detail,
        instance=path,
        headers={"WWW-Authenticate": 'Bearer realm="asn"'},
    )


def _too_many(wait: float, path: str) -> Response:
    seconds = max(1, math.ceil(wait))
    return problem_response(
        429,
        "too-many-requests",
        "Too many requests",
        f"slow down: try again in {seconds} s",
        instance=path,
        headers={"Retry-After": str(seconds)},
    )


def _limited(receive: Receive, limit: int, over_limit: list[bool]) -> Receive:
    received = 0

    async def counting() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            over_limit.append(True)
            raise _TooLarge
        return message

    return counting


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
