"""Development plans on the real database and broker: on request, after an appraisal predicate of Butuh
Perbaikan or below, and after a mutation whose position's standard arrives late; recommendations in order,
the mentor, the supervisor; adjusting and accepting by the employee and the supervisor."""

from datetime import date

import pytest

from services.training.app import create_app
from services.training.tests.support import (
    AGENCY,
    OTHER_AGENCY,
    as_employee,
    as_hr,
    as_supervisor,
    assess,
    create_programme,
    define_agencies,
    define_position,
    define_unit,
    if_match,
    known,
    nip,
    outbox_events,
    publish,
    register,
    schedule,
)
from shared import clock
from shared.contracts.appraisal import EvaluationFinalised, Predicate
from shared.contracts.mutation import ProposalEffective
from shared.testing import eventually, serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]

MENTEE, SENIOR, MORE_SENIOR, JUNIOR, HEAD, OTHER = (nip(i) for i in range(1, 7))
STANDARD = {"Komunikasi": 3, "Integritas": 4, "Manajemen ASN": 3}


def komunikasi(level: int) -> dict:
    return {"competency": "Komunikasi", "level": level}


async def organisation(app, client) -> dict[str, dict]:
    """Unit B with its head, the analyst position, four colleagues and a catalogue."""
    await define_agencies(app, AGENCY)
    await define_unit(app, "unit-b", head_position_id="pos-head-b")
    await define_position(app, "pos-analyst", STANDARD, unit_id="unit-b")
    await register(app, HEAD, unit_id="unit-b", position_id="pos-head-b", rank_code="IV/b")
    await register(app, MENTEE, unit_id="unit-b", position_id="pos-analyst", rank_code="III/a")
    await register(app, SENIOR, unit_id="unit-b", rank_code="III/d")
    await register(app, MORE_SENIOR, unit_id="unit-b", rank_code="IV/a")
    await register(app, JUNIOR, unit_id="unit-b", rank_code="II/c")
    await register(app, OTHER, unit_id="unit-c")
    await assess(app, MENTEE, {"komunikasi": 2, "Integritas": 4})
    await assess(app, SENIOR, {"Komunikasi": 4, "Manajemen ASN": 3})
    await assess(app, MORE_SENIOR, {"Komunikasi": 3})
    await assess(app, JUNIOR, {"Komunikasi": 5, "Manajemen ASN": 5})
    await known(client, HEAD, MENTEE, SENIOR, MORE_SENIOR, JUNIOR, OTHER)
    await eventually(
        lambda: _status(client, "/api/v1/training/positions/pos-analyst"), what="the position's standard"
    )
    programmes = {
        "KOM-A": await create_programme(client, "KOM-A", jp=24, competencies=[komunikasi(3)]),
        "KOM-B": await create_programme(client, "KOM-B", jp=16, competencies=[komunikasi(4)]),
        "KOM-C": await create_programme(client, "KOM-C", jp=8, competencies=[komunikasi(2)]),
        "MASN-1": await create_programme(
            client, "MASN-1", jp=40, competencies=[{"competency": "Manajemen ASN", "level": 3}]
        ),
        "MASN-2": await create_programme(
            client, "MASN-2", jp=12, competencies=[{"competency": "Manajemen ASN", "level": 2}]
        ),
        "COACH-1": await create_programme(
            client, "COACH-1", form="coaching", jp=10, competencies=[{"competency": "Integritas", "level": 4}]
        ),
    }
    programmes["KOM-A"]["session"] = await schedule(client, programmes["KOM-A"], starts=20)
    programmes["KOM-B"]["session"] = await schedule(client, programmes["KOM-B"], starts=10)
    programmes["COACH-1"]["session"] = await schedule(client, programmes["COACH-1"], starts=5)
    # A session without a seat or waiting-list room is not offered.
    await schedule(client, programmes["KOM-A"], starts=3, capacity=1, waiting_list_capacity=0)
    full = await client.get("/api/v1/sessions", params={"programme": programmes["KOM-A"]["id"]})
    early = full.json()["items"][0]
    await client.post(f"/api/v1/sessions/{early['id']}/enrolments", json={"nip": OTHER})
    return programmes


async def _status(client, path: str) -> bool:
    return (await client.get(path)).status_code == 200


async def test_a_requested_plan_closes_each_gap_with_the_best_programmes_and_a_senior_mentor(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        programmes = await organisation(app, client)
        response = await client.post(
            "/api/v1/development-plans",
            json={"nip": MENTEE, "reason": "Pengembangan tahunan"},
            headers=as_employee(app, MENTEE),
        )
        assert response.status_code == 201, response.text
        plan = response.json()
        assert (plan["source"], plan["status"], plan["standard_known"]) == ("request", "proposed", True)
        assert plan["job_person_match"] == "60.00"  # (2 + 4 + 0) / (3 + 4 + 3)
        assert plan["supervisor_nip"] == HEAD
        gaps = [(i["competency"], i["required_level"], i["current_level"], i["gap"]) for i in plan["items"]]
        assert gaps == [("Manajemen ASN", 3, None, 3), ("Komunikasi", 3, 2, 1)]
        manajemen, komunikasi = plan["items"]
        assert [r["code"] for r in manajemen["recommendations"]] == ["MASN-1", "MASN-2"]
        assert [r["fit"] for r in manajemen["recommendations"]] == ["1.0000", "0.6667"]
        assert [r["code"] for r in komunikasi["recommendations"]] == ["KOM-B", "KOM-A"]
        assert komunikasi["recommendations"][1]["session_id"] == programmes["KOM-A"]["session"]["id"]
        assert (komunikasi["programme_id"], komunikasi["session_id"]) == (
            programmes["KOM-B"]["id"],
            programmes["KOM-B"]["session"]["id"],
        )
        assert plan["mentor"]["nip"] == SENIOR
        assert plan["mentor"]["competencies"] == ["Manajemen ASN", "Komunikasi"]

        # Read access: the employee, the supervisor, HR of the agency; not a colleague or another agency.
        path = f"/api/v1/development-plans/{plan['id']}"
        assert (await client.get(path, headers=as_supervisor(app, HEAD))).status_code == 200
        assert (await client.get(path, headers=as_employee(app, OTHER))).status_code == 403
        assert (await client.get(path, headers=as_hr(app, OTHER_AGENCY))).status_code == 403
        mine = await client.get(
            "/api/v1/development-plans", params={"nip": MENTEE}, headers=as_employee(app, MENTEE)
        )
        assert [p["id"] for p in mine.json()["items"]] == [plan["id"]]
        led = await client.get(
            "/api/v1/development-plans", params={"supervisor": HEAD}, headers=as_supervisor(app, HEAD)
        )
        assert [p["id"] for p in led.json()["items"]] == [plan["id"]]
        assert (
            await client.get("/api/v1/development-plans", headers=as_employee(app, MENTEE))
        ).status_code == 403

        # The employee accepts; the supervisor adjusts (the employee must accept again), then both accept.
        accepted = await client.post(
            f"{path}/acceptance", headers={**as_employee(app, MENTEE), **if_match(plan)}
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["employee_accepted"]["by"] == MENTEE
        assert (await client.post(f"{path}/acceptance", headers=as_supervisor(app, HEAD))).status_code == 428
        intruder = await client.post(
            f"{path}/acceptance", headers={**as_supervisor(app, SENIOR), **if_match(accepted.json())}
        )
        assert intruder.status_code == 403

        bad = await client.patch(
            path,
            json={
                "items": [
                    {"item": "Komunikasi", "programme_id": "00000000-0000-0000-0000-000000000000"},
                    {
                        "item": "Manajemen ASN",
                        "programme_id": programmes["MASN-1"]["id"],
                        "session_id": programmes["KOM-A"]["session"]["id"],
                    },
                    {"item": "Statistik", "programme_id": None},
                ]
            },
            headers={**as_supervisor(app, HEAD), **if_match(accepted.json())},
        )
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["items.0.programme_id", "items.1.session_id"]
        stale = await client.patch(
            path, json={"items": []}, headers={**as_supervisor(app, HEAD), **if_match(plan)}
        )
        assert stale.status_code == 412

        adjusted = await client.patch(
            path,
            json={
                "items": [
                    {
                        "item": "komunikasi",
                        "programme_id": programmes["KOM-A"]["id"],
                        "session_id": programmes["KOM-A"]["session"]["id"],
                        "target_date": "2027-06-30",
                        "note": "Jadwal bidang lebih longgar",
                    }
                ],
                "mentor_nip": MORE_SENIOR,
            },
            headers={**as_supervisor(app, HEAD), **if_match(accepted.json())},
        )
        assert adjusted.status_code == 200, adjusted.text
        changed = adjusted.json()
        assert changed["items"][1]["programme_id"] == programmes["KOM-A"]["id"]
        assert changed["items"][1]["note"] == "Jadwal bidang lebih longgar"
        assert (changed["mentor"]["nip"], changed["mentor"]["competencies"]) == (MORE_SENIOR, ["Komunikasi"])
        assert changed["employee_accepted"] is None

        by_supervisor = await client.post(
            f"{path}/acceptance", headers={**as_supervisor(app, HEAD), **if_match(changed)}
        )
        by_employee = await client.post(
            f"{path}/acceptance", headers={**as_employee(app, MENTEE), **if_match(by_supervisor.json())}
        )
        assert by_employee.status_code == 200, by_employee.text
        assert by_employee.json()["status"] == "accepted"
        hr_both = await client.post(
            f"{path}/acceptance", headers={**as_hr(app), **if_match(by_employee.json())}
        )
        assert hr_both.status_code == 422  # HR acts for either side, so it names one

        created = await outbox_events(app, "asn.training.development-plan.created")
        updated = await outbox_events(app, "asn.training.development-plan.updated")
        assert [e["data"]["plan_id"] for e in created] == [plan["id"]]
        assert [e["data"]["version"] for e in updated] == [2, 3, 4, 5]
        assert updated[-1]["data"]["status"] == "accepted"

        # An accepted plan no longer follows new assessments.
        consumer = app.state.runtime.consumer
        applied = consumer.counts_of("applied")
        await assess(app, MENTEE, {"Manajemen ASN": 3}, on=date(2026, 6, 1))
        await eventually(lambda: consumer.counts_of("applied") > applied, what="the new assessment")
        assert (await client.get(path)).json()["version"] == 5


async def test_a_poor_appraisal_makes_a_coaching_plan_withdrawn_when_an_objection_lifts_it(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        programmes = await organisation(app, client)

        def finalised(predicate: Predicate, objection: str | None = None) -> EvaluationFinalised:
            return EvaluationFinalised(
                nip=MENTEE,
                skp_id="skp-1",
                period_id="period-1",
                agency_code=AGENCY,
                year=2026,
                period="annual",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                results="di_bawah_ekspektasi",
                behaviour="sesuai_ekspektasi",
                behaviour_values={},
                predicate=predicate,
                position_type="fungsional",
                credit_points=None,
                finalised_at=clock.now(),
                objection_id=objection,
            )

        await publish(app, "asn.appraisal.evaluation.finalised", MENTEE, finalised("butuh_perbaikan"))
        plans = await eventually(lambda: _plans(client, MENTEE), what="the coaching plan")
        (plan,) = plans
        assert (plan["source"], plan["appraisal_reference"]) == ("appraisal", "2026/annual")
        coaching = plan["items"][-1]
        assert (coaching["item"], coaching["kind"]) == ("coaching", "coaching")
        assert [r["code"] for r in coaching["recommendations"]] == ["COACH-1"]
        assert coaching["session_id"] == programmes["COACH-1"]["session"]["id"]
        assert plan["supervisor_nip"] == HEAD

        await publish(app, "asn.appraisal.evaluation.finalised", MENTEE, finalised("baik", objection="obj-1"))

        async def withdrawn():
            found = await _plans(client, MENTEE)
            return found if found and found[0]["status"] == "withdrawn" else None

        await eventually(withdrawn, what="the plan withdrawn")
        updated = await outbox_events(app, "asn.training.development-plan.updated")
        assert updated[-1]["data"]["status"] == "withdrawn"


async def test_a_mutation_plan_waits_for_a_late_standard_and_follows_it(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await organisation(app, client)
        effective = ProposalEffective(
            mutation_id="mutation-1",
            nip=MENTEE,
            to_agency_code=AGENCY,
            to_unit_id="unit-b",
            to_position_id="pos-new",
            tmt=date(2026, 12, 1),
        )
        await publish(app, "asn.mutation.proposal.effective", MENTEE, effective)
        (plan,) = await eventually(lambda: _plans(client, MENTEE), what="the mutation's plan")
        assert (plan["mutation_id"], plan["standard_known"], plan["items"]) == ("mutation-1", False, [])

        # The same mutation again (a redelivery or a replay with a new id) makes no second plan.
        await publish(app, "asn.mutation.proposal.effective", MENTEE, effective)
        await define_position(app, "pos-new", {"Komunikasi": 4}, unit_id="unit-b")

        async def refreshed():
            found = await _plans(client, MENTEE)
            return found if found and found[0]["standard_known"] else None

        (plan,) = await eventually(refreshed, what="the plan recomputed")
        assert [(i["competency"], i["gap"]) for i in plan["items"]] == [("Komunikasi", 2)]
        # KOM-A reaches level 3 only: half of the gap from 2 to 4.
        recommended = plan["items"][0]["recommendations"]
        assert [(r["code"], r["fit"]) for r in recommended] == [("KOM-B", "1.0000"), ("KOM-A", "0.5000")]
        assert plan["mentor"]["nip"] == SENIOR


async def _plans(client, employee: str) -> list[dict]:
    return (await client.get("/api/v1/development-plans", params={"nip": employee})).json()["items"]


async def test_hr_records_an_acceptance_for_someone_only_explicitly_with_a_reason_and_in_the_audit_chain(
    make_settings,
):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await organisation(app, client)
        plan = (await client.post("/api/v1/development-plans", json={"nip": MENTEE})).json()
        path = f"/api/v1/development-plans/{plan['id']}"

        # Naming the employee's side without saying it is entered for them is impersonation.
        silent = await client.post(
            f"{path}/acceptance", json={"side": "employee"}, headers={**as_hr(app), **if_match(plan)}
        )
        assert silent.status_code == 403, silent.text
        assert silent.json()["type"].endswith("acting-as-someone-else")
        assert {e["field"] for e in silent.json()["errors"]} == {"side", "on_behalf_reason"}
        colleague = await client.post(
            f"{path}/acceptance",
            json={"side": "employee", "on_behalf_reason": "Dia sedang cuti"},
            headers={**as_employee(app, SENIOR), **if_match(plan)},
        )
        assert colleague.status_code == 403
        assert [e["field"] for e in colleague.json()["errors"]] == ["side"]
        not_the_supervisor = await client.post(
            f"{path}/acceptance",
            json={"side": "supervisor"},
            headers={**as_employee(app, MENTEE), **if_match(plan)},
        )
        assert not_the_supervisor.status_code == 403
        assert [e["field"] for e in not_the_supervisor.json()["errors"]] == ["side"]
        themself = await client.post(
            f"{path}/acceptance",
            json={"on_behalf_reason": "Saya sendiri"},
            headers={**as_employee(app, MENTEE), **if_match(plan)},
        )
        assert themself.status_code == 422
        assert [e["field"] for e in themself.json()["errors"]] == ["on_behalf_reason"]
        assert (await client.get(path)).json()["version"] == plan["version"]

        on_paper = await client.post(
            f"{path}/acceptance",
            json={"side": "employee", "on_behalf_reason": "Disetujui tertulis pada formulir 1 Desember"},
            headers={**as_hr(app), **if_match(plan)},
        )
        assert on_paper.status_code == 200, on_paper.text
        assert on_paper.json()["employee_accepted"] == {
            "by": "bkd",
            "at": on_paper.json()["employee_accepted"]["at"],
            "nip": MENTEE,
            "on_behalf_reason": "Disetujui tertulis pada formulir 1 Desember",
        }
        by_supervisor = await client.post(
            f"{path}/acceptance", headers={**as_supervisor(app, HEAD), **if_match(on_paper.json())}
        )
        assert by_supervisor.status_code == 200, by_supervisor.text
        assert by_supervisor.json()["supervisor_accepted"]["nip"] == HEAD
        assert by_supervisor.json()["supervisor_accepted"]["on_behalf_reason"] is None

        audit = (await client.get("/api/v1/training/audit", params={"subject_id": plan["id"]})).json()[
            "items"
        ]
        assert [(e["actor"], e["action"], e["agency_code"]) for e in audit] == [
            ("bkd", "development-plan.accepted-on-behalf", AGENCY)
        ]
        assert audit[0]["data"] == {
            "nip": MENTEE,
            "side": "employee",
            "on_behalf_of": MENTEE,
            "reason": "Disetujui tertulis pada formulir 1 Desember",
        }
        assert (await client.get("/api/v1/training/audit/verify")).json()["valid"] is True
