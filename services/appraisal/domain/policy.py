"""An agency's appraisal policy (PermenPANRB 6/2022): when its evaluation points may be rated and finalised,
and how the distribution of its employees' predicates is capped. Every value defaults to the regulation's
reading; an agency sets its own.

- A point is rated from its last day, so a predicate never predates the work it describes; the annual point
  may open earlier, by a grace the agency sets (an agency that evaluates in December), since the annual
  evaluation sums up the year's periodic ones. The regulation sets no grace: the default is none.
- A point is finalised only once it is over: from the day after its last day, with no grace.
- The caps apply to the agency's employees together, or to each work unit's (the regulation's
  "organisation" can be a unit), with the regulation's shares unless the agency sets others.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from services.appraisal.domain.distribution import (
    SHARED_RULES,
    OrganisationLevel,
    contradictory_shares,
)
from shared.errors import FieldProblem, InvalidInput

# A grace beyond a quarter would open the annual rating before the year's last periodic point ends.
MAX_ANNUAL_GRACE_DAYS = 92


@dataclass(frozen=True)
class AppraisalPolicy:
    annual_rating_grace_days: int = 0
    distribution_level: OrganisationLevel = OrganisationLevel.AGENCY
    distribution_shares: Mapping[str, Fraction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.annual_rating_grace_days <= MAX_ANNUAL_GRACE_DAYS:
            problems.append(
                FieldProblem(field="annual_rating_grace_days", message=f"0 to {MAX_ANNUAL_GRACE_DAYS} days")
            )
        for code, share in self.distribution_shares.items():
            name = f"distribution_shares.{code}"
            if code not in SHARED_RULES:
                problems.append(FieldProblem(field=name, message="no distribution rule has this code"))
            elif not 0 <= share <= 1:
                problems.append(FieldProblem(field=name, message="0 to 100 percent"))
        if not problems:
            problems = [
                FieldProblem(
                    field=f"distribution_shares.{code}",
                    message="the minimum exceeds the maximum of the same predicates",
                )
                for code in contradictory_shares(self.distribution_shares)
            ]
        if problems:
            raise InvalidInput("the appraisal policy is not consistent", errors=problems)

    def rating_opens_on(self, ends_on: date, *, annual: bool) -> date:
        return ends_on - timedelta(days=self.annual_rating_grace_days if annual else 0)

    @staticmethod
    def finalisation_opens_on(ends_on: date) -> date:
        return ends_on + timedelta(days=1)
