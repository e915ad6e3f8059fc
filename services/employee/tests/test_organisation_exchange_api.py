"""Units and positions as CSV and XLSX files: imports run as jobs, all or nothing, every bad row listed by
its line; an export imports back, into another database, to the same units and positions."""

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from services.employee.adapters.tables import outbox, positions, units
from services.employee.app import create_app
from services.employee.domain import exchange
from services.employee.domain.exchange import Mapping
from shared.testing import auth_headers, eventually, principal, serve_in_process

pytestmark = pytest.mark.integration

UNIT_HEADER = exchange.header(Mapping.NATIVE, exchange.UNIT_COLUMNS)
POSITION_HEADER = exchange.header(Mapping.NATIVE, exchange.POSITION_COLUMNS)
DINAS, BIDANG, SEKSI = (str(uuid.UUID(int=n, version=4)) for n in (1, 2, 3))
KEPALA, ANALIS = (str(uuid.UUID(int=n, version=4)) for n in (11, 12))


def csv_bytes(header: list[str], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


async def agencies(client) -> None:
    for body in (
        {"code": "7200", "name": "Pemerintah Provinsi Sulawesi Tengah", "kind": "province"},
        {"code": "7271", "name": "Pemerintah Kota Palu", "kind": "kota", "province_code": "7200"},
    ):
        assert (await client.post("/api/v1/agencies", json=body)).status_code == 201


async def run_import(client, what: str, content: bytes, name: str = "file.csv", **params: str) -> dict:
    response = await client.post(
        f"/api/v1/{what}/imports", params=params, files={"file": (name, content, "text/csv")}
    )
    assert response.status_code == 202, response.text

    async def done():
        job = (await client.get(response.headers["location"])).json()
        return job if job["state"] in ("succeeded", "failed") else None

    return await eventually(done, timeout=60, what="the import job")


async def count(app, table) -> int:
    async with app.state.runtime.db.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(table))


UNITS = [
    # The child comes before its parent: the file's order does not matter.
    {"id": BIDANG, "agency_code": "7200", "parent_id": DINAS, "name": "Bidang Mutasi", "kind": "bidang"},
    {
        "id": DINAS,
        "agency_code": "7200",
        "name": "Badan Kepegawaian Daerah",
        "kind": "badan",
        "location": "Palu",
    },
    {"id": SEKSI, "agency_code": "7200", "parent_id": BIDANG, "name": "Seksi Promosi", "kind": "seksi"},
    {"agency_code": "7271", "name": "Dinas Kesehatan", "kind": "dinas", "location": "Palu"},
]
POSITIONS = [
    {
        "id": KEPALA, "unit_id": BIDANG, "name": "Kepala Bidang Mutasi", "type": "administrator",
        "job_class": "11", "authorised_headcount": "1", "competency_standard": "Integritas=3; Kerjasama=3",
        "minimum_rank": "III/d", "minimum_education": "S1", "unit_head": "true",
    },
    {
        "id": ANALIS, "unit_id": BIDANG, "name": "Analis SDM Aparatur Ahli Pertama", "type": "fungsional",
        "job_class": "8", "authorised_headcount": "3", "competency_standard": "Manajemen ASN=3",
        "retirement_age": "58", "unit_head": "false",
    },
]  # fmt: skip


async def test_bad_unit_rows_import_nothing_and_each_is_listed_then_the_fixed_file_imports(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await agencies(client)
        outside = str(uuid.UUID(int=99, version=4))
        bad = [
            *UNITS,  # lines 2-5 are good
            {"agency_code": "7299", "name": "Dinas Entah", "kind": "dinas"},  # 6: no such agency
            {"agency_code": "7271", "parent_id": DINAS, "name": "Bidang X", "kind": "bidang"},  # 7
            {"agency_code": "7200", "parent_id": outside, "name": "Bidang Y", "kind": "bidang"},  # 8
            {"id": DINAS, "agency_code": "7200", "name": "Lagi", "kind": "badan"},  # 9: same id as line 3
            {"id": "not-an-id", "agency_code": "7200", "name": "Z", "kind": "kecamatan2"},  # 10: two cells
        ]
        job = await run_import(client, "units", csv_bytes(UNIT_HEADER, bad))
        assert job["state"] == "failed"
        problem = job["problem"]
        assert (
            problem["status"] == 422 and problem["detail"] == "5 of 9 rows are invalid; nothing was imported"
        )
        assert [(e["line"], e["field"]) for e in problem["errors"]] == [
            (6, "agency_code"),
            (7, "parent_id"),
            (8, "parent_id"),
            (9, "id"),
            (10, "id"),
            (10, "kind"),
        ]
        assert "another agency" in problem["errors"][1]["message"]
        assert problem["errors"][3]["message"] == "the same id is on line 3"
        assert (await count(app, units), await count(app, outbox)) == (0, 2)

        job = await run_import(client, "units", csv_bytes(UNIT_HEADER, UNITS))
        assert job["state"] == "succeeded" and job["result"] == {"rows": 4, "imported": 4, "warnings": []}
        seksi = (await client.get(f"/api/v1/units/{SEKSI}")).json()
        assert seksi["parent_id"] == BIDANG and seksi["agency_code"] == "7200"
        assert (await count(app, units), await count(app, outbox)) == (4, 6)

        again = await run_import(client, "units", csv_bytes(UNIT_HEADER, UNITS[:1]))
        assert again["problem"]["errors"][0]["message"] == "already defined"


async def test_bad_position_rows_import_nothing_and_the_head_is_set_from_the_file(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await agencies(client)
        assert (await run_import(client, "units", csv_bytes(UNIT_HEADER, UNITS)))["state"] == "succeeded"
        events = await count(app, outbox)
        base = {
            "name": "Pengadministrasi",
            "type": "pelaksana",
            "job_class": "5",
            "authorised_headcount": "1",
        }
        bad = [
            *POSITIONS,  # lines 2-3 are good
            {**base, "unit_id": str(uuid.UUID(int=98, version=4))},  # 4: no such unit
            {**base, "unit_id": SEKSI, "job_class": "18", "retirement_age": "80"},  # 5: two problems
            {**base, "unit_id": SEKSI, "competency_standard": "Integritas=tiga"},  # 6
            {**base, "unit_id": BIDANG, "unit_head": "true"},  # 7: a second head of Bidang Mutasi
            {**base, "unit_id": SEKSI, "authorised_headcount": "satu", "unit_head": "mungkin"},  # 8
        ]
        job = await run_import(client, "positions", csv_bytes(POSITION_HEADER, bad))
        problem = job["problem"]
        assert problem["detail"] == "5 of 7 rows are invalid; nothing was imported"
        assert [(e["line"], e["field"]) for e in problem["errors"]] == [
            (4, "unit_id"),
            (5, "job_class"),
            (5, "retirement_age"),
            (6, "competency_standard"),
            (7, "unit_head"),
            (8, "authorised_headcount"),
            (8, "unit_head"),
        ]
        assert (await count(app, positions), await count(app, outbox)) == (0, events)

        job = await run_import(client, "positions", csv_bytes(POSITION_HEADER, POSITIONS))
        assert job["result"] == {"rows": 2, "imported": 2, "warnings": []}
        bidang = (await client.get(f"/api/v1/units/{BIDANG}")).json()
        assert bidang["head_position_id"] == KEPALA and bidang["version"] == 2
        kepala = (await client.get(f"/api/v1/positions/{KEPALA}")).json()
        assert kepala["competency_standard"] == {"Integritas": 3, "Kerjasama": 3}
        assert kepala["minimum_rank"] == "III/d" and kepala["job_class"] == 11
        async with app.state.runtime.db.connect() as connection:
            types = list(await connection.scalars(select(outbox.c.type).order_by(outbox.c.seq)))
        assert types[events:] == [
            "asn.employee.position.defined",
            "asn.employee.position.defined",
            "asn.employee.unit.updated",
        ]


async def organisation_of(client) -> tuple[list[dict], list[dict]]:
    found_units = [(await client.get(f"/api/v1/units/{u}")).json() for u in (DINAS, BIDANG, SEKSI)]
    found_positions = [(await client.get(f"/api/v1/positions/{p}")).json() for p in (KEPALA, ANALIS)]
    return found_units, found_positions


@pytest.mark.parametrize(("file_format", "mapping"), [("csv", "native"), ("xlsx", "siasn")])
async def test_an_export_imports_back_to_the_same_units_and_positions(make_settings, file_format, mapping):
    source = create_app(await make_settings("employee"))
    # Another agency's installation: its own topics and consumer group, so the two never rebalance together.
    target = create_app(await make_settings("employee", kafka_topic_prefix=f"copy{uuid.uuid4().hex[:8]}."))
    async with serve_in_process(source) as client, serve_in_process(target) as other:
        await agencies(client)
        await run_import(client, "units", csv_bytes(UNIT_HEADER, UNITS))
        await run_import(client, "positions", csv_bytes(POSITION_HEADER, POSITIONS))
        params = {"format": file_format, "mapping": mapping}
        exported_units = await client.get("/api/v1/units/export", params=params)
        exported_positions = await client.get("/api/v1/positions/export", params=params)
        assert exported_units.status_code == exported_positions.status_code == 200
        if file_format == "xlsx":
            sheet = load_workbook(io.BytesIO(exported_units.content)).worksheets[0]
            assert [c.value for c in sheet[1]] == exchange.header(Mapping.SIASN, exchange.UNIT_COLUMNS)
            assert sheet.max_row == 5

        await agencies(other)
        name = f"export.{file_format}"
        for what, exported in (("units", exported_units), ("positions", exported_positions)):
            job = await run_import(other, what, exported.content, name, mapping=mapping)
            assert job["state"] == "succeeded", job
        assert await organisation_of(other) == await organisation_of(client)


async def test_an_hr_officer_imports_and_exports_only_their_own_agencys_organisation(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    officer = auth_headers(settings, principal("hr_officer", agencies=["7271"]))
    async with serve_in_process(app) as client:
        await agencies(client)
        response = await client.post(
            "/api/v1/units/imports",
            files={"file": ("u.csv", csv_bytes(UNIT_HEADER, UNITS), "text/csv")},
            headers=officer,
        )
        job = await eventually(
            lambda: _finished(client, response.headers["location"]), timeout=60, what="the import job"
        )
        assert job["problem"]["status"] == 403
        assert [e["line"] for e in job["problem"]["errors"]] == [2, 3, 4]
        assert await count(app, units) == 0
        mine = await client.post(
            "/api/v1/units/imports",
            params={"wait": "true"},
            files={"file": ("u.csv", csv_bytes(UNIT_HEADER, UNITS[3:]), "text/csv")},
            headers=officer,
        )
        assert mine.json()["state"] == "succeeded"
        exported = await client.get("/api/v1/units/export", headers=officer)
        assert exported.text.count("\n") == 2 and "Dinas Kesehatan" in exported.text
        refused = await client.get("/api/v1/units/export", params={"agency": "7200"}, headers=officer)
        assert refused.status_code == 403
        employee = auth_headers(settings, principal("employee", agencies=["7271"], nip="1"))
        assert (await client.get("/api/v1/positions/export", headers=employee)).status_code == 403


async def _finished(client, location: str) -> dict | None:
    job = (await client.get(location)).json()
    return job if job["state"] in ("succeeded", "failed") else None
