"""The employee record over HTTP: bad input gets a problem response and changes nothing."""

import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import employees, outbox
from services.employee.app import create_app
from services.employee.tests.support import define_agencies, define_position
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
    """Employees, and the events about employees."""
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.scalar(select(func.count()).select_from(employees))
        events = await connection.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.type.like("asn.employee.employee.%"))
        )
    return rows, events


async def test_registering_stores_the_employee_and_writes_its_event(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
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
        await define_agencies(client, "7601")
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
        await define_agencies(client, "7601")
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


async def test_search_filters_and_pages_stably_by_nip(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601", "7602")
        for i, agency in enumerate(["7601", "7601", "7602", "7601", "7601"]):
            body = {**ANDI, "nip": f"1985031220100110{i + 1:02d}", "name": f"Andi {i}", "agency_code": agency}
            assert (await client.post("/api/v1/employees", json=body)).status_code == 201

        seen, cursor = [], None
        while True:
            params = {"agency": "7601", "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/employees", params=params)).json()
            seen += [e["nip"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen) and len(seen) == 4
        by_name = (await client.get("/api/v1/employees", params={"name": "andi 2"})).json()["items"]
        assert [e["agency_code"] for e in by_name] == ["7602"]
        bad_cursor = await client.get("/api/v1/employees", params={"cursor": "not-ours"})
        assert bad_cursor.status_code == 422


async def test_an_update_needs_the_current_etag(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        created = await client.post("/api/v1/employees", json={**ANDI, "nik": "7601011203850001"})
        assert created.json()["nik"] == "7601**********01"
        etag = created.headers["etag"]
        url = f"/api/v1/employees/{ANDI['nip']}"

        assert (await client.patch(url, json={"work_location": "Mamuju"})).status_code == 428
        updated = await client.patch(url, json={"work_location": "Mamuju"}, headers={"If-Match": etag})
        assert updated.status_code == 200 and updated.json()["work_location"] == "Mamuju"
        stale = await client.patch(url, json={"work_location": "Majene"}, headers={"If-Match": etag})
        assert stale.status_code == 412
        assert (await client.get(url)).json()["work_location"] == "Mamuju"
        assert (await client.get(url)).headers["etag"] == updated.headers["etag"] != etag


async def test_rank_status_and_position_changes_keep_history_and_rules(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        second, third = await define_position(client, "7601", "Analis"), await define_position(client, "7601")
        await client.post("/api/v1/employees", json={**ANDI, "rank_code": "III/a", "rank_tmt": "2014-04-01"})
        url = f"/api/v1/employees/{ANDI['nip']}"
        unknown = await client.post(f"{url}/rank", json={"rank_code": "V/a", "tmt": "2018-04-01"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "rank_code"
        assert (
            await client.post(f"{url}/rank", json={"rank_code": "III/b", "tmt": "2018-04-01"})
        ).status_code == 200
        moved = await client.post(
            f"{url}/position",
            json={
                "agency_code": "7601",
                "unit_id": second["unit_id"],
                "position_id": second["id"],
                "tmt": "2024-01-02",
                "reason": "rotasi",
            },
        )
        assert moved.status_code == 200 and moved.json()["position_tmt"] == "2024-01-02"
        not_an_id = await client.post(
            f"{url}/position",
            json={"agency_code": "7601", "position_id": "pos-2", "tmt": "2024-02-01", "reason": "rotasi"},
        )
        assert not_an_id.status_code == 422
        assert [e["field"] for e in not_an_id.json()["errors"]] == ["position_id"]
        registered_badly = await client.post(
            "/api/v1/employees",
            json={
                **ANDI,
                "nip": "199001012015031002",
                "birth_date": "1990-01-01",
                "position_id": "Analis SDM",
            },
        )
        assert registered_badly.status_code == 422
        assert registered_badly.json()["errors"][0]["field"] == "position_id"
        retired = await client.post(
            f"{url}/status", json={"status": "retired", "effective_date": "2025-01-01"}
        )
        assert retired.status_code == 200
        refused = await client.post(
            f"{url}/position",
            json={
                "agency_code": "7601",
                "unit_id": third["unit_id"],
                "position_id": third["id"],
                "tmt": "2025-02-01",
                "reason": "x",
            },
        )
        assert refused.status_code == 409 and refused.json()["type"] == "/problems/invalid-change"

        history = (await client.get(f"{url}/history")).json()
        assert [r["rank_code"] for r in history["ranks"]] == ["III/a", "III/b"]
        assert [p["position_id"] for p in history["positions"]] == [None, second["id"]]
        async with app.state.runtime.db.connect() as connection:
            types = list(
                await connection.scalars(
                    select(outbox.c.type)
                    .where(outbox.c.type.like("asn.employee.employee.%"))
                    .order_by(outbox.c.seq)
                )
            )
        assert types == [
            "asn.employee.employee.registered",
            "asn.employee.employee.rank-changed",
            "asn.employee.employee.position-changed",
            "asn.employee.employee.status-changed",
        ]
