"""The training service: competency development, 20 JP a year, development plans."""

from fastapi import FastAPI

from services.training.adapters.tables import agencies, employees
from services.training.api import audit, enrolments, jp, plans, programmes, sessions, training
from services.training.declaration import SERVICE
from services.training.settings import training_settings
from shared import health
from shared.jobs import job_router
from shared.readmodels.agencies import agency_read_model_router
from shared.readmodels.employees import employee_read_model_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = training_settings(settings)
    runtime = ServiceRuntime.declared(SERVICE, settings)
    return build_app(
        title="ASN training service",
        description="Training catalogue and sessions, JP tracking (a PNS's right to 20 JP a year, a PPPK's "
        "ceiling of 24), Kirkpatrick evaluation and development plans (PP 11/2017 as amended by PP 17/2020; "
        "PP 49/2018; Peraturan LAN 10/2018).",
        routers=[
            health.router,
            programmes.router,
            sessions.router,
            enrolments.router,
            jp.router,
            plans.router,
            training.router,
            audit.router,
            employee_read_model_router("training", employees),
            agency_read_model_router("training", agencies),
            job_router("training"),
        ],
        lifespan=runtime.lifespan,
    )
