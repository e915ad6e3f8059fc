"""The mutation service: proposals, eligibility rules, approvals, decrees (SK) and placement."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import date

from fastapi import FastAPI

from services.mutation.adapters.tables import employees, metadata
from services.mutation.api import audit, decrees, policies, predicates, proposals, readmodels
from services.mutation.events.handlers import SUBSCRIPTIONS
from services.mutation.placement.api.rounds import router as placement_router
from services.mutation.service.effective import EffectiveDateScheduler
from shared import clock, health
from shared.jobs import job_router
from shared.readmodels.employees import employee_read_model_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(
    settings: Settings | None = None,
    *,
    scheduler_interval: float = 60.0,
    today: Callable[[], date] = clock.today,
) -> FastAPI:
    settings = settings or Settings(service="mutation")
    runtime = ServiceRuntime(settings, metadata=metadata, subscriptions=SUBSCRIPTIONS)
    scheduler = EffectiveDateScheduler(runtime, interval=scheduler_interval, today=today)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The runtime's parts first (database, bus, relay, consumer), then the effective-date scheduler.
        async with runtime.lifespan(app):
            app.state.scheduler = scheduler
            task = asyncio.create_task(scheduler.run(), name="effective-date-scheduler")
            try:
                yield
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    return build_app(
        title="ASN mutation service",
        description="Mutation proposals, eligibility checks, approval workflow, decrees and placement plans.",
        routers=[
            health.router,
            employee_read_model_router("mutation", employees),
            predicates.router,
            readmodels.router,
            proposals.router,
            decrees.router,
            policies.router,
            audit.router,
            placement_router,
            job_router("mutation"),
        ],
        lifespan=lifespan,
    )
