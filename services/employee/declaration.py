"""The employee service as the platform knows it (shared.declaration)."""

from shared.declaration import ServiceDeclaration
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
    },
)
