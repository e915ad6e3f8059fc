"""Workload analysis (ABK) over HTTP: putting a position's tasks recomputes its figures and announces
them; the staffing list ranks the positions, units and agencies of an agency or a province."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import outbox, position_tasks, positions
from services.employee.app import create_app
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

MINUTES_PER_PERSON = 1250 * 60


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def agency(client: httpx.AsyncClient, code: str, kind: str = "kabupaten") -> None:
    body = {"code": code, "name": f"Pemerintah {code}", "kind": kind}
    await created(
        client, "/api/v1/agencies", body if kind == "province" else {**body, "province_code": "7600"}
    )


async def unit(client: httpx.AsyncClient, agency_code: str, name: str, parent: str | None = None) -> str:
    body = {
        "agency_code": agency_code,
        "parent_id": parent,
        "name": name,
        "kind": "bidang" if parent else "badan",
    }
    return str((await created(client, "/api/v1/units", body))["id"])


async def position(client: httpx.AsyncClient, unit_id: str, name: str) -> str:
    body = {"unit_id": unit_id, "name": name, "type": "pelaksana", "job_class": 6, "authorised_headcount": 3}
    return str((await created(client, "/api/v1/positions", body))["id"])


_sequence = iter(range(1, 1000))


async def employees_holding(
    client: httpx.AsyncClient, agency_code: str, position_id: str, count: int
) -> None:
    for _ in range(count):
        response = await client.post(
            "/api/v1/employees",
            json={
                "nip": f"198503122010011{next(_sequence):03d}",
                "name": "Pegawai Contoh",
                "birth_date": "1985-03-12",
                "gender": "M",
                "agency_code": agency_code,
                "position_id": position_id,
            },
        )
        assert response.status_code == 201, response.text


async def put_tasks(
    client: httpx.AsyncClient, position_id: str, tasks: list[dict[str, Any]], etag: str = 'W/"0"'
) -> httpx.Response:
    return await client.put(
        f"/api/v1/positions/{position_id}/tasks", json={"tasks": tasks}, headers={"If-Match": etag}
    )


def persons_of_work(persons: float) -> list[dict[str, Any]]:
    """One task worth `persons` people's effective hours a year."""
    return [
        {
            "name": "Mengolah data kepegawaian",
            "yearly_volume": round(persons * 100, 2),
            "output_unit": "berkas",
            "time_norm_minutes": MINUTES_PER_PERSON / 100,
        }
    ]


async def task_state(app: Any) -> tuple[int, int, list[Any]]:
    async with app.state.runtime.db.connect() as connection:
        tasks = await connection.scalar(select(func.count()).select_from(position_tasks))
        events = await connection.scalar(select(func.count()).select_from(outbox))
        figures = (
            await connection.execute(select(positions.c.tasks_version, positions.c.workload_minutes))
        ).all()
    return tasks, events, sorted(figures, key=str)


async def test_putting_tasks_computes_the_figures_and_announces_them(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await agency(client, "7600", "province")
        await agency(client, "7601")
        badan = await unit(client, "7601", "BKPSDM")
        bidang = await unit(client, "7601", "Bidang Mutasi", parent=badan)
        analis = await position(client, bidang, "Analis Mutasi")
        await employees_holding(client, "7601", analis, 1)

        empty = await client.get(f"/api/v1/positions/{analis}/tasks")
        assert empty.headers["etag"] == 'W/"0"'
        assert empty.json()["tasks"] == [] and empty.json()["workload"] is None

        tasks = [
            {
                "name": "Menyusun usulan mutasi",
                "yearly_volume": 120,
                "output_unit": "dokumen",
                "time_norm_minutes": 500,
            },
            {
                "name": "Memverifikasi berkas",
                "yearly_volume": 600,
                "output_unit": "berkas",
                "time_norm_minutes": 25,
            },
        ]
        put = await put_tasks(client, analis, tasks)
        assert put.status_code == 200, put.text
        assert put.headers["etag"] == 'W/"1"'
        body = put.json()
        assert [t["name"] for t in body["tasks"]] == ["Menyusun usulan mutasi", "Memverifikasi berkas"]
        assert body["workload"] == {
            "workload_hours": 1250.0,  # (120 x 500 + 600 x 25) / 60
            "staff_needed_exact": 1.0,
            "staff_needed": 1,
            "present": 1,
            "gap": 0,
            "staffing": "balanced",
            "unstaffed": False,
            "efficiency": 1.0,
            "band": "B",
            "band_label": "Baik",
        }
        assert body["unit_workload"] == body["workload"]
        assert (await client.get(f"/api/v1/positions/{analis}/tasks")).json() == body

        async with app.state.runtime.db.connect() as connection:
            row = (
                await connection.execute(
                    select(outbox.c.type, outbox.c.payload).order_by(outbox.c.seq.desc()).limit(1)
                )
            ).one()
        assert row.type == "asn.employee.workload.assessed"
        event = json.loads(row.payload)
        assert (event["subject"], event["agency"]) == (analis, "7601")
        assert event["data"]["tasks"] == 2 and event["data"]["tasks_version"] == 1
        assert event["data"]["position"]["workload_hours"] == 1250.0
        assert event["data"]["position"]["band"] == "B"
        assert event["data"]["unit"]["present"] == 1

        replaced = await put_tasks(client, analis, persons_of_work(2.5), etag='W/"1"')
        assert replaced.json()["workload"]["staff_needed"] == 3  # 2.5 rounds half up
        assert replaced.json()["workload"]["staffing"] == "under"
        assert replaced.json()["workload"]["band"] == "A"
        assert len(replaced.json()["tasks"]) == 1


@pytest.mark.parametrize(
    ("task", "field"),
    [
        ({"yearly_volume": -1}, "tasks.0.yearly_volume"),
        ({"time_norm_minutes": -5}, "tasks.0.time_norm_minutes"),
        ({"time_norm_minutes": 0}, "tasks.0.time_norm_minutes"),
        ({"yearly_volume": 1.005}, "tasks.0.yearly_volume"),
        ({"name": " "}, "tasks.0.name"),
    ],
)
async def test_bad_tasks_get_a_problem_naming_the_field_and_change_nothing(make_settings, task, field):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await agency(client, "7600", "province")
        analis = await position(client, await unit(client, "7600", "BKD"), "Analis")
        assert (await put_tasks(client, analis, persons_of_work(1))).status_code == 200
        before = await task_state(app)
        response = await put_tasks(client, analis, [{**persons_of_work(1)[0], **task}], etag='W/"1"')
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-input"
        assert field in [e["field"] for e in response.json()["errors"]]
        assert await task_state(app) == before


async def test_a_task_list_needs_its_current_etag(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await agency(client, "7600", "province")
        analis = await position(client, await unit(client, "7600", "BKD"), "Analis")
        assert (await put_tasks(client, analis, persons_of_work(1))).status_code == 200
        before = await task_state(app)
        missing = await client.put(f"/api/v1/positions/{analis}/tasks", json={"tasks": []})
        assert missing.status_code == 428
        stale = await put_tasks(client, analis, [], etag='W/"0"')
        assert stale.status_code == 412
        assert stale.json()["type"] == "/problems/precondition-failed"
        assert await task_state(app) == before
        unknown = await put_tasks(client, "00000000-0000-4000-8000-000000000000", [])
        assert unknown.status_code == 404


async def staffed_organisation(client: httpx.AsyncClient) -> dict[str, str]:
    """Province 7600 with kabupaten 7601 and 7602. In 7601, BKPSDM > Bidang Mutasi:

    position        unit     need  present  gap
    kepala          BKPSDM   1     1         0  balanced
    analis          Bidang   3     1        +2  under
    pengelola       Bidang   1     3        -2  over
    arsiparis       Bidang   1     0        +1  under, unstaffed
    pengadministrasi Bidang  no ABK (left out), 1 present
    In 7602, BKPSDM: verifikator needs 2, has 1 (+1 under).
    """
    await agency(client, "7600", "province")
    await agency(client, "7601")
    await agency(client, "7602")
    ids = {"badan": await unit(client, "7601", "BKPSDM Mamuju")}
    ids["bidang"] = await unit(client, "7601", "Bidang Mutasi", parent=ids["badan"])
    ids["majene"] = await unit(client, "7602", "BKPSDM Majene")
    plan = [
        ("kepala", "badan", "7601", 1, 1),
        ("analis", "bidang", "7601", 2.6, 1),
        ("pengelola", "bidang", "7601", 0.8, 3),
        ("arsiparis", "bidang", "7601", 1.2, 0),
        ("verifikator", "majene", "7602", 1.5, 1),
    ]
    for name, unit_key, agency_code, persons, present in plan:
        ids[name] = await position(client, ids[unit_key], name.title())
        assert (await put_tasks(client, ids[name], persons_of_work(persons))).status_code == 200
        await employees_holding(client, agency_code, ids[name], present)
    ids["pengadministrasi"] = await position(client, ids["bidang"], "Pengadministrasi")
    await employees_holding(client, "7601", ids["pengadministrasi"], 1)
    return ids


async def all_pages(client: httpx.AsyncClient, query: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = f"{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = await client.get(f"/api/v1/workload?{params}")
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= limit
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


async def test_the_staffing_list_of_an_agency_sorts_filters_and_pages(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        ids = await staffed_organisation(client)
        names = {value: key for key, value in ids.items()}

        by_gap = (await client.get("/api/v1/workload?agency=7601")).json()
        assert by_gap["next_cursor"] is None
        rows = by_gap["items"]
        assert [(names[r["id"]], r["gap"]) for r in rows] == [
            ("analis", 2),
            ("arsiparis", 1),
            ("kepala", 0),
            ("pengelola", -2),
        ]
        arsiparis = rows[1]
        assert (arsiparis["unstaffed"], arsiparis["efficiency"], arsiparis["band"]) == (True, None, None)
        assert rows[0]["parent_unit_id"] == ids["bidang"]
        assert rows[0]["level"] == "position"

        assert await all_pages(client, "agency=7601", limit=1) == rows
        assert [r["id"] for r in await all_pages(client, "agency=7601&sort=gap", limit=3)] == [
            r["id"] for r in reversed(rows)
        ]
        by_efficiency = await all_pages(client, "agency=7601&sort=-efficiency", limit=2)
        assert [names[r["id"]] for r in by_efficiency] == ["analis", "kepala", "pengelola", "arsiparis"]

        for status, expected in (
            ("under", ["analis", "arsiparis"]),
            ("over", ["pengelola"]),
            ("balanced", ["kepala"]),
        ):
            listed = (await client.get(f"/api/v1/workload?agency=7601&status={status}")).json()["items"]
            assert [names[r["id"]] for r in listed] == expected

        units = (await client.get("/api/v1/workload?agency=7601&level=unit&sort=present")).json()["items"]
        assert [(names[u["id"]], u["staff_needed"], u["present"], u["gap"]) for u in units] == [
            ("bidang", 5, 4, 1),
            ("badan", 6, 5, 1),
        ]
        assert units[0]["parent_unit_id"] == ids["badan"]
        assert units[1]["workload_hours"] == 7000.0  # 5.6 persons' work
        assert units[1]["efficiency"] == 1.12
        assert units[1]["band"] == "A"


async def test_the_staffing_list_of_a_province_spans_its_regions(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        ids = await staffed_organisation(client)
        names = {value: key for key, value in ids.items()}

        rows = await all_pages(client, "province=7600&status=under", limit=2)
        assert [(names[r["id"]], r["agency_code"]) for r in rows] == [
            ("analis", "7601"),
            ("arsiparis", "7601"),
            ("verifikator", "7602"),
        ]
        regions = (await client.get("/api/v1/workload?province=7600&level=agency&sort=-present")).json()[
            "items"
        ]
        assert [(r["id"], r["staff_needed"], r["present"]) for r in regions] == [
            ("7601", 6, 5),
            ("7602", 2, 1),
        ]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("", 422, "agency"),
        ("agency=7601&province=7600", 422, "province"),
        ("agency=9999", 404, None),
        ("province=7601", 404, None),
        ("agency=7601&sort=name", 422, "sort"),
        ("agency=7601&level=seksi", 422, "level"),
        ("agency=7601&status=full", 422, "status"),
        ("agency=7601&limit=501", 422, "limit"),
        ("agency=7601&cursor=not-a-cursor", 422, "cursor"),
    ],
)
async def test_a_bad_staffing_query_gets_a_problem(make_settings, query, status, field):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await agency(client, "7600", "province")
        await agency(client, "7601")
        response = await client.get(f"/api/v1/workload?{query}")
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        if field is not None:
            assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_cursor_only_resumes_the_sort_it_came_from(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await staffed_organisation(client)
        first = (await client.get("/api/v1/workload?agency=7601&limit=1")).json()
        other_sort = await client.get(
            f"/api/v1/workload?agency=7601&sort=present&cursor={first['next_cursor']}"
        )
        assert other_sort.status_code == 422
        assert [e["field"] for e in other_sort.json()["errors"]] == ["cursor"]
