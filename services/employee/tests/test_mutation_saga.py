"""The employee service's step of the mutation saga, on the real broker: a mutation becomes effective ->
the person is moved and `position-changed` names the mutation event as its cause; a person no longer
active gets a `move-failed` reply instead."""

import json
import uuid

import pytest
from sqlalchemy import select

from services.employee.adapters.tables import outbox
from services.employee.app import create_app
from services.employee.tests.support import define_organisation, position_id, unit_id
from shared.contracts.mutation import ProposalEffective
from shared.events.envelope import new_event
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration

UNIT, POSITION = unit_id("7601", 0), position_id("7601", 0)
TARGET_UNIT, TARGET_POSITION = unit_id("7602", 1), position_id("7602", 1)

ANDI = {
    "nip": "198503122010011001",
    "name": "Andi Mappaseng",
    "birth_date": "1985-03-12",
    "gender": "M",
    "agency_code": "7601",
    "unit_id": UNIT,
    "position_id": POSITION,
    "position_tmt": "2019-01-02",
}


def effective(mutation_id: str, *, to_position_id: str = TARGET_POSITION) -> bytes:
    event = new_event(
        "asn.mutation.proposal.effective",
        subject=ANDI["nip"],
        agency="7602",
        data=ProposalEffective(
            mutation_id=mutation_id,
            nip=ANDI["nip"],
            to_agency_code="7602",
            to_unit_id=TARGET_UNIT,
            to_position_id=to_position_id,
            tmt="2026-12-01",
            decree_number="800/12/BKD/2026",
        ),
    )
    return event.to_json()


async def outbox_events(app, event_type):
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.scalars(select(outbox.c.payload).where(outbox.c.type == event_type))
        return [json.loads(row) for row in rows]


async def test_an_effective_mutation_moves_the_person_and_says_so(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        assert (await client.post("/api/v1/employees", json=ANDI)).status_code == 201
        mutation_id = str(uuid.uuid4())
        payload = effective(mutation_id)
        await app.state.runtime.bus.publish("asn.mutation.events", ANDI["nip"].encode(), payload)

        changed = await eventually(lambda: outbox_events(app, "asn.employee.employee.position-changed"))
        (event,) = changed
        assert event["causationid"] == json.loads(payload)["id"]
        assert event["data"]["mutation_id"] == mutation_id
        assert event["data"]["previous"]["unit_id"] == UNIT
        record = (await client.get(f"/api/v1/employees/{ANDI['nip']}")).json()
        assert (record["agency_code"], record["unit_id"], record["position_tmt"]) == (
            "7602",
            TARGET_UNIT,
            "2026-12-01",
        )
        history = (await client.get(f"/api/v1/employees/{ANDI['nip']}/history")).json()["positions"]
        assert history[-1]["mutation_id"] == mutation_id

        # The same event again (a redelivery) changes nothing and sends no failure.
        await app.state.runtime.bus.publish("asn.mutation.events", ANDI["nip"].encode(), payload)
        await eventually(lambda: app.state.runtime.consumer.counts_of("duplicate") >= 1, what="the duplicate")
        assert await outbox_events(app, "asn.employee.employee.move-failed") == []
        assert len(await outbox_events(app, "asn.employee.employee.position-changed")) == 1


async def test_a_person_no_longer_active_gets_a_failure_reply(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        await client.post("/api/v1/employees", json=ANDI)
        retired = await client.post(
            f"/api/v1/employees/{ANDI['nip']}/status",
            json={"status": "retired", "effective_date": "2026-11-01"},
        )
        assert retired.status_code == 200
        mutation_id = str(uuid.uuid4())
        await app.state.runtime.bus.publish(
            "asn.mutation.events", ANDI["nip"].encode(), effective(mutation_id)
        )

        (failure,) = await eventually(lambda: outbox_events(app, "asn.employee.employee.move-failed"))
        assert failure["data"]["mutation_id"] == mutation_id
        assert "retired" in failure["data"]["reason"]
        record = (await client.get(f"/api/v1/employees/{ANDI['nip']}")).json()
        assert record["unit_id"] == UNIT


async def test_a_move_to_a_position_the_register_does_not_know_gets_a_failure_reply(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        assert (await client.post("/api/v1/employees", json=ANDI)).status_code == 201
        mutation_id = str(uuid.uuid4())
        unknown = str(uuid.uuid4())
        await app.state.runtime.bus.publish(
            "asn.mutation.events", ANDI["nip"].encode(), effective(mutation_id, to_position_id=unknown)
        )

        (failure,) = await eventually(lambda: outbox_events(app, "asn.employee.employee.move-failed"))
        assert failure["data"]["mutation_id"] == mutation_id
        assert failure["data"]["reason"] == f"position_id: no position {unknown}"
        record = (await client.get(f"/api/v1/employees/{ANDI['nip']}")).json()
        assert (record["unit_id"], record["position_id"]) == (UNIT, POSITION)
