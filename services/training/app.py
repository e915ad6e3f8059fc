"""The training service: competency development, 20 JP a year, development plans."""

from fastapi import FastAPI

from services.training.adapters.tables import employees, metadata
from services.training.events.handlers import SUBSCRIPTIONS
from shared import health
from shared.readmodels.employees import employee_read_model_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings(service="training")
    runtime = ServiceRuntime(settings, metadata=metadata, subscriptions=SUBSCRIPTIONS)
    return build_app(
        title="ASN training service",
        description="Training catalogue, sessions, JP tracking and development plans.",
        routers=[health.router, employee_read_model_router("training", employees)],
        lifespan=runtime.lifespan,
    )
