"""The appraisal service's final evaluations reach the mutation service's read model on the real broker:
ratings -> period point finalised -> `asn.appraisal.evaluation.finalised` -> mutation's annual predicates;
a periodic evaluation is not kept, and an upheld objection replaces the year's predicate. The 9-box follows
(`asn.appraisal.talent.box-changed` -> mutation's talent boxes, which placement scores and pools read)."""

import pytest
from sqlalchemy import select

from services.appraisal.app import create_app as create_appraisal_app
from services.appraisal.tests.support import (
    MEETS,
    PAST_YEAR,
    REVIEWER,
    STAFF,
    as_person,
    finalise,
    nip,
    open_period,
    plan_skp,
    rate,
    register,
)
from services.mutation.adapters.tables import talent_boxes
from services.mutation.app import create_app as create_mutation_app
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration


async def test_final_annual_predicates_reach_the_mutation_read_model(make_settings):
    appraisal_app = create_appraisal_app(await make_settings("appraisal"))
    mutation_app = create_mutation_app(await make_settings("mutation"))
    async with serve_in_process(appraisal_app) as appraisal, serve_in_process(mutation_app) as mutation:
        andi, sari = nip(1), nip(2)
        await register(appraisal_app, *STAFF, andi, sari)
        period = await open_period(appraisal, year=PAST_YEAR)
        skps = {employee: await plan_skp(appraisal, period["id"], employee) for employee in (andi, sari)}
        for employee, predicate in ((andi, "butuh_perbaikan"), (sari, "sangat_baik")):
            rated = await rate(appraisal, skps[employee], "S1", predicate)
            assert (await rate(appraisal, rated.json(), "annual", predicate)).status_code == 200
        assert (await finalise(appraisal, period["id"], "S1")).status_code == 200
        assert (await finalise(appraisal, period["id"], "annual")).status_code == 200

        async def predicates(employee: str) -> list[dict]:
            response = await mutation.get(f"/api/v1/mutation/employees/{employee}/predicates")
            assert response.status_code == 200
            return response.json()["items"]

        assert await eventually(lambda: predicates(sari), what="Sari's predicate") == [
            {"year": PAST_YEAR, "predicate": "sangat_baik"}
        ]
        assert await eventually(lambda: predicates(andi), what="Andi's predicate") == [
            {"year": PAST_YEAR, "predicate": "butuh_perbaikan"}
        ]
        consumer = mutation_app.state.runtime.consumer
        await eventually(lambda: consumer.counts_of("applied") >= 4, what="the periodic evaluations too")
        assert len(await predicates(andi)) == 1

        filed = await appraisal.post(
            f"/api/v1/skp/{skps[andi]['id']}/evaluations/annual/objections",
            json={"nip": andi, "reason": "Realisasi melebihi target"},
            headers=as_person(appraisal_app, andi),
        )
        objection = filed.json()["objections"][0]["id"]
        decided = await appraisal.post(
            f"/api/v1/skp/{skps[andi]['id']}/objections/{objection}/decision",
            json={
                "decider_nip": REVIEWER,
                "decision": "upheld",
                "note": "Bukti lengkap",
                "results": MEETS,
                "behaviour": MEETS,
            },
            headers=as_person(appraisal_app, REVIEWER),
        )
        assert decided.status_code == 200, decided.text
        await eventually(
            lambda: _first_is(predicates(andi), "baik"), what="the revised predicate in the read model"
        )


async def _first_is(items, predicate: str) -> bool:
    found = await items
    return bool(found) and found[0]["predicate"] == predicate


async def test_the_talent_box_reaches_the_mutation_read_model(make_settings):
    appraisal_app = create_appraisal_app(await make_settings("appraisal"))
    mutation_app = create_mutation_app(await make_settings("mutation"))
    async with serve_in_process(appraisal_app) as appraisal, serve_in_process(mutation_app):
        andi, sari = nip(1), nip(2)
        await register(appraisal_app, *STAFF, andi, sari)
        period = await open_period(appraisal, year=PAST_YEAR)
        # Two people, so the year's distribution stays within the organisation's caps.
        for employee, predicate in ((andi, "butuh_perbaikan"), (sari, "sangat_baik")):
            skp = await plan_skp(appraisal, period["id"], employee)
            rated = await rate(appraisal, skp, "S1", predicate)
            assert (await rate(appraisal, rated.json(), "annual", predicate)).status_code == 200
        assert (await finalise(appraisal, period["id"], "S1")).status_code == 200
        assert (await finalise(appraisal, period["id"], "annual")).status_code == 200
        standard = {"Integritas": 4, "Kerjasama": 3}
        assessed = await appraisal.post(
            "/api/v1/talent/assessments",
            json={
                "nip": sari,
                "agency_code": "7601",
                "assessed_on": "2027-02-01",
                "actual": standard,
                "required": standard,
            },
        )
        assert assessed.status_code == 201, assessed.text
        box = (await appraisal.get(f"/api/v1/talent/employees/{sari}")).json()
        assert box["box"] == 9 and box["in_succession_pool"]

        async def kept() -> tuple | None:
            async with mutation_app.state.runtime.db.connect() as connection:
                row = (await connection.execute(select(talent_boxes))).first()
            return tuple(row) if row else None

        assert await eventually(kept, what="the 9-box in the mutation read model") == (
            sari,
            9,
            True,
            PAST_YEAR,
        )
