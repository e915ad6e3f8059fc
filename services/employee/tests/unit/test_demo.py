"""The demo province generator: the same seed gives the same data, the size asked for, NIPs that agree with
each person, careers that fit age and tenure, and units clearly over- and under-staffed by their ABK."""

from collections import Counter
from datetime import date

import pytest

from services.employee.demo.generator import generate, holders_by_position
from services.employee.domain.nip import check_nip_agrees, parse_nip
from services.employee.domain.ranks import RANKS
from services.employee.domain.workload import Staffing, position_workload, unit_workloads, workload_minutes

pytestmark = pytest.mark.unit

AS_OF = date(2026, 1, 1)
RANK_INDEX = {rank.code: i for i, rank in enumerate(RANKS)}


@pytest.fixture(scope="module")
def province():
    return generate(seed=7, employees=1_500, as_of=AS_OF)


def test_the_same_seed_gives_the_same_province_and_another_seed_another(province):
    again = generate(seed=7, employees=1_500, as_of=AS_OF)
    assert repr(again) == repr(province)
    other = generate(seed=8, employees=1_500, as_of=AS_OF)
    assert {str(d.employee.nip) for d in other.employees} != {str(d.employee.nip) for d in province.employees}


def test_the_province_has_its_real_regions_and_the_size_asked_for(province):
    assert len(province.employees) == 1_500
    codes = {a.code: a for a in province.agencies}
    assert codes["7200"].name == "Pemerintah Provinsi Sulawesi Tengah"
    assert codes["7271"].name == "Pemerintah Kota Palu" and codes["7271"].province_code == "7200"
    assert len(codes) == 14
    names = {u.name for u in province.units if u.agency_code == "7200"}
    assert {"Sekretariat Daerah", "Inspektorat", "Badan Kepegawaian Daerah"} <= names
    assert {p.type.value for p in province.positions} == {
        "jpt", "administrator", "pengawas", "fungsional", "pelaksana"
    }  # fmt: skip
    assert all(province.tasks[p.id] for p in province.positions)


def test_nips_are_unique_and_agree_with_each_person(province):
    nips = [str(d.employee.nip) for d in province.employees]
    assert len(set(nips)) == len(nips)
    for demo in province.employees:
        employee = demo.employee
        nip = parse_nip(str(employee.nip))
        check_nip_agrees(nip, birth_date=employee.birth_date, gender=employee.gender)
        assert (nip.tmt_cpns_year, nip.tmt_cpns_month) == (employee.tmt_cpns.year, employee.tmt_cpns.month)
        assert len(employee.nik) == 16


def test_ranks_fit_age_and_tenure(province):
    for demo in province.employees:
        employee = demo.employee
        entry_age = (employee.tmt_cpns - employee.birth_date).days / 365.25
        if employee.employment_type.value == "PPPK":
            # PPPK are hired at any working age and hold no PNS rank.
            assert entry_age >= 18 and employee.rank is None and demo.ranks == []
            continue
        assert 18 <= entry_age <= 36, (employee.nip, entry_age)
        assert demo.ranks[0].tmt == employee.tmt_cpns and demo.ranks[-1] == employee.rank
        for earlier, later in zip(demo.ranks, demo.ranks[1:], strict=False):
            assert RANK_INDEX[later.code] == RANK_INDEX[earlier.code] + 1
            assert (later.tmt - earlier.tmt).days >= 3 * 365, employee.nip
            assert later.tmt <= AS_OF
        assert RANK_INDEX[employee.rank.code] >= RANK_INDEX["II/a"]


def test_histories_supervisors_and_statuses_are_consistent(province):
    positions = {str(p.id): p for p in province.positions}
    nips = {str(d.employee.nip) for d in province.employees}
    for demo in province.employees:
        placement = demo.employee.placement
        assert demo.placements[-1] == placement and positions[placement.position_id].agency_code == (
            placement.agency_code
        )
        assert [p.tmt for p in demo.placements] == sorted(p.tmt for p in demo.placements)
        assert demo.supervisor_nip is None or demo.supervisor_nip in nips
    without_supervisor = [d for d in province.employees if d.supervisor_nip is None]
    assert len(without_supervisor) == len(province.agencies)  # each regional secretary
    statuses = Counter(d.employee.status.value for d in province.employees)
    assert statuses["active"] > 0.9 * len(province.employees)
    assert statuses["leave"] + statuses["suspended"] + statuses["study_leave"] > 0
    assert any(d.employee.ten_year_bond_until for d in province.employees)
    assert any(d.employee.disciplinary_status.value != "none" for d in province.employees)
    summary = province.summary()
    assert summary["province_agency_code"] == "7200" and summary["kabupaten_agency_code"] == "7201"
    sample = next(d for d in province.employees if str(d.employee.nip) == summary["employee_nip"])
    assert sample.supervisor_nip == summary["supervisor_nip"]
    assert sample.employee.placement.agency_code == "7200" and sample.employee.status.value == "active"


def test_some_units_are_clearly_over_staffed_and_some_clearly_under_staffed(province):
    present = dict(holders_by_position(province))
    figures = [
        (p.unit_id, position_workload(workload_minutes(province.tasks[p.id]), present[p.id]))
        for p in province.positions
    ]
    tree = {u.id: u.parent_id for u in province.units}
    units = unit_workloads(tree, figures)
    over = [u for u in province.over_staffed if units[u].staffing is Staffing.OVER]
    under = [u for u in province.under_staffed if units[u].staffing is Staffing.UNDER]
    assert over and under
    assert min(units[u].gap for u in over) <= -2 and max(units[u].gap for u in under) >= 2


def test_the_size_is_bounded():
    with pytest.raises(ValueError):
        generate(seed=1, employees=100_001, as_of=AS_OF)
