"""The distribution of employees' predicates an organisation's own predicate allows (PermenPANRB 6/2022).

Percentages are read strictly: "at most 70%" of n people is floor(0.7 n), "at least 60%" is ceil(0.6 n), and
"sebagian besar" (a majority) is more than half, floor(n / 2) + 1. The shares are the regulation's defaults;
an agency's policy may set others (`shares`, by rule code). Where the population is too small for every
minimum at once, the smaller minimum gives way:
- "some Butuh Perbaikan/Kurang" (organisation Baik) means at least one, asked from two employees up: a
  single employee is not a distribution;
- the 10% minima (organisations Kurang and Sangat Kurang) are lowered to the places the 60% minimum
  leaves, so one or two employees can still satisfy the rule;
- a minimum never asks for more than the maximum of the same predicates allows ("sebagian besar (maksimal
  70%)" of four people is at most two, so two are enough).
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
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


class OrganisationLevel(StrEnum):
    """Where the caps apply: the agency's employees together, or each work unit's on its own."""

    AGENCY = "agency"
    UNIT = "unit"


SOME_FROM_POPULATION = 2


@dataclass(frozen=True)
class Bound:
    """One limit on how many employees may (at most) or must (at least) hold one of `predicates`.

    `share` None with AT_LEAST means "some" (at least one); `majority` means more than the share (a
    majority: more than half). A `secondary` minimum gives way to the main minimum of its rule when the
    population cannot hold both."""

    code: str
    predicates: frozenset[Predicate]
    limit: Limit
    share: Fraction | None = None
    secondary: bool = False
    majority: bool = False

    @property
    def wording(self) -> str:
        if self.share is None:
            amount = "one"
        else:
            amount = f"{'more than ' if self.majority else ''}{float(self.share * 100):g}%"
        names = "/".join(p.label for p in Predicate if p in self.predicates)
        limit = "" if self.majority else f"{self.limit.value} "
        return f"{limit}{amount} {names}"

    def count_limit(self, population: int, main_minimum: int) -> int:
        if self.limit is Limit.AT_MOST:
            assert self.share is not None
            return math.floor(self.share * population)
        if self.share is None:
            return 1 if population >= SOME_FROM_POPULATION else 0
        if self.majority:
            return min(math.floor(self.share * population) + 1, population)
        required = math.ceil(self.share * population)
        return min(required, population - main_minimum) if self.secondary else required


def _bound(
    code: str,
    limit: Limit,
    share: str | None,
    *predicates: Predicate,
    secondary: bool = False,
    majority: bool = False,
) -> Bound:
    return Bound(code, frozenset(predicates), limit, Fraction(share) if share else None, secondary, majority)


SB, B, BP, K, SK = (
    Predicate.SANGAT_BAIK,
    Predicate.BAIK,
    Predicate.BUTUH_PERBAIKAN,
    Predicate.KURANG,
    Predicate.SANGAT_KURANG,
)
AT_MOST, AT_LEAST = Limit.AT_MOST, Limit.AT_LEAST

# The regulation's reading; "sebagian besar (maksimal 70%)" is a majority and at most 70%.
DISTRIBUTION_RULES: Mapping[OrganisationPredicate, tuple[Bound, ...]] = {
    OrganisationPredicate.ISTIMEWA: (
        _bound("istimewa-majority-sangat-baik", AT_LEAST, "1/2", SB, majority=True),
        _bound("istimewa-max-sangat-baik", AT_MOST, "7/10", SB),
    ),
    OrganisationPredicate.BAIK: (
        _bound("baik-majority-baik", AT_LEAST, "1/2", B, majority=True),
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
# The rules whose share a policy may set: every one with a share ("some" is one person, not a share).
SHARED_RULES: Mapping[str, Bound] = {
    bound.code: bound for bounds in DISTRIBUTION_RULES.values() for bound in bounds if bound.share is not None
}


def distribution_rules(
    organisation_predicate: OrganisationPredicate, shares: Mapping[str, Fraction]
) -> tuple[Bound, ...]:
    """The organisation predicate's bounds with the shares a policy sets in place of the regulation's."""
    return tuple(
        replace(bound, share=shares[bound.code]) if bound.code in shares else bound
        for bound in DISTRIBUTION_RULES[organisation_predicate]
    )


def contradictory_shares(shares: Mapping[str, Fraction]) -> list[str]:
    """Rule codes whose minimum share exceeds the maximum share of the same predicates once `shares` apply."""
    found = []
    for organisation_predicate in OrganisationPredicate:
        bounds = distribution_rules(organisation_predicate, shares)
        ceilings = {b.predicates: b.share for b in bounds if b.limit is Limit.AT_MOST}
        for bound in bounds:
            ceiling = ceilings.get(bound.predicates)
            if bound.limit is Limit.AT_LEAST and bound.share is not None and ceiling is not None:
                if bound.share > ceiling or (bound.majority and bound.share >= ceiling):
                    found.append(bound.code)
    return found


@dataclass(frozen=True)
class Violation:
    """A bound the predicates break, with the counts that show by how much; `unit_id` names the work unit
    whose employees break it when the caps apply per unit."""

    rule: str
    organisation_predicate: OrganisationPredicate
    wording: str
    limit: Limit
    predicates: tuple[Predicate, ...]
    allowed: int
    actual: int
    population: int
    unit_id: str | None = None

    @property
    def message(self) -> str:
        where = f"unit {self.unit_id}, " if self.unit_id else ""
        return (
            f"{where}organisation predicate {self.organisation_predicate.value}: {self.wording}, here "
            f"{self.limit.value} {self.allowed} of {self.population} employees; {self.actual} have it"
        )


def distribution(predicates: Iterable[Predicate]) -> dict[Predicate, int]:
    """How many employees hold each predicate, every predicate listed."""
    counts = Counter(predicates)
    return {predicate: counts[predicate] for predicate in Predicate}


def check_distribution(
    organisation_predicate: OrganisationPredicate,
    predicates: Sequence[Predicate],
    *,
    shares: Mapping[str, Fraction] | None = None,
    unit_id: str | None = None,
) -> list[Violation]:
    """Every bound of the organisation's predicate that the employees' predicates break."""
    counts = distribution(predicates)
    population = len(predicates)
    bounds = distribution_rules(organisation_predicate, shares or {})
    main_minimum = sum(
        bound.count_limit(population, 0)
        for bound in bounds
        if bound.limit is Limit.AT_LEAST and not bound.secondary
    )
    ceilings = {
        bound.predicates: bound.count_limit(population, 0) for bound in bounds if bound.limit is Limit.AT_MOST
    }
    violations = []
    for bound in bounds:
        allowed = bound.count_limit(population, main_minimum)
        if bound.limit is Limit.AT_LEAST:
            allowed = min(allowed, ceilings.get(bound.predicates, allowed))
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
                    unit_id=unit_id,
                )
            )
    return violations
