import numpy as np
import pytest

from services.mutation.placement.domain.engine import Edits, build_model, solve
from services.mutation.placement.domain.explain import explain, move_explanations
from services.mutation.placement.domain.scoring import COMPONENTS, Weights
from services.mutation.placement.tests.support import ONLY_MATCH, C, P, Round, U

pytestmark = pytest.mark.unit


def crossing_round(need: float = 0, release_limit: int = -1) -> Round:
    return Round(
        [U(need, 10, release_limit=release_limit), U(8, 6)],
        [P(unit=1, standard=(5, 0)), P(unit=1, standard=(0, 5)), P(unit=1, family=3)],
        [C(unit=0, competency=(5, 4)), C(unit=0, competency=(4, 1))],
    )


def test_each_move_shows_its_components_and_they_add_up_to_its_score():
    weights = Weights()
    round_ = Round(
        [U(6, 10, location=0), U(12, 10, location=1)],
        [P(unit=1, standard=(4, 2))],
        [C(unit=0, competency=(3, 5), preferences=(1,), nine_box=7)],
    )
    plan = solve(build_model(round_.instance()), weights)
    [record] = move_explanations(plan, explain(plan))

    assert list(record.components) == list(COMPONENTS)
    for name, part in record.components.items():
        assert part["points"] == pytest.approx(getattr(weights, name) * part["value"], abs=1e-3)
    assert record.score == pytest.approx(sum(p["points"] for p in record.components.values()), abs=1e-3)
    assert record.score == pytest.approx(plan.total_score, abs=1e-3)
    assert record.components["preference"] == {"value": 1.0, "points": 15.0}
    assert record.components["talent"]["value"] == 0.75


def test_runners_up_are_ranked_by_reduced_cost_which_never_exceeds_the_real_loss():
    model = build_model(crossing_round().instance())
    plan = solve(model, ONLY_MATCH)  # A -> P1, B -> P0
    records = {(r.candidate, r.position): r for r in move_explanations(plan, explain(plan))}

    [runner_up] = records[1, 0].runners_up
    assert runner_up["candidate"] == 0
    assert runner_up["moved_to"] == 1
    assert runner_up["score"] == 100
    forced = solve(model, ONLY_MATCH, Edits.of(locks=[(0, 0)]))
    assert 0 <= runner_up["reduced_cost"] <= plan.total_score - forced.total_score == 40


def test_a_binding_release_cap_is_named_with_its_shadow_price():
    plan = solve(build_model(crossing_round(need=9).instance()), ONLY_MATCH)  # one may leave: A -> P0
    [record] = move_explanations(plan, explain(plan))
    bound = {b["constraint"]: b for b in record.bound}

    assert (record.candidate, record.position) == (0, 0)
    assert bound["release_cap"]["by_limit"] is False
    # Releasing nobody would lose 100, a second release would gain 60: any price in between is a dual.
    assert 0 < bound["release_cap"]["shadow_price"] <= 100
    assert record.next_best_position is not None
    assert record.next_best_position["position"] == 1
    assert record.next_best_position["reduced_cost"] >= 0


def test_a_cap_set_by_the_round_limit_says_so():
    plan = solve(build_model(crossing_round(release_limit=1).instance()), ONLY_MATCH)
    [record] = move_explanations(plan, explain(plan))

    release = next(b for b in record.bound if b["constraint"] == "release_cap")
    assert release["by_limit"] is True


def test_an_unfilled_vacancy_shows_its_best_candidates_or_that_nobody_fits():
    plan = solve(build_model(crossing_round(need=9).instance()), ONLY_MATCH)
    runners_up = explain(plan).runners_up

    assert sorted(runners_up.candidate[1, :2].tolist()) == [0, 1]  # P1 stays open: A (moved to P0), B
    assert runners_up.candidate[1, 2] == -1
    assert np.all(runners_up.reduced_cost[1, :2] >= 0)
    assert runners_up.candidate[2].tolist() == [-1, -1, -1]  # nobody of family 3
