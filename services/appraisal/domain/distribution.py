"""The distribution of employees' predicates an organisation's own predicate allows (PermenPANRB 6/2022).

Percentages are read strictly: "at most 70%" of n people is floor(0.7 n), "at least 60%" is ceil(0.6 n).
Where the population is too small for every minimum at once, the smaller minimum gives way:
- "some Butuh Perbaikan/Kurang" (organisation Baik) means at least one, asked from two employees up: a
  single employee is not a distribution;
- the 10% minima (organisations Kurang and Sangat Kurang) are lowered to the places the 60% minimum
  leaves, so one or two employees can still satisfy the rule.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from fractions import Fraction

from services.appraisal.domain.predicate import Predicate


class OrganisationPredicate(StrEnum):
    """The agency's own performance predicate, which caps its employees' predicates."""

    ISTIMEWA = "istimewa"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"


class Limit(Enum):
    AT_MOST = "at most"
    AT_LEAST = "at least"


SOME_FROM_POPULATION = 2


@dataclass(frozen=True)
class Bound:
    """One limit on how many employees may (at most) or must (at least) hold one of `predicates`.

    `share` None with AT_LEAST means "some" (at least one). A `secondary` minimum gives way to the main
    minimum of its rule when the population cannot hold both."""

    code: str
    predicates: frozenset[Predicate]
    limit: Limit
    share: Fraction | None = None
    secondary: bool = False

    @property
    def wording(self) -> str:
        amount = "one" if self.share is None else f"{float(self.share * 100):g}%"
        names = "/".join(p.label for p in Predicate if p in self.predicates)
        return f"{self.limit.value} {amount} {names}"

    def count_limit(self, population: int, main_minimum: int) -> int:
        if self.limit is Limit.AT_MOST:
            assert self.share is not None
            return math.floor(self.share * population)
        if self.share is None:
            return 1 if population >= SOME_FROM_POPULATION else 0
        required = math.ceil(self.share * population)
        return min(required, population - main_minimum) if self.secondary else required


def _bound(
    code: str, limit: Limit, share: str | None, *predicates: Predicate, secondary: bool = False
) -> Bound:
    return Bound(code, frozenset(predicates), limit, Fraction(share) if share else None, secondary)


SB, B, BP, K, SK = (
    Predicate.SANGAT_BAIK,
    Predicate.BAIK,
    Predicate.BUTUH_PERBAIKAN,
    Predicate.KURANG,
    Predicate.SANGAT_KURANG,
)
AT_MOST, AT_LEAST = Limit.AT_MOST, Limit.AT_LEAST

DISTRIBUTION_RULES: Mapping[OrganisationPredicate, tuple[Bound, ...]] = {
    OrganisationPredicate.ISTIMEWA: (_bound("istimewa-max-sangat-baik", AT_MOST, "7/10", SB),),
    OrganisationPredicate.BAIK: (
        _bound("baik-max-baik", AT_MOST, "7/10", B),
        _bound("baik-some-butuh-perbaikan-kurang", AT_LEAST, None, BP, K),
    ),
    OrganisationPredicate.BUTUH_PERBAIKAN: (
        _bound("butuh-perbaikan-min-butuh-perbaikan", AT_LEAST, "6/10", BP),
        _bound("butuh-perbaikan-max-sangat-baik", AT_MOST, "1/10", SB),
    ),
    OrganisationPredicate.KURANG: (
        _bound("kurang-min-kurang", AT_LEAST, "6/10", K),
        _bound("kurang-min-butuh-perbaikan", AT_LEAST, "1/10", BP, secondary=True),
        _bound("kurang-max-sangat-baik", AT_MOST, "1/10", SB),
    ),
    OrganisationPredicate.SANGAT_KURANG: (
        _bound("sangat-kurang-min-sangat-kurang", AT_LEAST, "6/10", SK),
        _bound("sangat-kurang-min-kurang-butuh-perbaikan", AT_LEAST, "1/10", K, BP, secondary=True),
        _bound("sangat-kurang-no-sangat-baik", AT_MOST, "0", SB),
    ),
}


@dataclass(frozen=True)
class Violation:
    """A bound the predicates break, with the counts that show by how much."""

    rule: str
    organisation_predicate: OrganisationPredicate
    wording: str
    limit: Limit
    predicates: tuple[Predicate, ...]
    allowed: int
    actual: int
    population: int

    @property
    def message(self) -> str:
        return (
            f"organisation predicate {self.organisation_predicate.value}: {self.wording}, here "
            f"{self.limit.value} {self.allowed} of {self.population} employees; {self.actual} have it"
        )


def distribution(predicates: Iterable[Predicate]) -> dict[Predicate, int]:
    """How many employees hold each predicate, every predicate listed."""
    counts = Counter(predicates)
    return {predicate: counts[predicate] for predicate in Predicate}


def check_distribution(
    organisation_predicate: OrganisationPredicate, predicates: Sequence[Predicate]
) -> list[Violation]:
    """Every bound of the organisation's predicate that the employees' predicates break."""
    counts = distribution(predicates)
    population = len(predicates)
    bounds = DISTRIBUTION_RULES[organisation_predicate]
    main_minimum = sum(
        bound.count_limit(population, 0)
        for bound in bounds
        if bound.limit is Limit.AT_LEAST and not bound.secondary
    )
    violations = []
    for bound in bounds:
        allowed = bound.count_limit(population, main_minimum)
        actual = sum(counts[p] for p in bound.predicates)
        broken = actual > allowed if bound.limit is Limit.AT_MOST else actual < allowed
        if broken:
            violations.append(
                Violation(
                    rule=bound.code,
                    organisation_predicate=organisation_predicate,
                    wording=bound.wording,
                    limit=bound.limit,
                    predicates=tuple(p for p in Predicate if p in bound.predicates),
                    allowed=allowed,
                    actual=actual,
                    population=population,
                )
            )
    return violations
