"""The fake's demo agency: the same seed builds the same SIASN data, in SIASN's formats."""

import re
from datetime import datetime

import pytest

from services.employee.domain.nip import parse_nip
from services.employee.siasn.fake import NO_DATE, demo_agency

pytestmark = pytest.mark.unit

GUID = re.compile(r"^[0-9A-F]{32}$")


def test_the_same_seed_builds_the_same_agency_and_another_seed_another():
    first, again, other = demo_agency(seed=3, people=40), demo_agency(seed=3, people=40), demo_agency(seed=4)
    assert [p.data_utama for p in first.people.values()] == [p.data_utama for p in again.people.values()]
    assert [p.riwayat for p in first.people.values()] == [p.riwayat for p in again.people.values()]
    assert first.unors == again.unors and first.instansi_id == again.instansi_id
    assert first.instansi_id != other.instansi_id and len(other.people) == 300


def test_the_demo_agency_speaks_siasn_s_formats():
    state = demo_agency(seed=5, people=60)
    unor_ids = {unor["Id"] for unor in state.unors}
    for nip, person in state.people.items():
        data = person.data_utama
        assert parse_nip(nip).gender == data["jenisKelamin"]
        assert GUID.match(data["id"]) and data["unorId"] in unor_ids
        for field in ("tglLahir", "tmtCpns", "tmtJabatan", "tmtGolAkhir", "tmtEselon", "tmtPensiun"):
            assert data[field] == NO_DATE or datetime.strptime(data[field], "%d-%m-%Y")
        for row in person.riwayat["jabatan"]:
            assert row["idPns"] == data["id"] and isinstance(row["path"], dict)
    assert {unor["DiatasanId"] for unor in state.unors} - {""} <= unor_ids
