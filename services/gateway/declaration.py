"""The gateway as the platform knows it (shared.declaration)."""

from shared.declaration import BackgroundLoop, ServiceDeclaration
from shared.settings import SERVICE_PORTS

SERVICE = ServiceDeclaration(
    name="gateway",
    port=SERVICE_PORTS["gateway"],
    app="services.gateway.app:create_app",
    tables="services.gateway.adapters.tables:metadata",
    migrations="services.gateway:migrations",
    subscriptions="services.gateway.events.handlers:SUBSCRIPTIONS",
    commands={"users": "services.gateway.cli:users_app", "clients": "services.gateway.cli:clients_app"},
    loops=(
        # Revoked sessions other replicas recorded, so their tokens stop working here too.
        BackgroundLoop(
            "revocations", interval="revocation_poll_seconds", work="services.gateway.app:load_revocations"
        ),
        # Due webhook deliveries: woken when one is enqueued, else every poll interval.
        BackgroundLoop(
            "webhooks",
            interval="webhook_poll_interval_seconds",
            work="services.gateway.app:dispatch_webhooks",
        ),
    ),
)
