"""A file written the way SIASN writes it imports: SIASN's column names and formats (dd-mm-yyyy dates,
01-01-0001 for none, M/F, golRuangAkhirId or golRuangAkhir, kedudukan names), its GUIDs resolved through the
SIASN ids our records keep, the 100+ columns we do not use ignored and listed as warnings. A file with bad
rows lists every one by line and imports nothing."""

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import employees
from services.employee.app import create_app
from services.employee.tests.support import define_organisation, position_id, unit_id
from shared.principal import Role
from shared.testing import auth_headers, principal, serve_in_process

pytestmark = pytest.mark.integration

INSTANSI = "A5EB03E23BF8F6A0E040640A040252AD"
UNOR = "8AE483A8682F9A7F01686AC7D9F80A1B"
JABATAN_FUNGSIONAL = "8ae48289620e8bf601620fab4c7c2b5d"  # lowercase, as SIASN sometimes writes them
# Columns of a SIASN extract this import does not read.
UNUSED = (
    "nipLama",
    "agama",
    "email",
    "noHp",
    "instansiKerjaNama",
    "unorNama",
    "jabatanNama",
    "jenisJabatanId",
)


def siasn_person(k: int, **overrides: str) -> dict[str, str]:
    """A person as SIASN's data-utama writes them (all strings, dd-mm-yyyy dates)."""
    day = 10 + k
    row = {
        "id": f"{k:02d}C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8"[:32],
        "nipBaru": f"198503{day}2010011{k:03d}",
        "nipLama": f"34000{k:04d}",
        "nama": f"ANDI PEGAWAI {k}",
        "gelarDepan": "",
        "gelarBelakang": "S.Kom.",
        "tempatLahir": "Mamuju",
        "tglLahir": f"{day}-03-1985",
        "jenisKelamin": "M",
        "nik": f"76010112038500{k:02d}",
        "statusPegawai": "PNS",
        "kedudukanPnsNama": "Aktif",
        "tmtCpns": "01-01-2010",
        "tmtPns": "01-01-0001",
        "golRuangAkhirId": "31",
        "golRuangAkhir": "III/a",
        "tmtGolAkhir": "01-04-2014",
        "instansiKerjaId": INSTANSI,
        "unorId": UNOR,
        "jabatanFungsionalId": JABATAN_FUNGSIONAL,
        "jabatanFungsionalUmumId": "",
        "jabatanStrukturalId": "",
        "tmtJabatan": "02-01-2019",
        "lokasiKerja": "Mamuju",
        "agama": "Islam",
        "email": f"andi{k}@example.go.id",
        "noHp": "08123456789",
        "instansiKerjaNama": "Pemerintah Kabupaten Mamuju",
        "unorNama": "Bidang 0",
        "jabatanNama": "Analis 0",
        "jenisJabatanId": "2",
    }
    return {**row, **overrides}


def siasn_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


async def _linked_organisation(client: Any) -> None:
    """Agency 7601 with its units, the agency, unit 0 and its position linked to their SIASN ids."""
    await define_organisation(client, "7601", "7602")
    for path, siasn_id in (
        ("agency/7601", INSTANSI),
        (f"unit/{unit_id('7601', 0)}", UNOR),
        (f"position/{position_id('7601', 0)}", JABATAN_FUNGSIONAL),
    ):
        answer = await client.put(f"/api/v1/siasn/identities/{path}", json={"siasn_id": siasn_id})
        assert answer.status_code == 200, answer.text


async def _import(client: Any, content: bytes, **headers: str) -> Any:
    return await client.post(
        "/api/v1/employees/imports",
        params={"mapping": "siasn", "wait": "true"},
        files={"file": ("siasn.csv", content, "text/csv")},
        headers=headers,
    )


async def _registered(app: Any) -> int:
    async with app.state.runtime.db.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(employees))).scalar_one()


async def test_a_file_as_siasn_writes_it_imports_with_its_guids_resolved_and_unused_columns_listed(
    make_settings,
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await _linked_organisation(client)
        rows = [
            siasn_person(1),
            siasn_person(2, jenisKelamin="F", nipBaru="198503122010012002", golRuangAkhirId=""),
        ]
        # The second: a woman (the NIP's 15th digit says so), her rank given only as golRuangAkhir's text.
        rows[1]["tglLahir"] = "12-03-1985"

        answer = await _import(client, siasn_csv(rows))

        job = answer.json()
        assert job["state"] == "succeeded", job["problem"]["errors"]
        assert job["result"]["imported"] == 2
        assert sorted(w["column"] for w in job["result"]["warnings"]) == sorted(UNUSED)
        first = (await client.get(f"/api/v1/employees/{rows[0]['nipBaru']}")).json()
        assert (first["agency_code"], first["unit_id"], first["position_id"]) == (
            "7601",
            unit_id("7601", 0),
            position_id("7601", 0),
        )
        assert first["birth_date"] == "1985-03-11" and first["tmt_pns"] is None
        assert (first["rank_code"], first["rank_tmt"]) == ("III/a", "2014-04-01")
        assert first["status"] == "active" and first["back_title"] == "S.Kom."
        second = (await client.get(f"/api/v1/employees/{rows[1]['nipBaru']}")).json()
        assert (second["rank_code"], second["gender"]) == ("III/a", "F")
        identity = await client.get(f"/api/v1/siasn/identities/employee/{rows[0]['nipBaru']}")
        assert identity.json()["siasn_id"] == rows[0]["id"]
        exported = await client.get("/api/v1/employees/export", params={"mapping": "siasn", "format": "csv"})
        written = {row["nipBaru"]: row for row in csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")))}
        assert written[rows[0]["nipBaru"]]["id"] == rows[0]["id"]
        assert written[rows[0]["nipBaru"]]["kedudukanPnsNama"] == "Aktif"


async def test_a_siasn_file_with_bad_rows_lists_every_one_and_imports_nothing(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await _linked_organisation(client)
        rows = [
            siasn_person(1),
            siasn_person(2, tglLahir="31-02-1985"),
            siasn_person(3, unorId="FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
            siasn_person(4, golRuangAkhir="III/b"),
            siasn_person(5, kedudukanPnsNama="Entah"),
            siasn_person(6, id=siasn_person(1)["id"]),
            siasn_person(7, instansiKerjaId="0123456789ABCDEF0123456789ABCDEF"),
        ]

        job = (await _import(client, siasn_csv(rows))).json()

        assert job["state"] == "failed", job
        problems = job["problem"]["errors"]
        assert [(p["line"], p["field"]) for p in problems] == [
            (3, "tglLahir"),
            (4, "unorId"),
            (5, "golRuangAkhir"),
            (6, "kedudukanPnsNama"),
            (7, "id"),
            (8, "instansiKerjaId"),
        ]
        assert "disagrees with golRuangAkhirId" in problems[2]["message"]
        assert await _registered(app) == 0


async def test_rows_of_an_agency_outside_the_importers_scope_refuse_the_file(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    async with serve_in_process(app) as client:
        await _linked_organisation(client)
        officer = auth_headers(settings, principal(Role.HR_OFFICER, agencies=["7602"]))

        answer = await _import(client, siasn_csv([siasn_person(1)]), **officer)

        job = answer.json()
        assert job["state"] == "failed" and job["problem"]["status"] == 403, job
        assert [(p["line"], p["field"]) for p in job["problem"]["errors"]] == [(2, "instansiKerjaId")]
        assert "outside your scope" in job["problem"]["errors"][0]["message"]
        assert await _registered(app) == 0
