"""The demo province as SIASN knows it, for `make dev`: the SIASN contract fake serves the province agency's
people, units and positions with the GUIDs the demo seed links our records to, so the SIASN sync works out of
the box. SIASN is not a copy of our register: a few people differ (as a register typed twice does), a few are
only in SIASN, and some units carry SIASN's own names, left unlinked for the mapping page.

`python -m services.employee.demo.siasn --port 8095` serves it; `asn dev` starts it beside the services.
"""

import argparse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.employee.demo.generator import DemoProvince, generate
from services.employee.domain.model import Employee, EmploymentType
from services.employee.domain.organisation import Position, PositionType, Unit
from services.employee.domain.ranks import rank_by_code
from services.employee.siasn.domain.identities import RecordKind
from services.employee.siasn.fake import (
    ESELON,
    FUNGSIONAL,
    GOLONGAN,
    JENIS_JABATAN,
    NO_DATE,
    PELAKSANA,
    PENDIDIKAN,
    SiasnState,
    create_app,
)

# The one agency of the demo province that has been synchronised with SIASN.
SIASN_AGENCY = "7200"
_NAMESPACE = uuid.UUID("0c7f1b9e-5d3a-4f3e-9a61-3b1e5a7d2c40")
# Every how many of the agency's people SIASN holds something else, and every how many units still carry
# SIASN's own name and no link.
DIFFERENT_EVERY = 17
UNLINKED_UNIT_EVERY = 9
SIASN_ONLY_PEOPLE = 3
_STRUCTURAL = (PositionType.JPT, PositionType.ADMINISTRATOR, PositionType.PENGAWAS)


def siasn_id(kind: str, ref: str) -> str:
    """The GUID SIASN gives the demo's record `ref` (the same every run)."""
    return uuid.uuid5(_NAMESPACE, f"{kind}:{ref}").hex.upper()


@dataclass(frozen=True)
class Link:
    kind: RecordKind
    ref: str
    siasn_id: str


def _linked_units(province: DemoProvince) -> list[Unit]:
    units = [u for u in province.units if u.agency_code == SIASN_AGENCY]
    return [u for index, u in enumerate(units) if index % UNLINKED_UNIT_EVERY != UNLINKED_UNIT_EVERY - 1]


def _jabatan_id(position: Position) -> str:
    """A functional or executor jabatan is one national record by its name; a structural one is its unit's."""
    if position.type in _STRUCTURAL:
        return siasn_id("struktural", str(position.unit_id))
    return siasn_id("jabatan", position.name)


def links(province: DemoProvince) -> Iterator[Link]:
    """The SIASN ids the demo seed gives the agency, its linked units and their positions (people are linked
    by the first pull, from the id SIASN answers)."""
    yield Link(RecordKind.AGENCY, SIASN_AGENCY, siasn_id("instansi", SIASN_AGENCY))
    linked = {u.id for u in _linked_units(province)}
    for unit in province.units:
        if unit.id in linked:
            yield Link(RecordKind.UNIT, str(unit.id), siasn_id("unor", str(unit.id)))
    for position in province.positions:
        if position.unit_id in linked:
            yield Link(RecordKind.POSITION, str(position.id), _jabatan_id(position))


def _dmy(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else NO_DATE


def _golongan(code: str | None) -> tuple[str, str, str]:
    grade = rank_by_code(code) if code else None
    return (str(grade.siasn_code), grade.code, grade.name) if grade else ("", "", "")


def _data_utama(
    employee: Employee, units: dict[uuid.UUID, Unit], positions: dict[uuid.UUID, Position]
) -> dict[str, Any]:
    placement = employee.placement
    unit = units.get(uuid.UUID(placement.unit_id)) if placement.unit_id else None
    position = positions.get(uuid.UUID(placement.position_id)) if placement.position_id else None
    unit_guid = siasn_id("unor", str(unit.id)) if unit else ""
    jabatan = _jabatan_id(position) if position else ""
    structural = position is not None and position.type in _STRUCTURAL
    kind = "1" if structural else "2" if position and position.type is PositionType.FUNGSIONAL else "4"
    gol_id, gol, pangkat = _golongan(employee.rank.code if employee.rank else None)
    instansi = siasn_id("instansi", SIASN_AGENCY)
    return {
        "id": siasn_id("pns", str(employee.nip)),
        "nipBaru": str(employee.nip),
        "nipLama": "",
        "nama": employee.name,
        "gelarDepan": employee.front_title or "",
        "gelarBelakang": employee.back_title or "",
        "tempatLahir": employee.birth_place or "",
        "tglLahir": _dmy(employee.birth_date),
        "jenisKelamin": employee.gender,
        "nik": employee.nik or "",
        "statusPegawai": employee.employment_type.value,
        "kedudukanPnsId": "01",
        "kedudukanPnsNama": "PPPK Aktif" if employee.employment_type is EmploymentType.PPPK else "Aktif",
        "tmtCpns": _dmy(employee.tmt_cpns),
        "tmtPns": _dmy(employee.tmt_pns),
        "instansiIndukId": instansi,
        "instansiKerjaId": instansi,
        "instansiKerjaNama": "Pemerintah Provinsi Sulawesi Tengah",
        "unorId": unit_guid,
        "unorNama": unit.name if unit else "",
        "jenisJabatanId": kind,
        "jabatanNama": position.name if position else "",
        "jabatanStrukturalId": jabatan if structural else "",
        "jabatanFungsionalId": jabatan if kind == "2" else "",
        "jabatanFungsionalUmumId": jabatan if kind == "4" else "",
        "tmtJabatan": _dmy(placement.tmt),
        "golRuangAkhirId": gol_id,
        "golRuangAkhir": gol,
        "pangkatAkhir": pangkat,
        "tmtGolAkhir": _dmy(employee.rank.tmt if employee.rank else None),
        "lokasiKerja": employee.work_location or "",
        "tglMeninggal": NO_DATE,
        "path": {},
    }


def _differ(data: dict[str, Any], index: int) -> None:
    """What SIASN holds otherwise, by turns: a name typed differently, a later rank, another birth place."""
    turn = index // DIFFERENT_EVERY % 3
    if turn == 0:
        data["nama"] = data["nama"].upper()
    elif turn == 1 and data["golRuangAkhirId"] and int(data["golRuangAkhirId"]) % 10 < 4:
        code = str(int(data["golRuangAkhirId"]) + 1)
        _, gol, pangkat = next(g for g in GOLONGAN if g[0] == code)
        data.update(golRuangAkhirId=code, golRuangAkhir=gol, pangkatAkhir=pangkat, tmtGolAkhir="01-04-2026")
    else:
        data["tempatLahir"] = "Luwuk"


def fake_state(province: DemoProvince) -> SiasnState:
    """SIASN's data of the demo province's synchronised agency."""
    state = SiasnState(seed=province.seed)
    state.instansi_id = siasn_id("instansi", SIASN_AGENCY)
    units = {u.id: u for u in province.units if u.agency_code == SIASN_AGENCY}
    positions = {p.id: p for p in province.positions if p.agency_code == SIASN_AGENCY}
    linked = {u.id for u in _linked_units(province)}
    for unit in units.values():
        # An unlinked unit is known to SIASN by a name of its own: the mapping page pairs them.
        name = unit.name if unit.id in linked else unit.name.replace("Bidang", "Bid.").upper()
        state.unors.append(
            {
                "Id": siasn_id("unor", str(unit.id)),
                "InstansiId": state.instansi_id,
                "DiatasanId": siasn_id("unor", str(unit.parent_id)) if unit.parent_id else "",
                "EselonId": "",
                "NamaUnor": name,
                "NamaJabatan": "",
                "CepatKode": "",
                "IndukUnorId": "",
                "PemimpinPnsId": "",
                "JenisUnorId": "1",
            }
        )
    jabatan = sorted(
        {(p.name, _jabatan_id(p), p.type) for p in positions.values() if p.type not in _STRUCTURAL}
    )
    state.referensi.update(
        {
            "golongan": [{"id": c, "nama": n, "namaPangkat": p} for c, n, p in GOLONGAN],
            "eselon": [{"id": c, "nama": n} for c, n in ESELON],
            "jenis-jabatan": [{"id": c, "nama": n} for c, n in JENIS_JABATAN],
            "jabatan-fungsional": [
                {"id": i, "nama": n} for n, i, t in jabatan if t is PositionType.FUNGSIONAL
            ]
            + [{"id": siasn_id("jabatan", n), "nama": n} for n in FUNGSIONAL],
            "jabatan-fungsional-umum": [
                {"id": i, "nama": n} for n, i, t in jabatan if t is PositionType.PELAKSANA
            ]
            + [{"id": siasn_id("jabatan", n), "nama": n} for n in PELAKSANA],
            "pendidikan": [
                {"id": siasn_id("pendidikan", n), "nama": n, "tkPendidikanId": t} for t, _, n in PENDIDIKAN
            ],
        }
    )
    state.bare_referensi.update({"eselon", "jenis-jabatan"})
    people = [d.employee for d in province.employees if d.employee.placement.agency_code == SIASN_AGENCY]
    for index, employee in enumerate(sorted(people, key=lambda e: str(e.nip))):
        data = _data_utama(employee, units, positions)
        if index % DIFFERENT_EVERY == DIFFERENT_EVERY - 1:
            _differ(data, index)
        state.add_person(data)
    for k in range(1, SIASN_ONLY_PEOPLE + 1):
        # Recruited in SIASN (CPNS 2026), not yet in our register: the pull offers to register them.
        born = date(1998, 1, 1) + timedelta(days=97 * k)
        nip = f"{born:%Y%m%d}202601{1 + k % 2}{900 + k:03d}"
        state.add_person(
            {
                "id": siasn_id("pns", nip),
                "nipBaru": nip,
                "nipLama": "",
                "nama": f"Calon Pegawai {k}",
                "gelarDepan": "",
                "gelarBelakang": "S.T.",
                "tempatLahir": "Palu",
                "tglLahir": _dmy(born),
                "jenisKelamin": "M" if k % 2 else "F",
                "nik": "",
                "statusPegawai": "CPNS",
                "kedudukanPnsId": "01",
                "kedudukanPnsNama": "Aktif",
                "tmtCpns": "01-01-2026",
                "tmtPns": NO_DATE,
                "instansiIndukId": state.instansi_id,
                "instansiKerjaId": state.instansi_id,
                "unorId": "",
                "jenisJabatanId": "4",
                "jabatanStrukturalId": "",
                "jabatanFungsionalId": "",
                "jabatanFungsionalUmumId": "",
                "tmtJabatan": NO_DATE,
                "golRuangAkhirId": "31",
                "golRuangAkhir": "III/a",
                "tmtGolAkhir": "01-01-2026",
                "lokasiKerja": "Palu",
                "tglMeninggal": NO_DATE,
                "path": {},
            }
        )
    return state


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The SIASN contract fake with the demo province's agency.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8095)
    parser.add_argument("--seed", type=int, default=2026, help="as `asn seed --seed`")
    parser.add_argument("--employees", type=int, default=5_000, help="as `asn seed --employees`")
    parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="as `asn seed --as-of`")
    arguments = parser.parse_args(argv)
    province = generate(seed=arguments.seed, employees=arguments.employees, as_of=arguments.as_of)
    uvicorn.run(
        create_app(fake_state(province)), host=arguments.host, port=arguments.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
