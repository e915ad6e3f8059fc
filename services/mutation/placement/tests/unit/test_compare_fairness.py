import numpy as np
import pytest

from services.mutation.placement.domain.compare import compare, staffing, summarize
from services.mutation.placement.domain.engine import Edits, build_model, solve
from services.mutation.placement.domain.fairness import fairness_report
from services.mutation.placement.domain.instance import FEMALE, MALE
from services.mutation.placement.tests.support import ONLY_MATCH, C, P, Round, U
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit


def two_unit_round() -> Round:
    """Unit 0 is over-staffed (12 for a need of 8), unit 1 over-loaded (4 for 8, EJ 2)."""
    return Round(
        [U(8, 12), U(8, 4)],
        [P(unit=1, seats=2, standard=(5, 0)), P(unit=1, standard=(0, 5)), P(unit=1, family=2)],
        [C(unit=0, competency=(5, 4)), C(unit=0, competency=(4, 1)), C(unit=0, competency=(1, 1))],
    )


def test_staffing_after_the_plan_moves_people_between_units():
    plan = solve(build_model(two_unit_round().instance()), ONLY_MATCH)
    units = staffing(plan.move_set())

    assert len(plan.moves) == 3
    assert units.present_after.tolist() == [9, 7]
    assert units.gap_before.tolist() == [-4, 4]
    assert units.gap_after.tolist() == [-1, 1]
    assert units.ej_before.tolist() == pytest.approx([8 / 12, 2.0])
    assert units.ej_after.tolist() == pytest.approx([8 / 9, 8 / 7])


def test_a_summary_counts_open_seats_under_staffed_positions_and_the_spread_of_ej():
    summary = summarize(solve(build_model(two_unit_round().instance()), ONLY_MATCH).move_set())

    assert (summary.open_seats_before, summary.open_seats_after) == (4, 1)
    assert (summary.understaffed_positions_before, summary.understaffed_positions_after) == (3, 1)
    assert summary.spread_before.ej_std == pytest.approx(np.std([8 / 12, 2.0]))
    assert summary.spread_after.ej_std == pytest.approx(np.std([8 / 9, 8 / 7]))
    assert summary.spread_after.ej_std < summary.spread_before.ej_std
    assert (summary.spread_before.understaffed_units, summary.spread_after.understaffed_units) == (1, 1)


def test_two_plans_of_a_round_compare_move_by_move():
    model = build_model(two_unit_round().instance())
    best = solve(model, ONLY_MATCH)
    what_if = solve(model, ONLY_MATCH, Edits.of(forbids=[(0, 0)]))
    diff = compare(best.move_set(), what_if.move_set())

    assert diff.only_in_a.tolist() == [[0, 0], [2, 1]]
    assert diff.only_in_b.tolist() == [[0, 1], [2, 0]]
    assert diff.in_both == 1
    assert (best.total_score, what_if.total_score) == (200, 180)
    assert diff.score_difference == -20
    assert diff.units_a.present_after.tolist() == diff.units_b.present_after.tolist()


def test_plans_of_different_rounds_are_not_compared():
    a = solve(build_model(two_unit_round().instance()))
    b = solve(build_model(two_unit_round().instance()))

    with pytest.raises(InvalidInput):
        compare(a.move_set(), b.move_set())


def test_the_fairness_report_flags_a_group_moved_at_less_than_four_fifths_of_the_best_rate():
    round_ = Round(
        [U(0, 12, location=0), U(8, 4, location=1)],
        [P(unit=1, seats=3)],
        [
            C(unit=0, gender=MALE, age=28, rank=32, preferences=(1,)),
            C(unit=0, gender=MALE, age=35, rank=33, preferences=(0,)),
            C(unit=0, gender=MALE, age=45, rank=41),
            C(unit=0, gender=FEMALE, age=52, rank=32, preferences=(1,)),
            C(unit=0, gender=FEMALE, age=33, rank=32, eligible=False, preferences=(1,)),
        ],
    )
    plan = solve(build_model(round_.instance()), ONLY_MATCH, Edits.of(forbids=[(3, 0)]))
    report = fairness_report(plan.move_set(), plan.eligible_candidates())
    by = {(g.dimension, g.group): g for g in report.groups}

    assert len(plan.moves) == 3
    male, female = by["gender", "male"], by["gender", "female"]
    assert (male.pool, male.moved, male.move_rate, male.move_ratio) == (3, 3, 1.0, 1.0)
    assert (female.pool, female.eligible, female.moved, female.move_ratio) == (2, 1, 0, 0.0)
    assert female.flags == ["move_rate", "preference_rate"]
    assert (male.with_preferences, male.preference_met, male.preference_rate) == (2, 1, 0.5)
    assert male.mean_score == 100
    assert set(by) == {
        ("gender", "male"),
        ("gender", "female"),
        ("rank_group", "III"),
        ("rank_group", "IV"),
        ("age_band", "<30"),
        ("age_band", "30-39"),
        ("age_band", "40-49"),
        ("age_band", "50+"),
    }
    assert by["rank_group", "IV"].move_rate == 1.0
    assert [g.group for g in report.flagged] == ["female", "III", "30-39", "50+"]
