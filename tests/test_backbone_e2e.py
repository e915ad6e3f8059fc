"""The backbone through the gateway, on real processes started the way `asn dev` starts them."""

import httpx
import pytest

from shared.testing import define_agencies, eventually
from tests.support import employee_payload

pytestmark = pytest.mark.e2e


async def test_an_employee_registered_through_the_gateway_reaches_mutation_and_training(gateway):
    employee = employee_payload(1)
    await define_agencies(gateway, employee["agency_code"])
    created = await gateway.post("/api/v1/employees", json=employee, headers={"x-request-id": "e2e-1"})
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "e2e-1"

    for view in ("/api/v1/mutation/employees/", "/api/v1/training/employees/"):

        async def visible(path=view + employee["nip"]):
            response = await gateway.get(path)
            return response if response.status_code == 200 else None

        found = await eventually(visible, what=f"{view} through the gateway")
        assert found.json()["name"] == employee["name"]
        assert found.json()["version"] == 1

    duplicate = await gateway.post("/api/v1/employees", json=employee)
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"
    assert duplicate.json()["type"] == "/problems/duplicate-nip"


async def test_the_gateway_answers_502_when_a_service_is_down(platform, gateway):
    platform.kill("training")
    response = await gateway.get("/api/v1/training/employees/198503122010011001")
    assert response.status_code == 502
    problem = response.json()
    assert problem["type"] == "/problems/upstream-unavailable"
    assert "training" in problem["detail"]
    assert str(platform.service_ports["training"]) not in response.text


async def test_a_service_called_without_the_gateways_token_answers_401(platform):
    for service, path in (
        ("employee", "/api/v1/employees/198503122010011001"),
        ("appraisal", "/api/v1/appraisal/employees/198503122010011001"),
        ("mutation", "/api/v1/mutation/employees/198503122010011001"),
        ("training", "/api/v1/training/employees/198503122010011001"),
    ):
        async with httpx.AsyncClient(base_url=platform.url(service), timeout=10) as direct:
            response = await direct.get(path)
            assert response.status_code == 401, service
            assert (await direct.get("/health")).status_code == 200
