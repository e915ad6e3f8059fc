from decimal import Decimal

import pytest

from services.appraisal.domain.credit import credit_points
from services.appraisal.domain.predicate import Predicate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("predicate", "points"),
    [
        (Predicate.SANGAT_BAIK, "18.75"),
        (Predicate.BAIK, "12.50"),
        (Predicate.BUTUH_PERBAIKAN, "9.38"),
        (Predicate.KURANG, "6.25"),
        (Predicate.SANGAT_KURANG, "3.13"),
    ],
)
def test_an_annual_evaluation_earns_the_predicates_share_of_the_yearly_coefficient(predicate, points):
    assert credit_points(predicate, Decimal("12.5"), 12) == Decimal(points)


@pytest.mark.parametrize(
    ("months", "points"),
    [(1, "2.08"), (3, "6.25"), (6, "12.50"), (12, "25.00")],
)
def test_periodic_evaluations_earn_pro_rata(months, points):
    # Baik on a yearly coefficient of 25: 25 x 100% x months / 12, to two decimals (half up).
    assert credit_points(Predicate.BAIK, Decimal("25"), months) == Decimal(points)


def test_rounding_is_bkns_two_decimals_half_up():
    # 37.5 x 150% x 1/12 = 4.6875; 12.5 x 75% x 3/12 = 2.34375; 3.75 x 150% x 1/12 = 0.46875
    assert credit_points(Predicate.SANGAT_BAIK, Decimal("37.5"), 1) == Decimal("4.69")
    assert credit_points(Predicate.BUTUH_PERBAIKAN, Decimal("12.5"), 3) == Decimal("2.34")
    assert credit_points(Predicate.SANGAT_BAIK, Decimal("3.75"), 1) == Decimal("0.47")


@pytest.mark.parametrize("months", [0, 13])
def test_an_evaluation_covers_one_to_twelve_months(months):
    with pytest.raises(ValueError):
        credit_points(Predicate.BAIK, Decimal("12.5"), months)
