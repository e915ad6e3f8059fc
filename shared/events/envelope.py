"""The CloudEvents 1.0 envelope (structured JSON) every event travels in (ARCHITECTURE.md §4)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from shared import clock, context


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(default_factory=uuid4)
    source: str = Field(description="`/asn/<service>` of the producer")
    type: str = Field(description="`asn.<service>.<aggregate>.<past-tense-verb>`")
    time: datetime
    subject: str = Field(description="id of the aggregate, e.g. a NIP; also the partition key")
    datacontenttype: Literal["application/json"] = "application/json"
    dataversion: str = "1"
    correlationid: str
    causationid: str | None = None
    actor: str = "system"
    agency: str | None = Field(default=None, description="owning agency code, for scoping and webhooks")
    data: dict[str, Any]

    def to_json(self) -> bytes:
        return self.__pydantic_serializer__.to_json(self)

    @classmethod
    def from_json(cls, raw: bytes) -> "CloudEvent":
        return cls.model_validate_json(raw)

    @property
    def producer(self) -> str:
        return self.type.split(".")[1]


def new_event(
    type: str,
    subject: str,
    data: BaseModel,
    *,
    agency: str | None = None,
    dataversion: str = "1",
    caused_by: CloudEvent | None = None,
) -> CloudEvent:
    """An event caused by the current request or, inside a handler, by the event being handled."""
    service = type.split(".")[1]
    event_id = uuid4()
    correlation = (
        (caused_by.correlationid if caused_by else None) or context.correlation_id.get() or str(event_id)
    )
    return CloudEvent(
        id=event_id,
        source=f"/asn/{service}",
        type=type,
        time=clock.now(),
        subject=subject,
        dataversion=dataversion,
        correlationid=correlation,
        causationid=str(caused_by.id) if caused_by else None,
        actor=caused_by.actor if caused_by else context.actor.get(),
        agency=agency,
        data=data.model_dump(mode="json"),
    )


class EventCopies:
    """Events that differ from `first` only in id, time, subject, agency and data, serialised as `to_json`
    serialises them but without a model each: a bulk registration's thousands of events cost a third."""

    def __init__(self, first: CloudEvent) -> None:
        self.first = first
        self._template = first.model_dump()

    def to_json(
        self, event_id: UUID, time: datetime, subject: str, agency: str | None, data: dict[str, Any]
    ) -> bytes:
        return to_json(
            {
                **self._template,
                "id": event_id,
                "time": time,
                "subject": subject,
                "agency": agency,
                "data": data,
            }
        )
