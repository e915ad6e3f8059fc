from uuid import uuid4

import pytest

from services.training.domain.catalogue import (
    CompetencyTarget,
    Form,
    Programme,
    define_programme,
    missing_prerequisites,
    revise_programme,
)
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit


def programme(**fields) -> Programme:
    values = {
        "id": uuid4(),
        "code": "PKA-01",
        "title": "Pelatihan Kepemimpinan Administrator",
        "form": Form.CLASSICAL,
        "agency_code": "7600",
        "provider": "BPSDM",
        "jp": 40,
        "competencies": (CompetencyTarget("Pengambilan Keputusan", 4),),
        **fields,
    }
    return Programme(**values)


def refused(action) -> list[str | None]:
    with pytest.raises(InvalidInput) as error:
        action()
    return [p.field for p in error.value.errors]


def test_a_programme_develops_competencies_named_in_any_case():
    p = programme()
    assert define_programme(p, prerequisites_of={}) is p
    assert p.level_developed(" pengambilan  keputusan") == 4
    assert p.level_developed("Integritas") is None
    assert Form.BIMTEK.is_classical and not Form.COACHING.is_classical


def test_competencies_once_each_and_levels_one_to_five():
    twice = (CompetencyTarget("Integritas", 3), CompetencyTarget("integritas", 4), CompetencyTarget("X", 6))
    assert refused(lambda: define_programme(programme(competencies=twice), prerequisites_of={})) == [
        "competencies.1.competency",
        "competencies.2.level",
    ]


def test_a_validity_needs_a_certificate():
    assert refused(
        lambda: define_programme(
            programme(issues_certificate=False, certificate_validity_months=12), prerequisites_of={}
        )
    ) == ["certificate_validity_months"]


def test_prerequisites_exist_and_never_loop_back():
    basic, middle = uuid4(), uuid4()
    graph = {basic: (), middle: (basic,)}
    advanced = define_programme(programme(prerequisites=(middle,)), prerequisites_of=graph)
    assert missing_prerequisites(advanced, {basic}) == (middle,)
    assert missing_prerequisites(advanced, {middle}) == ()
    assert refused(lambda: define_programme(programme(prerequisites=(uuid4(),)), prerequisites_of=graph)) == [
        "prerequisites"
    ]
    looping = {**graph, advanced.id: (middle,)}
    # The basic programme may not come to require the advanced one, which (through middle) requires it.
    basic_programme = programme(id=basic)
    assert refused(
        lambda: revise_programme(basic_programme, {"prerequisites": (advanced.id,)}, prerequisites_of=looping)
    ) == ["prerequisites"]
    assert refused(
        lambda: revise_programme(advanced, {"prerequisites": (advanced.id,)}, prerequisites_of=looping)
    ) == ["prerequisites"]


def test_revising_counts_a_version():
    revised = revise_programme(programme(), {"jp": 32}, prerequisites_of={})
    assert (revised.jp, revised.version) == (32, 2)
    assert refused(lambda: revise_programme(programme(), {"jp": 0}, prerequisites_of={})) == ["jp"]
