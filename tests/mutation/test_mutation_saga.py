"""A complete cross-regency mutation on the real broker, with the employee and mutation services running in
process: proposal by the receiving kabupaten's HR -> file -> verification -> the origin PPK's release ->
the destination PPK's acceptance -> BKN's technical consideration -> the Gubernur's decree (PDF with its
hash) -> effective at once for a TMT already come -> the employee service moves the person -> completed;
and the audit chain verifies. A move the employee service refuses shows as failed and can be sent again."""

import hashlib
import json
from base64 import b64decode
from datetime import date

import pytest
from sqlalchemy import select

from services.employee.app import create_app as create_employee_app
from services.mutation.adapters.tables import outbox
from services.mutation.app import create_app as create_mutation_app
from services.mutation.tests.support import (
    MAJENE,
    MAMUJU,
    PROVINCE,
    as_,
    build_province,
    publish_predicates,
    reviewed_round,
    step,
    upload_file,
    wait_for_predicates,
    wait_for_read_models,
)
from shared import clock
from shared.testing import eventually, serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]


async def outbox_events(app, event_type: str | None = None) -> list[dict]:
    async with app.state.runtime.db.connect() as connection:
        query = select(outbox.c.payload).order_by(outbox.c.seq)
        if event_type:
            query = query.where(outbox.c.type == event_type)
        return [json.loads(row) for row in await connection.scalars(query)]


async def test_a_cross_regency_mutation_from_proposal_to_the_person_moved(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    hr_mamuju = as_(settings, "hr_officer", agencies=[MAMUJU], name="hr-mamuju")
    ppk_majene = as_(settings, "approver", agencies=[MAJENE], name="ppk-majene")
    ppk_mamuju = as_(settings, "approver", agencies=[MAMUJU], name="ppk-mamuju")
    kanreg = as_(settings, "bkn_reviewer", agencies=[MAMUJU], name="kanreg-bkn")
    gubernur = as_(settings, "approver", agencies=[PROVINCE], name="gubernur")
    auditor = as_(settings, "auditor", agencies=None, name="auditor")
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        province = await build_province(employee)
        andi = province.nips[0]
        andi_self = as_(settings, "employee", nip=andi, name="andi")
        await wait_for_read_models(mutation, province)
        await publish_predicates(mutation_app, andi, {2024: "sangat_baik", 2025: "baik"})
        await wait_for_predicates(mutation, andi, 2)

        created = await mutation.post(
            "/api/v1/mutations",
            json={
                "nip": andi,
                "target_position_id": province.target_position,
                "reason": "Pemenuhan kebutuhan analis SDM sesuai ABK",
            },
            headers=hr_mamuju,
        )
        assert created.status_code == 201, created.text
        proposal = created.json()
        assert proposal["mutation_type"] == "between_regencies_in_province"
        assert proposal["deciding_official"] == "Gubernur"
        assert (proposal["state"], proposal["check_outcome"]) == ("draft", "pass"), proposal["checks"]
        assert {c["rule"] for c in proposal["checks"]} >= {
            "target_room",
            "competency_match",
            "appraisal_predicate",
        }
        assert created.headers["ETag"] == 'W/"1"'

        await upload_file(mutation, proposal["id"], headers=hr_mamuju)
        for action, who in (("submit", hr_mamuju), ("verify", hr_mamuju), ("release", ppk_majene)):
            moved = await step(mutation, proposal, action, who)
            assert moved.status_code == 200, moved.text
            proposal = moved.json()
        assert proposal["state"] == "origin_released" and proposal["due_at"] is not None
        assert proposal["next_step"] == {"action": "accept", "role": "approver", "agency_code": MAMUJU}

        # The destination's acceptance needs the origin's release letter in the file.
        refused = await step(mutation, proposal, "accept", ppk_mamuju)
        assert refused.status_code == 409 and refused.json()["errors"][0]["value"] == "origin_release"
        await upload_file(mutation, proposal["id"], ("origin_release",), headers=ppk_majene)
        proposal = (await mutation.get(f"/api/v1/mutations/{proposal['id']}", headers=andi_self)).json()
        for action, who in (("accept", ppk_mamuju), ("review", kanreg)):
            moved = await step(mutation, proposal, action, who)
            assert moved.status_code == 200, moved.text
            proposal = moved.json()
        assert proposal["state"] == "technically_reviewed"

        issued = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/decree",
            json={
                "tmt": "2026-11-02",
                "place": "Mamuju",
                "signatory": {"name": "Drs. H. Ali Baal Masdar, M.Si.", "title": "Gubernur Sulawesi Barat"},
                "on_behalf_reason": "SK ditandatangani basah oleh Gubernur",
            },
            headers={"If-Match": f'W/"{proposal["version"]}"', **gubernur},
        )
        assert issued.status_code == 201, issued.text
        decree = issued.json()
        assert (
            decree["number"].endswith(f"/0001/{PROVINCE}/{decree['year']}") and decree["kind"] == "original"
        )
        pdf = await mutation.get(decree["pdf_url"], headers=andi_self)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert hashlib.sha256(pdf.content).hexdigest() == decree["sha256"]
        assert b64decode(pdf.headers["Repr-Digest"].split(":")[1]).hex() == decree["sha256"]

        async def state() -> str:
            return (await mutation.get(f"/api/v1/mutations/{proposal['id']}", headers=andi_self)).json()[
                "state"
            ]

        await eventually(
            lambda: _is(state(), "completed"), timeout=30, what="the proposal completed by the saga"
        )

        record = (await employee.get(f"/api/v1/employees/{andi}")).json()
        assert (record["agency_code"], record["unit_id"], record["position_id"], record["position_tmt"]) == (
            MAMUJU,
            province.mamuju_unit,
            province.target_position,
            "2026-11-02",
        )
        (effective,) = await outbox_events(mutation_app, "asn.mutation.proposal.effective")
        history = (await employee.get(f"/api/v1/employees/{andi}/history")).json()["positions"]
        # The history names the mutation and its decree as fields, with no reason in English words.
        assert (history[-1]["mutation_id"], history[-1]["reason"]) == (proposal["id"], None)
        assert history[-1]["decree_number"] == effective["data"]["decree_number"] is not None
        assert history[-1]["decree_date"] == effective["data"]["decree_date"] == clock.today().isoformat()
        (completed,) = await outbox_events(mutation_app, "asn.mutation.proposal.completed")
        assert completed["data"]["position_changed_event_id"] == completed["causationid"]
        (changed,) = await outbox_events(employee_app, "asn.employee.employee.position-changed")
        assert changed["causationid"] == effective["id"] and changed["id"] == completed["causationid"]
        kinds = [e["type"].removeprefix("asn.mutation.") for e in await outbox_events(mutation_app)]
        assert kinds == [
            "proposal.proposed",
            "proposal.submitted",
            "proposal.step-approved",
            "proposal.step-approved",
            "proposal.step-approved",
            "proposal.step-approved",
            "decree.issued",
            "proposal.effective",
            "proposal.completed",
        ]
        assert {"role": "employee", "agency_code": None, "nip": andi} in completed["data"]["notify"]

        explained = (
            await mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation", headers=andi_self)
        ).json()
        steps = [(t["action"], t["actor"]) for t in explained["transitions"]]
        assert steps == [
            ("propose", "hr-mamuju"),
            ("submit", "hr-mamuju"),
            ("verify", "hr-mamuju"),
            ("release", "ppk-majene"),
            ("accept", "ppk-mamuju"),
            ("review", "kanreg-bkn"),
            ("issue_decree", "gubernur"),
            ("make_effective", "system"),
            ("complete", "system"),
        ]
        assert all(t["check_outcome"] == "pass" for t in explained["transitions"][2:7])
        # What the platform says of its own steps is a code the app words, never English prose.
        said = [(t["reason_code"], t["reason_params"], t["reason"]) for t in explained["transitions"][6:]]
        assert said == [
            ("decree-issued", {"tmt": "2026-11-02"}, None),
            ("tmt-reached", {"tmt": "2026-11-02"}, None),
            ("moved-in-register", {}, None),
        ]

        verified = (await mutation.get("/api/v1/audit/verify", headers=auditor)).json()
        assert verified["valid"] and verified["first_bad_seq"] is None
        assert verified["checked"] == verified["head_seq"] >= 20
        trail = (
            await mutation.get(f"/api/v1/audit?subject_id={proposal['id']}&limit=500", headers=auditor)
        ).json()
        assert [e["action"] for e in trail["items"]][-3:] == ["issue_decree", "effective", "completed"]


async def test_a_refused_move_shows_as_failed_and_can_be_sent_again(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        province = await build_province(employee)
        andi = province.nips[0]
        await wait_for_read_models(mutation, province)
        await publish_predicates(mutation_app, andi, {2024: "baik", 2025: "baik"})
        await wait_for_predicates(mutation, andi, 2)
        proposal = (
            await mutation.post(
                "/api/v1/mutations",
                json={"nip": andi, "target_position_id": province.target_position, "reason": "Rotasi"},
            )
        ).json()
        await upload_file(mutation, proposal["id"], (*_ALL,))
        for action in ("submit", "verify", "release", "accept", "review"):
            proposal = (await step(mutation, proposal, action)).json()
        # Suspended after the last check: the decree still goes out, the employee service refuses the move.
        suspended = await employee.post(
            f"/api/v1/employees/{andi}/status", json={"status": "suspended", "effective_date": "2026-11-01"}
        )
        assert suspended.status_code == 200
        await eventually(
            lambda: _employee_status(mutation, andi, "suspended"), what="the status in the read model"
        )
        issued = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/decree",
            json={
                "tmt": "2026-11-02",
                "place": "Mamuju",
                "signatory": {"name": "Gubernur", "title": "Gubernur"},
                "on_behalf_reason": "SK ditandatangani basah oleh Gubernur",
            },
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert issued.status_code == 409 and issued.json()["errors"][0]["field"] == "active_pns"
        overridden = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/overrides",
            json={"rule": "active_pns", "reason": "Skorsing dicabut minggu ini"},
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert overridden.status_code == 200, overridden.text
        proposal = overridden.json()
        issued = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/decree",
            json={
                "tmt": "2026-11-02",
                "place": "Mamuju",
                "signatory": {"name": "Gubernur", "title": "Gubernur"},
                "on_behalf_reason": "SK ditandatangani basah oleh Gubernur",
            },
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert issued.status_code == 201, issued.text

        async def failed() -> dict | None:
            found = (await mutation.get(f"/api/v1/mutations/{proposal['id']}")).json()
            return found if found["state"] == "failed" else None

        shown = await eventually(failed, timeout=30, what="the failure shown on the proposal")
        assert "suspended" in shown["failure_reason"]
        timeline = (await mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation")).json()[
            "transitions"
        ]
        (failure,) = [t for t in timeline if t["action"] == "fail"]
        assert failure["reason_code"] == "move-refused"
        assert failure["reason_params"]["problem"] == "invalid-change"
        assert "suspended" in failure["reason_params"]["detail"]

        await employee.post(
            f"/api/v1/employees/{andi}/status", json={"status": "active", "effective_date": "2026-11-03"}
        )
        retried = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/retry", headers={"If-Match": f'W/"{shown["version"]}"'}
        )
        assert retried.status_code == 200 and retried.json()["state"] == "effective"

        async def completed() -> bool:
            return (await mutation.get(f"/api/v1/mutations/{proposal['id']}")).json()["state"] == "completed"

        await eventually(completed, timeout=30, what="the retried mutation completed")
        assert len(await outbox_events(mutation_app, "asn.mutation.proposal.effective")) == 2
        assert len(await outbox_events(mutation_app, "asn.mutation.proposal.failed")) == 1


async def test_a_future_tmt_waits_for_its_day(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    today = [date(2026, 12, 30)]
    mutation_app = create_mutation_app(await make_settings("mutation"), today=lambda: today[0])
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        (proposal,) = await reviewed_round(employee, mutation, mutation_app, 1)
        scheduler = mutation_app.state.scheduler
        issued = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/decree",
            json={
                "tmt": "2027-01-02",
                "place": "Mamuju",
                "signatory": {"name": "Gubernur", "title": "Gubernur"},
                "on_behalf_reason": "SK ditandatangani basah oleh Gubernur",
            },
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert issued.status_code == 201
        ticks = scheduler.ticks
        await eventually(lambda: scheduler.ticks > ticks, what="a scheduler round after the decree")

        async def current() -> str:
            return (await mutation.get(f"/api/v1/mutations/{proposal['id']}")).json()["state"]

        assert await current() == "decree_issued"
        assert await outbox_events(mutation_app, "asn.mutation.proposal.effective") == []
        today[0] = date(2027, 1, 2)
        scheduler.wake()
        await eventually(
            lambda: _is(current(), "completed"), timeout=30, what="effective on the TMT, then moved"
        )
        (effective,) = await outbox_events(mutation_app, "asn.mutation.proposal.effective")
        assert (
            effective["data"]["tmt"] == "2027-01-02"
            and effective["data"]["decree_number"] == issued.json()["number"]
        )


_ALL = (
    "pns_status",
    "target_abk",
    "no_disciplinary_process",
    "latest_rank_decree",
    "latest_position_decree",
    "appraisal_two_years",
    "no_study_leave_or_bond",
    "destination_proposal",
    "no_audit_findings",
    "origin_release",
)


async def _is(awaitable, expected: str) -> bool:
    return await awaitable == expected


async def _employee_status(mutation, nip: str, status: str) -> bool:
    return (await mutation.get(f"/api/v1/mutation/employees/{nip}")).json()["status"] == status
