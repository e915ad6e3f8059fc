"""JP tracking on the real database: external records one by one and from a CSV file (all or nothing, every
bad row reported with its line number), an employee's year against the 20 JP right, and the compliance
report of an agency and of a unit with its sub-units."""

import pytest

from services.training.app import create_app
from services.training.tests.support import (
    OTHER_AGENCY,
    as_employee,
    as_hr,
    define_unit,
    known,
    nip,
    register,
)
from shared.testing import TEST_CLOCK_START, serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]

A, B, C, D = (nip(i) for i in range(1, 5))
ELSEWHERE = nip(5)
CONTRACTED, CONTRACTED_MORE = nip(6), nip(7)
LAST_YEAR = TEST_CLOCK_START.year - 1


def csv_file(text: str) -> dict:
    return {"file": ("jp.csv", text.encode(), "text/csv")}


async def imported(client, text: str, **headers):
    return await client.post("/api/v1/jp/imports", params={"wait": "true"}, files=csv_file(text), **headers)


async def test_a_csv_import_reports_every_bad_row_and_records_nothing_until_the_file_is_clean(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        for employee in (A, B):
            await register(app, employee)
        await register(app, ELSEWHERE, agency=OTHER_AGENCY)
        await known(client, A, B, ELSEWHERE)

        bad = "\n".join(
            [
                "nip,title,completed_on,jp,provider",
                f"{A},Diklat Pengadaan Barang/Jasa,{LAST_YEAR}-03-04,16,LKPP",
                "12345,Seminar Nasional,2025-01-01,8,",  # line 3: NIP not 18 digits
                f"{nip(99)},Bimtek Arsip,{LAST_YEAR}-05-06,8,",  # line 4: unknown employee
                f"{B},Workshop SAKIP,06/05/{LAST_YEAR},ten,",  # line 5: bad date and JP
                f"{B},Bimtek Keuangan,{LAST_YEAR}-02-02,1001,",  # line 6: too many JP
                f"{A},diklat pengadaan  barang/jasa,{LAST_YEAR}-03-04,16,LKPP",  # line 7: repeats line 2
                f"{B},,{LAST_YEAR}-02-02,8,",  # line 8: no title
            ]
        )
        job = await imported(client, bad, headers=as_hr(app))
        assert job.status_code == 200, job.text
        assert job.json()["state"] == "failed"
        problem = job.json()["problem"]
        assert problem["status"] == 422
        assert sorted({(e["line"], e["field"]) for e in problem["errors"]}) == [
            (3, "nip"),
            (4, "nip"),
            (5, "completed_on"),
            (5, "jp"),
            (6, "jp"),
            (7, "title"),
            (8, "title"),
        ]
        # Someone of another agency: not the caller's file to import at all, refused before any job.
        foreign = "\n".join(
            [
                "nip,title,completed_on,jp",
                f"{A},Bimtek Keuangan,{LAST_YEAR}-02-02,8",
                f"{ELSEWHERE},Bimtek Keuangan,{LAST_YEAR}-02-02,8",
            ]
        )
        refused = await imported(client, foreign, headers=as_hr(app))
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("reference-scope")
        assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(3, "nip")]
        nothing = (await client.get(f"/api/v1/jp/{A}", params={"year": LAST_YEAR})).json()
        assert nothing["total"] == 0

        header = await imported(client, "nip;judul;jp\n", headers=as_hr(app))
        assert header.status_code == 422
        assert {e["field"] for e in header.json()["errors"]} == {"title", "completed_on", "judul"}
        employee = await imported(client, "nip,title,completed_on,jp\n", headers=as_employee(app, A))
        assert employee.status_code == 403

        good = "\n".join(
            [
                # A spreadsheet saved in the Indonesian locale separates with semicolons.
                "nip;title;completed_on;jp;provider;certificate_number",
                f"{A};Diklat Pengadaan Barang/Jasa;{LAST_YEAR}-03-04;16;LKPP;LKPP-123",
                f"{A};Seminar Reformasi Birokrasi;{LAST_YEAR}-12-31;8;KemenPANRB;",
                f"{B};Bimtek Arsip;{LAST_YEAR + 1}-01-01;8;ANRI;",
            ]
        )
        done = await imported(client, good, headers=as_hr(app))
        assert done.json()["state"] == "succeeded", done.text
        assert done.json()["result"] == {"records": 3, "employees": 2, "jp": 32}
        repeat = await imported(client, good, headers=as_hr(app))
        assert repeat.json()["state"] == "failed"
        assert [e["line"] for e in repeat.json()["problem"]["errors"]] == [2, 3, 4]

        andi = (await client.get(f"/api/v1/jp/{A}", params={"year": LAST_YEAR})).json()
        assert (andi["total"], andi["shortfall"], andi["meets_right"]) == (24, 0, True)
        assert [e["source"] for e in andi["entries"]] == ["external", "external"]
        budi = (await client.get(f"/api/v1/jp/{B}", params={"year": LAST_YEAR})).json()
        assert (budi["total"], budi["shortfall"]) == (0, 20)
        assert budi["by_year"] == {str(LAST_YEAR + 1): 8}


async def test_records_one_by_one_and_the_compliance_report_lists_who_is_below(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_unit(app, "dinas", head_position_id=None)
        await define_unit(app, "bidang", head_position_id=None, parent_id="dinas")
        await register(app, A, unit_id="dinas")
        await register(app, B, unit_id="bidang")
        await register(app, C, unit_id="bidang")
        await register(app, D, unit_id="other")
        await register(app, ELSEWHERE, agency=OTHER_AGENCY)
        await known(client, A, B, C, D, ELSEWHERE)

        for employee, jp in ((A, 20), (B, 12), (B, 4)):
            recorded = await client.post(
                "/api/v1/jp/external-records",
                json={
                    "nip": employee,
                    "title": f"Pelatihan {jp}",
                    "completed_on": f"{LAST_YEAR}-06-01",
                    "jp": jp,
                },
                headers=as_hr(app),
            )
            assert recorded.status_code == 201, recorded.text
        duplicate = await client.post(
            "/api/v1/jp/external-records",
            json={"nip": A, "title": "pelatihan 20", "completed_on": f"{LAST_YEAR}-06-01", "jp": 20},
        )
        assert duplicate.status_code == 409
        foreign = await client.post(
            "/api/v1/jp/external-records",
            json={"nip": ELSEWHERE, "title": "X", "completed_on": f"{LAST_YEAR}-06-01", "jp": 2},
            headers=as_hr(app),
        )
        assert foreign.status_code == 403

        agency = (
            await client.get(
                "/api/v1/jp/compliance", params={"agency": "7601", "year": LAST_YEAR}, headers=as_hr(app)
            )
        ).json()
        assert (agency["employees"], agency["compliant"], agency["compliance_percent"]) == (4, 1, 25.0)
        assert [(b["nip"], b["jp"], b["shortfall"]) for b in agency["below"]] == [
            (C, 0, 20),
            (D, 0, 20),
            (B, 16, 4),
        ]

        unit = (await client.get("/api/v1/jp/compliance", params={"unit": "dinas", "year": LAST_YEAR})).json()
        assert (unit["agency_code"], unit["employees"]) == ("7601", 3)
        assert [b["nip"] for b in unit["below"]] == [C, B]
        sub_unit = (
            await client.get("/api/v1/jp/compliance", params={"unit": "bidang", "year": LAST_YEAR})
        ).json()
        assert sub_unit["employees"] == 2

        outside = await client.get(
            "/api/v1/jp/compliance", params={"agency": OTHER_AGENCY, "year": LAST_YEAR}, headers=as_hr(app)
        )
        assert outside.status_code == 403
        employee = await client.get(
            "/api/v1/jp/compliance", params={"agency": "7601"}, headers=as_employee(app, A)
        )
        assert employee.status_code == 403
        own = await client.get(f"/api/v1/jp/{A}", params={"year": LAST_YEAR}, headers=as_employee(app, A))
        assert own.status_code == 200 and own.json()["total"] == 20
        someone_else = await client.get(f"/api/v1/jp/{B}", headers=as_employee(app, A))
        assert someone_else.status_code == 403


async def test_pppk_are_counted_apart_under_their_ceiling_never_as_below_the_pns_right(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await register(app, A)
        await register(app, B)
        await register(app, CONTRACTED, employment_type="PPPK")
        await register(app, CONTRACTED_MORE, employment_type="PPPK")
        await known(client, A, B, CONTRACTED, CONTRACTED_MORE)
        for employee, jp in ((B, 20), (CONTRACTED_MORE, 16), (CONTRACTED_MORE, 14)):
            recorded = await client.post(
                "/api/v1/jp/external-records",
                json={
                    "nip": employee,
                    "title": f"Pelatihan {jp}",
                    "completed_on": f"{LAST_YEAR}-06-01",
                    "jp": jp,
                },
            )
            assert recorded.status_code == 201, recorded.text

        report = (
            await client.get("/api/v1/jp/compliance", params={"agency": "7601", "year": LAST_YEAR})
        ).json()
        assert (report["required"], report["employees"], report["compliant"]) == (20, 2, 1)
        assert [b["nip"] for b in report["below"]] == [A]
        pppk = report["pppk"]
        assert (pppk["employees"], pppk["ceiling"], pppk["within_ceiling"]) == (2, 24, 1)
        assert [(a["nip"], a["jp"], a["excess"]) for a in pppk["above_ceiling"]] == [(CONTRACTED_MORE, 30, 6)]

        contracted = (await client.get(f"/api/v1/jp/{CONTRACTED}", params={"year": LAST_YEAR})).json()
        assert contracted["employment_type"] == "PPPK"
        assert (contracted["required"], contracted["shortfall"], contracted["meets_right"]) == (
            None,
            None,
            None,
        )
        assert (contracted["ceiling"], contracted["excess"]) == (24, 0)
        civil_servant = (await client.get(f"/api/v1/jp/{A}", params={"year": LAST_YEAR})).json()
        assert (civil_servant["required"], civil_servant["shortfall"], civil_servant["ceiling"]) == (
            20,
            20,
            None,
        )
