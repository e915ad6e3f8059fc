"""SKPs over HTTP: only the appraiser rates, updates need the current ETag, realisations and feedback come
from the people the SKP names, and a refusal changes nothing."""

import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    APPRAISER,
    CORE_VALUES,
    MEETS,
    OUTSIDER,
    STAFF,
    if_match,
    nip,
    open_period,
    plan_skp,
    rate,
    register,
)
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration


async def test_only_the_appraiser_rates_and_only_with_the_current_etag(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        skp = await plan_skp(client, period["id"], nip(1))
        url = f"/api/v1/skp/{skp['id']}/evaluations/S1"

        refused = await rate(client, skp, "S1", "baik", appraiser=OUTSIDER)
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/not-the-appraiser"
        unconditional = await client.put(url, json={"appraiser_nip": APPRAISER, "results": MEETS})
        assert unconditional.status_code in (422, 428)
        assert (await client.get(f"/api/v1/skp/{skp['id']}")).json()["evaluations"] == []

        rated = await rate(client, skp, "S1", "baik")
        assert rated.status_code == 200, rated.text
        (evaluation,) = rated.json()["evaluations"]
        assert (
            evaluation["point"],
            evaluation["predicate"],
            evaluation["starts_on"],
            evaluation["ends_on"],
        ) == (
            "S1",
            "baik",
            "2026-01-01",
            "2026-06-30",
        )
        stale = await rate(client, skp, "S1", "sangat_baik")
        assert stale.status_code == 412
        assert (await client.get(f"/api/v1/skp/{skp['id']}")).json()["evaluations"][0]["predicate"] == "baik"


async def test_a_rating_needs_every_core_value_and_the_periods_behaviour_rule(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        majority = await open_period(client, behaviour_rule="majority")
        skp = await plan_skp(client, majority["id"], nip(1))
        url = f"/api/v1/skp/{skp['id']}/evaluations/annual"
        six = dict.fromkeys(CORE_VALUES[:6], MEETS)
        missing = await client.put(
            url,
            json={"appraiser_nip": APPRAISER, "results": MEETS, "behaviour_values": six},
            headers=if_match(skp),
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
            headers=if_match(skp),
        )
        assert derived.status_code == 200, derived.text
        assert derived.json()["evaluations"][0]["behaviour"] == "di_atas_ekspektasi"
        assert derived.json()["evaluations"][0]["predicate"] == "sangat_baik"


async def test_functional_positions_earn_credit_points_pro_rata(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client, frequency="quarterly")
        refused = await client.post(
            "/api/v1/skp",
            json={**(await _skp_body(period["id"])), "position_type": "fungsional"},
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "credit_coefficient"

        skp = await plan_skp(
            client, period["id"], nip(1), position_type="fungsional", credit_coefficient="12.5"
        )
        quarter = (await rate(client, skp, "Q2", "baik")).json()
        assert quarter["evaluations"][0]["credit_points"] == "3.125"  # 12.5 x 100% x 3/12
        annual = (await rate(client, quarter, "annual", "sangat_baik")).json()
        assert [e["credit_points"] for e in annual["evaluations"]] == ["3.125", "18.750"]


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

        by_outsider = await client.put(
            url, json={**realisation, "recorded_by": OUTSIDER}, headers=if_match(skp)
        )
        assert by_outsider.status_code == 403 and by_outsider.json()["type"] == "/problems/not-a-party"
        recorded = await client.put(url, json=realisation, headers=if_match(skp))
        assert recorded.status_code == 200, recorded.text
        corrected = await client.put(
            url, json={**realisation, "quantity": 7}, headers=if_match(recorded.json())
        )
        assert corrected.status_code == 200
        assert [r["quantity"] for r in corrected.json()["indicators"][0]["realisations"]] == ["7.00"]

        feedback = await client.post(
            f"/api/v1/skp/{skp['id']}/feedback",
            json={"author_nip": APPRAISER, "note": "Percepat analisis triwulan", "indicator_id": indicator},
        )
        assert feedback.status_code == 201
        assert feedback.json()["feedback"][0]["note"] == "Percepat analisis triwulan"
        outsider = await client.post(
            f"/api/v1/skp/{skp['id']}/feedback", json={"author_nip": OUTSIDER, "note": "x"}
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
            json={"agency_code": "7601", "year": 2026, "frequency": "monthly", "approver_nip": APPRAISER},
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
        assert [p["year"] for p in first["items"] + rest["items"]] == [2026, 2027, 2028]

        foreign = await client.get("/api/v1/skp", params={"cursor": first["next_cursor"]})
        assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "cursor"
