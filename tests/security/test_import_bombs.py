"""Import bombs (issue 18, item 6): files small on the wire that would hold a job thread or the service's
memory for minutes are refused promptly, naming the limit; a file of many bad rows answers with the first
problems and their count, not all of them; an import is cancelled by whoever started it (or an administrator
of their agencies), and nobody else; the gateway lets each upload route send what its service takes.

The files are built here: a workbook whose <dimension> declares every cell Excel has, one with values in its
last column (XFD), a CSV of hundreds of thousands of one-character rows. Their memory is measured in
bench/import_bombs.py, not here.
"""

import asyncio
import io
import re
import time
import zipfile
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.employee.adapters.tables import employees
from services.employee.app import create_app
from services.employee.domain import exchange
from services.employee.domain.exchange import Mapping
from services.employee.settings import employee_settings
from services.gateway.app import create_app as gateway_app
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import access_headers
from shared.testing import auth_headers, define_agencies, principal, serve_in_process, serving

pytestmark = pytest.mark.integration

IMPORTS = "/api/v1/employees/imports"
HEADER = exchange.header(Mapping.NATIVE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A refusal must come at once, not after the minutes the bombs used to take.
PROMPT_SECONDS = 10.0


def workbook(rows: list[list[Any]], *, far: list[tuple[int, int, str]] = ()) -> bytes:
    """An XLSX file of `rows`, with the values of `far` (row, column, value) wherever they are."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for row_number, column, value in far:
        sheet.cell(row=row_number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_dimension(content: bytes, ref: str | None) -> bytes:
    """The workbook with its first sheet's <dimension ref> replaced by `ref` (None: removed)."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as patched:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                replacement = f'<dimension ref="{ref}"/>' if ref else ""
                data = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", replacement.encode(), data)
            patched.writestr(member, data)
    return target.getvalue()


def person(i: int) -> list[str]:
    """A valid row in `HEADER`'s order."""
    values = {
        "nip": f"19800101200501{'12'[i % 2]}{i + 1:03d}",
        "name": f"Pegawai {i}",
        "birth_date": "1980-01-01",
        "gender": "MF"[i % 2],
        "agency_code": "7601",
    }
    return [values.get(column, "") for column in HEADER]


def csv_of(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in [HEADER, *rows]).encode() + b"\n"


async def submit(client: httpx.AsyncClient, name: str, content: bytes, **params: Any) -> httpx.Response:
    kind = XLSX if name.endswith(".xlsx") else "text/csv"
    return await client.post(IMPORTS, params=params, files={"file": (name, content, kind)})


async def refused_promptly(client: httpx.AsyncClient, name: str, content: bytes) -> dict[str, Any]:
    """The problem a file is refused with, at once (422) or by its job, within `PROMPT_SECONDS`."""
    started = time.monotonic()
    answer = await submit(client, name, content, wait="true")
    elapsed = time.monotonic() - started
    assert elapsed < PROMPT_SECONDS, f"refused after {elapsed:.1f} s"
    if answer.status_code == 200:
        job = answer.json()
        assert job["state"] == "failed", job
        return dict(job["problem"])
    assert answer.status_code == 422, answer.text
    return dict(answer.json())


async def test_a_workbook_declaring_every_cell_of_excel_is_refused_before_a_cell_is_read(make_settings):
    bomb = with_dimension(workbook([HEADER, person(1)], far=[(1_048_576, 16_384, "x")]), "A1:XFD1048576")
    assert len(bomb) < 10_000
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        problem = await refused_promptly(client, "bom.xlsx", bomb)
    assert problem["type"] == "/problems/import-limit"
    assert "16384 columns" in problem["detail"] and "at most 200" in problem["detail"]

    rows_only = with_dimension(workbook([HEADER, person(1)]), "A1:U1048576")
    async with serve_in_process(create_app(await make_settings("employee"))) as client:
        problem = await refused_promptly(client, "bom.xlsx", rows_only)
    assert problem["type"] == "/problems/import-limit"
    assert "1048576 rows" in problem["detail"] and "100000" in problem["detail"]


@pytest.mark.parametrize("dimension", [None, "A1:U40"], ids=["undeclared", "declared-too-small"])
async def test_values_in_the_last_column_of_a_workbook_refuse_it_naming_the_column(make_settings, dimension):
    rows = [HEADER, *(person(i) for i in range(40))]
    bomb = with_dimension(workbook(rows, far=[(line, 16384, "x") for line in range(2, 41)]), dimension)
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        problem = await refused_promptly(client, "xfd.xlsx", bomb)
    assert problem["type"] == "/problems/import-limit"
    assert "column XFD" in problem["detail"] and "at most 200 columns" in problem["detail"]
    assert problem["errors"][0]["line"] == 2


async def test_a_csv_of_more_rows_than_the_limit_is_refused_at_once_without_a_job(make_settings):
    settings = employee_settings(await make_settings("employee"), import_max_rows=1_000)
    bomb = b"x\n" * 300_000
    app = create_app(settings)
    async with serve_in_process(app) as client:
        started = time.monotonic()
        answer = await submit(client, "bom.csv", bomb)
        assert time.monotonic() - started < PROMPT_SECONDS
        assert answer.status_code == 422 and answer.headers.get("location") is None
        problem = answer.json()
        assert problem["type"] == "/problems/import-limit"
        assert "more than 1000 rows" in problem["detail"]
        assert problem["errors"] == [{"line": 1002, "message": "more than 1000 rows"}]


async def test_a_csv_cell_or_row_over_the_limits_is_refused_naming_its_line(make_settings):
    settings = employee_settings(await make_settings("employee"), import_max_cell_chars=100)
    app = create_app(settings)
    long_name = person(1)
    long_name[HEADER.index("name")] = "a" * 101
    async with serve_in_process(app) as client:
        cell = (await submit(client, "panjang.csv", csv_of([person(0), long_name]))).json()
        wide = (
            await submit(client, "lebar.csv", csv_of([person(0)]) + b",".join([b"x"] * 201) + b"\n")
        ).json()
    assert cell["status"] == 422 and "line 3, column B holds 101 characters" in cell["detail"]
    assert wide["status"] == 422 and "line 3 has 201 columns; at most 200" in wide["detail"]


async def test_a_file_of_many_bad_rows_lists_the_first_problems_and_counts_them_all(make_settings):
    settings = employee_settings(await make_settings("employee"), import_max_errors=50)
    app = create_app(settings)
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        answer = await submit(client, "salah.csv", csv_of([["x"]] * 3_000), wait="true")
    job = answer.json()
    assert job["state"] == "failed"
    problem = job["problem"]
    assert problem["errors_total"] == 3_000
    assert [p["line"] for p in problem["errors"]] == list(range(2, 52))
    assert "3000 of 3000 rows are invalid" in problem["detail"]
    assert "the first 50 of its 3000 problems are listed" in problem["detail"]
    documented = app.openapi()["components"]["schemas"]["Problem"]["properties"]["errors_total"]
    assert "in all" in documented["description"]


async def test_an_import_is_cancelled_by_its_owner_and_by_nobody_else(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    owner = principal("hr_officer", agencies=["7601"], subject="pemilik")
    strangers = [
        principal("hr_officer", agencies=["7601"], subject="rekan"),
        principal("admin", agencies=["7602"], subject="admin-lain"),
        principal("employee", agencies=["7601"], subject="pegawai"),
    ]
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        runner = app.state.runtime.jobs
        # Holds the runner's one slot, so the import waits `queued` until the test lets it go.
        release = asyncio.Event()

        async def blocker(progress: Any) -> dict[str, Any]:
            await release.wait()
            return {}

        await runner.submit("test.blocker", blocker, params={})
        rows = [person(i) for i in range(20)]
        answer = await client.post(
            IMPORTS,
            files={"file": ("pegawai.csv", csv_of(rows), "text/csv")},
            headers=auth_headers(settings, owner),
        )
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        for stranger in strangers:
            refused = await client.delete(f"{IMPORTS}/{job_id}", headers=auth_headers(settings, stranger))
            # As for reading it: to those who may not cancel it the job does not exist.
            assert refused.status_code == 404, (stranger.subject, refused.text)
        unknown = await client.delete(
            f"{IMPORTS}/00000000-0000-4000-8000-000000000000", headers=auth_headers(settings, owner)
        )
        assert unknown.status_code == 404

        cancelled = await client.delete(f"{IMPORTS}/{job_id}", headers=auth_headers(settings, owner))
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled"
        assert cancelled.json()["problem"]["detail"] == "cancelled by pemilik"
        release.set()
        job = await runner.wait(job_id)
        assert job.state == "cancelled"
        async with app.state.runtime.db.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(employees)) == 0

        # An administrator whose scope covers the owner's may cancel too; a finished job stays as it was.
        admin = principal("admin", agencies=["7600", "7601"], subject="admin-provinsi")
        again = await client.delete(f"{IMPORTS}/{job_id}", headers=auth_headers(settings, admin))
        assert again.status_code == 200 and again.json()["state"] == "cancelled"


async def test_a_running_import_stops_when_cancelled(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        rows = [person(i) for i in range(900)]
        answer = await submit(client, "pegawai.xlsx", workbook([HEADER, *rows]))
        job_id = answer.json()["id"]
        cancelled = await client.delete(f"{IMPORTS}/{job_id}")
        assert cancelled.status_code == 200 and cancelled.json()["state"] in ("cancelled", "succeeded")
        job = await app.state.runtime.jobs.wait(job_id)
        async with app.state.runtime.db.connect() as connection:
            imported = await connection.scalar(select(func.count()).select_from(employees))
        # All or nothing: a cancelled import wrote nothing.
        assert (job.state, imported) in (("cancelled", 0), ("succeeded", 900))


async def echo(scope: Any, receive: Any, send: Any) -> None:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b'{"size": %d}' % size})


async def test_the_gateway_lets_each_upload_route_send_what_its_service_takes(make_settings):
    async with serving(echo) as upstream:
        settings = gateway_settings(
            await make_settings(
                "gateway",
                employee_url=upstream,
                mutation_url=upstream,
                training_url=upstream,
            )
        )
        app = gateway_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as door,
        ):
            headers = access_headers(app, principal("hr_officer", agencies=["7601"]))
            document = "/api/v1/mutations/4f9a1c2e-0000-4000-8000-000000000000/documents"
            five_mb = {"file": ("sk.pdf", b"%PDF" + b"x" * (5 * 1024 * 1024), "application/pdf")}
            passed = await door.post(document, files=five_mb, headers=headers)
            assert passed.status_code == 200 and passed.json()["size"] > 5 * 1024 * 1024
            units = await door.post("/api/v1/units/imports", files=five_mb, headers=headers)
            assert units.status_code == 200

            over = {"file": ("sk.pdf", b"%PDF" + b"x" * (21 * 1024 * 1024), "application/pdf")}
            refused = await door.post(document, files=over, headers=headers)
            assert refused.status_code == 413
            assert refused.json()["type"] == "/problems/payload-too-large"
            # Other routes keep the small default.
            plain = await door.post("/api/v1/employees", content=b"x" * (2 * 1024 * 1024), headers=headers)
            assert plain.status_code == 413
