import numpy as np
import pytest

from services.mutation.placement.domain.engine import (
    Edits,
    LocksInfeasible,
    build_model,
    seniority_places,
    solve,
)
from services.mutation.placement.domain.explain import explain, move_explanations
from services.mutation.placement.domain.pairs import EligibilityRules
from services.mutation.placement.domain.scoring import Weights
from services.mutation.placement.tests.support import ONLY_MATCH, C, P, Round, U
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit


def moves_of(plan) -> set[tuple[int, int]]:
    return set(zip(plan.candidate.tolist(), plan.position.tolist(), strict=True))


def crossing_round(**unit0) -> Round:
    """A greedy trap: A fits P0 best (100) but fits P1 (80) nearly as well, while B only fits P0 (80, and
    20 for P1). Greedy gives A->P0 + B->P1 = 120; the optimum is A->P1 + B->P0 = 160."""
    return Round(
        [U(**{"need": 0, "present": 10, **unit0}), U(8, 6)],
        [P(unit=1, standard=(5, 0)), P(unit=1, standard=(0, 5))],
        [C(unit=0, competency=(5, 4)), C(unit=0, competency=(4, 1))],
    )


def test_the_plan_is_the_optimum_not_the_greedy_choice():
    plan = solve(build_model(crossing_round().instance()), ONLY_MATCH)

    assert moves_of(plan) == {(0, 1), (1, 0)}
    assert plan.total_score == 160
    assert plan.optimality_gap == 0
    assert plan.scores().tolist() == [80, 80]


def test_a_unit_releases_no_more_than_its_surplus_over_its_abk_need():
    plan = solve(build_model(crossing_round(need=9).instance()), ONLY_MATCH)  # 10 staff, need 9: one may go

    assert moves_of(plan) == {(0, 0)}
    assert plan.total_score == 100


def test_a_unit_that_is_not_over_staffed_releases_nobody():
    plan = solve(build_model(crossing_round(need=10.5).instance()), ONLY_MATCH)

    assert len(plan.moves) == 0
    assert plan.total_score == 0


def test_the_round_limit_on_moves_out_of_a_unit_holds_even_with_surplus():
    plan = solve(build_model(crossing_round(release_limit=1).instance()), ONLY_MATCH)

    assert moves_of(plan) == {(0, 0)}


def test_the_intake_limit_of_a_unit_and_the_seats_of_a_position_hold():
    units = [U(0, 10), U(8, 6, intake_limit=2), U(8, 6)]
    positions = [P(unit=1, seats=3), P(unit=2, seats=2)]
    candidates = [C(unit=0, competency=(5 - k % 3, 3)) for k in range(6)]
    plan = solve(build_model(Round(units, positions, candidates).instance()), ONLY_MATCH)

    assert np.bincount(plan.position, minlength=2).tolist() == [2, 2]


def test_a_move_worth_less_than_staying_is_not_made():
    weights = Weights(
        job_person_match=10,
        performance=0,
        talent=0,
        preference=0,
        distance=1000,
        origin_workload=0,
        target_workload=0,
    )
    far = Round(
        [U(0, 10, location=0), U(8, 6, location=2)],
        [P(unit=1)],
        [C(unit=0)],
    )
    plan = solve(build_model(far.instance()), weights)

    assert len(plan.moves) == 0


@pytest.mark.parametrize(
    "round_",
    [
        Round([U(0, 10), U(8, 6)], [P(unit=1, seats=0)], [C(unit=0)]),  # no vacancies
        Round([U(0, 10), U(8, 6)], [P(unit=1)], [C(unit=0, eligible=False)]),  # nobody eligible
        Round([U(0, 10), U(8, 6)], [P(unit=1, family=2)], [C(unit=0)]),  # no pair fits
        Round([U(0, 10), U(8, 6)], [P(unit=1)], []),  # no candidates
        Round([U(0, 10)], [], [C(unit=0)]),  # no positions
    ],
    ids=["no-vacancies", "nobody-eligible", "no-fit", "no-candidates", "no-positions"],
)
def test_degenerate_rounds_give_an_empty_plan_that_explains_itself(round_):
    plan = solve(build_model(round_.instance()))
    explanations = explain(plan)

    assert len(plan.moves) == 0
    assert plan.objective == 0
    assert plan.optimality_gap == 0
    assert len(explanations) == 0
    assert move_explanations(plan, explanations) == []


def test_ties_fill_the_seat_once_and_the_other_is_a_runner_up_at_no_cost():
    twins = Round([U(0, 10), U(8, 6)], [P(unit=1)], [C(unit=0), C(unit=0)])
    plan = solve(build_model(twins.instance()), ONLY_MATCH)
    [record] = move_explanations(plan, explain(plan))

    assert len(plan.moves) == 1
    assert plan.total_score == 100
    assert record.runners_up == [
        {"candidate": 1 - record.candidate, "score": 100.0, "reduced_cost": 0.0, "moved_to": None}
    ]
    assert plan.forbid_loss(0) == 0  # the twin takes the seat at no loss


@pytest.mark.parametrize(
    ("people", "taker"),
    [
        ([C(unit=0, rank=34), C(unit=0, rank=32)], 0),  # the higher rank (III/d over III/b)
        ([C(unit=0, rank=32), C(unit=0, rank=34)], 1),
        ([C(unit=0, age=45), C(unit=0, age=38)], 0),  # the same rank: the older
        ([C(unit=0, age=38), C(unit=0, age=45)], 1),
        ([C(unit=0), C(unit=0)], 0),  # the same rank and age: the one listed first (by NIP)
    ],
    ids=["rank-first", "rank-second", "older-first", "older-second", "listed-first"],
)
def test_of_two_people_equally_good_for_a_seat_the_more_senior_takes_it(people, taker):
    plan = solve(build_model(Round([U(0, 10), U(8, 6)], [P(unit=1)], people).instance()), ONLY_MATCH)

    assert plan.candidate.tolist() == [taker]
    assert seniority_places(Round([U(0, 10)], [], people).instance().candidates)[taker] == 0


def test_of_two_seats_equally_good_for_a_person_the_one_listed_first_is_taken():
    two_seats = Round([U(0, 10), U(8, 6)], [P(unit=1), P(unit=1)], [C(unit=0)])
    plan = solve(build_model(two_seats.instance()), ONLY_MATCH)

    assert moves_of(plan) == {(0, 0)}


def test_a_locked_pair_is_in_the_plan_even_when_it_is_not_optimal():
    model = build_model(crossing_round().instance())
    plan = solve(model, ONLY_MATCH, Edits.of(locks=[(0, 0)]))

    assert moves_of(plan) == {(0, 0), (1, 1)}
    assert plan.locked.tolist() == [True, False]
    assert plan.total_score == 120
    assert plan.forbid_loss(0) is None


def test_a_forbidden_pair_is_left_out_and_the_loss_is_what_forbid_loss_said():
    model = build_model(crossing_round().instance())
    best = solve(model, ONLY_MATCH)
    move = int(np.flatnonzero(best.candidate == 1)[0])  # B -> P0
    predicted = best.forbid_loss(move)

    without = solve(model, ONLY_MATCH, Edits.of(forbids=[(1, 0)]))

    assert (1, 0) not in moves_of(without)
    assert best.total_score - without.total_score == pytest.approx(predicted)
    assert predicted == 40  # then A -> P0 and B -> P1: 120


def test_locks_that_break_a_hard_constraint_are_refused_as_a_conflict():
    model = build_model(crossing_round().instance())

    with pytest.raises(LocksInfeasible) as two_on_one_seat:
        solve(model, ONLY_MATCH, Edits.of(locks=[(0, 0), (1, 0)]))
    with pytest.raises(LocksInfeasible) as beyond_release:
        solve(build_model(crossing_round(need=9).instance()), ONLY_MATCH, Edits.of(locks=[(0, 1), (1, 0)]))

    assert two_on_one_seat.value.status == 409
    assert [p.message for p in two_on_one_seat.value.errors] == ["position locked beyond its open seats"]
    assert [p.message for p in beyond_release.value.errors] == [
        "unit would release more than its release cap"
    ]


def test_locks_and_forbids_must_name_eligible_pairs_and_not_the_same_one():
    model = build_model(crossing_round().instance())

    with pytest.raises(InvalidInput):
        solve(model, edits=Edits.of(locks=[(0, 5)]))
    with pytest.raises(InvalidInput):
        solve(model, edits=Edits.of(forbids=[(7, 0)]))
    with pytest.raises(InvalidInput):
        solve(model, edits=Edits.of(locks=[(0, 0)], forbids=[(0, 0)]))


def test_other_weights_re_solve_the_same_model_without_rebuilding_it():
    round_ = Round(
        [U(0, 10, location=0), U(8, 6, location=1), U(8, 6, location=2)],
        [P(unit=1, standard=(5, 0)), P(unit=2, standard=(0, 5))],
        [C(unit=0, competency=(5, 4), preferences=(1,)), C(unit=0, competency=(4, 1), preferences=(2,))],
    )
    model = build_model(round_.instance())
    by_fit = solve(model, ONLY_MATCH)
    by_wish = solve(model, ONLY_MATCH.replace({"job_person_match": 0, "preference": 100}))

    assert moves_of(by_fit) == {(0, 1), (1, 0)}
    assert by_fit.total_score == 160
    assert moves_of(by_wish) == {(0, 0), (1, 1)}
    assert by_wish.total_score == 200


def test_a_job_person_match_below_the_policy_floor_removes_the_pair_unless_there_is_no_standard():
    round_ = Round(
        [U(0, 10), U(8, 6)],
        [P(unit=1, standard=(4, 4)), P(unit=1, standard=(0, 0))],
        [C(unit=0, competency=(4, 1)), C(unit=0, competency=(4, 3))],
    )
    model = build_model(round_.instance(), EligibilityRules(min_job_person_match=0.8))

    pairs = set(zip(model.pairs.candidate.tolist(), model.pairs.position.tolist(), strict=True))
    # against (4, 4): the first meets 5/8, below the floor; the second 7/8; nobody fails a missing standard
    assert pairs == {(0, 1), (1, 0), (1, 1)}
