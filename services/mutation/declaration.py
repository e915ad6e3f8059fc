"""The mutation service as the platform knows it (shared.declaration)."""

from shared.declaration import BackgroundLoop, ServiceDeclaration
from shared.settings import SERVICE_PORTS

SERVICE = ServiceDeclaration(
    name="mutation",
    port=SERVICE_PORTS["mutation"],
    app="services.mutation.app:create_app",
    tables="services.mutation.adapters.tables:metadata",
    migrations="services.mutation:migrations",
    subscriptions="services.mutation.events.handlers:SUBSCRIPTIONS",
    loops=(
        # Decreed mutations become effective on their TMT: woken when a decree is issued, else once a minute.
        BackgroundLoop("effective-date-scheduler", interval=60.0, work="services.mutation.app:run_scheduler"),
    ),
)
