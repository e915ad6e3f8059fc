"""The training service as the platform knows it (shared.declaration)."""

from shared.declaration import BackgroundLoop, ServiceDeclaration
from shared.settings import SERVICE_PORTS

SERVICE = ServiceDeclaration(
    name="training",
    port=SERVICE_PORTS["training"],
    app="services.training.app:create_app",
    tables="services.training.adapters.tables:metadata",
    migrations="services.training:migrations",
    subscriptions="services.training.events.handlers:SUBSCRIPTIONS",
    loops=(
        # Certificates about to expire and follow-up evaluations that are due, scanned once an hour.
        BackgroundLoop(
            "reminders", interval=3600.0, work="services.training.service.reminders:send_reminders"
        ),
    ),
)
