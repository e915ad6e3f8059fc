"""The employee record over HTTP: bad input gets a problem response and changes nothing."""

import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import employees, outbox
from services.employee.app import create_app
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

ANDI = {
    "nip": "198503122010011001",
    "name": "Andi Mappaseng",
    "birth_date": "1985-03-12",
    "gender": "M",
    "agency_code": "7601",
}


async def counts(app) -> tuple[int, int]:
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.scalar(select(func.count()).select_from(employees))
        events = await connection.scalar(select(func.count()).select_from(outbox))
    return rows, events


async def test_registering_stores_the_employee_and_writes_its_event(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        created = await client.post("/api/v1/employees", json=ANDI)
        assert created.status_code == 201
        assert created.json()["status"] == "active"
        fetched = await client.get(f"/api/v1/employees/{ANDI['nip']}")
        assert fetched.json()["name"] == "Andi Mappaseng"
        assert await counts(app) == (1, 1)


@pytest.mark.parametrize(
    ("change", "status", "problem", "field"),
    [
        ({"nip": "19850312201001100"}, 422, "invalid-nip", "nip.format"),
        ({"nip": "198502302010011001"}, 422, "invalid-nip", "nip.birth_date"),
        ({"nip": "198503122010013001"}, 422, "invalid-nip", "nip.gender"),
        ({"birth_date": "1985-03-13"}, 422, "invalid-nip", "nip.birth_date"),
        ({"gender": "F"}, 422, "invalid-nip", "nip.gender"),
        ({"gender": "X"}, 422, "invalid-input", "gender"),
        ({"name": ""}, 422, "invalid-input", "name"),
        ({"birth_date": "12-03-1985"}, 422, "invalid-input", "birth_date"),
    ],
)
async def test_bad_input_gets_a_problem_naming_the_field_and_changes_nothing(
    make_settings, change, status, problem, field
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        response = await client.post("/api/v1/employees", json={**ANDI, **change})
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == f"/problems/{problem}"
        assert body["detail"]
        assert field in [e["field"] for e in body["errors"]]
        assert await counts(app) == (0, 0)


async def test_a_duplicate_nip_is_a_conflict_and_changes_nothing(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        assert (await client.post("/api/v1/employees", json=ANDI)).status_code == 201
        again = await client.post("/api/v1/employees", json={**ANDI, "name": "Someone Else"})
        assert again.status_code == 409
        assert again.json()["type"] == "/problems/duplicate-nip"
        assert await counts(app) == (1, 1)
        assert (await client.get(f"/api/v1/employees/{ANDI['nip']}")).json()["name"] == "Andi Mappaseng"


async def test_an_unknown_nip_is_not_found(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        response = await client.get("/api/v1/employees/198503122010011001")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/not-found"
