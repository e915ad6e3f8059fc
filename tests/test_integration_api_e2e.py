"""The integration API of the running platform: one OpenAPI document for every service (its operations are
fuzzed in tests/test_merged_openapi.py), the AsyncAPI document, and signing in through the gateway."""

import httpx
import pytest

from shared.events.catalogue import CATALOGUE
from shared.testing import eventually

pytestmark = pytest.mark.e2e


async def test_the_merged_openapi_lists_every_service(platform):
    async with httpx.AsyncClient(base_url=platform.url("gateway"), timeout=30) as anonymous:
        response = await anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert "x-missing-services" not in document
    paths = document["paths"]
    for path in (
        "/api/v1/employees/{nip}",
        "/api/v1/skp/{skp_id}",
        "/api/v1/mutation/employees/{nip}",
        "/api/v1/training/employees/{nip}",
        "/api/v1/auth/token",
        "/api/v1/dossiers/{nip}",
        "/api/v1/webhooks/subscriptions",
    ):
        assert path in paths, path
    assert document["components"]["securitySchemes"]["OAuth2"]["flows"]["password"]["tokenUrl"] == (
        "/api/v1/auth/token"
    )
    assert "updated_since" in document["info"]["description"]


async def test_the_asyncapi_document_describes_every_event(platform):
    async with httpx.AsyncClient(base_url=platform.url("gateway"), timeout=10) as anonymous:
        document = (await anonymous.get("/api/v1/asyncapi.json")).json()
    assert document["asyncapi"] == "3.0.0"
    assert {m["name"] for m in document["components"]["messages"].values()} == set(CATALOGUE)


async def test_a_person_signs_in_reads_through_the_gateway_and_logs_out(gateway):
    for code, kind in (("7600", "province"), ("7601", "kabupaten")):
        defined = await gateway.post(
            "/api/v1/agencies",
            json={"code": code, "name": f"Instansi {code}", "kind": kind, "province_code": "7600"},
        )
        assert defined.status_code == 201, defined.text

    async def create_user() -> httpx.Response | None:
        answer = await gateway.post(
            "/api/v1/identity/users",
            json={
                "username": "siti",
                "name": "Siti Aminah",
                "password": "Pantai-Manakarra-9",
                "grants": [{"role": "hr_officer", "scope_kind": "agency", "scope_code": "7601"}],
            },
        )
        # 422 until the agency's event has reached the gateway; the refusal changed nothing.
        return None if answer.status_code == 422 else answer

    created = await eventually(create_user, timeout=30, what="the gateway to know agency 7601")
    assert created.status_code == 201, created.text
    async with httpx.AsyncClient(base_url=str(gateway.base_url), timeout=10) as client:
        tokens = (
            await client.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": "siti", "password": "Pantai-Manakarra-9"},
            )
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        listed = await client.get("/api/v1/employees", params={"agency": "7601"}, headers=headers)
        assert listed.status_code == 200 and listed.json()["items"] == []
        assert (
            await client.get("/api/v1/employees", params={"agency": "7301"}, headers=headers)
        ).status_code == 403
        assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        assert (await client.get("/api/v1/employees", headers=headers)).status_code == 401
