"""The appraisal service: SKP performance appraisal, potential and the 9-box talent grid."""

from fastapi import FastAPI

from services.appraisal.adapters.tables import agencies, employees
from services.appraisal.api import audit, periods, policies, reports, skp, talent
from services.appraisal.declaration import SERVICE
from shared import health
from shared.readmodels.agencies import agency_read_model_router
from shared.readmodels.employees import employee_read_model_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings(service="appraisal")
    runtime = ServiceRuntime.declared(SERVICE, settings)
    return build_app(
        title="ASN appraisal service",
        description="SKP performance appraisal (PermenPANRB 6/2022), potential and the 9-box talent grid.",
        routers=[
            health.router,
            periods.router,
            skp.router,
            talent.router,
            reports.router,
            policies.router,
            audit.router,
            employee_read_model_router("appraisal", employees),
            agency_read_model_router("appraisal", agencies),
        ],
        lifespan=runtime.lifespan,
    )
