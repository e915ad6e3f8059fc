import uuid

import pytest
from pydantic import BaseModel, ValidationError

from shared import context
from shared.events.catalogue import CATALOGUE, dead_letter_topic, topic_of_service
from shared.events.envelope import CloudEvent, new_event

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
