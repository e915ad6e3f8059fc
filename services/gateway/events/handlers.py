"""Events the gateway consumes: every type of the catalogue, for webhooks; and agency definitions, for the
read model that resolves a province to its agencies."""

from pydantic import BaseModel

from services.gateway.adapters import repository
from services.gateway.service import webhooks
from shared.contracts.employee import AgencyState
from shared.events.catalogue import CATALOGUE
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.uow import UnitOfWork


async def on_agency(uow: UnitOfWork, event: CloudEvent, data: AgencyState) -> None:
    """Keep the agency read model; then the event goes to webhook subscribers like any other."""
    await repository.upsert_agency(uow.connection, data.model_dump(include=set(AgencyState.model_fields)))
    await webhooks.enqueue(uow.connection, event)


async def on_any(uow: UnitOfWork, event: CloudEvent, data: BaseModel) -> None:
    await webhooks.enqueue(uow.connection, event)


OWN_HANDLERS = {
    "asn.employee.agency.defined": on_agency,
    "asn.employee.agency.updated": on_agency,
}

# Every catalogued type and version: a type added to the catalogue reaches webhook subscribers without a
# change here.
SUBSCRIPTIONS: list[Subscription] = [
    Subscription(spec.type, OWN_HANDLERS.get(spec.type, on_any), versions=frozenset(spec.versions))
    for spec in CATALOGUE.values()
]
