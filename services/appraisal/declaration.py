"""The appraisal service as the platform knows it (shared.declaration)."""

from shared.declaration import ServiceDeclaration
from shared.settings import SERVICE_PORTS

SERVICE = ServiceDeclaration(
    name="appraisal",
    port=SERVICE_PORTS["appraisal"],
    app="services.appraisal.app:create_app",
    tables="services.appraisal.adapters.tables:metadata",
    migrations="services.appraisal:migrations",
    subscriptions="services.appraisal.events.handlers:SUBSCRIPTIONS",
)
