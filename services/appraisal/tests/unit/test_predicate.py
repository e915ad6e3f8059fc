from typing import get_args

import pytest

from services.appraisal.domain.predicate import (
    PREDICATE_MATRIX,
    BehaviourRule,
    CoreValue,
    Predicate,
    Rating,
    behaviour_rating,
    predicate_of,
)
from shared.contracts import appraisal as contract
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit

ABOVE, MEETS, BELOW = Rating.ABOVE, Rating.MEETS, Rating.BELOW


@pytest.mark.parametrize(
    ("results", "behaviour", "predicate"),
    [
        (ABOVE, BELOW, Predicate.KURANG),
        (ABOVE, MEETS, Predicate.BAIK),
        (ABOVE, ABOVE, Predicate.SANGAT_BAIK),
        (MEETS, BELOW, Predicate.KURANG),
        (MEETS, MEETS, Predicate.BAIK),
        (MEETS, ABOVE, Predicate.BAIK),
        (BELOW, BELOW, Predicate.SANGAT_KURANG),
        (BELOW, MEETS, Predicate.BUTUH_PERBAIKAN),
        (BELOW, ABOVE, Predicate.BUTUH_PERBAIKAN),
    ],
)
def test_every_cell_of_the_results_by_behaviour_matrix(results, behaviour, predicate):
    assert predicate_of(results, behaviour) is predicate


def test_the_matrix_has_exactly_the_nine_cells():
    assert len(PREDICATE_MATRIX) == 9
    assert {cell for cell in PREDICATE_MATRIX} == {(r, b) for r in Rating for b in Rating}


def test_predicates_score_from_sangat_baik_down_to_sangat_kurang():
    assert [p.score for p in Predicate] == [5, 4, 3, 2, 1]
    assert Predicate.BUTUH_PERBAIKAN.label == "Butuh Perbaikan"


def test_the_event_contract_names_the_same_ratings_and_predicates_as_the_domain():
    assert set(get_args(contract.Rating)) == {r.value for r in Rating}
    assert set(get_args(contract.Predicate)) == {p.value for p in Predicate}


def values(*ratings: Rating) -> dict[CoreValue, Rating]:
    return dict(zip(CoreValue, ratings, strict=True))


def test_under_the_default_rule_the_supervisor_gives_the_overall_rating():
    seven = values(BELOW, BELOW, BELOW, BELOW, ABOVE, ABOVE, ABOVE)
    assert behaviour_rating(BehaviourRule.SUPERVISOR_OVERALL, seven, MEETS) is MEETS
    with pytest.raises(InvalidInput) as refused:
        behaviour_rating(BehaviourRule.SUPERVISOR_OVERALL, seven, None)
    assert refused.value.errors[0].field == "behaviour"


@pytest.mark.parametrize("rule", list(BehaviourRule))
def test_every_core_value_needs_a_rating_whatever_the_rule(rule):
    six = dict(list(values(*[MEETS] * 7).items())[:6])
    with pytest.raises(InvalidInput) as refused:
        behaviour_rating(rule, six, MEETS)
    assert [e.field for e in refused.value.errors] == ["behaviour_values.kolaboratif"]


@pytest.mark.parametrize(
    ("seven", "derived"),
    [
        (values(ABOVE, ABOVE, ABOVE, ABOVE, BELOW, BELOW, BELOW), ABOVE),
        (values(BELOW, BELOW, BELOW, BELOW, ABOVE, ABOVE, ABOVE), BELOW),
        (values(MEETS, MEETS, MEETS, MEETS, MEETS, MEETS, MEETS), MEETS),
        (values(ABOVE, ABOVE, ABOVE, BELOW, BELOW, BELOW, MEETS), MEETS),  # no majority
    ],
)
def test_the_majority_rule_takes_the_rating_four_of_the_seven_share(seven, derived):
    assert behaviour_rating(BehaviourRule.MAJORITY, seven, None) is derived
    assert behaviour_rating(BehaviourRule.MAJORITY, seven, derived) is derived


def test_the_majority_rule_refuses_an_overall_rating_that_contradicts_the_seven():
    with pytest.raises(InvalidInput):
        behaviour_rating(BehaviourRule.MAJORITY, values(*[ABOVE] * 7), BELOW)
