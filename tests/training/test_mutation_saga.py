"""The training service's step of the mutation saga (ARCHITECTURE.md §5), with the employee service in the
same process, both on the real broker and their own databases: a mutation becomes effective (published by
a producer through a real outbox and relay) -> the employee service moves the person, and the training
service builds the development plan toward the new position: every competency gap with recommended
programmes, a senior mentor of the destination unit, the unit's head as supervisor. The services share no
database and call each other over no HTTP: each one's URL for the other points at a closed port."""

import uuid
from contextlib import asynccontextmanager
from datetime import date

import pytest
from sqlalchemy import MetaData

from services.employee.app import create_app as create_employee_app
from services.training.app import create_app as create_training_app
from services.training.tests.support import AGENCY, create_programme, outbox_events, schedule
from shared.contracts.mutation import ProposalEffective
from shared.events.envelope import new_event
from shared.events.tables import inbox_table, outbox_table
from shared.runtime import ServiceRuntime
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration

NOWHERE = "http://127.0.0.1:9"  # the discard port: any HTTP call between the services would fail
STANDARD = {"Komunikasi": 3, "Integritas": 4, "Manajemen ASN": 3}


def person(sequence: int, name: str, unit: dict, post: dict | None, **fields) -> dict:
    """Someone with a valid NIP (born 12 March 1985, CPNS from January 2010, male) in `unit`."""
    return {
        "nip": f"198503122010011{sequence:03d}",
        "name": name,
        "birth_date": "1985-03-12",
        "gender": "M",
        "agency_code": unit["agency_code"],
        "unit_id": unit["id"],
        "position_id": post["id"] if post else None,
        **fields,
    }


def position(unit: dict, name: str, kind: str, job_class: int) -> dict:
    return {
        "unit_id": unit["id"],
        "name": name,
        "type": kind,
        "job_class": job_class,
        "authorised_headcount": 4,
    }


@asynccontextmanager
async def mutation_producer(make_settings):
    """Stands in for the mutation service: its own database with an outbox, relayed to the broker."""
    metadata = MetaData()
    outbox_table(metadata)
    inbox_table(metadata)
    runtime = ServiceRuntime(await make_settings("training"), metadata=metadata)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def created(client, path: str, body: dict) -> dict:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_effective_mutation_gets_a_development_plan_for_the_new_position(make_settings):
    employee_app = create_employee_app(await make_settings("employee", training_url=NOWHERE))
    training_app = create_training_app(await make_settings("training", employee_url=NOWHERE))
    async with (
        serve_in_process(employee_app) as employees,
        serve_in_process(training_app) as training,
        mutation_producer(make_settings) as producer,
    ):
        # The organisation, in the employee service: Mamuju's unit of origin, Majene's destination unit.
        await created(
            employees,
            "/api/v1/agencies",
            {"code": "7600", "name": "Provinsi Sulawesi Barat", "kind": "province"},
        )
        for code, name in (("7601", "Kabupaten Mamuju"), ("7602", "Kabupaten Majene")):
            await created(
                employees,
                "/api/v1/agencies",
                {"code": code, "name": name, "kind": "kabupaten", "province_code": "7600"},
            )
        origin = await created(
            employees, "/api/v1/units", {"agency_code": "7601", "name": "BKPSDM Mamuju", "kind": "badan"}
        )
        destination = await created(
            employees, "/api/v1/units", {"agency_code": "7602", "name": "BKPSDM Majene", "kind": "badan"}
        )
        old_post = await created(
            employees, "/api/v1/positions", position(origin, "Pengelola Kepegawaian", "pelaksana", 7)
        )
        head = await created(
            employees, "/api/v1/positions", position(destination, "Kepala BKPSDM", "jpt", 14)
        )
        analyst = await created(
            employees,
            "/api/v1/positions",
            {
                **position(destination, "Analis SDM Aparatur", "fungsional", 9),
                "competency_standard": STANDARD,
            },
        )
        led = await employees.patch(
            f"/api/v1/units/{destination['id']}",
            json={"head_position_id": head["id"]},
            headers={"If-Match": f'W/"{destination["version"]}"'},
        )
        assert led.status_code == 200, led.text

        # The people: the one who moves, and the destination unit's head, a senior and a junior.
        mover = person(1, "Andi Mappaseng", origin, old_post, rank_code="III/a", position_tmt="2019-01-02")
        chief = person(2, "Bahar Said", destination, head, rank_code="IV/c")
        senior = person(3, "Cakra Wijaya", destination, None, rank_code="III/d")
        junior = person(4, "Dewi Lestari", destination, None, rank_code="II/c")
        for record in (mover, chief, senior, junior):
            await created(employees, "/api/v1/employees", record)
        for someone, levels in (
            (mover, {"Komunikasi": 2, "Integritas": 4}),
            (senior, {"Komunikasi": 4, "Manajemen ASN": 3}),
            (junior, {"Komunikasi": 5, "Manajemen ASN": 5}),
        ):
            assessed = await employees.post(
                f"/api/v1/employees/{someone['nip']}/competencies",
                json=[
                    {"competency": c, "level": lvl, "assessed_on": "2026-02-01"} for c, lvl in levels.items()
                ],
            )
            assert assessed.status_code == 200, assessed.text

        # The catalogue, in the training service, once it knows the agency from the employee service's events.
        async def agency_known() -> bool:
            return (await training.get(f"/api/v1/training/agencies/{AGENCY}")).status_code == 200

        await eventually(agency_known, what=f"agency {AGENCY} in the training service")
        komunikasi = await create_programme(
            training, "KOM-2026", jp=24, competencies=[{"competency": "Komunikasi", "level": 3}]
        )
        manajemen = await create_programme(
            training, "MASN-2026", jp=40, competencies=[{"competency": "Manajemen ASN", "level": 3}]
        )
        soon = await schedule(training, komunikasi, starts=14)
        await schedule(training, manajemen, starts=30)

        # What the training service learnt from the employee service's events, before the mutation.
        async def ready() -> bool:
            for path in (
                f"/api/v1/training/positions/{analyst['id']}",
                *(f"/api/v1/training/employees/{p['nip']}" for p in (mover, chief, senior, junior)),
            ):
                if (await training.get(path)).status_code != 200:
                    return False
            return True

        await eventually(ready, what="the training service's read models")

        # The mutation becomes effective: one event through the producer's outbox.
        mutation_id = str(uuid.uuid4())
        effective = new_event(
            "asn.mutation.proposal.effective",
            subject=mover["nip"],
            agency="7602",
            data=ProposalEffective(
                mutation_id=mutation_id,
                nip=mover["nip"],
                to_agency_code="7602",
                to_unit_id=destination["id"],
                to_position_id=analyst["id"],
                tmt=date(2026, 12, 1),
                decree_number="800/77/BKD/2026",
            ),
        )
        async with producer.uow() as uow:
            uow.publish(effective)
            await uow.commit()

        async def the_plan() -> dict | None:
            found = await training.get("/api/v1/development-plans", params={"mutation": mutation_id})
            items = found.json()["items"]
            # The plan is recomputed while assessments still arrive: wait for the complete picture.
            if items and items[0]["mentor"] and len(items[0]["items"]) == 2:
                return items[0]
            return None

        plan = await eventually(the_plan, timeout=30, what="the development plan of the mutation")
        assert (plan["nip"], plan["agency_code"], plan["unit_id"], plan["position_id"]) == (
            mover["nip"],
            "7602",
            destination["id"],
            analyst["id"],
        )
        assert (plan["source"], plan["status"], plan["standard_known"]) == ("mutation", "proposed", True)
        assert plan["position_name"] == "Analis SDM Aparatur"
        assert plan["job_person_match"] == "60.00"
        gaps = {item["competency"]: item for item in plan["items"]}
        assert {name: (item["required_level"], item["current_level"]) for name, item in gaps.items()} == {
            "Manajemen ASN": (3, None),
            "Komunikasi": (3, 2),
        }
        for name, programme in (("Komunikasi", komunikasi), ("Manajemen ASN", manajemen)):
            recommended = gaps[name]["recommendations"]
            assert [r["programme_id"] for r in recommended] == [programme["id"]], name
            assert recommended[0]["fit"] == "1.0000"
            assert gaps[name]["programme_id"] == programme["id"]
        assert gaps["Komunikasi"]["session_id"] == soon["id"]
        assert plan["mentor"]["nip"] == senior["nip"]  # covers both gaps; the junior is not senior
        assert plan["supervisor_nip"] == chief["nip"]

        # The employee service moved the person, and the training service's copy followed.
        moved = (await employees.get(f"/api/v1/employees/{mover['nip']}")).json()
        assert (moved["agency_code"], moved["position_id"]) == ("7602", analyst["id"])

        async def followed() -> bool:
            copy = (await training.get(f"/api/v1/training/employees/{mover['nip']}")).json()
            return copy["unit_id"] == destination["id"]

        await eventually(followed, what="the training read model following the move")

        (created_event,) = await outbox_events(training_app, "asn.training.development-plan.created")
        assert created_event["causationid"] == str(effective.id)
        assert created_event["data"]["mutation_id"] == mutation_id
        assert all(item["programme_id"] for item in created_event["data"]["items"])
        for app in (employee_app, training_app):
            assert app.state.runtime.consumer.counts_of("dead-lettered") == 0
