"""HTTP routes of development plans: built after a mutation (by the saga), on request, or after an
appraisal; seen, adjusted and accepted by the employee and the supervisor."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints

from services.training.adapters.plans import PlanFilter
from services.training.api.common import Note, OnBehalfReason
from services.training.domain.catalogue import Form
from services.training.domain.development import (
    Acceptance,
    Choice,
    DevelopmentPlan,
    ItemKind,
    PlanItem,
    PlanSource,
    PlanStatus,
    Recommendation,
    Side,
)
from services.training.service import plans as service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor

router = APIRouter(prefix="/api/v1/development-plans", tags=["development plans"])


class RecommendationPublic(BaseModel):
    programme_id: UUID
    code: str
    title: str
    form: Form
    jp: int
    target_level: int | None = Field(description="the level the programme develops the competency to")
    fit: Decimal = Field(description="0-1: the share of the gap it closes")
    session_id: UUID | None = Field(description="the soonest session with a free seat (else a waiting list)")
    starts_on: date | None
    ends_on: date | None
    waitlisted: bool
    prerequisites_missing: list[UUID]

    @classmethod
    def of(cls, r: Recommendation) -> "RecommendationPublic":
        return cls(
            programme_id=r.programme_id,
            code=r.code,
            title=r.title,
            form=r.form,
            jp=r.jp,
            target_level=r.target_level,
            fit=r.fit,
            session_id=r.session_id,
            starts_on=r.starts_on,
            ends_on=r.ends_on,
            waitlisted=r.waitlisted,
            prerequisites_missing=list(r.prerequisites_missing),
        )


class ItemPublic(BaseModel):
    item: str = Field(description="how an adjustment names the item: the competency, or `coaching`")
    kind: ItemKind
    competency: str | None
    required_level: int | None
    current_level: int | None = Field(description="none: never assessed")
    gap: int | None
    recommendations: list[RecommendationPublic] = Field(description="best fit, then soonest session, then JP")
    programme_id: UUID | None = Field(description="the chosen programme; none: mentoring only")
    session_id: UUID | None
    target_date: date | None
    note: str | None

    @classmethod
    def of(cls, item: PlanItem) -> "ItemPublic":
        return cls(
            item=item.competency or item.key,
            kind=item.kind,
            competency=item.competency,
            required_level=item.required_level,
            current_level=item.current_level,
            gap=item.required_level - (item.current_level or 0) if item.required_level is not None else None,
            recommendations=[RecommendationPublic.of(r) for r in item.recommendations],
            programme_id=item.programme_id,
            session_id=item.session_id,
            target_date=item.target_date,
            note=item.note,
        )


class MentorPublic(BaseModel):
    nip: str
    name: str
    rank_code: str | None
    competencies: list[str] = Field(description="gaps the mentor is assessed at the required level in")


class AcceptancePublic(BaseModel):
    by: str = Field(description="the account that entered it")
    at: datetime
    nip: str | None = Field(description="whose acceptance it is: the plan's employee or supervisor")
    on_behalf_reason: str | None = Field(description="set when `by` entered it for `nip`: why")

    @classmethod
    def of(cls, acceptance: Acceptance | None) -> "AcceptancePublic | None":
        if acceptance is None:
            return None
        return cls(
            by=acceptance.by,
            at=acceptance.at,
            nip=acceptance.nip,
            on_behalf_reason=acceptance.on_behalf_reason,
        )


class PlanPublic(BaseModel):
    id: UUID
    nip: str
    agency_code: str
    unit_id: str | None
    position_id: str | None
    position_name: str | None
    source: PlanSource
    mutation_id: str | None
    appraisal_reference: str | None
    reason: str | None
    status: PlanStatus
    standard_known: bool = Field(description="false until the position's standard reaches this service")
    job_person_match: Decimal | None = Field(description="Σ min(actual, required) ÷ Σ required, in %")
    supervisor_nip: str | None
    mentor: MentorPublic | None
    items: list[ItemPublic]
    employee_accepted: AcceptancePublic | None
    supervisor_accepted: AcceptancePublic | None
    created_at: datetime | None
    version: int

    @classmethod
    def of(cls, plan: DevelopmentPlan) -> "PlanPublic":
        mentor = plan.mentor
        return cls(
            id=plan.id,
            nip=plan.nip,
            agency_code=plan.agency_code,
            unit_id=plan.unit_id,
            position_id=plan.position_id,
            position_name=plan.position_name,
            source=plan.source,
            mutation_id=plan.mutation_id,
            appraisal_reference=plan.appraisal_reference,
            reason=plan.reason,
            status=plan.status,
            standard_known=plan.standard_known,
            job_person_match=plan.job_person_match,
            supervisor_nip=plan.supervisor_nip,
            mentor=MentorPublic(
                nip=mentor.nip,
                name=mentor.name,
                rank_code=mentor.rank_code,
                competencies=list(mentor.competencies),
            )
            if mentor
            else None,
            items=[ItemPublic.of(item) for item in plan.items],
            employee_accepted=AcceptancePublic.of(plan.employee_acceptance),
            supervisor_accepted=AcceptancePublic.of(plan.supervisor_acceptance),
            created_at=plan.created_at,
            version=plan.version,
        )


def _answer(response: Response, plan: DevelopmentPlan) -> PlanPublic:
    set_etag(response, plan.version)
    return PlanPublic.of(plan)


class PlanRequest(RequestModel):
    nip: Nip
    position_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="default: the current position; another for a planned move"
    )
    reason: Note | None = None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanPublic,
    responses=created(
        "The development plan drawn up",
        "plan_id",
        "GET /api/v1/development-plans/{plan_id}",
        "PATCH /api/v1/development-plans/{plan_id}",
        "POST /api/v1/development-plans/{plan_id}/acceptance",
        if_match=(
            "PATCH /api/v1/development-plans/{plan_id}",
            "POST /api/v1/development-plans/{plan_id}/acceptance",
        ),
    ),
)
async def request_plan(
    body: PlanRequest, uow: UowDep, principal: PrincipalDep, response: Response
) -> PlanPublic:
    """Build a plan now (the employee, the supervisor or HR)."""
    plan = await service.plan_on_request(
        uow, principal, nip=body.nip, position_id=body.position_id, reason=body.reason
    )
    response.headers["Location"] = f"{router.prefix}/{plan.id}"
    return _answer(response, plan)


@router.get("", response_model=Page[PlanPublic])
async def search_plans(
    connection: ConnectionDep,
    principal: PrincipalDep,
    nip: str | None = None,
    agency: str | None = None,
    supervisor: Annotated[str | None, Query(description="plans this NIP supervises")] = None,
    plan_status: Annotated[PlanStatus | None, Query(alias="status")] = None,
    source: PlanSource | None = None,
    mutation: Annotated[str | None, Query(description="the plan a mutation made")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PlanPublic]:
    """Plans, newest first."""
    after = cursor_key(cursor, datetime.fromisoformat, UUID)
    found = await service.search_plans(
        connection,
        principal,
        PlanFilter(
            nip=nip,
            agency_codes=frozenset({agency}) if agency else None,
            supervisor_nip=supervisor,
            status=plan_status,
            source=source,
            mutation_id=mutation,
        ),
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    page = found[:limit]
    last = page[-1] if page else None
    return Page(
        items=[PlanPublic.of(p) for p in page],
        next_cursor=encode_cursor([last.created_at.isoformat(), last.id])
        if last is not None and last.created_at is not None and len(found) > limit
        else None,
    )


@router.get("/{plan_id}", response_model=PlanPublic)
async def get_plan(
    plan_id: UUID, connection: ConnectionDep, principal: PrincipalDep, response: Response
) -> PlanPublic:
    """One plan: gaps, recommended programmes, mentor, acceptances."""
    return _answer(response, await service.get_plan(connection, principal, plan_id))


class ChoiceIn(RequestModel):
    item: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="the competency of the item, or `coaching`"
    )
    programme_id: UUID | None = Field(description="none: closed by mentoring only")
    session_id: UUID | None = None
    target_date: date | None = None
    note: Note | None = None


class PlanAdjustment(RequestModel):
    items: list[ChoiceIn] = Field(default=[], description="only the items that change")
    mentor_nip: Nip | None = Field(default=None, description="another mentor; null: none. Leave out to keep")


@router.patch("/{plan_id}", response_model=PlanPublic)
async def adjust_plan(
    plan_id: UUID,
    body: PlanAdjustment,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanPublic:
    """Choose other programmes, sessions, dates or another mentor; needs If-Match. Both must accept again."""
    expected = version_from_if_match(if_match)
    plan = await service.adjust_plan(
        uow,
        principal,
        plan_id,
        expected_version=expected,
        choices=[Choice(c.item, c.programme_id, c.session_id, c.target_date, c.note) for c in body.items],
        mentor_nip=body.mentor_nip,
        change_mentor="mentor_nip" in body.model_fields_set,
    )
    return _answer(response, plan)


class AcceptanceIn(RequestModel):
    side: Side | None = Field(
        default=None,
        description="whose acceptance: yours by default; another side's only with `on_behalf_reason`, "
        "by the agency's HR unit",
    )
    on_behalf_reason: OnBehalfReason


@router.post("/{plan_id}/acceptance", response_model=PlanPublic)
async def accept_plan(
    plan_id: UUID,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
    body: AcceptanceIn | None = None,
) -> PlanPublic:
    """Accept the plan for your side (employee or supervisor), or, as the agency's HR unit, enter a side's
    acceptance for them with the reason; needs If-Match."""
    expected = version_from_if_match(if_match)
    plan = await service.accept_plan(
        uow,
        principal,
        plan_id,
        expected_version=expected,
        side=body.side if body else None,
        on_behalf_reason=body.on_behalf_reason if body else None,
    )
    return _answer(response, plan)
