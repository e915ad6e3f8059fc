"""Lists of agencies, units and positions: filters, stable cursor pages, the caller's agency scope, and the
positions' ABK figures."""

from datetime import date

import pytest

from services.employee.adapters import tables
from services.employee.app import create_app
from services.employee.demo.generator import generate
from services.employee.service.seeding import seed_province
from shared.testing import auth_headers, principal, serve_in_process
from shared.uow import UnitOfWork

pytestmark = pytest.mark.integration


async def all_pages(client, path: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        response = await client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_lists_filter_page_and_keep_to_the_callers_agencies(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    province = generate(seed=9, employees=400, as_of=date(2026, 1, 1))
    async with serve_in_process(app) as client:
        runtime = app.state.runtime
        await seed_province(lambda: UnitOfWork(runtime.db, tables.outbox, enclosed=True), province)

        agencies = await all_pages(client, "/api/v1/agencies", province="7200", limit=5)
        assert [a["code"] for a in agencies] == sorted(a.code for a in province.agencies)
        kota = await all_pages(client, "/api/v1/agencies", kind="kota")
        assert [a["name"] for a in kota] == ["Pemerintah Kota Palu"]

        units = await all_pages(client, "/api/v1/units", agency="7271", limit=7)
        expected = sorted((u.name, str(u.id)) for u in province.units if u.agency_code == "7271")
        assert [(u["name"], u["id"]) for u in units] == expected
        top = await all_pages(client, "/api/v1/units", agency="7271", top_level="true")
        assert all(u["parent_id"] is None for u in top) and len(top) == 11
        children = await all_pages(client, "/api/v1/units", parent=top[0]["id"])
        assert children and all(u["parent_id"] == top[0]["id"] for u in children)

        positions = await all_pages(client, "/api/v1/positions", agency="7200", type="fungsional", limit=9)
        expected_ids = sorted(
            (p.name, str(p.id))
            for p in province.positions
            if p.agency_code == "7200" and p.type.value == "fungsional"
        )
        assert [(p["name"], p["id"]) for p in positions] == expected_ids
        assert all(p["workload"] is not None for p in positions)
        one = positions[0]
        in_unit = await all_pages(client, "/api/v1/positions", unit=one["unit_id"])
        assert one["id"] in {p["id"] for p in in_unit}
        assert all(p["unit_id"] == one["unit_id"] for p in in_unit)
        assert {"workload_hours", "staff_needed", "present", "gap", "band"} <= set(one["workload"])

        officer = auth_headers(settings, principal("hr_officer", agencies=["7271"]))
        seen = (await client.get("/api/v1/agencies", headers=officer)).json()["items"]
        assert [a["code"] for a in seen] == ["7271"]
        mine = (await client.get("/api/v1/units", headers=officer, params={"limit": 500})).json()["items"]
        assert {u["agency_code"] for u in mine} == {"7271"}
        refused = await client.get("/api/v1/positions", headers=officer, params={"agency": "7200"})
        assert refused.status_code == 403
        bad_cursor = await client.get("/api/v1/units", params={"cursor": "bm90LWEtbGlzdA"})
        assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "cursor"
