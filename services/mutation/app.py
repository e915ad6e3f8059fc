"""The mutation service: proposals, eligibility rules, approvals, decrees (SK) and placement."""

from fastapi import FastAPI

from services.mutation.adapters.tables import employees, metadata
from services.mutation.api import predicates
from services.mutation.events.handlers import SUBSCRIPTIONS
from shared import health
from shared.readmodels.employees import employee_read_model_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings(service="mutation")
    runtime = ServiceRuntime(settings, metadata=metadata, subscriptions=SUBSCRIPTIONS)
    return build_app(
        title="ASN mutation service",
        description="Mutation proposals, eligibility checks, approval workflow, decrees and placement plans.",
        routers=[health.router, employee_read_model_router("mutation", employees), predicates.router],
        lifespan=runtime.lifespan,
    )
