"""Every event type the platform knows, its payload model per `dataversion`, and where it travels.

Consumers dead-letter types missing here and versions a type does not list; the gateway's AsyncAPI
document is generated from this table.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from shared.contracts import employee


@dataclass(frozen=True)
class EventSpec:
    type: str
    versions: dict[str, type[BaseModel]]

    @property
    def topic(self) -> str:
        return topic_of_service(self.type.split(".")[1])

    @property
    def description(self) -> str:
        latest = self.versions[max(self.versions, key=int)]
        return (latest.__doc__ or "").strip()


def topic_of_service(service: str) -> str:
    return f"asn.{service}.events"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


CATALOGUE: dict[str, EventSpec] = {
    spec.type: spec
    for spec in [
        EventSpec("asn.employee.employee.registered", {"1": employee.EmployeeRegistered}),
    ]
}


def spec_of(event_type: str) -> EventSpec | None:
    return CATALOGUE.get(event_type)
