from datetime import date
from decimal import Decimal

import pytest

from services.appraisal.domain.monitoring import (
    Change,
    FinalPredicate,
    before,
    change,
    cohort_figures,
    first_after,
    latest_after,
)
from services.appraisal.domain.periods import Frequency, evaluation_points
from services.appraisal.domain.predicate import Predicate

pytestmark = pytest.mark.unit

SB, B, BP, K, SK = Predicate


def evaluations(year: int, **predicates: Predicate) -> list[FinalPredicate]:
    points = {p.key: p for p in evaluation_points(year, Frequency.QUARTERLY)}
    return [
        FinalPredicate(year, key, points[key].starts_on, points[key].ends_on, predicate)
        for key, predicate in predicates.items()
    ]


HISTORY = [
    *evaluations(2025, Q4=K, annual=B),
    *evaluations(2026, Q1=SB, Q2=SK, Q3=BP, annual=SK),
    *evaluations(2027, Q1=B, annual=SB),
]


def test_before_is_the_last_evaluation_whose_period_ended_before_the_tmt():
    annual = [e for e in HISTORY if e.point == "annual"]
    periodic = [e for e in HISTORY if e.point != "annual"]
    assert before(date(2026, 7, 1), annual).year == 2025
    assert before(date(2026, 7, 1), periodic).point == "Q2"
    assert before(date(2026, 1, 1), annual).year == 2025
    assert before(date(2025, 6, 1), annual) is None


def test_after_is_the_first_annual_evaluation_of_a_year_begun_on_or_after_the_tmt():
    annual = [e for e in HISTORY if e.point == "annual"]
    assert first_after(date(2026, 7, 1), annual).year == 2027  # 2026 is split between positions
    assert first_after(date(2026, 1, 1), annual).year == 2026  # the whole of 2026 in the new position
    assert first_after(date(2027, 3, 1), annual) is None


def test_the_periodic_signal_after_a_move_is_the_latest_one():
    periodic = [e for e in HISTORY if e.point != "annual"]
    assert latest_after(date(2026, 4, 1), periodic).predicate is B  # 2027 Q1
    assert latest_after(date(2027, 4, 1), periodic) is None


@pytest.mark.parametrize(
    ("before_", "after", "expected"),
    [
        (B, SB, Change.IMPROVED),
        (B, B, Change.UNCHANGED),
        (SB, BP, Change.DECLINED),
        (None, B, None),
        (B, None, None),
    ],
)
def test_change_compares_predicate_scores(before_, after, expected):
    assert change(before_, after) is expected


def test_cohort_figures_count_only_moves_with_both_predicates():
    figures = cohort_figures([(B, SB), (B, B), (SB, BP), (K, B), (B, None), (None, None)])
    assert (figures.moves, figures.compared) == (6, 4)
    assert (figures.improved, figures.unchanged, figures.declined) == (2, 1, 1)
    assert (figures.mean_before, figures.mean_after) == (Decimal("3.75"), Decimal("4.00"))
    assert figures.before == {SB: 1, B: 2, BP: 0, K: 1, SK: 0}
    assert figures.after == {SB: 1, B: 2, BP: 1, K: 0, SK: 0}


def test_an_empty_cohort_has_no_means():
    figures = cohort_figures([])
    assert (figures.moves, figures.mean_before, figures.mean_after) == (0, None, None)
