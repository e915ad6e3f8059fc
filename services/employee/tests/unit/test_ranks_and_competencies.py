import pytest

from services.employee.domain.competencies import LEVELS, MANAGERIAL, SOCIO_CULTURAL, canonical_name
from services.employee.domain.ranks import RANKS, rank_by_code

pytestmark = pytest.mark.unit


def test_there_are_17_ranks_from_i_a_to_iv_e_with_their_siasn_codes():
    assert len(RANKS) == 17
    assert [r.code for r in RANKS[:4]] == ["I/a", "I/b", "I/c", "I/d"]
    assert [r.siasn_code for r in RANKS] == [
        11,
        12,
        13,
        14,
        21,
        22,
        23,
        24,
        31,
        32,
        33,
        34,
        41,
        42,
        43,
        44,
        45,
    ]
    assert (RANKS[-1].code, RANKS[-1].name) == ("IV/e", "Pembina Utama")


def test_ranks_are_listed_and_compare_from_lowest_to_highest():
    assert list(RANKS) == sorted(RANKS)
    penata_muda = rank_by_code("III/a")
    assert penata_muda is not None
    assert (penata_muda.name, penata_muda.siasn_code) == ("Penata Muda", 31)
    pembina = rank_by_code("IV/a")
    assert pembina is not None and pembina > penata_muda


@pytest.mark.parametrize("code", ["III/f", "V/a", "iii/a", "", "31"])
def test_anything_but_a_rank_code_is_unknown(code):
    assert rank_by_code(code) is None


def test_the_managerial_and_socio_cultural_competencies_of_permenpanrb_38_2017():
    assert len(MANAGERIAL) == 8
    assert "Pengembangan Diri dan Orang Lain" in MANAGERIAL
    assert SOCIO_CULTURAL == ("Perekat Bangsa",)
    assert list(LEVELS) == [1, 2, 3, 4, 5]


def test_competency_names_are_spelt_as_the_regulation_spells_them():
    assert canonical_name("perekat bangsa") == "Perekat Bangsa"
    assert canonical_name("  Pengambilan   keputusan ") == "Pengambilan Keputusan"
    assert canonical_name(" Pengelolaan  Arsip ") == "Pengelolaan Arsip"
