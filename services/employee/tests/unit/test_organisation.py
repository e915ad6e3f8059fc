from typing import Any
from uuid import uuid4

import pytest

from services.employee.domain.model import EducationLevel
from services.employee.domain.organisation import (
    Agency,
    AgencyKind,
    PositionType,
    Unit,
    UnitKind,
    define_agency,
    define_position,
    define_unit,
    lineage,
    revise_agency,
    revise_position,
    revise_unit,
)
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit

SULBAR = Agency("7600", "Pemerintah Provinsi Sulawesi Barat", AgencyKind.PROVINCE, "7600")
MAMUJU = Agency("7601", "Pemerintah Kabupaten Mamuju", AgencyKind.KABUPATEN, "7600")
BKN = Agency("4000", "Badan Kepegawaian Negara", AgencyKind.CENTRAL, None)


def refused_fields(action: Any) -> list[str | None]:
    with pytest.raises(InvalidInput) as refused:
        action()
    return [problem.field for problem in refused.value.errors]


def test_a_province_belongs_to_itself():
    province = define_agency(
        code="7600", name="Sulawesi Barat", kind=AgencyKind.PROVINCE, province_code=None, province=None
    )
    assert province.province_code == "7600"
    assert refused_fields(
        lambda: define_agency(
            code="7600", name="Sulbar", kind=AgencyKind.PROVINCE, province_code="7300", province=None
        )
    ) == ["province_code"]


def test_a_kabupaten_or_kota_belongs_to_an_existing_province():
    kota = define_agency(
        code="7371", name="Makassar", kind=AgencyKind.KOTA, province_code="7600", province=SULBAR
    )
    assert kota.province_code == "7600"
    for province_code, province in ((None, None), ("7699", None), ("4000", BKN)):
        assert refused_fields(
            lambda code=province_code, found=province: define_agency(
                code="7602", name="Majene", kind=AgencyKind.KABUPATEN, province_code=code, province=found
            )
        ) == ["province_code"]


def test_a_central_agency_belongs_to_no_province():
    assert refused_fields(
        lambda: define_agency(
            code="4000", name="BKN", kind=AgencyKind.CENTRAL, province_code="7600", province=SULBAR
        )
    ) == ["province_code"]


def test_revising_an_agency_counts_a_version_and_keeps_the_rules():
    renamed = revise_agency(MAMUJU, {"name": "Kabupaten Mamuju"}, province=SULBAR)
    assert (renamed.name, renamed.version) == ("Kabupaten Mamuju", 2)
    assert refused_fields(lambda: revise_agency(MAMUJU, {"province_code": None}, province=None)) == [
        "province_code"
    ]


def unit(agency: Agency = MAMUJU, parent: Unit | None = None, name: str = "Dinas") -> Unit:
    return define_unit(
        agency=agency,
        agency_code=agency.code,
        parent_id=parent.id if parent else None,
        name=name,
        kind=UnitKind.BIDANG if parent else UnitKind.DINAS,
        location="Mamuju",
        parent=parent,
    )


def test_a_unit_needs_an_agency_and_a_parent_of_the_same_agency():
    dinas = unit()
    bidang = unit(parent=dinas, name="Bidang Mutasi")
    assert (bidang.parent_id, bidang.agency_code, bidang.version) == (dinas.id, "7601", 1)
    assert refused_fields(
        lambda: define_unit(
            agency=None,
            agency_code="9999",
            parent_id=None,
            name="X",
            kind=UnitKind.DINAS,
            location=None,
            parent=None,
        )
    ) == ["agency_code"]
    assert refused_fields(
        lambda: define_unit(
            agency=MAMUJU,
            agency_code="7601",
            parent_id=uuid4(),
            name="X",
            kind=UnitKind.SEKSI,
            location=None,
            parent=None,
        )
    ) == ["parent_id"]
    elsewhere = unit(agency=SULBAR)
    assert refused_fields(lambda: unit(parent=elsewhere)) == ["parent_id"]


def test_a_unit_cannot_move_below_itself_or_its_own_sub_units():
    dinas = unit()
    bidang = unit(parent=dinas, name="Bidang")
    seksi = unit(parent=bidang, name="Seksi")
    other = unit(name="Badan")
    tree = {u.id: u.parent_id for u in (dinas, bidang, seksi, other)}
    no_head = {"head": None}

    for new_parent in (dinas, bidang, seksi):
        assert refused_fields(
            lambda p=new_parent: revise_unit(dinas, {"parent_id": p.id}, parent=p, tree=tree, **no_head)
        ) == ["parent_id"]
    moved = revise_unit(bidang, {"parent_id": other.id}, parent=other, tree=tree, **no_head)
    assert (moved.parent_id, moved.version) == (other.id, 2)
    top = revise_unit(bidang, {"parent_id": None}, parent=None, tree=tree, **no_head)
    assert top.parent_id is None


def test_the_head_of_a_unit_holds_one_of_its_positions():
    dinas = unit()
    bidang = unit(parent=dinas, name="Bidang")
    kepala_dinas = position(dinas)
    tree = {dinas.id: None, bidang.id: dinas.id}
    headed = revise_unit(
        dinas, {"head_position_id": kepala_dinas.id}, parent=None, tree=tree, head=kepala_dinas
    )
    assert headed.head_position_id == kepala_dinas.id
    assert refused_fields(
        lambda: revise_unit(
            bidang, {"head_position_id": kepala_dinas.id}, parent=dinas, tree=tree, head=kepala_dinas
        )
    ) == ["head_position_id"]
    assert refused_fields(
        lambda: revise_unit(bidang, {"head_position_id": uuid4()}, parent=dinas, tree=tree, head=None)
    ) == ["head_position_id"]


def test_lineage_runs_from_a_unit_to_the_top():
    a, b, c = uuid4(), uuid4(), uuid4()
    assert list(lineage(c, {a: None, b: a, c: b})) == [c, b, a]


def position(in_unit: Unit | None = None, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "unit": in_unit or unit(),
        "name": "Analis SDM Aparatur",
        "type": PositionType.FUNGSIONAL,
        "job_class": 9,
        "authorised_headcount": 2,
        "competency_standard": {"Integritas": 3, "Perekat Bangsa": 2, "Manajemen ASN": 3},
        "minimum_rank": "III/a",
        "minimum_education": EducationLevel.S1,
        "retirement_age": None,
    }
    fields.update(overrides)
    fields["unit_id"] = fields["unit"].id if fields["unit"] else uuid4()
    return define_position(**fields)


def test_a_position_takes_its_agency_from_its_unit():
    dinas = unit()
    analis = position(dinas)
    assert (analis.unit_id, analis.agency_code, analis.version) == (dinas.id, "7601", 1)
    assert refused_fields(lambda: position(unit=None)) == ["unit_id"]


@pytest.mark.parametrize("job_class", [1, 17])
def test_job_classes_run_from_1_to_17(job_class):
    assert position(job_class=job_class).job_class == job_class


@pytest.mark.parametrize("job_class", [0, 18, -3])
def test_a_job_class_outside_1_to_17_is_refused(job_class):
    assert refused_fields(lambda: position(job_class=job_class)) == ["job_class"]


def test_the_minimum_rank_is_one_of_the_17_ranks():
    assert position(minimum_rank="IV/e").minimum_rank == "IV/e"
    assert refused_fields(lambda: position(minimum_rank="III/f")) == ["minimum_rank"]
    assert refused_fields(lambda: position(minimum_rank="iii/a")) == ["minimum_rank"]


def test_retirement_age_defaults_to_58_and_60_for_jpt():
    assert position(type=PositionType.PELAKSANA).retirement_age == 58
    assert position(type=PositionType.FUNGSIONAL).retirement_age == 58
    assert position(type=PositionType.JPT).retirement_age == 60
    assert position(type=PositionType.FUNGSIONAL, retirement_age=65).retirement_age == 65
    assert refused_fields(lambda: position(retirement_age=40)) == ["retirement_age"]


def test_a_revised_position_may_go_back_to_the_default_retirement_age():
    custom = position(type=PositionType.JPT, retirement_age=65)
    revised = revise_position(custom, {"retirement_age": None, "name": "Kepala Dinas"})
    assert (revised.retirement_age, revised.custom_retirement_age, revised.version) == (60, None, 2)
    assert refused_fields(lambda: revise_position(custom, {"job_class": 18})) == ["job_class"]


def test_competency_names_take_the_regulation_spelling_and_levels_run_from_1_to_5():
    analis = position(competency_standard={"integritas": 4, " orientasi  pada hasil": 3, "Arsip": 1})
    assert analis.competency_standard == {"Integritas": 4, "Orientasi pada Hasil": 3, "Arsip": 1}
    assert refused_fields(lambda: position(competency_standard={"Integritas": 6, "Arsip": 0})) == [
        "competency_standard.Integritas",
        "competency_standard.Arsip",
    ]
    assert refused_fields(lambda: position(competency_standard={"Integritas": 3, "INTEGRITAS": 3})) == [
        "competency_standard.INTEGRITAS"
    ]
    assert refused_fields(lambda: position(competency_standard={"  ": 3})) == ["competency_standard.  "]


def test_every_broken_rule_of_a_position_is_reported_at_once():
    assert refused_fields(
        lambda: position(job_class=0, authorised_headcount=-1, minimum_rank="V/a", retirement_age=99)
    ) == ["job_class", "authorised_headcount", "minimum_rank", "retirement_age"]
