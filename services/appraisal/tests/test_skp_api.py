"""SKPs over HTTP: only the appraiser rates, updates need the current ETag, realisations and feedback come
from the people the SKP names, credit points from the functional level, and a refusal changes nothing."""

import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    APPRAISER,
    CORE_VALUES,
    MEETS,
    OUTSIDER,
    PAST_YEAR,
    STAFF,
    as_person,
    if_match,
    nip,
    open_period,
    plan_skp,
    rate,
    register,
)
from shared.principal import Role
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration


async def test_only_the_appraiser_rates_and_only_with_the_current_etag(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        skp = await plan_skp(client, period["id"], nip(1))
        url = f"/api/v1/skp/{skp['id']}/evaluations/S1"

        refused = await rate(client, skp, "S1", "baik", appraiser=OUTSIDER, as_=as_person(app, OUTSIDER))
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/not-the-appraiser"
        unconditional = await client.put(url, json={"appraiser_nip": APPRAISER, "results": MEETS})
        assert unconditional.status_code in (422, 428)
        assert (await client.get(f"/api/v1/skp/{skp['id']}")).json()["evaluations"] == []

        appraiser = as_person(app, APPRAISER)
        rated = await rate(client, skp, "S1", "baik", as_=appraiser)
        assert rated.status_code == 200, rated.text
        (evaluation,) = rated.json()["evaluations"]
        assert (
            evaluation["point"],
            evaluation["predicate"],
            evaluation["starts_on"],
            evaluation["ends_on"],
            evaluation["rated_by"],
            evaluation["entered_by"],
        ) == ("S1", "baik", f"{PAST_YEAR}-01-01", f"{PAST_YEAR}-06-30", APPRAISER, None)
        stale = await rate(client, skp, "S1", "sangat_baik", as_=appraiser)
        assert stale.status_code == 412
        assert (await client.get(f"/api/v1/skp/{skp['id']}")).json()["evaluations"][0]["predicate"] == "baik"


async def test_a_rating_needs_every_core_value_and_the_periods_behaviour_rule(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        majority = await open_period(client, behaviour_rule="majority")
        skp = await plan_skp(client, majority["id"], nip(1))
        url = f"/api/v1/skp/{skp['id']}/evaluations/annual"
        appraiser = {**if_match(skp), **as_person(app, APPRAISER)}
        six = dict.fromkeys(CORE_VALUES[:6], MEETS)
        missing = await client.put(
            url,
            json={"appraiser_nip": APPRAISER, "results": MEETS, "behaviour_values": six},
            headers=appraiser,
        )
        assert missing.status_code == 422
        assert [e["field"] for e in missing.json()["errors"]] == ["behaviour_values.kolaboratif"]

        values = {
            **dict.fromkeys(CORE_VALUES[:4], "di_atas_ekspektasi"),
            **dict.fromkeys(CORE_VALUES[4:], MEETS),
        }
        derived = await client.put(
            url,
            json={"appraiser_nip": APPRAISER, "results": "di_atas_ekspektasi", "behaviour_values": values},
            headers=appraiser,
        )
        assert derived.status_code == 200, derived.text
        assert derived.json()["evaluations"][0]["behaviour"] == "di_atas_ekspektasi"
        assert derived.json()["evaluations"][0]["predicate"] == "sangat_baik"


async def test_functional_positions_earn_credit_points_from_their_level_pro_rata(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client, frequency="quarterly")
        functional = {**(await _skp_body(period["id"])), "position_type": "fungsional"}
        without_level = await client.post("/api/v1/skp", json=functional)
        assert without_level.status_code == 422
        assert without_level.json()["errors"][0]["field"] == "functional_level"
        # The coefficient follows from the level: one typed in is not taken.
        typed_in = await client.post(
            "/api/v1/skp", json={**functional, "functional_level": "ahli_pertama", "credit_coefficient": "40"}
        )
        assert typed_in.status_code == 422 and typed_in.json()["errors"][0]["field"] == "credit_coefficient"
        unknown = await client.post("/api/v1/skp", json={**functional, "functional_level": "ahli_super"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "functional_level"
        levels = (await client.get("/api/v1/appraisal/functional-levels")).json()
        assert {level["code"]: level["yearly_coefficient"] for level in levels}["ahli_madya"] == "37.50"

        skp = await plan_skp(
            client, period["id"], nip(1), position_type="fungsional", functional_level="ahli_pertama"
        )
        assert (skp["functional_level"], skp["credit_coefficient"]) == ("ahli_pertama", "12.50")
        quarter = (await rate(client, skp, "Q2", "butuh_perbaikan")).json()
        # 12.5 x 75% x 3/12 = 2.34375: BKN rounds to two decimals.
        assert quarter["evaluations"][0]["credit_points"] == "2.34"
        annual = (await rate(client, quarter, "annual", "sangat_baik")).json()
        assert [e["credit_points"] for e in annual["evaluations"]] == ["2.34", "18.75"]
        stored = (await client.get(f"/api/v1/skp/{skp['id']}")).json()
        assert [e["credit_points"] for e in stored["evaluations"]] == ["2.34", "18.75"]


async def test_realisations_and_feedback_come_from_the_people_the_skp_names(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        employee = nip(1)
        skp = await plan_skp(client, period["id"], employee)
        indicator = skp["indicators"][0]["id"]
        url = f"/api/v1/skp/{skp['id']}/indicators/{indicator}/realisations/S1"
        realisation = {
            "recorded_by": employee,
            "quantity": 6,
            "quality_percent": 92,
            "evidence": "6 laporan, arsip",
        }
        as_employee, as_outsider = as_person(app, employee, Role.EMPLOYEE), as_person(app, OUTSIDER)

        by_outsider = await client.put(
            url, json={**realisation, "recorded_by": OUTSIDER}, headers={**if_match(skp), **as_outsider}
        )
        assert by_outsider.status_code == 403 and by_outsider.json()["type"] == "/problems/not-a-party"
        recorded = await client.put(url, json=realisation, headers={**if_match(skp), **as_employee})
        assert recorded.status_code == 200, recorded.text
        corrected = await client.put(
            url, json={**realisation, "quantity": 7}, headers={**if_match(recorded.json()), **as_employee}
        )
        assert corrected.status_code == 200
        (kept,) = corrected.json()["indicators"][0]["realisations"]
        assert (kept["quantity"], kept["recorded_by"], kept["entered_by"]) == ("7.00", employee, None)

        feedback = await client.post(
            f"/api/v1/skp/{skp['id']}/feedback",
            json={"author_nip": APPRAISER, "note": "Percepat analisis triwulan", "indicator_id": indicator},
            headers=as_person(app, APPRAISER),
        )
        assert feedback.status_code == 201
        assert feedback.json()["feedback"][0]["note"] == "Percepat analisis triwulan"
        outsider = await client.post(
            f"/api/v1/skp/{skp['id']}/feedback",
            json={"author_nip": OUTSIDER, "note": "x"},
            headers=as_outsider,
        )
        assert outsider.status_code == 403
        assert len((await client.get(f"/api/v1/skp/{skp['id']}")).json()["feedback"]) == 1


async def test_an_skp_per_employee_and_year_and_unknown_things_are_not_found(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        await plan_skp(client, period["id"], nip(1))
        again = await client.post("/api/v1/skp", json=await _skp_body(period["id"]))
        assert again.status_code == 409 and again.json()["type"] == "/problems/duplicate-skp"
        duplicate_period = await client.post(
            "/api/v1/appraisal-periods",
            json={
                "agency_code": "7601",
                "year": PAST_YEAR,
                "frequency": "monthly",
                "approver_nip": APPRAISER,
            },
        )
        assert duplicate_period.status_code == 409
        skp = (await client.get("/api/v1/skp", params={"nip": nip(1)})).json()["items"][0]
        assert (await rate(client, skp, "Q1", "baik")).status_code == 404
        assert (await client.get("/api/v1/skp/00000000-0000-0000-0000-000000000000")).status_code == 404


async def _skp_body(period_id: str) -> dict:
    return {
        "period_id": period_id,
        "nip": nip(1),
        "appraiser_nip": APPRAISER,
        "position_type": "pelaksana",
        "indicators": [
            {
                "description": "Dokumen",
                "target": {
                    "quantity": 1,
                    "quantity_unit": "dokumen",
                    "quality_percent": 100,
                    "time_months": 12,
                },
            }
        ],
    }


async def test_lists_page_stably_and_refuse_foreign_cursors(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, *(nip(i) for i in range(5)))
        period = await open_period(client)
        planned = {(await plan_skp(client, period["id"], nip(i)))["id"] for i in range(5)}
        for year in (2027, 2028):
            await open_period(client, year=year)

        seen, cursor = [], None
        while True:
            params = {"period_id": period["id"], "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/skp", params=params)).json()
            seen += [s["id"] for s in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 5 and set(seen) == planned

        first = (await client.get("/api/v1/appraisal-periods", params={"agency": "7601", "limit": 2})).json()
        rest = (
            await client.get(
                "/api/v1/appraisal-periods", params={"agency": "7601", "cursor": first["next_cursor"]}
            )
        ).json()
        assert [p["year"] for p in first["items"] + rest["items"]] == [PAST_YEAR, 2027, 2028]

        foreign = await client.get("/api/v1/skp", params={"cursor": first["next_cursor"]})
        assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "cursor"
