"""Potential, performance and the 9-box talent grid (PermenPANRB 3/2020)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from services.appraisal.domain.predicate import Predicate
from shared.errors import FieldProblem, InvalidInput

JOB_PERSON_MATCH = "job_person_match"
PERCENT_PLACES = Decimal("0.01")


class Potential(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Performance(StrEnum):
    BELOW = "below"
    MEETS = "meets"
    ABOVE = "above"


# The grid reads performance off the annual predicate: only Sangat Baik is above expectations, only Baik
# meets them; Butuh Perbaikan, Kurang and Sangat Kurang are below.
PERFORMANCE_OF: Mapping[Predicate, Performance] = {
    Predicate.SANGAT_BAIK: Performance.ABOVE,
    Predicate.BAIK: Performance.MEETS,
    Predicate.BUTUH_PERBAIKAN: Performance.BELOW,
    Predicate.KURANG: Performance.BELOW,
    Predicate.SANGAT_KURANG: Performance.BELOW,
}

NINE_BOX: Mapping[tuple[Performance, Potential], int] = {
    (Performance.ABOVE, Potential.HIGH): 9,
    (Performance.MEETS, Potential.HIGH): 8,
    (Performance.ABOVE, Potential.MEDIUM): 7,
    (Performance.BELOW, Potential.HIGH): 6,
    (Performance.MEETS, Potential.MEDIUM): 5,
    (Performance.ABOVE, Potential.LOW): 4,
    (Performance.BELOW, Potential.MEDIUM): 3,
    (Performance.MEETS, Potential.LOW): 2,
    (Performance.BELOW, Potential.LOW): 1,
}

SUCCESSION_POOL = frozenset({7, 8, 9})

BOX_ACTIONS: Mapping[int, tuple[str, ...]] = {
    **dict.fromkeys((7, 8, 9), ("promote or retain", "rotation", "enrichment")),
    **dict.fromkeys((4, 5, 6), ("placement", "coaching", "development")),
    **dict.fromkeys((2, 3), ("coaching", "counselling")),
    1: ("coaching", "counselling", "handled under the regulations on discipline and performance"),
}


def box_of(predicate: Predicate, potential: Potential) -> int:
    return NINE_BOX[(PERFORMANCE_OF[predicate], potential)]


def job_person_match(actual: Mapping[str, int], required: Mapping[str, int]) -> Decimal:
    """Σ min(actual, required) ÷ Σ required over the position's competency standard, as a percentage
    (PermenPANRB 38/2017); a competency never assessed counts as level 0."""
    total_required = sum(required.values())
    if total_required <= 0:
        raise InvalidInput(
            "the position's standard needs at least one required level",
            errors=[FieldProblem(field="required", message="at least one competency with a level")],
        )
    met = sum(min(actual.get(competency, 0), level) for competency, level in required.items())
    return _percent(Fraction(met * 100, total_required))


@dataclass(frozen=True)
class PotentialPolicy:
    """How assessment results become low/medium/high potential; each agency may set its own.

    The score is the weighted mean of the job-person match and the other assessed scores (all 0-100); a
    score without a weight counts once. The default cut-offs are the assessment-centre mapping bands for
    the job-person match (optimal from 90%, cukup optimal from 78%), not a regulation."""

    medium_from: Decimal = Decimal("78")
    high_from: Decimal = Decimal("90")
    weights: Mapping[str, Decimal] = field(default_factory=lambda: {JOB_PERSON_MATCH: Decimal(1)})

    def __post_init__(self) -> None:
        problems = []
        if not Decimal(0) <= self.medium_from <= self.high_from <= Decimal(100):
            problems.append(FieldProblem(field="cutoffs", message="0 <= medium_from <= high_from <= 100"))
        if any(weight < 0 for weight in self.weights.values()):
            problems.append(FieldProblem(field="weights", message="weights cannot be negative"))
        if problems:
            raise InvalidInput("the potential policy is not consistent", errors=problems)

    def score(self, job_person_match: Decimal, other_scores: Mapping[str, Decimal]) -> Decimal:
        scores = {JOB_PERSON_MATCH: job_person_match, **other_scores}
        weights = {name: self.weights.get(name, Decimal(1)) for name in scores}
        total_weight = sum(weights.values())
        if total_weight == 0:
            raise InvalidInput(
                "every assessed score has weight 0 in the agency's policy",
                errors=[FieldProblem(field="weights", message="at least one assessed score must count")],
            )
        weighted = sum(scores[name] * weights[name] for name in scores)
        return _percent(Fraction(weighted) / Fraction(total_weight))

    def potential(self, score: Decimal) -> Potential:
        if score >= self.high_from:
            return Potential.HIGH
        if score >= self.medium_from:
            return Potential.MEDIUM
        return Potential.LOW


def _percent(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        PERCENT_PLACES, rounding=ROUND_HALF_UP
    )
