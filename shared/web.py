"""HTTP plumbing shared by every service: request/correlation ids, access log, the app factory."""

import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import context, metrics
from shared.auth import InternalTokenGuard
from shared.errors import FieldProblem
from shared.idempotency import IdempotencyKeys
from shared.inputs import control_character_in
from shared.problems import PROBLEM_RESPONSES, install_problem_handlers, problem_response

REQUEST_ID_HEADER = "x-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"

access_log = logging.getLogger("asn.access")


class RequestContextMiddleware:
    """Takes or makes the request and correlation ids, exposes them to logs and events, echoes them back.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task per request on the hot path.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = _header(headers, REQUEST_ID_HEADER) or uuid.uuid4().hex
        correlation_id = _header(headers, CORRELATION_ID_HEADER) or request_id
        tokens = (context.request_id.set(request_id), context.correlation_id.set(correlation_id))
        # The token guard names the caller as the actor; the next request on this task starts afresh.
        actor_token = context.actor.set(context.actor.get())
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                    (CORRELATION_ID_HEADER.encode(), correlation_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            if scope["path"] not in ("/health", "/ready", "/metrics"):
                access_log.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            context.request_id.reset(tokens[0])
            context.correlation_id.reset(tokens[1])
            context.actor.reset(actor_token)


class ControlCharacterGuard:
    """Refuses a path or query string carrying a control character (`shared.inputs`), before any route
    reads it: 422 naming the parameter, whatever database the service has."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problems = _control_characters(scope)
            if problems:
                response = problem_response(
                    422,
                    "invalid-input",
                    "Invalid input",
                    "the request's address holds a control character, which no parameter may hold",
                    errors=problems,
                    instance=scope["path"],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _control_characters(scope: Scope) -> list[FieldProblem]:
    problems = []
    character = control_character_in(scope["path"])
    if character is not None:
        problems.append(FieldProblem(field="path", message=f"contains the control character {character}"))
    query = scope.get("query_string", b"")
    if query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8"):
            character = control_character_in(name) or control_character_in(value)
            if character is not None:
                problems.append(
                    FieldProblem(field=name, message=f"contains the control character {character}")
                )
    return problems


def _header(headers: dict[bytes, bytes], name: str) -> str | None:
    value = headers.get(name.encode())
    if not value:
        return None
    text = value.decode("latin-1").strip()
    # Ids travel into logs and events: keep them short and printable.
    return text[:128] if text.isprintable() else None


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _freezing_heap(lifespan: Lifespan | None) -> Lifespan:
    """The app's lifespan, then `gc.freeze()`: everything alive once the service has started (modules, the
    app, its routes and schemas - over 100,000 objects) leaves the collector's view. Without it every full
    collection walks them all, stalling the event loop ~100 ms every few seconds under load (measured with
    bench/gateway_throughput.py: p99 90 ms before, 18 ms after). Unfrozen at shutdown, so an app that stops
    inside a longer-lived process (the tests) can still be collected."""

    @asynccontextmanager
    async def started_then_frozen(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app))
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()

    return started_then_frozen


def build_app(
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan | None = None,
    internal_token_guard: bool = True,
    app_class: type[FastAPI] = FastAPI,
) -> FastAPI:
    """A service's app. Every route under `/api/` requires the gateway's internal token (401 without a valid
    one); `/health`, `/ready` and `/metrics` do not (ARCHITECTURE.md §6, defence in depth). The gateway
    itself turns the guard off: its edge checks the callers' access tokens instead."""
    app = app_class(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=_freezing_heap(lifespan),
        responses=PROBLEM_RESPONSES,
    )
    install_problem_handlers(app)
    app.include_router(metrics.router)
    for router in routers:
        app.include_router(router)
    if internal_token_guard:
        # Inside the guard, so a key belongs to the caller the guard verified.
        app.add_middleware(IdempotencyKeys)
        app.add_middleware(InternalTokenGuard)
    app.add_middleware(ControlCharacterGuard)
    app.add_middleware(metrics.HttpMetricsMiddleware)
    app.add_middleware(RequestContextMiddleware)
    metrics.install_tracing(app)
    return app
