"""The employee record holds only what is true of the organisation: every id a registration, a move or a file
refers to exists, belongs with the others and lies within the caller's agencies; a correction that changes
nothing makes no new version; the history names the decree behind each entry."""

import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import employees, outbox
from services.employee.app import create_app
from services.employee.tests.support import define_organisation, position_id, unit_id
from shared.testing import auth_headers, principal, serve_in_process

pytestmark = pytest.mark.integration

ANDI = {
    "nip": "198503122010011001",
    "name": "Andi Mappaseng",
    "birth_date": "1985-03-12",
    "gender": "M",
    "agency_code": "7601",
}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def _state(app) -> tuple[int, int]:
    """Employees, and events about employees."""
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.scalar(select(func.count()).select_from(employees))
        events = await connection.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.type.like("asn.employee.employee.%"))
        )
    return rows, events


def _fields(answer) -> list[str]:
    return [e["field"] for e in answer.json().get("errors", [])]


@pytest.mark.parametrize(
    ("placement", "status", "field"),
    [
        ({"agency_code": "7699"}, 422, "agency_code"),
        ({"unit_id": UNKNOWN}, 422, "unit_id"),
        ({"position_id": UNKNOWN}, 422, "position_id"),
        # The caller (the platform) may see both agencies: a mismatch, not a matter of scope.
        ({"unit_id": unit_id("7602", 0)}, 422, "unit_id"),
        ({"unit_id": unit_id("7601", 0), "position_id": position_id("7601", 1)}, 422, "position_id"),
        ({"position_id": position_id("7602", 0)}, 422, "position_id"),
    ],
)
async def test_a_registration_naming_what_does_not_exist_or_belong_is_refused(
    make_settings, placement, status, field
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        answer = await client.post("/api/v1/employees", json={**ANDI, **placement})
        assert answer.status_code == status, answer.text
        assert _fields(answer) == [field]
        assert answer.json()["type"] == "/problems/unknown-reference"
        assert await _state(app) == (0, 0)


async def test_an_hr_officer_cannot_place_anyone_in_another_agencys_unit_or_position(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    hr = auth_headers(settings, principal("hr_officer", agencies=["7601"]))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        for placement, field in (
            ({"unit_id": unit_id("7602", 0)}, "unit_id"),
            ({"position_id": position_id("7602", 0)}, "position_id"),
            ({"unit_id": unit_id("7602", 0), "position_id": position_id("7602", 0)}, "unit_id"),
            ({"agency_code": "7602"}, "agency_code"),
        ):
            answer = await client.post("/api/v1/employees", json={**ANDI, **placement}, headers=hr)
            assert answer.status_code == 403, answer.text
            assert field in _fields(answer)
        assert await _state(app) == (0, 0)

        placed = {"unit_id": unit_id("7601", 0), "position_id": position_id("7601", 0)}
        assert (
            await client.post("/api/v1/employees", json={**ANDI, **placed}, headers=hr)
        ).status_code == 201
        moved = await client.post(
            f"/api/v1/employees/{ANDI['nip']}/position",
            json={
                "agency_code": "7601",
                "position_id": position_id("7602", 1),
                "tmt": "2026-01-05",
                "reason": "x",
            },
            headers=hr,
        )
        assert moved.status_code == 403 and _fields(moved) == ["position_id"]
        record = (await client.get(f"/api/v1/employees/{ANDI['nip']}")).json()
        assert (record["unit_id"], record["position_id"]) == (placed["unit_id"], placed["position_id"])


async def test_a_position_alone_places_the_person_in_its_unit(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601")
        created = await client.post("/api/v1/employees", json={**ANDI, "position_id": position_id("7601", 2)})
        assert created.status_code == 201, created.text
        assert created.json()["unit_id"] == unit_id("7601", 2)


async def test_a_file_naming_unknown_units_and_positions_imports_nothing_and_names_each_line(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        header = "nipBaru,nama,tglLahir,jenisKelamin,instansiKerjaId,unorId,jabatanId\n"
        rows = [
            f"198503122010011001,Andi,12-03-1985,M,7601,{unit_id('7601', 0)},{position_id('7601', 0)}",
            f"198604142010012002,Rina,14-04-1986,F,7601,{UNKNOWN},",
            f"198705162010011003,Budi,16-05-1987,M,7601,,{UNKNOWN}",
            f"198806182010012004,Sari,18-06-1988,F,7601,{unit_id('7602', 0)},",
            "198907202010011005,Dodi,20-07-1989,M,7699,,",
        ]
        job = await client.post(
            "/api/v1/employees/imports",
            params={"wait": "true", "mapping": "siasn"},
            files={"file": ("pegawai.csv", (header + "\n".join(rows) + "\n").encode(), "text/csv")},
        )
        assert job.json()["state"] == "failed", job.json()
        problem = job.json()["problem"]
        assert [(e["line"], e["field"]) for e in problem["errors"]] == [
            (3, "unorId"),
            (4, "jabatanId"),
            (5, "unorId"),
            (6, "instansiKerjaId"),
        ]
        assert await _state(app) == (0, 0)


async def test_unknown_fields_wrong_types_and_control_characters_change_nothing(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601")
        created = await client.post("/api/v1/employees", json=ANDI)
        url, etag = f"/api/v1/employees/{ANDI['nip']}", created.headers["etag"]

        for body, field in (
            ({"birth_date": 12}, "birth_date"),  # not a field that can be corrected here
            ({"name": "Nama\u0000Palsu"}, "name"),
            ({"name": 12}, "name"),
            ({"work_location": "Mamuju", "is_admin": True}, "is_admin"),
        ):
            refused = await client.patch(url, json=body, headers={"If-Match": etag})
            assert refused.status_code == 422 and field in _fields(refused), refused.text
        assert (await client.get(url)).headers["etag"] == etag

        nothing_assessed = await client.post(f"{url}/competencies", json=[])
        assert nothing_assessed.status_code == 422, nothing_assessed.text
        search = await client.get("/api/v1/employees", params={"name": "ab\u0000c"})
        assert search.status_code == 422 and _fields(search) == ["name"]
        assert await _state(app) == (1, 1)


async def test_a_correction_that_changes_nothing_makes_no_new_version(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601")
        created = await client.post("/api/v1/employees", json={**ANDI, "work_location": "Mamuju"})
        url, etag = f"/api/v1/employees/{ANDI['nip']}", created.headers["etag"]
        for body in ({}, {"work_location": "Mamuju"}, {"name": ANDI["name"]}):
            same = await client.patch(url, json=body, headers={"If-Match": etag})
            assert same.status_code == 200 and same.headers["etag"] == etag, body
        assert await _state(app) == (1, 1)

        agency = await client.get("/api/v1/agencies/7601")
        unchanged = await client.patch(
            "/api/v1/agencies/7601",
            json={"name": agency.json()["name"]},
            headers={"If-Match": agency.headers["etag"]},
        )
        assert unchanged.headers["etag"] == agency.headers["etag"]
        position = await client.get(f"/api/v1/positions/{position_id('7601', 0)}")
        for path, body in (
            (f"/api/v1/positions/{position_id('7601', 0)}", {"job_class": position.json()["job_class"]}),
            (f"/api/v1/units/{unit_id('7601', 0)}", {"kind": "bidang"}),
        ):
            before = await client.get(path)
            again = await client.patch(path, json=body, headers={"If-Match": before.headers["etag"]})
            assert again.status_code == 200 and again.headers["etag"] == before.headers["etag"], path
        tasks = f"/api/v1/positions/{position_id('7601', 0)}/tasks"
        task = {
            "name": "Menyusun laporan",
            "output_unit": "laporan",
            "yearly_volume": 12,
            "time_norm_minutes": 300,
        }
        first = await client.put(tasks, json={"tasks": [task]}, headers={"If-Match": 'W/"0"'})
        assert first.status_code == 200, first.text
        again = await client.put(tasks, json={"tasks": [task]}, headers={"If-Match": first.headers["etag"]})
        assert again.status_code == 200 and again.headers["etag"] == first.headers["etag"]


async def test_the_history_names_the_decree_of_each_rank_and_move(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601")
        await client.post(
            "/api/v1/employees", json={**ANDI, "rank_code": "III/a", "position_id": position_id("7601", 0)}
        )
        url = f"/api/v1/employees/{ANDI['nip']}"
        promoted = await client.post(
            f"{url}/rank",
            json={
                "rank_code": "III/b",
                "tmt": "2024-04-01",
                "decree_number": "823/7/BKPSDM/2024",
                "decree_date": "2024-03-20",
            },
        )
        assert promoted.status_code == 200, promoted.text
        moved = await client.post(
            f"{url}/position",
            json={
                "agency_code": "7601",
                "position_id": position_id("7601", 1),
                "tmt": "2025-01-02",
                "reason": "penataan organisasi",
                "decree_number": "821/12/BKPSDM/2024",
                "decree_date": "2024-12-20",
            },
        )
        assert moved.status_code == 200, moved.text
        history = (await client.get(f"{url}/history")).json()
        assert [(r["rank_code"], r["decree_number"], r["decree_date"]) for r in history["ranks"]] == [
            ("III/a", None, None),
            ("III/b", "823/7/BKPSDM/2024", "2024-03-20"),
        ]
        latest = history["positions"][-1]
        assert (latest["decree_number"], latest["decree_date"], latest["reason"]) == (
            "821/12/BKPSDM/2024",
            "2024-12-20",
            "penataan organisasi",
        )
