"""Credit points (angka kredit) that functional positions earn from an evaluation (PermenPANRB 6/2022 and
1/2023): the predicate's share of the yearly coefficient of the position's level, pro rata for periodic
evaluations. The coefficients per level are reference data the service keeps (`functional_levels`)."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from services.appraisal.domain.predicate import Predicate

# Share of the position's yearly credit coefficient each predicate earns.
CREDIT_SHARE: Mapping[Predicate, Decimal] = {
    Predicate.SANGAT_BAIK: Decimal("1.50"),
    Predicate.BAIK: Decimal("1.00"),
    Predicate.BUTUH_PERBAIKAN: Decimal("0.75"),
    Predicate.KURANG: Decimal("0.50"),
    Predicate.SANGAT_KURANG: Decimal("0.25"),
}
MONTHS_A_YEAR = 12
# BKN's worked examples (Peraturan BKN 3/2023) round credit points to two decimals, half up.
CREDIT_PLACES = Decimal("0.01")


def credit_points(predicate: Predicate, yearly_coefficient: Decimal, months: int) -> Decimal:
    """The points an evaluation covering `months` earns: pro rata of the year for periodic evaluations."""
    if not 1 <= months <= MONTHS_A_YEAR:
        raise ValueError(f"an evaluation covers 1 to 12 months, not {months}")
    earned = yearly_coefficient * CREDIT_SHARE[predicate] * months / MONTHS_A_YEAR
    return earned.quantize(CREDIT_PLACES, rounding=ROUND_HALF_UP)
