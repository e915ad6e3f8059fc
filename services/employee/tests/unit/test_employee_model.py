from datetime import date

import pytest

from services.employee.domain import model
from services.employee.domain.model import (
    Assessment,
    EmployeeStatus,
    EmploymentType,
    InvalidChange,
    Placement,
    Rank,
)
from services.employee.domain.nip import parse_nip
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit

POS_A, POS_B, POS_C = (f"7a0e1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2{i}" for i in "abc")
HOME = Placement("7601", "unit-a", POS_A, date(2020, 1, 1))


def andi(**overrides):
    values = dict(
        nip=parse_nip("198503122010011001"),
        name=" Andi ",
        birth_date=date(1985, 3, 12),
        gender="M",
        placement=HOME,
        employment_type=EmploymentType.PNS,
    )
    values.update(overrides)
    return model.register(**values)


def test_registering_takes_tmt_cpns_from_the_nip_and_trims_the_name():
    employee = andi()
    assert employee.name == "Andi"
    assert employee.tmt_cpns == date(2010, 1, 1)
    assert employee.ten_year_bond_until is None  # appointed before the 2021 rules


def test_appointments_from_2021_carry_the_ten_year_bond_but_pppk_do_not():
    nip = parse_nip("199801012021031002")
    pns = andi(nip=nip, birth_date=date(1998, 1, 1))
    assert pns.ten_year_bond_until == date(2031, 3, 1)
    pppk = andi(nip=nip, birth_date=date(1998, 1, 1), employment_type=EmploymentType.PPPK)
    assert pppk.ten_year_bond_until is None


def test_a_nik_must_have_16_digits_and_is_shown_masked():
    with pytest.raises(InvalidInput, match="16 digits"):
        andi(nik="12345")
    assert model.mask_nik("7601011203850001") == "7601**********01"


def test_the_display_name_carries_academic_titles():
    employee = andi()
    employee.front_title, employee.back_title = "Dr.", "S.Kom., M.T."
    assert employee.display_name == "Dr. Andi, S.Kom., M.T."


def test_a_final_status_never_changes_again():
    employee = andi()
    assert employee.change_status(EmployeeStatus.RETIRED) == EmployeeStatus.ACTIVE
    with pytest.raises(InvalidChange, match="can no longer change"):
        employee.change_status(EmployeeStatus.ACTIVE)


def test_a_new_rank_must_come_after_the_current_one():
    employee = andi(rank=Rank("III/a", date(2014, 4, 1)))
    with pytest.raises(InvalidChange, match="must be after"):
        employee.promote(Rank("III/b", date(2014, 4, 1)))
    assert employee.promote(Rank("III/b", date(2018, 4, 1))) == Rank("III/a", date(2014, 4, 1))


def test_only_an_active_employee_moves_and_never_back_in_time():
    employee = andi()
    with pytest.raises(InvalidChange, match="before the current posting"):
        employee.move(Placement("7601", "unit-b", POS_B, date(2019, 1, 1)))
    with pytest.raises(InvalidChange, match="already holds"):
        employee.move(Placement("7601", "unit-a", POS_A, date(2024, 1, 1)))
    assert employee.move(Placement("7602", "unit-b", POS_B, date(2024, 1, 1))) == HOME
    employee.change_status(EmployeeStatus.LEAVE)
    with pytest.raises(InvalidChange, match="not active"):
        employee.move(Placement("7601", "unit-c", POS_C, date(2025, 1, 1)))


def test_an_older_assessment_does_not_replace_a_newer_one():
    employee = andi()
    newer = Assessment("Integritas", 4, date(2025, 6, 1))
    older = Assessment("Integritas", 2, date(2023, 6, 1))
    assert employee.assess([newer]) == [newer]
    assert employee.assess([older]) == []
    assert employee.competencies["Integritas"] == newer
    with pytest.raises(InvalidInput, match="1 to 5"):
        employee.assess([Assessment("Kerjasama", 6, date(2025, 6, 1))])


def test_only_plain_record_fields_are_revisable():
    employee = andi()
    assert model.revise(employee, work_location="Mamuju").work_location == "Mamuju"
    with pytest.raises(InvalidInput, match="status cannot be changed here"):
        model.revise(employee, status="retired")
    with pytest.raises(InvalidInput, match="16 digits"):
        model.revise(employee, nik="12")


def test_a_position_is_named_by_its_id_in_canonical_form():
    upper = Placement("7601", None, POS_A.upper(), date(2024, 1, 1))
    assert model.checked_placement(upper).position_id == POS_A
    with pytest.raises(InvalidInput) as refused:
        model.checked_placement(Placement("7601", None, "Analis SDM", date(2024, 1, 1)))
    assert [(e.field, e.value) for e in refused.value.errors] == [("position_id", "Analis SDM")]
