import math

import numpy as np
import pytest

from services.mutation.placement.domain.instance import BAIK, BUTUH_PERBAIKAN, SANGAT_BAIK, UNKNOWN
from services.mutation.placement.domain.pairs import eligible_pairs
from services.mutation.placement.domain.scoring import (
    COMPONENTS,
    COST_SCALE,
    Weights,
    haversine_km,
    pair_components,
)
from services.mutation.placement.tests.support import MAJENE, MAMUJU, POLEWALI, C, P, Round, U
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit


def components_of(round_: Round) -> dict[tuple[int, int], dict[str, float]]:
    instance = round_.instance()
    pairs = eligible_pairs(instance)
    values = pair_components(instance, pairs).values
    return {
        (int(c), int(p)): dict(zip(COMPONENTS, values[:, k].tolist(), strict=True))
        for k, (c, p) in enumerate(zip(pairs.candidate, pairs.position, strict=True))
    }


def test_job_person_match_is_what_is_met_of_what_is_required():
    scored = components_of(
        Round(
            [U(8, 10), U(8, 6)],
            [P(unit=1, standard=(4, 3, 0)), P(unit=1, standard=(0, 0, 0))],
            [C(unit=0, competency=(5, 2, 4))],
        )
    )

    assert scored[0, 0]["job_person_match"] == pytest.approx((4 + 2) / (4 + 3))
    assert scored[0, 1]["job_person_match"] == 0.5  # no standard: neutral


def test_performance_averages_the_known_predicates_and_talent_reads_the_nine_box():
    scored = components_of(
        Round(
            [U(8, 10), U(8, 6)],
            [P(unit=1)],
            [
                C(unit=0, predicates=(SANGAT_BAIK, BAIK), nine_box=9),
                C(unit=0, predicates=(UNKNOWN, BUTUH_PERBAIKAN), nine_box=1),
                C(unit=0, predicates=(UNKNOWN, UNKNOWN), nine_box=0),
            ],
        )
    )

    assert scored[0, 0]["performance"] == pytest.approx((1.0 + 0.7) / 2)
    assert scored[1, 0]["performance"] == pytest.approx(0.3)
    assert scored[2, 0]["performance"] == pytest.approx(0.5)
    assert [scored[c, 0]["talent"] for c in range(3)] == [1.0, 0.0, 0.5]


def test_preference_counts_down_the_list_of_preferred_locations():
    scored = components_of(
        Round(
            [U(8, 10, location=MAMUJU), U(8, 6, location=MAJENE), U(8, 6, location=POLEWALI)],
            [P(unit=1), P(unit=2)],
            [C(unit=0, preferences=(POLEWALI, MAJENE)), C(unit=0, preferences=(MAMUJU,))],
        )
    )

    assert scored[0, 1]["preference"] == 1.0
    assert scored[0, 0]["preference"] == 0.75
    assert scored[1, 0]["preference"] == scored[1, 1]["preference"] == 0.0


def test_distance_is_the_great_circle_between_work_locations_scaled_to_at_most_one():
    coordinates = [(0.0, 118.0), (1.0, 118.0), (0.0, 125.0)]
    scored = components_of(
        Round(
            [U(8, 10, location=0), U(8, 6, location=1), U(8, 6, location=2), U(8, 6, location=0)],
            [P(unit=1), P(unit=2), P(unit=3)],
            [C(unit=0)],
            coordinates=coordinates,
        )
    )

    one_degree_km = 6371.0088 * math.pi / 180
    assert haversine_km(np.array(0.0), np.array(118.0), np.array(1.0), np.array(118.0)) == pytest.approx(
        one_degree_km
    )
    assert scored[0, 0]["distance"] == pytest.approx(-one_degree_km / 300, rel=1e-6)
    assert scored[0, 1]["distance"] == -1.0  # ~778 km: capped
    assert scored[0, 2]["distance"] == 0.0  # another unit in the same town


def test_workload_effects_reward_moving_from_over_staffed_to_over_loaded_units():
    scored = components_of(
        Round(
            [U(8, 10), U(12, 10), U(9, 10), U(5, 0)],  # EJ 0.8, 1.2, 0.9 and an empty unit with work
            [P(unit=1), P(unit=2), P(unit=3)],
            [C(unit=0)],
        )
    )

    assert scored[0, 0]["origin_workload"] == pytest.approx(0.2)
    assert scored[0, 0]["target_workload"] == pytest.approx(0.2)
    assert scored[0, 1]["target_workload"] == pytest.approx(-0.1)
    assert scored[0, 2]["target_workload"] == 1.0


def test_costs_are_minus_the_weighted_score_in_thousandths_of_a_point():
    instance = Round(
        [U(8, 10), U(12, 10)], [P(unit=1, standard=(4, 3))], [C(unit=0, competency=(5, 2))]
    ).instance()
    pairs = eligible_pairs(instance)
    components = pair_components(instance, pairs)
    weights = Weights(job_person_match=50, performance=10)

    expected = float(weights.vector() @ components.values[:, 0].astype(np.float64))
    assert components.scores(weights)[0] == pytest.approx(expected)
    assert components.costs(weights)[0] == -round(expected * COST_SCALE)


def test_weights_must_be_between_zero_and_a_thousand_and_known():
    with pytest.raises(InvalidInput) as refused:
        Weights(distance=-1, talent=float("nan"))
    assert {p.field for p in refused.value.errors} == {"weights.distance", "weights.talent"}

    with pytest.raises(InvalidInput):
        Weights().replace({"seniority": 5})
    assert Weights().replace({"preference": 30}).preference == 30
