"""HTTP routes for an agency's appraisal policy (when points are rated and finalised, how the distribution of
predicates is capped) and the functional levels credit points come from."""

from decimal import Decimal
from fractions import Fraction
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, Field

from services.appraisal.api.access import KEEPERS
from services.appraisal.api.common import Percent
from services.appraisal.domain.distribution import (
    DISTRIBUTION_RULES,
    Bound,
    OrganisationLevel,
    OrganisationPredicate,
    distribution_rules,
)
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.domain.predicate import Predicate
from services.appraisal.service import policies as service
from services.appraisal.service.references import ReferenceCheck
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag, version_from_if_match
from shared.inputs import RequestModel
from shared.principal import STAFF_ROLES

router = APIRouter(prefix="/api/v1/appraisal", tags=["appraisal policies"])

HUNDRED = Decimal(100)


class AppraisalPolicyIn(RequestModel):
    annual_rating_grace_days: int = Field(
        default=0,
        ge=0,
        description="days before the year's end from which the annual point may be rated (the regulation: 0)",
    )
    distribution_level: OrganisationLevel = Field(
        default=OrganisationLevel.AGENCY,
        description="where the caps apply: the agency's employees together, or each work unit's",
    )
    distribution_shares: dict[str, Percent] = Field(
        default_factory=dict,
        description="the percentage of a distribution rule (by its code) in place of the regulation's",
        examples=[{"istimewa-max-sangat-baik": 60}],
    )


class DistributionRulePublic(BaseModel):
    code: str
    organisation_predicate: OrganisationPredicate
    limit: str = Field(description="at most / at least")
    majority: bool = Field(description="more than the percentage (a majority), not at least")
    predicates: list[Predicate]
    percent: Decimal | None = Field(description="in force; null: at least one employee")
    regulation_percent: Decimal | None


class AppraisalPolicyPublic(BaseModel):
    agency_code: str
    annual_rating_grace_days: int
    distribution_level: OrganisationLevel
    distribution_shares: dict[str, Decimal]
    distribution_rules: list[DistributionRulePublic] = Field(description="every rule as the policy makes it")
    version: int = Field(description="0: the regulation's defaults, not yet set by the agency")


class FunctionalLevelPublic(BaseModel):
    code: str
    name: str
    yearly_coefficient: Decimal


def _percent(share: Fraction) -> Decimal:
    return (Decimal(share.numerator) * HUNDRED / Decimal(share.denominator)).quantize(Decimal("0.01"))


def _rule(
    bound: Bound, organisation_predicate: OrganisationPredicate, regulation: Bound
) -> DistributionRulePublic:
    return DistributionRulePublic(
        code=bound.code,
        organisation_predicate=organisation_predicate,
        limit=bound.limit.value,
        majority=bound.majority,
        predicates=[p for p in Predicate if p in bound.predicates],
        percent=_percent(bound.share) if bound.share is not None else None,
        regulation_percent=_percent(regulation.share) if regulation.share is not None else None,
    )


def _answer(
    response: Response, agency_code: str, policy: AppraisalPolicy, version: int
) -> AppraisalPolicyPublic:
    set_etag(response, version)
    return AppraisalPolicyPublic(
        agency_code=agency_code,
        annual_rating_grace_days=policy.annual_rating_grace_days,
        distribution_level=policy.distribution_level,
        distribution_shares={code: _percent(share) for code, share in policy.distribution_shares.items()},
        distribution_rules=[
            _rule(bound, organisation_predicate, regulation)
            for organisation_predicate in OrganisationPredicate
            for bound, regulation in zip(
                distribution_rules(organisation_predicate, policy.distribution_shares),
                DISTRIBUTION_RULES[organisation_predicate],
                strict=True,
            )
        ],
        version=version,
    )


@router.get("/policies/{agency_code}", response_model=AppraisalPolicyPublic)
async def get_policy(
    agency_code: str, connection: ConnectionDep, response: Response, principal: PrincipalDep
) -> AppraisalPolicyPublic:
    """The agency's appraisal policy (the regulation's defaults until it sets its own)."""
    principal.require_any(STAFF_ROLES, agency_code)
    policy, version = await service.policy_of(connection, agency_code)
    return _answer(response, agency_code, policy, version)


@router.put("/policies/{agency_code}", response_model=AppraisalPolicyPublic)
async def set_policy(
    agency_code: str,
    body: AppraisalPolicyIn,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> AppraisalPolicyPublic:
    """Set the agency's appraisal policy; needs If-Match (`W/"0"` replaces the defaults). A request that
    changes nothing keeps the version."""
    principal.require_any(KEEPERS, agency_code)
    check = ReferenceCheck(uow.connection, principal)
    await check.agency("agency_code", agency_code)
    check.settle()
    expected = version_from_if_match(if_match)
    policy = AppraisalPolicy(
        annual_rating_grace_days=body.annual_rating_grace_days,
        distribution_level=body.distribution_level,
        distribution_shares={
            code: Fraction(percent) / 100 for code, percent in body.distribution_shares.items()
        },
    )
    version = await service.set_policy(
        uow, agency_code, policy, expected_version=expected, actor=principal.subject
    )
    return _answer(response, agency_code, policy, version)


@router.get("/functional-levels", response_model=list[FunctionalLevelPublic])
async def functional_levels(connection: ConnectionDep) -> list[FunctionalLevelPublic]:
    """The levels of functional positions and their yearly credit coefficients (PermenPANRB 1/2023)."""
    return [
        FunctionalLevelPublic(code=row.code, name=row.name, yearly_coefficient=row.yearly_coefficient)
        for row in await service.functional_levels(connection)
    ]
