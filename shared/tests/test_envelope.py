import uuid
from datetime import UTC, date, datetime

import pytest
from pydantic import BaseModel, ValidationError

from shared import context
from shared.events.catalogue import CATALOGUE, dead_letter_topic, topic_of_service
from shared.events.envelope import CloudEvent, EventCopies, new_event

pytestmark = pytest.mark.unit


class Moved(BaseModel):
    nip: str


def test_a_new_event_carries_source_subject_and_the_current_correlation_and_actor():
    tokens = context.correlation_id.set("corr-1"), context.actor.set("hr:andi")
    try:
        event = new_event(
            "asn.employee.employee.registered", "198503122010011001", Moved(nip="1"), agency="7601"
        )
    finally:
        context.correlation_id.reset(tokens[0])
        context.actor.reset(tokens[1])
    assert event.source == "/asn/employee"
    assert event.subject == "198503122010011001"
    assert event.correlationid == "corr-1"
    assert event.actor == "hr:andi"
    assert event.agency == "7601"
    assert event.causationid is None
    assert event.data == {"nip": "1"}


def test_an_event_caused_by_another_keeps_its_correlation_and_names_its_cause():
    cause = new_event("asn.employee.employee.registered", "1", Moved(nip="1"))
    effect = new_event("asn.employee.employee.registered", "1", Moved(nip="1"), caused_by=cause)
    assert effect.correlationid == cause.correlationid
    assert effect.causationid == str(cause.id)
    assert effect.id != cause.id


def test_the_envelope_survives_a_json_round_trip():
    event = new_event("asn.employee.employee.registered", "1", Moved(nip="1"))
    assert CloudEvent.from_json(event.to_json()) == event


def test_an_envelope_without_required_attributes_is_refused():
    with pytest.raises(ValidationError):
        CloudEvent.from_json(b'{"specversion": "1.0", "id": "%s", "type": "x"}' % str(uuid.uuid4()).encode())


def test_every_catalogued_type_follows_the_naming_rule_and_maps_to_its_service_topic():
    for event_type, spec in CATALOGUE.items():
        prefix, service, aggregate, verb = event_type.split(".", 3)
        assert prefix == "asn" and aggregate and verb
        assert spec.topic == topic_of_service(service) == f"asn.{service}.events"
        assert spec.versions and spec.description
    assert dead_letter_topic("asn.employee.events") == "asn.employee.events.dlq"


def test_copies_of_an_event_serialise_exactly_as_the_events_they_stand_for():
    first = new_event("asn.employee.employee.registered", "198503122010011001", Moved(nip="1"), agency="7601")
    copies = EventCopies(first)
    event_id, at = uuid.uuid4(), datetime(2026, 11, 26, 7, 5, 1, 123456, tzinfo=UTC)
    data = {"nip": "199001012015011002", "birth_date": date(1990, 1, 1), "rank_code": None, "name": "Sitti"}
    as_event = first.model_copy(
        update={"id": event_id, "time": at, "subject": data["nip"], "agency": None, "data": data}
    )
    assert copies.to_json(event_id, at, data["nip"], None, data) == as_event.to_json()
