from decimal import Decimal

import pytest

from services.appraisal.domain.predicate import Predicate
from services.appraisal.domain.talent import (
    BOX_ACTIONS,
    NINE_BOX,
    PERFORMANCE_OF,
    SUCCESSION_POOL,
    Performance,
    Potential,
    PotentialPolicy,
    box_of,
    job_person_match,
)
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("predicate", "performance"),
    [
        (Predicate.SANGAT_BAIK, Performance.ABOVE),
        (Predicate.BAIK, Performance.MEETS),
        (Predicate.BUTUH_PERBAIKAN, Performance.BELOW),
        (Predicate.KURANG, Performance.BELOW),
        (Predicate.SANGAT_KURANG, Performance.BELOW),
    ],
)
def test_the_annual_predicate_gives_the_performance_axis(predicate, performance):
    assert PERFORMANCE_OF[predicate] is performance


@pytest.mark.parametrize(
    ("predicate", "potential", "box"),
    [
        (Predicate.SANGAT_BAIK, Potential.HIGH, 9),
        (Predicate.BAIK, Potential.HIGH, 8),
        (Predicate.SANGAT_BAIK, Potential.MEDIUM, 7),
        (Predicate.BUTUH_PERBAIKAN, Potential.HIGH, 6),
        (Predicate.BAIK, Potential.MEDIUM, 5),
        (Predicate.SANGAT_BAIK, Potential.LOW, 4),
        (Predicate.KURANG, Potential.MEDIUM, 3),
        (Predicate.BAIK, Potential.LOW, 2),
        (Predicate.SANGAT_KURANG, Potential.LOW, 1),
    ],
)
def test_every_box_of_the_nine_box_grid(predicate, potential, box):
    assert box_of(predicate, potential) == box


def test_the_grid_uses_each_box_once_and_every_box_has_actions():
    assert sorted(NINE_BOX.values()) == list(range(1, 10))
    assert set(BOX_ACTIONS) == set(range(1, 10))
    assert SUCCESSION_POOL == {7, 8, 9}
    assert "handled under the regulations on discipline and performance" in BOX_ACTIONS[1]
    assert BOX_ACTIONS[5] == ("placement", "coaching", "development")


def test_job_person_match_counts_each_competency_up_to_its_required_level():
    required = {"Integritas": 4, "Kerjasama": 3, "Komunikasi": 3, "Perekat Bangsa": 2}
    # min(5,4) + min(2,3) + min(3,3) + 0 (not assessed) = 9 of 12.
    actual = {"Integritas": 5, "Kerjasama": 2, "Komunikasi": 3, "Teknis": 5}
    assert job_person_match(actual, required) == Decimal("75.00")
    assert job_person_match({"A": 2}, {"A": 3}) == Decimal("66.67")


def test_job_person_match_needs_a_standard():
    with pytest.raises(InvalidInput):
        job_person_match({"A": 3}, {})


def test_the_default_policy_bands_potential_by_the_job_person_match():
    policy = PotentialPolicy()
    assert policy.score(Decimal("89.99"), {}) == Decimal("89.99")
    assert [policy.potential(Decimal(s)) for s in ("77.99", "78", "89.99", "90")] == [
        Potential.LOW,
        Potential.MEDIUM,
        Potential.MEDIUM,
        Potential.HIGH,
    ]


def test_the_potential_score_is_the_weighted_mean_of_the_assessed_scores():
    policy = PotentialPolicy(weights={"job_person_match": Decimal(2), "learning_agility": Decimal(1)})
    # (80 x 2 + 95 x 1 + 50 x 1, unweighted scores counting once) / 4
    score = policy.score(Decimal(80), {"learning_agility": Decimal(95), "motivation": Decimal(50)})
    assert score == Decimal("76.25")


def test_a_policy_whose_cut_offs_or_weights_make_no_sense_is_refused():
    with pytest.raises(InvalidInput):
        PotentialPolicy(medium_from=Decimal(91), high_from=Decimal(90))
    with pytest.raises(InvalidInput):
        PotentialPolicy(weights={"job_person_match": Decimal(-1)})
    with pytest.raises(InvalidInput):
        PotentialPolicy(weights={"job_person_match": Decimal(0)}).score(Decimal(80), {})
