"""The mutation service: proposals, eligibility rules, approvals, decrees (SK) and placement."""

from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from fastapi import FastAPI

from services.mutation.adapters.tables import employees
from services.mutation.api import audit, decrees, policies, predicates, proposals, readmodels
from services.mutation.declaration import SERVICE
from services.mutation.placement.api.rounds import router as placement_router
from services.mutation.service.effective import EffectiveDateScheduler
from shared import clock, health
from shared.jobs import job_router
from shared.readmodels.employees import employee_read_model_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None, *, today: Callable[[], date] = clock.today) -> FastAPI:
    settings = settings or Settings(service="mutation")
    runtime = ServiceRuntime.declared(SERVICE, settings)
    app = build_app(
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
        lifespan=runtime.lifespan,
    )
    # The business day the effective-date scheduler goes by (a test may pass its own).
    app.state.today = today
    return app


def run_scheduler(app: FastAPI, seconds: float) -> Coroutine[Any, Any, None]:
    """The effective-date scheduler as the service's background loop (services/mutation/declaration.py),
    started once the runtime's parts run. Not a coroutine function: the scheduler is on `app.state` (where
    decree routes wake it) as soon as the loop is started, not when it first runs."""
    scheduler = EffectiveDateScheduler(app.state.runtime, interval=seconds, today=app.state.today)
    app.state.scheduler = scheduler
    return scheduler.run()
