"""The platform's services: the one list of their declarations (shared.declaration)."""

from services.appraisal.declaration import SERVICE as APPRAISAL
from services.employee.declaration import SERVICE as EMPLOYEE
from services.gateway.declaration import SERVICE as GATEWAY
from services.mutation.declaration import SERVICE as MUTATION
from services.training.declaration import SERVICE as TRAINING
from shared.declaration import ServiceDeclaration

SERVICES: tuple[ServiceDeclaration, ...] = (GATEWAY, EMPLOYEE, APPRAISAL, MUTATION, TRAINING)
BY_NAME: dict[str, ServiceDeclaration] = {service.name: service for service in SERVICES}
