"""Aggregated views with services missing: the dossier and the overview answer with what they have and name
what is missing - a stopped service, a silent one (cut off at the per-part timeout), one that does not
offer the resource yet - and fail only when the part the view cannot exist without fails."""

import asyncio

import httpx
import pytest

from services.employee.app import create_app as employee_app
from services.gateway.app import create_app
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import access_headers
from shared import health
from shared.net import free_port
from shared.principal import Principal, Role
from shared.testing import auth_headers, define_agencies, principal, serving
from shared.web import build_app
from tests.support import employee_payload

pytestmark = pytest.mark.integration

# The silent service never answers, whatever the budget; the employee service must answer within it even on a
# loaded machine (at half a second, a busy CI run now and then found it missing too).
PART_TIMEOUT = 3.0


def silent(release: asyncio.Event):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            return
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


@pytest.fixture
async def world(make_settings):
    """Employee service up; appraisal silent; mutation stopped; training up but offering nothing yet."""
    release = asyncio.Event()
    employee = employee_app(await make_settings("employee"))
    nothing_yet = build_app(
        title="training", description="no routes yet", routers=[health.router], internal_token_guard=False
    )
    async with (
        serving(employee, lifespan="on") as employee_url,
        serving(silent(release)) as silent_url,
        serving(nothing_yet) as training_url,
    ):
        settings = gateway_settings(
            await make_settings(
                "gateway",
                employee_url=employee_url,
                appraisal_url=silent_url,
                mutation_url=f"http://127.0.0.1:{free_port()}",
                training_url=training_url,
            ),
            aggregate_timeout_seconds=PART_TIMEOUT,
        )
        gateway = create_app(settings)
        async with (
            gateway.router.lifespan_context(gateway),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as door,
            httpx.AsyncClient(base_url=employee_url, headers=auth_headers(settings)) as direct,
        ):
            yield gateway, door, direct
        release.set()


async def test_the_dossier_names_each_missing_part_and_still_answers_with_the_rest(world):
    gateway, door, direct = world
    person = employee_payload(7)
    await define_agencies(direct, person["agency_code"])
    assert (await direct.post("/api/v1/employees", json=person)).status_code == 201
    # A silent service must not hold the answer: the client would give up long before the silence ends.
    response = await door.get(
        f"/api/v1/dossiers/{person['nip']}", headers=access_headers(gateway), timeout=10
    )
    assert response.status_code == 200, response.text
    dossier = response.json()
    assert dossier["record"]["name"] == person["name"]
    assert dossier["history"]["nip"] == person["nip"]
    assert dossier["complete"] is False
    missing = {m["part"]: (m["service"], m["reason"]) for m in dossier["missing"]}
    assert missing == {
        "appraisals": ("appraisal", "timeout"),
        "talent": ("appraisal", "timeout"),
        "mutations": ("mutation", "unavailable"),
        "training": ("training", "not-found"),
        "development_plans": ("training", "not-found"),
    }
    assert all(dossier[part] is None for part in missing)
    assert "127.0.0.1" not in response.text


async def test_the_dossier_of_someone_unknown_or_out_of_scope_is_refused_whole(world):
    gateway, door, direct = world
    person = employee_payload(8, agency_code="7601")
    await define_agencies(direct, "7601")
    assert (await direct.post("/api/v1/employees", json=person)).status_code == 201
    unknown = await door.get("/api/v1/dossiers/199901012020011001", headers=access_headers(gateway))
    assert unknown.status_code == 404
    someone_else = Principal(
        subject="pegawai",
        roles=frozenset({Role.EMPLOYEE}),
        agencies=frozenset({"7601"}),
        nip="199901012020011001",
    )
    refused = await door.get(
        f"/api/v1/dossiers/{person['nip']}", headers=access_headers(gateway, someone_else)
    )
    assert refused.status_code == 403
    themself = Principal(
        subject="pegawai", roles=frozenset({Role.EMPLOYEE}), agencies=frozenset({"7601"}), nip=person["nip"]
    )
    own = await door.get(f"/api/v1/dossiers/{person['nip']}", headers=access_headers(gateway, themself))
    assert own.status_code == 200 and own.json()["record"]["nip"] == person["nip"]


async def test_the_agency_overview_answers_with_the_parts_it_has(world):
    gateway, door, direct = world
    for agency in (
        {"code": "7600", "name": "Provinsi Sulawesi Barat", "kind": "province", "province_code": "7600"},
        {"code": "7601", "name": "Kabupaten Mamuju", "kind": "kabupaten", "province_code": "7600"},
    ):
        assert (await direct.post("/api/v1/agencies", json=agency)).status_code == 201
    officer = principal("hr_officer", agencies=["7601"])
    response = await door.get("/api/v1/overviews/agencies/7601", headers=access_headers(gateway, officer))
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["staffing"] is not None and overview["staffing_gaps"] is not None
    reasons = {m["part"]: m["reason"] for m in overview["missing"]}
    assert reasons == {
        "talent_grid": "timeout",
        "appraisal_periods": "timeout",
        "open_mutations": "unavailable",
        "overdue_mutations": "unavailable",
        "jp_compliance": "not-found",
    }
    other = await door.get("/api/v1/overviews/agencies/7301", headers=access_headers(gateway, officer))
    assert other.status_code == 403
