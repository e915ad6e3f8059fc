from datetime import date

import pytest

from services.employee.domain.nip import InvalidNip, check_nip_agrees, parse_nip

pytestmark = pytest.mark.unit


def test_parses_every_part_of_a_valid_nip():
    nip = parse_nip("198503122010011001")
    assert nip.birth_date == date(1985, 3, 12)
    assert (nip.tmt_cpns_year, nip.tmt_cpns_month) == (2010, 1)
    assert nip.gender == "M"
    assert nip.sequence == 1


def test_accepts_spaces_between_the_groups():
    assert parse_nip("19850312 201001 2 003").value == "198503122010012003"


@pytest.mark.parametrize(
    ("raw", "part", "reason"),
    [
        ("19850312201001100", "format", "18 digits"),
        ("1985031220100110011", "format", "18 digits"),
        ("19850312201001100X", "format", "18 digits"),
        ("198502302010011001", "birth_date", "not a real date"),
        ("198513122010011001", "birth_date", "not a real date"),
        ("198503122010131001", "tmt_cpns", "not a real year and month"),
        ("198503122010001001", "tmt_cpns", "not a real year and month"),
        ("198503121984011001", "tmt_cpns", "not after the birth date"),
        ("198503122010013001", "gender", "1 (male) or 2 (female)"),
        ("198503122010011000", "sequence", "001 to 999"),
    ],
)
def test_names_the_failing_part(raw, part, reason):
    with pytest.raises(InvalidNip) as raised:
        parse_nip(raw)
    assert raised.value.part == part
    assert reason in raised.value.detail
    assert raised.value.errors[0].field == f"nip.{part}"


def test_nip_must_agree_with_recorded_birth_date_and_gender():
    nip = parse_nip("198503122010012001")
    check_nip_agrees(nip, birth_date=date(1985, 3, 12), gender="F")
    with pytest.raises(InvalidNip, match="differs from the recorded birth date"):
        check_nip_agrees(nip, birth_date=date(1985, 3, 13), gender="F")
    with pytest.raises(InvalidNip, match="differs from the recorded gender"):
        check_nip_agrees(nip, birth_date=date(1985, 3, 12), gender="M")
