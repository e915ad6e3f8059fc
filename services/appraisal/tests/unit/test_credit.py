from decimal import Decimal

import pytest

from services.appraisal.domain.credit import credit_points
from services.appraisal.domain.predicate import Predicate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("predicate", "points"),
    [
        (Predicate.SANGAT_BAIK, "18.750"),
        (Predicate.BAIK, "12.500"),
        (Predicate.BUTUH_PERBAIKAN, "9.375"),
        (Predicate.KURANG, "6.250"),
        (Predicate.SANGAT_KURANG, "3.125"),
    ],
)
def test_an_annual_evaluation_earns_the_predicates_share_of_the_yearly_coefficient(predicate, points):
    assert credit_points(predicate, Decimal("12.5"), 12) == Decimal(points)


@pytest.mark.parametrize(
    ("months", "points"),
    [(1, "2.083"), (3, "6.250"), (6, "12.500"), (12, "25.000")],
)
def test_periodic_evaluations_earn_pro_rata(months, points):
    # Baik on a yearly coefficient of 25: 25 x 100% x months / 12, to three decimals (half up).
    assert credit_points(Predicate.BAIK, Decimal("25"), months) == Decimal(points)


def test_rounding_is_half_up_at_the_third_decimal():
    # 37.5 x 150% x 1/12 = 4.6875
    assert credit_points(Predicate.SANGAT_BAIK, Decimal("37.5"), 1) == Decimal("4.688")


@pytest.mark.parametrize("months", [0, 13])
def test_an_evaluation_covers_one_to_twelve_months(months):
    with pytest.raises(ValueError):
        credit_points(Predicate.BAIK, Decimal("12.5"), months)
