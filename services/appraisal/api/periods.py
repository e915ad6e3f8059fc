"""HTTP routes for agencies' appraisal years and the finalisation of their evaluation points."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, Field, model_validator

from services.appraisal.api.access import KEEPERS, deciding
from services.appraisal.api.common import AgencyCode
from services.appraisal.domain.distribution import OrganisationPredicate, Violation
from services.appraisal.domain.periods import (
    DEFAULT_OBJECTION_WINDOW_DAYS,
    AppraisalPeriod,
    Finalisation,
    Frequency,
    Override,
)
from services.appraisal.domain.predicate import BehaviourRule, Predicate
from services.appraisal.service import periods as service
from services.appraisal.service.references import ReferenceCheck
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import STAFF_ROLES, Role

router = APIRouter(prefix="/api/v1/appraisal-periods", tags=["appraisal periods"])

WindowDays = Annotated[int, Field(ge=0, le=365, description="days after finalising to object")]
UnitPredicates = Annotated[
    dict[str, OrganisationPredicate],
    Field(
        description="a work unit's own predicate (unit id -> predicate), where the agency's policy caps the "
        "distribution per unit; a unit without one follows the agency's"
    ),
]


class PeriodCreate(RequestModel):
    agency_code: AgencyCode
    year: int = Field(ge=2000, le=2100)
    frequency: Frequency = Field(description="how often the agency evaluates during the year")
    approver_nip: Nip = Field(description="PPK or delegate who may override the predicate distribution")
    behaviour_rule: BehaviourRule = BehaviourRule.SUPERVISOR_OVERALL
    objection_window_days: WindowDays = DEFAULT_OBJECTION_WINDOW_DAYS
    organisation_predicate: OrganisationPredicate | None = Field(
        default=None, description="the agency's own predicate; needed before finalising"
    )
    unit_predicates: UnitPredicates = Field(default_factory=dict)


class PeriodUpdate(RequestModel):
    """Send only what changes; the cadence and the behaviour rule are fixed when the period opens."""

    organisation_predicate: OrganisationPredicate | None = None
    unit_predicates: UnitPredicates | None = None
    approver_nip: Nip | None = None
    objection_window_days: WindowDays | None = None

    @model_validator(mode="after")
    def _only_the_organisation_predicate_can_be_cleared(self) -> "PeriodUpdate":
        for name in ("unit_predicates", "approver_nip", "objection_window_days"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ViolationPublic(BaseModel):
    rule: str
    unit_id: str | None = Field(description="the work unit whose employees break it, where caps are per unit")
    message: str
    predicates: list[Predicate]
    limit: str = Field(description="at most / at least")
    allowed: int
    actual: int
    population: int

    @classmethod
    def of(cls, v: Violation) -> "ViolationPublic":
        return cls(
            rule=v.rule,
            unit_id=v.unit_id,
            message=v.message,
            predicates=list(v.predicates),
            limit=v.limit.value,
            allowed=v.allowed,
            actual=v.actual,
            population=v.population,
        )


class FinalisationPublic(BaseModel):
    point: str
    population: int
    counts: dict[Predicate, int]
    violations: list[ViolationPublic] = Field(description="rules the approver overrode")
    overridden_by: str | None
    override_reason: str | None
    finalised_at: datetime

    @classmethod
    def of(cls, f: Finalisation) -> "FinalisationPublic":
        return cls(
            point=f.point,
            population=f.population,
            counts=dict(f.counts),
            violations=[ViolationPublic.of(v) for v in f.violations],
            overridden_by=f.overridden_by,
            override_reason=f.override_reason,
            finalised_at=f.finalised_at,
        )


class PointPublic(BaseModel):
    key: str
    starts_on: date
    ends_on: date
    months: int
    finalisation: FinalisationPublic | None


class PeriodPublic(BaseModel):
    id: UUID
    agency_code: str
    year: int
    frequency: Frequency
    approver_nip: str
    behaviour_rule: BehaviourRule
    objection_window_days: int
    organisation_predicate: OrganisationPredicate | None
    unit_predicates: dict[str, OrganisationPredicate]
    points: list[PointPublic]
    version: int

    @classmethod
    def of(cls, period: AppraisalPeriod) -> "PeriodPublic":
        final = period.finalisations
        return cls(
            id=period.id,
            agency_code=period.agency_code,
            year=period.year,
            frequency=period.frequency,
            approver_nip=period.approver_nip,
            behaviour_rule=period.behaviour_rule,
            objection_window_days=period.objection_window_days,
            organisation_predicate=period.organisation_predicate,
            unit_predicates=period.unit_predicates,
            points=[
                PointPublic(
                    key=p.key,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    months=p.months,
                    finalisation=FinalisationPublic.of(final[p.key]) if p.key in final else None,
                )
                for p in period.points
            ],
            version=period.version,
        )


class DistributionPublic(BaseModel):
    period_id: UUID
    point: str
    final: bool
    organisation_predicate: OrganisationPredicate | None
    population: int = Field(description="SKPs of the period")
    counts: dict[Predicate, int]
    unrated: list[str] = Field(description="NIPs whose SKP has no rating for the point yet")
    violations: list[ViolationPublic] | None = Field(
        description="broken rules; null until the organisation predicate is set"
    )


class OverrideIn(RequestModel):
    approver_nip: Nip
    reason: str = Field(min_length=1, max_length=2000)


class FinalisationRequest(RequestModel):
    override: OverrideIn | None = Field(
        default=None, description="the period's approver finalising despite distribution violations"
    )


def _answer(response: Response, period: AppraisalPeriod) -> PeriodPublic:
    set_etag(response, period.version)
    return PeriodPublic.of(period)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PeriodPublic,
    responses=created(
        "The appraisal period opened",
        "period_id",
        "GET /api/v1/appraisal-periods/{period_id}",
        "PATCH /api/v1/appraisal-periods/{period_id}",
        if_match=("PATCH /api/v1/appraisal-periods/{period_id}",),
    ),
)
async def open_period(
    body: PeriodCreate, uow: UowDep, response: Response, principal: PrincipalDep
) -> PeriodPublic:
    """Open an agency's appraisal year with its evaluation cadence."""
    principal.require_role(*KEEPERS)
    check = ReferenceCheck(uow.connection, principal)
    await check.agency("agency_code", body.agency_code)
    await check.employee("approver_nip", body.approver_nip)
    await check.units("unit_predicates", body.agency_code, body.unit_predicates)
    check.settle()
    period = await service.open_period(uow, **body.model_dump())
    response.headers["Location"] = f"{router.prefix}/{period.id}"
    return _answer(response, period)


@router.get("", response_model=Page[PeriodPublic])
async def search_periods(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: str | None = None,
    year: int | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PeriodPublic]:
    """Appraisal years, by agency then year (of your agencies)."""
    agency = principal.one_agency(agency)
    after = cursor_key(cursor, str, int)
    found = await service.search_periods(
        connection,
        agency_code=agency,
        year=year,
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    page = found[:limit]
    return Page(
        items=[PeriodPublic.of(p) for p in page],
        next_cursor=encode_cursor([page[-1].agency_code, page[-1].year]) if len(found) > limit else None,
    )


@router.get("/{period_id}", response_model=PeriodPublic)
async def get_period(
    period_id: UUID, connection: ConnectionDep, response: Response, principal: PrincipalDep
) -> PeriodPublic:
    """One appraisal year with its evaluation points and their finalisations."""
    period = await service.get_period(connection, period_id)
    principal.require_agency(period.agency_code)
    return _answer(response, period)


@router.patch("/{period_id}", response_model=PeriodPublic)
async def revise_period(
    period_id: UUID,
    body: PeriodUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> PeriodPublic:
    """Set the organisation predicate (the agency's, a work unit's), the approver or the objection window;
    needs If-Match. A request that changes nothing keeps the version."""
    agency = (await service.get_period(uow.connection, period_id)).agency_code
    principal.require_any(KEEPERS, agency)
    check = ReferenceCheck(uow.connection, principal)
    await check.employee("approver_nip", body.approver_nip)
    await check.units("unit_predicates", agency, body.unit_predicates or {})
    check.settle()
    expected = version_from_if_match(if_match)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    period = await service.revise_period(uow, period_id, expected_version=expected, changes=changes)
    return _answer(response, period)


@router.get("/{period_id}/points/{point}/distribution", response_model=DistributionPublic)
async def point_distribution(
    period_id: UUID, point: str, connection: ConnectionDep, principal: PrincipalDep
) -> DistributionPublic:
    """The predicates of a point as they stand, and the distribution rules they break."""
    principal.require_any(STAFF_ROLES, (await service.get_period(connection, period_id)).agency_code)
    found = await service.point_distribution(connection, period_id, point)
    return DistributionPublic(
        period_id=period_id,
        point=point,
        final=found.period.is_final(point),
        organisation_predicate=found.period.organisation_predicate,
        population=found.population,
        counts=found.counts,
        unrated=found.unrated,
        violations=[ViolationPublic.of(v) for v in found.violations]
        if found.violations is not None
        else None,
    )


@router.post("/{period_id}/points/{point}/finalisation", response_model=FinalisationPublic)
async def finalise_point(
    period_id: UUID,
    point: str,
    uow: UowDep,
    principal: PrincipalDep,
    body: FinalisationRequest | None = None,
) -> FinalisationPublic:
    """Finalise a point once it is over: refused with every violation (409) until resolved or overridden by
    the approver, who overrides themself (nobody overrides on their behalf: 403 naming the field)."""
    agency = (await service.get_period(uow.connection, period_id)).agency_code
    principal.require_any((*KEEPERS, Role.APPROVER), agency)
    if body and body.override:
        check = ReferenceCheck(uow.connection, principal)
        await check.employee("override.approver_nip", body.override.approver_nip)
        check.settle()
        deciding(
            principal, "override.approver_nip", body.override.approver_nip, "an override of the distribution"
        )
    override = Override(body.override.approver_nip, body.override.reason) if body and body.override else None
    finalisation = await service.finalise_point(
        uow, period_id, point, override=override, actor=principal.subject
    )
    return FinalisationPublic.of(finalisation)
