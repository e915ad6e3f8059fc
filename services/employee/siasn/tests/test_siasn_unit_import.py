"""Unit and position files as SIASN writes them import: a ref-unor extract (PascalCase `Id`, `InstansiId`,
`DiatasanId`, `NamaUnor` and the columns we do not use, ignored and listed as warnings) defines our units,
each keeping its SIASN id, parents and agencies resolved through SIASN ids; positions name their unit by
its unor id and keep their jabatan id. A file with bad rows lists every one by line and imports nothing;
rows of agencies outside the importer's scope refuse the file. A SIASN export writes the SIASN ids where
linked and reads back."""

import csv
import io
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import positions, units
from services.employee.app import create_app
from shared.principal import Role
from shared.testing import auth_headers, define_agencies, principal, serve_in_process

pytestmark = pytest.mark.integration

INSTANSI = "A5EB03E23BF8F6A0E040640A040252AD"
DINAS = "8AE483A8682F9A7F01686AC7D9F80A1B"
BIDANG = "8ae483a8682f9a7f01686ac7d9f80a2c"  # lowercase, as SIASN sometimes writes them
SEKSI = "8AE483A8682F9A7F01686AC7D9F80A3D"
ANALIS = "8AE48289620E8BF601620FAB4C7C2B5D"
PENGADMINISTRASI = "8AE48289620E8BF601620FAB4C7C2B6E"
# The columns of a ref-unor item this import does not read.
UNUSED = ("EselonId", "NamaJabatan", "CepatKode", "IndukUnorId", "PemimpinPnsId", "JenisUnorId")


def unor(siasn_id: str, name: str, above: str = "", instansi: str = INSTANSI) -> dict[str, str]:
    """A unit as SIASN's ref-unor writes it."""
    return {
        "Id": siasn_id,
        "InstansiId": instansi,
        "DiatasanId": above,
        "EselonId": "31",
        "NamaUnor": name,
        "NamaJabatan": f"Kepala {name}",
        "CepatKode": "76011",
        "IndukUnorId": DINAS,
        "PemimpinPnsId": "",
        "JenisUnorId": "2",
    }


# The child before its parent: the file's order does not matter. The Seksi names its agency by our code.
REF_UNOR = [
    unor(BIDANG, "Bidang Pelayanan Kesehatan", DINAS),
    unor(DINAS, "Dinas Kesehatan"),
    unor(SEKSI, "Seksi Rujukan", BIDANG.upper(), instansi="7601"),
]


def jabatan(siasn_id: str, unit: str, name: str, **overrides: str) -> dict[str, str]:
    """A position as a SIASN position file writes it."""
    row = {
        "jabatanFungsionalId": siasn_id,
        "unorId": unit,
        "jabatanNama": name,
        "jenisJabatan": "fungsional",
        "kelasJabatan": "8",
        "jumlahFormasi": "3",
        "jenisJabatanId": "2",
    }
    return {**row, **overrides}


def csv_of(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


async def _linked_agencies(client: Any) -> None:
    """Agencies 7601 (linked to its SIASN instansi id) and 7602."""
    await define_agencies(client, "7601", "7602")
    linked = await client.put("/api/v1/siasn/identities/agency/7601", json={"siasn_id": INSTANSI})
    assert linked.status_code == 200, linked.text


async def _import(client: Any, what: str, content: bytes, **headers: str) -> dict[str, Any]:
    answer = await client.post(
        f"/api/v1/{what}/imports",
        params={"mapping": "siasn", "wait": "true"},
        files={"file": (f"{what}.csv", content, "text/csv")},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    job: dict[str, Any] = answer.json()
    return job


async def _linked(client: Any, kind: str) -> dict[str, dict[str, Any]]:
    """SIASN id -> our linked record of `kind`, in agency 7601."""
    found = await client.get(
        f"/api/v1/siasn/identities/{kind}", params={"agency": "7601", "linked": "true", "limit": 100}
    )
    return {record["siasn_id"]: record for record in found.json()["items"]}


async def _count(app: Any, table: Any) -> int:
    async with app.state.runtime.db.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_ref_unor_file_imports_as_linked_units_and_a_siasn_position_file_as_linked_positions(
    make_settings,
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await _linked_agencies(client)

        job = await _import(client, "units", csv_of(REF_UNOR))

        assert job["state"] == "succeeded", job["problem"]
        assert job["result"]["imported"] == 3
        assert sorted(w["column"] for w in job["result"]["warnings"]) == sorted(UNUSED)
        linked = await _linked(client, "unit")
        assert set(linked) == {DINAS, BIDANG.upper(), SEKSI}
        dinas, bidang, seksi = [
            (await client.get(f"/api/v1/units/{linked[s]['ref']}")).json()
            for s in (DINAS, BIDANG.upper(), SEKSI)
        ]
        # Each unit has an id of ours, its kind read from its name, its parent through the SIASN ids.
        assert DINAS not in {dinas["id"].replace("-", "").upper(), bidang["id"].replace("-", "").upper()}
        assert (dinas["kind"], dinas["parent_id"], dinas["agency_code"]) == ("dinas", None, "7601")
        assert (bidang["kind"], bidang["parent_id"]) == ("bidang", dinas["id"])
        assert (seksi["kind"], seksi["parent_id"], seksi["agency_code"]) == ("seksi", bidang["id"], "7601")

        # Positions name their unit by its unor id; the jabatan id is kept, unique per unit: the same
        # jabatan in two units is two positions.
        job = await _import(
            client,
            "positions",
            csv_of(
                [
                    jabatan(ANALIS, BIDANG, "Analis Kebijakan"),
                    jabatan(ANALIS, SEKSI.lower(), "Analis Kebijakan"),
                    jabatan(PENGADMINISTRASI, SEKSI, "Pengadministrasi Umum", jenisJabatan="pelaksana"),
                ]
            ),
        )

        assert job["state"] == "succeeded", job["problem"]
        assert job["result"]["imported"] == 3
        assert [w["column"] for w in job["result"]["warnings"]] == ["jenisJabatanId"]
        found = await client.get(
            "/api/v1/siasn/identities/position", params={"agency": "7601", "linked": "true"}
        )
        held = sorted((p["unit_id"], p["siasn_id"], p["name"]) for p in found.json()["items"])
        assert held == sorted(
            [
                (bidang["id"], ANALIS, "Analis Kebijakan"),
                (seksi["id"], ANALIS, "Analis Kebijakan"),
                (seksi["id"], PENGADMINISTRASI, "Pengadministrasi Umum"),
            ]
        )


async def test_a_siasn_export_writes_the_siasn_ids_where_linked_and_reads_back_elsewhere(make_settings):
    source = create_app(await make_settings("employee"))
    target = create_app(await make_settings("employee", kafka_topic_prefix=f"copy{uuid.uuid4().hex[:8]}."))
    async with serve_in_process(source) as client, serve_in_process(target) as other:
        await _linked_agencies(client)
        assert (await _import(client, "units", csv_of(REF_UNOR)))["state"] == "succeeded"
        # A unit SIASN does not know, below a linked one: exported under our id.
        bidang = (await _linked(client, "unit"))[BIDANG.upper()]["ref"]
        unlinked = await client.post(
            "/api/v1/units",
            json={"agency_code": "7601", "parent_id": bidang, "name": "Seksi Baru", "kind": "seksi"},
        )
        assert unlinked.status_code == 201, unlinked.text
        rows = [jabatan(ANALIS, BIDANG, "Analis Kebijakan")]
        assert (await _import(client, "positions", csv_of(rows)))["state"] == "succeeded"
        ours = await client.post(
            "/api/v1/positions",
            json={"unit_id": unlinked.json()["id"], "name": "Pengadministrasi", "type": "pelaksana",
                  "job_class": 5, "authorised_headcount": 1},
        )  # fmt: skip
        assert ours.status_code == 201, ours.text

        params = {"mapping": "siasn", "format": "csv"}
        exported_units = await client.get("/api/v1/units/export", params=params)
        exported_positions = await client.get("/api/v1/positions/export", params=params)
        written = list(csv.DictReader(io.StringIO(exported_units.text.lstrip("\ufeff"))))
        by_name = {row["NamaUnor"]: row for row in written}
        assert (
            by_name["Bidang Pelayanan Kesehatan"]["Id"],
            by_name["Bidang Pelayanan Kesehatan"]["DiatasanId"],
        ) == (
            BIDANG.upper(),
            DINAS,
        )
        assert {row["InstansiId"] for row in written} == {INSTANSI}
        assert (by_name["Seksi Baru"]["Id"], by_name["Seksi Baru"]["DiatasanId"]) == (
            unlinked.json()["id"],
            BIDANG.upper(),
        )
        written_positions = list(csv.DictReader(io.StringIO(exported_positions.text.lstrip("\ufeff"))))
        assert sorted((row["jabatanId"], row["unorId"]) for row in written_positions) == sorted(
            [(ANALIS, BIDANG.upper()), (ours.json()["id"], unlinked.json()["id"])]
        )

        await _linked_agencies(other)
        for what, exported in (("units", exported_units), ("positions", exported_positions)):
            job = await _import(other, what, exported.content)
            assert job["state"] == "succeeded", job["problem"]
        copied = await _linked(other, "unit")
        assert set(copied) == {DINAS, BIDANG.upper(), SEKSI}
        seksi_baru = (await other.get(f"/api/v1/units/{unlinked.json()['id']}")).json()
        assert seksi_baru["parent_id"] == copied[BIDANG.upper()]["ref"]
        assert (await other.get(f"/api/v1/positions/{ours.json()['id']}")).status_code == 200
        assert set(await _linked(other, "position")) == {ANALIS}


async def test_siasn_unit_and_position_files_with_bad_rows_list_every_one_and_import_nothing(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await _linked_agencies(client)
        assert (await _import(client, "units", csv_of(REF_UNOR[1:2])))["state"] == "succeeded"  # Dinas
        bad = [
            unor(BIDANG, "Bidang Pelayanan Kesehatan", DINAS),  # 2: good, below the Dinas already linked
            unor(DINAS, "Dinas Kesehatan"),  # 3: already linked
            unor(SEKSI, "Seksi Rujukan", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),  # 4: no such parent
            unor("1111111111111111111111111111AAAA", "Pemerintah Kabupaten"),  # 5: no kind in the name
            unor(
                "2222222222222222222222222222BBBB", "Dinas Lain", instansi="0123456789ABCDEF0123456789ABCDEF"
            ),
            unor(BIDANG, "Bidang Lagi", DINAS),  # 7: the same SIASN id as line 2
            unor("bukan-id", "Dinas Entah"),  # 8: not an id
        ]

        job = await _import(client, "units", csv_of(bad))

        assert job["state"] == "failed", job
        problems = job["problem"]["errors"]
        assert job["problem"]["detail"] == "6 of 7 rows are invalid; nothing was imported"
        assert sorted((p["line"], p["field"]) for p in problems) == [
            (3, "Id"),
            (4, "DiatasanId"),
            (5, "NamaUnor"),
            (6, "InstansiId"),
            (7, "Id"),
            (8, "Id"),
        ]
        messages = {p["line"]: p["message"] for p in problems}
        linked = await _linked(client, "unit")
        assert messages[3] == f"already linked to unit {linked[DINAS]['ref']}"
        assert messages[7] == "the same SIASN id is on line 2"
        assert await _count(app, units) == 1

        job = await _import(
            client,
            "positions",
            csv_of(
                [
                    jabatan(ANALIS, DINAS, "Analis Kebijakan"),  # 2: good
                    jabatan(ANALIS, DINAS, "Analis Lagi"),  # 3: the same jabatan in the same unit
                    jabatan(PENGADMINISTRASI, BIDANG, "Pengadministrasi"),  # 4: the unit is not linked
                    jabatan("xyz", DINAS, "Entah", kelasJabatan="dua"),  # 5: two bad cells
                ]
            ),
        )

        assert job["state"] == "failed", job
        assert sorted((p["line"], p["field"]) for p in job["problem"]["errors"]) == [
            (3, "jabatanFungsionalId"),
            (4, "unorId"),
            (5, "jabatanFungsionalId"),
            (5, "kelasJabatan"),
        ]
        assert await _count(app, positions) == 0


async def test_siasn_rows_of_agencies_outside_the_importers_scope_refuse_the_file(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    async with serve_in_process(app) as client:
        await _linked_agencies(client)
        officer = auth_headers(settings, principal(Role.HR_OFFICER, agencies=["7602"]))

        # The instansi id resolves to agency 7601, which is not the officer's.
        job = await _import(client, "units", csv_of(REF_UNOR[1:]), **officer)

        assert job["state"] == "failed" and job["problem"]["status"] == 403, job
        assert [(p["line"], p["field"]) for p in job["problem"]["errors"]] == [
            (2, "InstansiId"),
            (3, "InstansiId"),
        ]
        assert "outside your scope" in job["problem"]["errors"][0]["message"]
        assert await _count(app, units) == 0

        assert (await _import(client, "units", csv_of(REF_UNOR)))["state"] == "succeeded"
        job = await _import(client, "positions", csv_of([jabatan(ANALIS, BIDANG, "Analis")]), **officer)

        assert job["state"] == "failed" and job["problem"]["status"] == 403, job
        assert [(p["line"], p["field"]) for p in job["problem"]["errors"]] == [(2, "unorId")]
        assert await _count(app, positions) == 0
