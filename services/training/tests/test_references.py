"""The ids a request refers to (issue 15, "integrity at every boundary"): each must exist, belong with the
rest and lie inside the caller's agencies, else the request is refused naming every field (or line) at once
and nothing changes; and a PATCH that changes nothing makes no new version and announces nothing."""

from uuid import uuid4

import pytest

from services.training.app import create_app
from services.training.tests.support import (
    AGENCY,
    OTHER_AGENCY,
    as_employee,
    as_hr,
    create_programme,
    define_agencies,
    define_position,
    define_unit,
    if_match,
    known,
    nip,
    outbox_events,
    register,
    schedule,
)
from shared.testing import TEST_CLOCK_START, auth_headers, eventually, principal, serve_in_process

pytestmark = pytest.mark.integration

A, B, ELSEWHERE = nip(1), nip(2), nip(3)
UNKNOWN = nip(99)
NEVER_DEFINED = "7699"


def national_admin(app) -> dict[str, str]:
    """A caller whose scope covers every agency: what it is refused, it is refused for the reference."""
    return auth_headers(app.state.runtime.settings, principal("admin", agencies=None, subject="admin"))


async def test_a_programme_of_an_agency_the_service_never_heard_of_is_refused_naming_the_field(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY)
        body = {
            "code": "PKP-01",
            "title": "Pelatihan Kepemimpinan Pengawas",
            "form": "classical",
            "agency_code": NEVER_DEFINED,
            "provider": "BPSDM",
            "jp": 24,
        }
        refused = await client.post("/api/v1/programmes", json=body, headers=national_admin(app))
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("unknown-reference")
        assert [e["field"] for e in refused.json()["errors"]] == ["agency_code"]
        assert (await client.get("/api/v1/programmes")).json()["items"] == []

        programme = await create_programme(client, "PKP-02")
        moved = await client.patch(
            f"/api/v1/programmes/{programme['id']}",
            json={"agency_code": NEVER_DEFINED},
            headers={**national_admin(app), **if_match(programme)},
        )
        assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "agency_code"
        kept = (await client.get(f"/api/v1/programmes/{programme['id']}")).json()
        assert (kept["agency_code"], kept["version"]) == (AGENCY, 1)


async def plan_with_a_gap(app, client) -> dict:
    """A's plan toward a position whose standard asks more Komunikasi than A has, with KOM-01 chosen."""
    await define_agencies(app, AGENCY, OTHER_AGENCY)
    await define_unit(app, "unit-a", head_position_id=None)
    await define_position(app, "pos-staff", {"Komunikasi": 3})
    for employee in (A, B):
        await register(app, employee)
    await register(app, ELSEWHERE, agency=OTHER_AGENCY)
    await known(client, A, B, ELSEWHERE)

    async def standard_known() -> bool:
        return (await client.get("/api/v1/training/positions/pos-staff")).status_code == 200

    await eventually(standard_known, what="the position's standard")
    programme = await create_programme(client, "KOM-01")
    await schedule(client, programme, starts=10)
    created = await client.post("/api/v1/development-plans", json={"nip": A}, headers=as_hr(app))
    assert created.status_code == 201, created.text
    plan = created.json()
    assert [i["programme_id"] for i in plan["items"]] == [programme["id"]]
    return plan


async def test_an_adjustment_naming_an_unknown_programme_and_mentor_names_both_and_changes_nothing(
    make_settings,
):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        plan = await plan_with_a_gap(app, client)
        path = f"/api/v1/development-plans/{plan['id']}"
        refused = await client.patch(
            path,
            json={
                "items": [{"item": "Komunikasi", "programme_id": str(uuid4())}],
                "mentor_nip": UNKNOWN,
            },
            headers={**as_hr(app), **if_match(plan)},
        )
        assert refused.status_code == 422, refused.text
        assert {e["field"] for e in refused.json()["errors"]} == {"items.0.programme_id", "mentor_nip"}
        assert refused.json()["type"].endswith("unknown-reference")

        foreign_mentor = await client.patch(
            path, json={"mentor_nip": ELSEWHERE}, headers={**as_hr(app), **if_match(plan)}
        )
        assert foreign_mentor.status_code == 403, foreign_mentor.text
        assert [e["field"] for e in foreign_mentor.json()["errors"]] == ["mentor_nip"]

        unchanged = (await client.get(path)).json()
        assert (unchanged["version"], unchanged["items"]) == (plan["version"], plan["items"])
        assert await outbox_events(app, "asn.training.development-plan.updated") == []


async def test_enrolling_someone_unknown_or_of_another_agency_is_refused_naming_the_field(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        await register(app, ELSEWHERE, agency=OTHER_AGENCY)
        await known(client, ELSEWHERE)
        session = await schedule(client, await create_programme(client, "ORI-01"), starts=5)

        foreign = await client.post(
            f"/api/v1/sessions/{session['id']}/enrolments", json={"nip": ELSEWHERE}, headers=as_hr(app)
        )
        assert foreign.status_code == 403 and foreign.json()["type"].endswith("reference-scope")
        assert [e["field"] for e in foreign.json()["errors"]] == ["nip"]
        unknown = await client.post(
            f"/api/v1/sessions/{session['id']}/enrolments", json={"nip": UNKNOWN}, headers=as_hr(app)
        )
        assert unknown.status_code == 422 and unknown.json()["type"].endswith("unknown-reference")
        assert [e["field"] for e in unknown.json()["errors"]] == ["nip"]
        seats = (await client.get(f"/api/v1/sessions/{session['id']}")).json()
        assert (seats["seats_taken"], seats["waiting"]) == (0, 0)


async def test_an_import_line_naming_an_unknown_employee_fails_the_job_listing_that_line(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await register(app, A)
        await known(client, A)
        year = TEST_CLOCK_START.year - 1
        text = "\n".join(
            [
                "nip,title,completed_on,jp",
                f"{A},Bimtek Arsip,{year}-05-06,8",
                f"{UNKNOWN},Bimtek Arsip,{year}-05-06,8",
            ]
        )
        job = await client.post(
            "/api/v1/jp/imports",
            params={"wait": "true"},
            files={"file": ("jp.csv", text.encode(), "text/csv")},
            headers=as_hr(app),
        )
        assert job.status_code == 200, job.text
        assert job.json()["state"] == "failed"
        assert [(e["line"], e["field"]) for e in job.json()["problem"]["errors"]] == [(3, "nip")]
        recorded = (await client.get(f"/api/v1/jp/{A}", params={"year": year})).json()
        assert recorded["total"] == 0


async def test_a_patch_that_changes_nothing_keeps_the_version_and_announces_nothing(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        plan = await plan_with_a_gap(app, client)
        programme = (await client.get(f"/api/v1/programmes/{plan['items'][0]['programme_id']}")).json()
        same_programme = await client.patch(
            f"/api/v1/programmes/{programme['id']}",
            json={"title": programme["title"], "jp": programme["jp"], "agency_code": AGENCY},
            headers={**as_hr(app), **if_match(programme)},
        )
        assert same_programme.status_code == 200, same_programme.text
        assert (same_programme.json()["version"], same_programme.headers["etag"]) == (1, 'W/"1"')

        session = (await client.get("/api/v1/sessions", params={"programme": programme["id"]})).json()[
            "items"
        ][0]
        same_session = await client.patch(
            f"/api/v1/sessions/{session['id']}",
            json={"capacity": session["capacity"], "place": session["place"]},
            headers={**as_hr(app), **if_match(session)},
        )
        assert same_session.status_code == 200, same_session.text
        assert same_session.json()["version"] == 1

        path = f"/api/v1/development-plans/{plan['id']}"
        accepted = await client.post(
            f"{path}/acceptance", headers={**as_employee(app, A), **if_match(plan)}, json={}
        )
        assert accepted.status_code == 200, accepted.text
        updates = len(await outbox_events(app, "asn.training.development-plan.updated"))
        item = plan["items"][0]
        same_choice = {
            "item": item["item"],
            "programme_id": item["programme_id"],
            "session_id": item["session_id"],
            "target_date": item["target_date"],
            "note": item["note"],
        }
        same_plan = await client.patch(
            path, json={"items": [same_choice]}, headers={**as_hr(app), **if_match(accepted.json())}
        )
        assert same_plan.status_code == 200, same_plan.text
        assert same_plan.json()["version"] == accepted.json()["version"]
        assert same_plan.json()["employee_accepted"] == accepted.json()["employee_accepted"]
        assert len(await outbox_events(app, "asn.training.development-plan.updated")) == updates
