"""Talent over HTTP: the agency's potential policy, assessments giving potential, the 9-box position from
the latest annual predicate x potential, the grid and the succession pool."""

import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import PAST_YEAR, STAFF, appraise, nip, outbox_events, register
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

STANDARD = {"Integritas": 4, "Kerjasama": 3, "Komunikasi": 3}


def assessment(employee: str, actual: dict[str, int], **fields) -> dict:
    return {
        "nip": employee,
        "agency_code": "7601",
        "assessed_on": "2027-02-01",
        "actual": actual,
        "required": STANDARD,
        **fields,
    }


async def test_potential_and_the_annual_predicate_place_employees_in_the_grid(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1), nip(2), nip(3))
        star, steady, struggling = nip(1), nip(2), nip(3)
        await appraise(
            app, client, {star: "sangat_baik", steady: "baik", struggling: "kurang"}, year=PAST_YEAR
        )

        # 10 of 10 required levels met: 100%; 8 of 10: 80%; 6 of 10: 60% (default cut-offs 90 / 78).
        created = await client.post(
            "/api/v1/talent/assessments",
            json=assessment(star, {"Integritas": 5, "Kerjasama": 3, "Komunikasi": 4}),
        )
        assert created.status_code == 201, created.text
        assert (created.json()["job_person_match"], created.json()["potential"]) == ("100.00", "high")
        await client.post(
            "/api/v1/talent/assessments",
            json=assessment(steady, {"Integritas": 3, "Kerjasama": 3, "Komunikasi": 2}),
        )
        await client.post(
            "/api/v1/talent/assessments", json=assessment(struggling, {"Integritas": 3, "Kerjasama": 3})
        )

        star_box = (await client.get(f"/api/v1/talent/employees/{star}")).json()
        assert (star_box["box"], star_box["performance"], star_box["in_succession_pool"]) == (
            9,
            "above",
            True,
        )
        assert star_box["actions"] == ["promote or retain", "rotation", "enrichment"]
        assert (await client.get(f"/api/v1/talent/employees/{steady}")).json()["box"] == 5
        assert (await client.get(f"/api/v1/talent/employees/{struggling}")).json()["box"] == 1

        grid = (await client.get("/api/v1/talent/grid", params={"agency": "7601"})).json()
        assert {b["box"]: b["employees"] for b in grid["boxes"]} == {
            9: 1,
            8: 0,
            7: 0,
            6: 0,
            5: 1,
            4: 0,
            3: 0,
            2: 0,
            1: 1,
        }
        pool = (await client.get("/api/v1/talent/succession-pool", params={"agency": "7601"})).json()
        assert [p["nip"] for p in pool["items"]] == [star]
        other_type = await client.get(
            "/api/v1/talent/succession-pool", params={"agency": "7601", "position_type": "fungsional"}
        )
        assert other_type.json()["items"] == []

        changes = await outbox_events(app, "asn.appraisal.talent.box-changed")
        assert sorted((e["subject"], e["data"]["box"]) for e in changes) == [
            (star, 9),
            (steady, 5),
            (struggling, 1),
        ]
        assert len(await outbox_events(app, "asn.appraisal.potential.assessed")) == 3


async def test_the_agency_policy_decides_the_potential_band(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        employee = nip(1)
        await appraise(app, client, {employee: "baik"}, year=PAST_YEAR)
        default = await client.get("/api/v1/talent/policies/7601")
        assert default.headers["etag"] == 'W/"0"'
        assert default.json()["high_from"] == "90.00"

        policy = {
            "medium_from": 60,
            "high_from": 75,
            "weights": {"job_person_match": 1, "learning_agility": 3},
        }
        assert (await client.put("/api/v1/talent/policies/7601", json=policy)).status_code == 428
        inconsistent = await client.put(
            "/api/v1/talent/policies/7601", json={**policy, "medium_from": 80}, headers={"If-Match": 'W/"0"'}
        )
        assert inconsistent.status_code == 422
        saved = await client.put("/api/v1/talent/policies/7601", json=policy, headers={"If-Match": 'W/"0"'})
        assert saved.status_code == 200 and saved.headers["etag"] == 'W/"1"'
        stale = await client.put("/api/v1/talent/policies/7601", json=policy, headers={"If-Match": 'W/"0"'})
        assert stale.status_code == 412

        # (80 x 1 + 90 x 3) / 4 = 87.5: high under this agency's cut-offs, medium under the default ones.
        assessed = await client.post(
            "/api/v1/talent/assessments",
            json=assessment(
                employee, {"Integritas": 3, "Kerjasama": 3, "Komunikasi": 2}, scores={"learning_agility": 90}
            ),
        )
        assert (assessed.json()["score"], assessed.json()["potential"]) == ("87.50", "high")
        assert (await client.get(f"/api/v1/talent/employees/{employee}")).json()["box"] == 8


async def test_an_employee_without_an_annual_predicate_has_no_box_yet(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        employee = nip(1)
        assert (await client.get(f"/api/v1/talent/employees/{employee}")).status_code == 404
        await client.post("/api/v1/talent/assessments", json=assessment(employee, STANDARD))
        position = (await client.get(f"/api/v1/talent/employees/{employee}")).json()
        assert (position["potential"], position["box"], position["actions"]) == ("high", None, [])
        assert await outbox_events(app, "asn.appraisal.talent.box-changed") == []
        no_standard = await client.post(
            "/api/v1/talent/assessments", json={**assessment(employee, {}), "required": {}}
        )
        assert no_standard.status_code == 422
