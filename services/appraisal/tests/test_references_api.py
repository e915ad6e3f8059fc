"""The periods, agencies and people a request names must be ones the service knows, belong where the request
places them and lie inside the caller's agencies: else 422 (or 403 for scope) naming each field, and nothing
changes. A PATCH that changes nothing keeps the version."""

import pytest
from sqlalchemy import func, select

from services.appraisal.adapters.tables import outbox
from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    APPRAISER,
    APPROVER,
    REVIEWER,
    STAFF,
    if_match,
    nip,
    open_period,
    plan_skp,
    register,
)
from shared.testing import auth_headers, principal, serve_in_process

pytestmark = pytest.mark.integration

UNKNOWN_NIP = "198001012005011999"
UNKNOWN_PERIOD = "00000000-0000-4000-8000-000000000000"
INDICATOR = {
    "description": "Laporan",
    "target": {"quantity": 1, "quantity_unit": "laporan", "quality_percent": 100, "time_months": 12},
}


def fields(answer) -> set[str]:
    return {problem["field"] for problem in answer.json()["errors"]}


def skp_body(period_id: str, employee: str, **fields) -> dict:
    return {
        "period_id": period_id,
        "nip": employee,
        "appraiser_nip": APPRAISER,
        "position_type": "pelaksana",
        "indicators": [INDICATOR],
        **fields,
    }


async def periods_of(client, agency: str) -> list[dict]:
    return (await client.get("/api/v1/appraisal-periods", params={"agency": agency})).json()["items"]


async def outbox_size(app) -> int:
    async with app.state.runtime.db.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(outbox))


async def test_an_unknown_agency_employee_or_period_is_refused_naming_the_field(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        unknown = await client.post(
            "/api/v1/appraisal-periods",
            json={"agency_code": "9999", "year": 2026, "frequency": "semester", "approver_nip": UNKNOWN_NIP},
        )
        assert unknown.status_code == 422 and unknown.json()["type"] == "/problems/unknown-reference"
        assert fields(unknown) == {"agency_code", "approver_nip"}
        assert await periods_of(client, "9999") == []

        period = await open_period(client)
        no_period = await client.post("/api/v1/skp", json=skp_body(UNKNOWN_PERIOD, nip(1)))
        assert no_period.status_code == 422 and fields(no_period) == {"period_id"}
        nobody = await client.post(
            "/api/v1/skp", json=skp_body(period["id"], UNKNOWN_NIP, reviewer_nip=UNKNOWN_NIP[:-1] + "8")
        )
        assert nobody.status_code == 422 and fields(nobody) == {"nip", "reviewer_nip"}
        assert (await client.get("/api/v1/skp", params={"period_id": period["id"]})).json()["items"] == []

        skp = await plan_skp(client, period["id"], nip(1))
        before = await outbox_size(app)
        attempts = {
            "approver_nip": await client.patch(
                f"/api/v1/appraisal-periods/{period['id']}",
                json={"approver_nip": UNKNOWN_NIP},
                headers=if_match(period),
            ),
            "appraiser_nip": await client.patch(
                f"/api/v1/skp/{skp['id']}", json={"appraiser_nip": UNKNOWN_NIP}, headers=if_match(skp)
            ),
            "indicator_id": await client.post(
                f"/api/v1/skp/{skp['id']}/feedback",
                json={"author_nip": APPRAISER, "note": "Bagus", "indicator_id": UNKNOWN_PERIOD},
            ),
            "decider_nip": await client.post(
                f"/api/v1/skp/{skp['id']}/objections/{UNKNOWN_PERIOD}/decision",
                json={"decider_nip": UNKNOWN_NIP, "decision": "rejected", "note": "x"},
            ),
            "override.approver_nip": await client.post(
                f"/api/v1/appraisal-periods/{period['id']}/points/S1/finalisation",
                json={"override": {"approver_nip": UNKNOWN_NIP, "reason": "x"}},
            ),
            "agency_code": await client.put(
                "/api/v1/talent/policies/9999",
                json={"medium_from": 60, "high_from": 80, "weights": {}},
                headers={"If-Match": 'W/"0"'},
            ),
        }
        for field, answer in attempts.items():
            assert answer.status_code == 422 and fields(answer) == {field}, (field, answer.text)
        assessed = await client.post(
            "/api/v1/talent/assessments",
            json={
                "nip": UNKNOWN_NIP,
                "agency_code": "9999",
                "assessed_on": "2026-11-02",
                "actual": {"Integritas": 3},
                "required": {"Integritas": 3},
            },
        )
        assert assessed.status_code == 422 and fields(assessed) == {"agency_code", "nip"}
        assert await outbox_size(app) == before
        assert (await client.get(f"/api/v1/skp/{skp['id']}")).json() == skp
        assert (await client.get(f"/api/v1/appraisal-periods/{period['id']}")).json() == period


async def test_the_appraised_person_belongs_to_the_agency_and_every_person_to_the_callers(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        elsewhere = nip(2)
        await register(app, elsewhere, agency="7602")
        period = await open_period(client)

        foreign = await client.post("/api/v1/skp", json=skp_body(period["id"], elsewhere))
        assert foreign.status_code == 422 and fields(foreign) == {"nip"}
        assert "7602" in foreign.json()["errors"][0]["message"]
        assessed = await client.post(
            "/api/v1/talent/assessments",
            json={
                "nip": elsewhere,
                "agency_code": "7601",
                "assessed_on": "2026-11-02",
                "actual": {"Integritas": 3},
                "required": {"Integritas": 3},
            },
        )
        assert assessed.status_code == 422 and fields(assessed) == {"nip"}
        wrong_position = await client.post(
            "/api/v1/skp", json=skp_body(period["id"], nip(1), position_id="jabatan-lain")
        )
        assert wrong_position.status_code == 422 and fields(wrong_position) == {"position_id"}

        hr = auth_headers(app.state.runtime.settings, principal("hr_officer", agencies=["7601"]))
        appraised_from_afar = await client.post(
            "/api/v1/skp", json=skp_body(period["id"], nip(1), reviewer_nip=elsewhere), headers=hr
        )
        assert appraised_from_afar.status_code == 403
        assert appraised_from_afar.json()["type"] == "/problems/reference-scope"
        assert fields(appraised_from_afar) == {"reviewer_nip"}
        other_agency = await client.post(
            "/api/v1/appraisal-periods",
            json={"agency_code": "7602", "year": 2026, "frequency": "semester", "approver_nip": APPROVER},
            headers=hr,
        )
        assert other_agency.status_code == 403 and fields(other_agency) == {"agency_code"}
        assert (await client.get("/api/v1/skp", params={"period_id": period["id"]})).json()["items"] == []
        assert await periods_of(client, "7602") == []


async def test_a_patch_that_changes_nothing_keeps_the_version(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        skp = await plan_skp(client, period["id"], nip(1))
        before = await outbox_size(app)

        same_period = await client.patch(
            f"/api/v1/appraisal-periods/{period['id']}",
            json={"approver_nip": APPROVER, "organisation_predicate": period["organisation_predicate"]},
            headers=if_match(period),
        )
        assert same_period.status_code == 200, same_period.text
        assert same_period.json() == period and same_period.headers["etag"] == f'W/"{period["version"]}"'
        same_skp = await client.patch(
            f"/api/v1/skp/{skp['id']}",
            json={"appraiser_nip": APPRAISER, "reviewer_nip": REVIEWER},
            headers=if_match(skp),
        )
        assert same_skp.status_code == 200, same_skp.text
        assert same_skp.json() == skp and same_skp.headers["etag"] == f'W/"{skp["version"]}"'
        assert await outbox_size(app) == before

        changed = await client.patch(
            f"/api/v1/skp/{skp['id']}", json={"reviewer_nip": None}, headers=if_match(skp)
        )
        assert changed.json()["version"] == skp["version"] + 1
