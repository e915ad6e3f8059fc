"""The gateway: the platform's one door. It routes `/api/v1/...` to the owning service (auth, roles, agency
scope, aggregated views and webhooks arrive with the gateway issue)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.gateway import proxy
from services.gateway.adapters.tables import metadata
from services.gateway.events.handlers import SUBSCRIPTIONS
from shared import health
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings(service="gateway")
    runtime = ServiceRuntime(settings, metadata=metadata, subscriptions=SUBSCRIPTIONS)
    upstreams = proxy.UpstreamPool(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Nested so the pool opens after the runtime is up and closes before the runtime stops.
        async with runtime.lifespan(app), upstreams.running():
            yield

    app = build_app(
        title="ASN gateway",
        description="The platform's public API: routes each /api/v1 resource to the service that owns it.",
        routers=[health.router, proxy.router],
        lifespan=lifespan,
    )
    app.state.upstreams = upstreams
    # Last, so the gateway's own routes (health, /api/v1/gateway/...) are matched before the catch-all.
    app.router.routes.append(proxy.route(upstreams))
    return app
