"""The employee service: organisation, positions, workload (ABK) and the employee record."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.employee.api import employees, exchange, organisation, workload
from services.employee.declaration import SERVICE
from services.employee.settings import employee_settings
from services.employee.siasn.api import identities as siasn_identities
from services.employee.siasn.api import pushes as siasn_pushes
from services.employee.siasn.api import sync as siasn_sync
from services.employee.siasn.service.pushes import pushes_enabled, training_pushes_enabled
from shared import health
from shared.jobs import job_router
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = employee_settings(settings)
    runtime = ServiceRuntime.declared(SERVICE, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Seen by the event consumer started below (its task copies this context): the saga's handler
        # records a push to SIASN only when this app's settings turn SIASN on.
        pushes_enabled.set(settings.siasn_enabled)
        training_pushes_enabled.set(settings.siasn_enabled and settings.siasn_push_training)
        async with runtime.lifespan(app):
            yield

    return build_app(
        title="ASN employee service",
        description="Employees, organisation, positions and workload analysis (ABK).",
        # exchange before employees and organisation: its /employees/export must win over /employees/{nip},
        # /units/export over /units/{unit_id}.
        routers=[
            health.router,
            exchange.router,
            exchange.organisation_router,
            employees.router,
            organisation.router,
            workload.router,
            siasn_identities.router,
            siasn_pushes.router,
            siasn_sync.router,
            job_router("employee"),
        ],
        lifespan=lifespan,
    )
