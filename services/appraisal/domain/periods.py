"""An agency's appraisal year: its evaluation points and their finalisation (PermenPANRB 6/2022).

The agency sets how often it evaluates during the year (monthly, quarterly or semester); every year also
ends with the annual evaluation. A point is rated from its end and finalised once it is over (the agency's
policy, `domain.policy`). Finalising a point fixes every employee's evaluation of it, after the predicates
are checked against the distribution the organisation's own predicate allows: the agency's, or each work
unit's (the unit's own predicate where the period names one) when the agency's policy caps per unit.
"""

import calendar
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from services.appraisal.domain.distribution import (
    OrganisationLevel,
    OrganisationPredicate,
    Violation,
    check_distribution,
    distribution,
)
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.domain.predicate import BehaviourRule, Predicate
from shared.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound

ANNUAL = "annual"
# How long an employee may object to a final evaluation unless the agency sets another window; a default,
# not a figure confirmed against the regulation's text.
DEFAULT_OBJECTION_WINDOW_DAYS = 14

# What an agency may change in an open period.
REVISABLE = frozenset({"organisation_predicate", "unit_predicates", "approver_nip", "objection_window_days"})


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMESTER = "semester"

    @property
    def months(self) -> int:
        return {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.SEMESTER: 6}[self]

    @property
    def letter(self) -> str:
        return {Frequency.MONTHLY: "M", Frequency.QUARTERLY: "Q", Frequency.SEMESTER: "S"}[self]


@dataclass(frozen=True)
class EvaluationPoint:
    """A periodic evaluation (`Q1`, `M07`, `S2`, ...) or the annual one, with the months it covers."""

    key: str
    starts_on: date
    ends_on: date

    @property
    def months(self) -> int:
        return (self.ends_on.year - self.starts_on.year) * 12 + self.ends_on.month - self.starts_on.month + 1

    def rating_opens_on(self, policy: AppraisalPolicy) -> date:
        return policy.rating_opens_on(self.ends_on, annual=self.key == ANNUAL)


def evaluation_points(year: int, frequency: Frequency) -> list[EvaluationPoint]:
    """The periodic points of the year in order, then the annual evaluation."""
    step = frequency.months
    points = []
    for number, first_month in enumerate(range(1, 13, step), start=1):
        last_month = first_month + step - 1
        key = (
            f"{frequency.letter}{number:02d}"
            if frequency is Frequency.MONTHLY
            else f"{frequency.letter}{number}"
        )
        points.append(
            EvaluationPoint(
                key,
                date(year, first_month, 1),
                date(year, last_month, calendar.monthrange(year, last_month)[1]),
            )
        )
    points.append(EvaluationPoint(ANNUAL, date(year, 1, 1), date(year, 12, 31)))
    return points


@dataclass(frozen=True)
class Override:
    """An authorised approver's decision to finalise despite distribution violations, and why."""

    approver_nip: str
    reason: str


@dataclass(frozen=True)
class Rated:
    """An SKP of a point: the work unit its employee is appraised in and their predicate (None: not rated)."""

    unit_id: str | None
    predicate: Predicate | None


@dataclass(frozen=True)
class Finalisation:
    point: str
    population: int
    counts: Mapping[Predicate, int]
    violations: tuple[Violation, ...]
    overridden_by: str | None
    override_reason: str | None
    finalised_at: datetime


class DistributionViolated(Conflict):
    code = "distribution-violated"
    title = "Predicate distribution not allowed"


@dataclass
class AppraisalPeriod:
    id: UUID
    agency_code: str
    year: int
    frequency: Frequency
    approver_nip: str
    behaviour_rule: BehaviourRule = BehaviourRule.SUPERVISOR_OVERALL
    objection_window_days: int = DEFAULT_OBJECTION_WINDOW_DAYS
    organisation_predicate: OrganisationPredicate | None = None
    unit_predicates: dict[str, OrganisationPredicate] = field(default_factory=dict)
    finalisations: dict[str, Finalisation] = field(default_factory=dict)
    version: int = 1

    @property
    def points(self) -> list[EvaluationPoint]:
        return evaluation_points(self.year, self.frequency)

    def point(self, key: str) -> EvaluationPoint:
        for point in self.points:
            if point.key == key:
                return point
        keys = ", ".join(p.key for p in self.points)
        raise NotFound(
            f"the {self.frequency.value} period {self.year} has no evaluation point {key!r} ({keys})"
        )

    def is_final(self, key: str) -> bool:
        return key in self.finalisations

    def require_open(self, key: str) -> EvaluationPoint:
        point = self.point(key)
        if self.is_final(key):
            raise Conflict(f"evaluation point {key} of {self.year} is final", code="point-final")
        return point

    def ratable(self, key: str, today: date, policy: AppraisalPolicy) -> EvaluationPoint:
        """An open point whose rating has opened: a predicate never predates the work it describes."""
        point = self.require_open(key)
        opens_on = point.rating_opens_on(policy)
        if today < opens_on:
            raise Conflict(
                f"evaluation point {key} of {self.year} ends on {point.ends_on}: "
                f"it can be rated from {opens_on}",
                code="point-not-ended",
            )
        return point

    def revise(self, changes: Mapping[str, object]) -> bool:
        """Change the agency's settings for the year; the cadence and the behaviour rule stay as opened,
        so every evaluation of the year is made the same way. False when every value already was so."""
        fixed = sorted(set(changes) - REVISABLE)
        if fixed:
            raise InvalidInput(
                f"{', '.join(fixed)} cannot change once the period is open",
                errors=[FieldProblem(field=name, message="fixed when the period opened") for name in fixed],
            )
        if self.is_final(ANNUAL):
            raise Conflict(
                f"the annual evaluation {self.year} is final; the period is closed", code="period-closed"
            )
        changed = {name: value for name, value in changes.items() if getattr(self, name) != value}
        for name, value in changed.items():
            setattr(self, name, value)
        return bool(changed)

    def check(self, key: str, ratings: Mapping[str, Rated], policy: AppraisalPolicy) -> list[Violation]:
        """The distribution violations of a point's predicates (NIP -> where and how rated), over the
        agency or per work unit as the policy says."""
        self.point(key)
        organisation = self._organisation_predicate()
        shares = policy.distribution_shares
        per_unit = policy.distribution_level is OrganisationLevel.UNIT
        by_unit: dict[str | None, list[Predicate]] = defaultdict(list)
        for rated in ratings.values():
            if rated.predicate is not None:
                by_unit[rated.unit_id if per_unit else None].append(rated.predicate)
        if not per_unit:
            return check_distribution(organisation, by_unit[None], shares=shares)
        violations = []
        for unit_id in sorted(by_unit, key=lambda unit: (unit is None, unit or "")):
            unit_predicate = self.unit_predicates.get(unit_id, organisation) if unit_id else organisation
            violations += check_distribution(unit_predicate, by_unit[unit_id], shares=shares, unit_id=unit_id)
        return violations

    def finalise(
        self,
        key: str,
        ratings: Mapping[str, Rated],
        override: Override | None,
        at: datetime,
        *,
        today: date,
        policy: AppraisalPolicy,
    ) -> Finalisation:
        """Fix a point's evaluations once it is over: every SKP rated, the distribution kept or overridden by
        the approver."""
        point = self.require_open(key)
        opens_on = policy.finalisation_opens_on(point.ends_on)
        if today < opens_on:
            raise Conflict(
                f"evaluation point {key} of {self.year} ends on {point.ends_on}: "
                f"it can be finalised from {opens_on}",
                code="point-not-over",
            )
        if not ratings:
            raise Conflict(
                f"the period {self.year} of {self.agency_code} has no SKP to finalise", code="no-skp"
            )
        unrated = sorted(nip for nip, rated in ratings.items() if rated.predicate is None)
        if unrated:
            raise Conflict(
                f"{len(unrated)} SKP(s) have no rating for {key} yet",
                code="ratings-missing",
                errors=[FieldProblem(field="nip", message="not rated", value=nip) for nip in unrated],
            )
        violations = self.check(key, ratings, policy)
        if violations and override is None:
            raise DistributionViolated(
                f"{len(violations)} distribution rule(s) broken; "
                "change ratings or have the approver override",
                errors=[
                    FieldProblem(field=violation_field(v), message=v.message, value=violation_counts(v))
                    for v in violations
                ],
            )
        if violations and override is not None and override.approver_nip != self.approver_nip:
            raise Forbidden(
                f"only the period's approver ({self.approver_nip}) may override the distribution",
                code="not-the-approver",
            )
        finalisation = Finalisation(
            point=key,
            population=len(ratings),
            counts=distribution(r.predicate for r in ratings.values() if r.predicate is not None),
            violations=tuple(violations),
            overridden_by=override.approver_nip if violations and override else None,
            override_reason=override.reason if violations and override else None,
            finalised_at=at,
        )
        self.finalisations[key] = finalisation
        return finalisation

    def _organisation_predicate(self) -> OrganisationPredicate:
        if self.organisation_predicate is None:
            raise Conflict(
                "set the organisation's own predicate first: it decides the allowed distribution",
                code="organisation-predicate-missing",
            )
        return self.organisation_predicate


def violation_field(violation: Violation) -> str:
    unit = f"{violation.unit_id}." if violation.unit_id else ""
    return f"distribution.{unit}{violation.rule}"


def violation_counts(violation: Violation) -> dict[str, object]:
    return {
        "predicates": [p.value for p in violation.predicates],
        "limit": violation.limit.value,
        "allowed": violation.allowed,
        "actual": violation.actual,
        "population": violation.population,
    }
