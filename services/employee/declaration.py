"""The employee service as the platform knows it (shared.declaration)."""

from shared.declaration import BackgroundLoop, ServiceDeclaration
from shared.settings import SERVICE_PORTS

SERVICE = ServiceDeclaration(
    name="employee",
    port=SERVICE_PORTS["employee"],
    app="services.employee.app:create_app",
    tables="services.employee.adapters.tables:metadata",
    migrations="services.employee:migrations",
    subscriptions="services.employee.events.handlers:SUBSCRIPTIONS",
    commands={
        "import": "services.employee.commands:import_app",
        "export": "services.employee.commands:export_app",
        "siasn": "services.employee.commands:siasn_app",
    },
    loops=(
        # Completed mutations' pushes to SIASN, sent step by step when due (idle while SIASN is off).
        BackgroundLoop(
            "siasn-pushes",
            interval="siasn_push_interval_seconds",
            work="services.employee.siasn.service.pushes:send_pushes",
        ),
    ),
)
