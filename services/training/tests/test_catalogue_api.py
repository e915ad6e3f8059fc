"""The catalogue on the real database: programmes managed by the organising agency's HR unit, with
If-Match on changes, searches with cursor pages, and prerequisites enforced at enrolment."""

import pytest

from services.training.app import create_app
from services.training.tests.support import (
    AGENCY,
    OTHER_AGENCY,
    as_employee,
    as_hr,
    create_programme,
    define_agencies,
    enrol,
    if_match,
    known,
    nip,
    register,
    schedule,
)
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

A = nip(1)


async def test_programmes_are_kept_by_the_organising_agency_s_hr(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        body = {
            "code": "PKA-2026",
            "title": "Pelatihan Kepemimpinan Administrator",
            "form": "classical",
            "agency_code": AGENCY,
            "provider": "BPSDM Provinsi Sulawesi Barat",
            "jp": 40,
            "competencies": [{"competency": "Pengambilan Keputusan", "level": 4}],
            "certificate_validity_months": 36,
        }
        outsider = await client.post("/api/v1/programmes", json=body, headers=as_hr(app, OTHER_AGENCY))
        assert outsider.status_code == 403
        employee = await client.post("/api/v1/programmes", json=body, headers=as_employee(app, A))
        assert employee.status_code == 403
        anonymous = await client.get("/api/v1/programmes", headers={"Authorization": ""})
        assert anonymous.status_code == 401

        created = await client.post("/api/v1/programmes", json=body, headers=as_hr(app))
        assert created.status_code == 201, created.text
        programme = created.json()
        assert (programme["classical"], programme["follow_up_weeks"], programme["version"]) == (True, 8, 1)
        assert created.headers["etag"] == 'W/"1"'
        duplicate = await client.post("/api/v1/programmes", json=body, headers=as_hr(app))
        assert duplicate.status_code == 409

        invalid = await client.post(
            "/api/v1/programmes",
            json={
                **body,
                "code": "BAD",
                "issues_certificate": False,
                "prerequisites": [programme["id"], programme["id"]],
            },
            headers=as_hr(app),
        )
        assert invalid.status_code == 422
        assert {e["field"] for e in invalid.json()["errors"]} == {
            "certificate_validity_months",
            "prerequisites",
        }

        path = f"/api/v1/programmes/{programme['id']}"
        missing = await client.patch(path, json={"jp": 45}, headers=as_hr(app))
        assert missing.status_code == 428
        revised = await client.patch(path, json={"jp": 45}, headers={**as_hr(app), **if_match(programme)})
        assert revised.status_code == 200 and revised.json()["jp"] == 45
        stale = await client.patch(path, json={"jp": 50}, headers={**as_hr(app), **if_match(programme)})
        assert stale.status_code == 412
        foreign = await client.patch(
            path, json={"jp": 50}, headers={**as_hr(app, OTHER_AGENCY), **if_match(revised.json())}
        )
        assert foreign.status_code == 403
        nulled = await client.patch(
            path, json={"title": None}, headers={**as_hr(app), **if_match(revised.json())}
        )
        assert nulled.status_code == 422
        unchanged = (await client.get(path, headers=as_employee(app, A))).json()
        assert (unchanged["jp"], unchanged["version"]) == (45, 2)


async def test_the_catalogue_pages_and_filters_and_prerequisites_hold_at_enrolment(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        await register(app, A)
        await known(client, A)
        basic = await create_programme(client, "DASAR-01", form="e_learning")
        advanced = await create_programme(
            client,
            "LANJUT-01",
            prerequisites=[basic["id"]],
            competencies=[{"competency": "Manajemen ASN", "level": 4}],
        )
        await create_programme(client, "COACH-01", form="coaching", agency_code=OTHER_AGENCY)

        first = (await client.get("/api/v1/programmes", params={"limit": 2})).json()
        assert [p["code"] for p in first["items"]] == ["COACH-01", "DASAR-01"]
        second = (
            await client.get("/api/v1/programmes", params={"limit": 2, "cursor": first["next_cursor"]})
        ).json()
        assert ([p["code"] for p in second["items"]], second["next_cursor"]) == (["LANJUT-01"], None)
        by_competency = (
            await client.get("/api/v1/programmes", params={"competency": "manajemen asn"})
        ).json()
        assert [p["code"] for p in by_competency["items"]] == ["LANJUT-01"]
        by_agency = (await client.get("/api/v1/programmes", params={"agency": OTHER_AGENCY})).json()
        assert [p["code"] for p in by_agency["items"]] == ["COACH-01"]
        bad_cursor = await client.get("/api/v1/programmes", params={"cursor": "nonsense"})
        assert bad_cursor.status_code == 422

        session = await schedule(client, advanced, starts=7)
        refused = await enrol(client, session, A)
        assert refused.status_code == 409 and refused.json()["type"].endswith("prerequisites-missing")
        assert refused.json()["errors"][0]["value"] == "DASAR-01"
        assert (await client.get(f"/api/v1/sessions/{session['id']}")).json()["seats_taken"] == 0

        later = await schedule(
            client, basic, starts=30, delivery="online", place=None, online_url="https://x.example"
        )
        await schedule(client, basic, starts=3)
        listed = (await client.get("/api/v1/sessions", params={"agency": AGENCY, "limit": 2})).json()
        assert [s["starts_on"] for s in listed["items"]] == sorted(s["starts_on"] for s in listed["items"])
        rest = (
            await client.get("/api/v1/sessions", params={"agency": AGENCY, "cursor": listed["next_cursor"]})
        ).json()
        assert [s["id"] for s in rest["items"]] == [later["id"]]
