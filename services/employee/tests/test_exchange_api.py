"""Bulk exchange over HTTP and the `asn` command: imports run as jobs, all or nothing, every bad row listed
by its line; malformed files are refused at once; an export imports back to the same records."""

import asyncio
import csv
import io
import sys
import uuid
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, insert, select

from services.employee.adapters.tables import employees, jobs, outbox
from services.employee.app import create_app
from services.employee.domain import exchange
from services.employee.domain.exchange import Mapping
from services.employee.tests.support import UNITS, define_organisation, position_id, unit_id
from shared import clock
from shared.contracts.employee import EmployeeRegistered
from shared.db import Database
from shared.events.envelope import CloudEvent
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration

NATIVE = exchange.header(Mapping.NATIVE)
IMPORTS = "/api/v1/employees/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def person(i: int, **overrides: str) -> dict[str, str]:
    """A valid row: the NIP agrees with the birth date and gender."""
    birth = date(1980, 1, 1) + timedelta(days=37 * i)
    gender = "MF"[i % 2]
    row = {
        "nip": f"{birth:%Y%m%d}2005{i % 12 + 1:02d}{'12'[i % 2]}{i % 900 + 1:03d}",
        "name": f"Pegawai {i}",
        "birth_date": birth.isoformat(),
        "gender": gender,
        "agency_code": "7601" if i % 3 else "7602",
    }
    return {**row, **overrides}


def varied(i: int) -> dict[str, str]:
    """A row using most columns, including values that differ from the defaults."""
    row = person(i, front_title="Dr." if i % 4 == 0 else "", back_title="S.Kom.", birth_place="Mamuju")
    row.update(nik=f"7601{i:012d}", rank_code=["III/a", "III/b", "IV/a"][i % 3], rank_tmt="2015-04-01")
    agency = row["agency_code"]
    row.update(
        unit_id=unit_id(agency, i % UNITS),
        position_id=position_id(agency, i % UNITS),
        position_tmt="2019-01-02",
    )
    row.update(work_location="Majene", tmt_pns="2006-06-01")
    if i % 5 == 0:
        row.update(employment_type="PPPK", status="retired", disciplinary_status="sanctioned")
    if i % 7 == 0:
        # Appointed under the 2021 rules: the 10-year bond applies.
        row["nip"] = row["nip"][:8] + "202203" + row["nip"][14:]
    return row


def csv_bytes(rows: list[dict[str, str]], header: list[str] = NATIVE) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def submit(client, name: str, content: bytes, content_type: str = "text/csv", **params: str):
    return await client.post(IMPORTS, params=params, files={"file": (name, content, content_type)})


async def finished(client, location: str) -> dict:
    async def done():
        job = (await client.get(location)).json()
        return job if job["state"] in ("succeeded", "failed") else None

    return await eventually(done, what="the job to finish")


async def counts(app) -> tuple[int, int, int]:
    """Employees, events about employees, and import jobs of employees."""
    async with app.state.runtime.db.connect() as connection:
        return (
            await connection.scalar(select(func.count()).select_from(employees)),
            await connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.type.like("asn.employee.employee.%"))
            ),
            await connection.scalar(
                select(func.count()).select_from(jobs).where(jobs.c.kind == "employees.import")
            ),
        )


async def records(app) -> list[dict]:
    """Every employee row, without what only says when it was written."""
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.execute(select(employees).order_by(employees.c.nip))
        return [
            {k: v for k, v in row._mapping.items() if k not in ("created_at", "updated_at")} for row in rows
        ]


async def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row_by_its_line(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        registered = person(50)
        assert (await client.post("/api/v1/employees", json=registered)).status_code == 201
        rows = [
            person(1),  # line 2
            person(2, nip="19850312201001100"),  # line 3: 17 digits
            person(3),  # line 4
            person(4, nip=person(1)["nip"], birth_date=person(1)["birth_date"], gender=person(1)["gender"]),
            registered,  # line 6: already registered
            person(6, birth_date="1985-02-30", rank_code="V/a"),  # line 7: two problems
            {column: "" for column in NATIVE},  # line 8: blank, skipped
            person(8, birth_date=person(9)["birth_date"]),  # line 9: disagrees with the NIP
            person(10),  # line 10
        ]
        response = await submit(client, "pegawai.csv", csv_bytes(rows))
        assert response.status_code == 202
        job = await finished(client, response.headers["location"])

        assert job["state"] == "failed" and job["result"] is None
        problem = job["problem"]
        assert problem["type"] == "/problems/invalid-rows" and problem["status"] == 422
        assert problem["detail"] == "5 of 8 rows are invalid; nothing was imported"
        assert [(e["line"], e["field"]) for e in problem["errors"]] == [
            (3, "nip"),
            (5, "nip"),
            (6, "nip"),
            (7, "birth_date"),
            (7, "rank_code"),
            (9, "nip"),
        ]
        assert problem["errors"][1]["message"] == "the same NIP is on line 2"
        assert problem["errors"][2]["message"] == "already registered"
        employees_count, events, _ = await counts(app)
        assert (employees_count, events) == (1, 1)


async def test_a_file_good_but_for_a_registered_nip_imports_nothing_and_names_its_line(make_settings):
    """The rows are written while later ones are checked; the register refuses the known NIP only when its
    batch is written, and that undoes the file."""
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        registered = person(50)
        assert (await client.post("/api/v1/employees", json=registered)).status_code == 201
        response = await submit(
            client, "pegawai.csv", csv_bytes([person(1), person(2), registered, person(4)])
        )
        job = await finished(client, response.headers["location"])

        assert job["state"] == "failed", job
        problem = job["problem"]
        assert problem["detail"] == "1 of 4 rows are invalid; nothing was imported"
        assert [(e["line"], e["field"], e["message"]) for e in problem["errors"]] == [
            (4, "nip", "already registered")
        ]
        employees_count, events, _ = await counts(app)
        assert (employees_count, events) == (1, 1)


async def test_the_fixed_file_imports_every_row_with_one_registered_event_each(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        rows = [varied(i) for i in range(1, 41)]
        response = await submit(client, "pegawai.csv", csv_bytes(rows))
        assert response.status_code == 202
        assert response.json()["state"] in ("queued", "running", "succeeded")
        assert response.headers["location"] == f"/api/v1/employee/jobs/{response.json()['id']}"
        job = await finished(client, response.headers["location"])

        assert job["state"] == "succeeded", job["problem"]
        assert job["result"] == {"rows": 40, "imported": 40, "warnings": []}
        assert job["progress"] == {"validated": 40, "written": 40, "total": 40}
        assert job["kind"] == "employees.import" and job["started_at"] and job["finished_at"]
        assert job["params"] == {"file": "pegawai.csv", "format": "csv", "mapping": "native"}
        async with app.state.runtime.db.connect() as connection:
            payloads = await connection.scalars(
                select(outbox.c.payload).where(outbox.c.type.like("asn.employee.employee.%"))
            )
            events = [CloudEvent.from_json(p) for p in payloads]
        assert sorted(e.subject for e in events) == sorted(r["nip"] for r in rows)
        assert {e.type for e in events} == {"asn.employee.employee.registered"}
        assert len({e.id for e in events}) == 40
        by_nip = {e.subject: EmployeeRegistered.model_validate(e.data) for e in events}
        sample = rows[4]  # i = 5: PPPK, retired
        assert by_nip[sample["nip"]].status == "retired"
        assert by_nip[sample["nip"]].employment_type == "PPPK"
        assert {e.agency for e in events} == {"7601", "7602"}

        fetched = (await client.get(f"/api/v1/employees/{sample['nip']}")).json()
        assert (fetched["rank_code"], fetched["unit_id"], fetched["nik"]) == (
            "IV/a",
            unit_id("7601", 5 % UNITS),
            "7601**********05",
        )
        bonded = (await client.get(f"/api/v1/employees/{rows[6]['nip']}")).json()  # i = 7
        assert bonded["ten_year_bond_until"] == "2032-03-01"
        history = (await client.get(f"/api/v1/employees/{sample['nip']}/history")).json()
        assert [p["reason"] for p in history["positions"]] == ["imported"]
        assert [r["rank_code"] for r in history["ranks"]] == ["IV/a"]


@pytest.mark.parametrize(
    ("name", "content", "content_type", "params", "status", "problem"),
    [
        ("empty.csv", b"", "text/csv", {}, 422, "empty-file"),
        ("blank.csv", b"\n\n", "text/csv", {}, 422, "empty-file"),
        ("latin1.csv", csv_bytes([person(1, name="Andi Mappasèng")]).decode().encode("latin-1"), "text/csv",
         {}, 422, "file-encoding"),
        ("extra.csv", csv_bytes([person(1)], [*NATIVE, "hobby"]), "text/csv", {}, 422, "unknown-columns"),
        # A SIASN extract's columns we do not use are ignored: a native file lacks SIASN's required ones.
        ("siasn.csv", csv_bytes([person(1)]), "text/csv", {"mapping": "siasn"}, 422, "missing-columns"),
        ("short.csv", b"nip,name,gender\n198503122010011001,Andi,M\n", "text/csv", {}, 422,
         "missing-columns"),
        ("quote.csv", b'nip,name,birth_date,gender,agency_code\n1,"Andi,1985-03-12,M,7601\n', "text/csv", {},
         422, "invalid-file"),
        ("old.xls", b"\xd0\xcf\x11\xe0 an old workbook", "application/vnd.ms-excel", {}, 415,
         "unsupported-file-format"),
        ("report.pdf", b"%PDF-1.4", "application/pdf", {}, 415, "unsupported-file-format"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", XLSX, {}, 422, "invalid-file"),
        ("text.xlsx", csv_bytes([person(1)]), XLSX, {}, 422, "invalid-file"),
        ("extra.xlsx", xlsx_bytes([*NATIVE[:5], "hobby"], [list(person(1).values())]), XLSX, {}, 422,
         "unknown-columns"),
        ("headless.xlsx", xlsx_bytes([], [[None], list(person(1).values())]), XLSX, {}, 422, "empty-file"),
    ],
)  # fmt: skip
async def test_a_malformed_file_is_refused_at_once_and_changes_nothing(
    make_settings, name, content, content_type, params, status, problem
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        response = await submit(client, name, content, content_type, **params)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == f"/problems/{problem}"
        assert response.json()["detail"]
        assert await counts(app) == (0, 0, 0)


async def test_a_file_with_only_a_header_fails_its_job_and_changes_nothing(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        response = await submit(client, "header.csv", csv_bytes([]))
        job = await finished(client, response.headers["location"])
        assert job["state"] == "failed" and job["problem"]["type"] == "/problems/empty-file"
        assert (await counts(app))[:2] == (0, 0)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("mapping", ["native", "siasn"])
async def test_an_export_imported_into_an_empty_database_gives_the_same_records(
    make_settings, file_format, mapping
):
    rows = [varied(i) for i in range(1, 26)]
    if mapping == "siasn":
        # SIASN has no disciplinary status column: an export in its names carries the default only.
        for row in rows:
            row.pop("disciplinary_status", None)
    source = create_app(await make_settings("employee"))
    async with serve_in_process(source) as client:
        await define_organisation(client, "7601", "7602")
        loaded = await submit(client, "pegawai.csv", csv_bytes(rows), wait="true")
        assert loaded.status_code == 200 and loaded.json()["state"] == "succeeded", loaded.json()
        exported = await client.get(
            "/api/v1/employees/export", params={"format": file_format, "mapping": mapping}
        )
        assert exported.status_code == 200
        assert exported.headers["content-disposition"].endswith(f'.{file_format}"')
        before = await records(source)

    target = create_app(await make_settings("employee"))
    async with serve_in_process(target) as client:
        await define_organisation(client, "7601", "7602")
        content_type = exported.headers["content-type"]
        response = await submit(
            client, f"export.{file_format}", exported.content, content_type, mapping=mapping
        )
        job = await finished(client, response.headers["location"])
        assert job["state"] == "succeeded", job["problem"]
        assert job["result"] == {"rows": 25, "imported": 25, "warnings": []}
        assert await records(target) == before


async def test_an_export_takes_the_searchs_filters_and_writes_siasn_names(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        rows = [varied(i) for i in range(1, 10)]
        await submit(client, "pegawai.csv", csv_bytes(rows), wait="true")
        exported = await client.get(
            "/api/v1/employees/export", params={"agency": "7602", "mapping": "siasn", "format": "xlsx"}
        )
        sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == exchange.header(Mapping.SIASN)
        nips = [r[0] for r in values[1:]]
        assert nips == sorted(r["nip"] for r in rows if r["agency_code"] == "7602")
        ranks = {r[0]: r[values[0].index("golRuangAkhirId")] for r in values[1:]}
        assert ranks[rows[2]["nip"]] == 31  # i = 3: III/a
        births = [r[values[0].index("tglLahir")] for r in values[1:]]
        assert all(isinstance(b, datetime) for b in births)

        as_csv = await client.get(
            "/api/v1/employees/export", params={"status": "retired", "mapping": "siasn"}
        )
        lines = as_csv.text.splitlines()
        assert lines[0].startswith("nipBaru,nama,gelarDepan")
        assert len(lines) == 1 + sum(1 for r in rows if r.get("status") == "retired")
        first_retired = next(r for r in rows if r.get("status") == "retired")
        birth = date.fromisoformat(first_retired["birth_date"])
        assert f",{birth:%d-%m-%Y}," in lines[1]  # SIASN dates as DD-MM-YYYY


async def test_a_job_is_read_by_its_id_and_an_unknown_one_is_not_found(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        response = await submit(client, "pegawai.csv", csv_bytes([person(1), person(2)]), wait="true")
        assert response.status_code == 200
        assert response.json()["state"] == "succeeded"
        again = await client.get(response.headers["location"])
        assert again.json() == response.json()
        missing = await client.get(f"/api/v1/employee/jobs/{uuid.uuid4()}")
        assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"


async def test_a_job_whose_process_died_is_marked_failed_when_the_service_starts(make_settings):
    settings = await make_settings("employee")
    database = Database(settings.resolved_database_url)
    stale = clock.now() - timedelta(hours=1)
    job_id = uuid.uuid4()
    async with database.connect() as connection:
        await connection.execute(
            insert(jobs).values(
                id=job_id,
                kind="employees.import",
                state="running",
                params={},
                progress={"validated": 10, "total": 100},
                actor="someone",
                runner=uuid.uuid4(),
                created_at=stale,
                started_at=stale,
                heartbeat_at=stale,
            )
        )
        await connection.commit()
    await database.dispose()

    app = create_app(settings)
    async with serve_in_process(app) as client:
        job = (await client.get(f"/api/v1/employee/jobs/{job_id}")).json()
        assert job["state"] == "failed"
        assert job["problem"]["type"] == "/problems/job-abandoned"
        assert job["progress"] == {"validated": 10, "total": 100}


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "asn",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_cli_imports_all_or_nothing_and_exports_what_it_imported(make_settings, tmp_path):
    settings = await make_settings("employee")
    async with serve_in_process(create_app(settings)) as client:
        await define_organisation(client, "7601", "7602")
    url = settings.resolved_database_url
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([person(1), person(2, gender="X"), person(3, birth_date="")]))
    code, _, err = await run_cli("import", "employees", str(bad), "--database-url", url)
    assert code == 1
    assert "2 of 3 rows are invalid" in err and "line 3 gender" in err and "line 4 birth_date" in err

    good = tmp_path / "good.xlsx"
    rows = [varied(i) for i in range(1, 31)]
    good.write_bytes(xlsx_bytes(NATIVE, [[row.get(c) or None for c in NATIVE] for row in rows]))
    code, out, _ = await run_cli("import", "employees", str(good), "--database-url", url)
    assert code == 0 and "30 employees imported" in out

    exported = tmp_path / "out.csv"
    code, out, _ = await run_cli(
        "export", "employees", str(exported), "--agency", "7602", "--database-url", url
    )
    assert code == 0
    assert len(exported.read_text().splitlines()) == 1 + sum(1 for r in rows if r["agency_code"] == "7602")

    database = Database(url)
    async with database.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(employees)) == 30
        registered = (
            select(func.count()).select_from(outbox).where(outbox.c.type.like("asn.employee.employee.%"))
        )
        assert await connection.scalar(registered) == 30
    await database.dispose()
