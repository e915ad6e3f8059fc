"""The gateway: the platform's one door. It signs people and agency systems in, checks coarse access and
forwards each `/api/v1/...` request to the owning service with an internal token; it serves the aggregated
views, the integration documents and webhooks, and protects all of it (rate limits, size limits, CORS,
security headers). ARCHITECTURE.md §6."""

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway import proxy
from services.gateway.api import auth, identity, integration, views, webhooks
from services.gateway.declaration import SERVICE
from services.gateway.edge import Edge, RateLimiter
from services.gateway.routes import owner_of
from services.gateway.service.apidocs import ApiDocs
from services.gateway.service.identity import Identity
from services.gateway.service.tokens import AccessTokens, Gate, OidcVerifier, Revocations, Session
from services.gateway.service.views import Aggregator
from services.gateway.service.webhooks import Dispatcher, Webhooks, destination_guard
from services.gateway.settings import gateway_settings
from services.gateway.state import GatewayState
from services.gateway.web import mount_web
from shared import health
from shared.aio import every
from shared.idempotency import IdempotencyKeys
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    config = gateway_settings(settings)
    runtime = ServiceRuntime.declared(SERVICE, config)
    upstreams = proxy.UpstreamPool(config)
    tokens = AccessTokens(config)
    revocations = Revocations(config.access_token_ttl_seconds)
    people = Identity(config, runtime.db, tokens, revocations)
    gate = Gate(
        tokens,
        revocations,
        config.internal_token_secret.get_secret_value(),
        external=_external_sessions(config, people) if config.oidc_issuer and config.oidc_jwks_url else None,
        external_issuer=config.oidc_issuer,
    )
    receivers = destination_guard(config)
    dispatcher = Dispatcher(config, runtime.db, receivers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Nested so the pool opens after the runtime is up and closes before the runtime stops. The runtime
        # runs the declared loops (revocations, webhooks); the first revocations are loaded before serving.
        async with runtime.lifespan(app), upstreams.running():
            await people.sessions.load_revocations()
            yield

    app = build_app(
        title="ASN gateway",
        description="The platform's public API: sign-in, aggregated views, webhooks, and every service's "
        "/api/v1 resources (see /api/v1/openapi.json for all of them).",
        routers=[
            health.router,
            auth.public_router,
            integration.router,
            auth.router,
            identity.router,
            views.router,
            webhooks.router,
            proxy.router,
        ],
        lifespan=lifespan,
        internal_token_guard=False,
        app_class=GatewayApp,
    )
    assert isinstance(app, GatewayApp)
    app.state.upstreams = upstreams
    limiter = RateLimiter(config.rate_limit_per_minute, config.rate_limit_burst)
    app.state.gateway = GatewayState(
        settings=config,
        upstreams=upstreams,
        identity=people,
        gate=gate,
        limiter=limiter,
        views=Aggregator(upstreams, config.aggregate_timeout_seconds),
        webhooks=Webhooks(runtime.db, receivers),
        dispatcher=dispatcher,
        docs=ApiDocs(upstreams, app.openapi, config.openapi_cache_seconds),
    )
    # The interactive docs show the whole platform, not only the gateway's own routes.
    app.openapi_url = "/api/v1/openapi.json"
    # Inside RequestContextMiddleware (so refusals carry the request id): CORS first, so preflights and
    # refusals carry its headers, then the edge.
    app.user_middleware.extend(
        [
            Middleware(
                CORSMiddleware,
                allow_origins=config.cors_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=[
                    "authorization",
                    "content-type",
                    "if-match",
                    "if-none-match",
                    "idempotency-key",
                    "x-request-id",
                    "x-correlation-id",
                ],
                expose_headers=["etag", "location", "retry-after", "x-request-id", "x-correlation-id"],
                max_age=600,
            ),
            Middleware(Edge, settings=config, gate=gate, limiter=limiter),
            # The gateway's own POSTs; a proxied one is kept by the service that answers it (not the lane).
            Middleware(IdempotencyKeys),
        ]
    )
    # Last, so the gateway's own routes (health, /api/v1/gateway/...) are matched before the catch-all.
    app.proxy_route = proxy.route(upstreams)
    app.router.routes.append(app.proxy_route)
    # The web app at `/` and `/static/...`; it never matches /api, /health, /ready, /docs or /metrics.
    mount_web(app)
    return app


class GatewayApp(FastAPI):
    """FastAPI with a lane for the requests a service answers (`routes.owner_of`). They pass the same
    middleware as every other request - server errors, request ids, metrics, CORS, the edge - straight into
    the proxy, without what only the gateway's own routes need: FastAPI's telemetry and body-limit layers,
    its exception middleware and route matching. Measured with bench/gateway_throughput.py on this 2-core
    machine (noisy, about 10% between runs): ~3,000 req/s through the whole stack, ~3,300-3,400 through
    the lane."""

    proxy_route: Route | None = None

    def build_middleware_stack(self) -> ASGIApp:
        full = super().build_middleware_stack()
        if self.proxy_route is None:
            return full
        # As FastAPI builds its own stack: the 500 handler belongs to ServerErrorMiddleware.
        handler = self.exception_handlers.get(500) or self.exception_handlers.get(Exception)
        lane: ASGIApp = self.proxy_route.app
        lane_middleware = [m for m in self.user_middleware if m.cls is not IdempotencyKeys]
        for middleware in reversed(
            [Middleware(ServerErrorMiddleware, handler=handler, debug=self.debug), *lane_middleware]
        ):
            lane = middleware.cls(lane, *middleware.args, **middleware.kwargs)
        return _ProxyLane(full, lane, self.proxy_route)


class _ProxyLane:
    def __init__(self, full: ASGIApp, lane: ASGIApp, route: Route) -> None:
        self.full = full
        self.lane = lane
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and owner_of(scope["path"]) is not None:
            scope["route"] = self.route  # what the metrics label the request by, as if the router matched
            await self.lane(scope, receive, send)
        else:
            await self.full(scope, receive, send)


async def load_revocations(app: FastAPI, seconds: float) -> None:
    """A background loop (services/gateway/declaration.py): the revocations other replicas recorded."""
    await every(seconds, app.state.gateway.identity.sessions.load_revocations)


def dispatch_webhooks(app: FastAPI, seconds: float) -> Coroutine[Any, Any, None]:
    """A background loop (services/gateway/declaration.py): due webhook deliveries; the dispatcher polls
    every `webhook_poll_interval_seconds` (`seconds`) unless woken."""
    dispatcher: Dispatcher = app.state.gateway.dispatcher
    return dispatcher.run()


def _external_sessions(config: Settings, people: Identity) -> Callable[[str], Awaitable[Session]]:
    verifier = OidcVerifier(people.settings)

    async def session_of(token: str) -> Session:
        subject, expires_at = await verifier.subject_of(token)
        return await people.sessions.session_of_external(subject, expires_at)

    return session_of
