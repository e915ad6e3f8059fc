"""HTTP routes for SKPs: planning, realisations, feedback, ratings and objections.

Every NIP a request names must be an employee this service knows (422 naming the field otherwise), inside
the caller's agencies (403 naming the field), before the acting person is checked and anything changes.
Who acts is named in the request (`appraiser_nip`, `recorded_by`, ...): it must be the caller's own NIP, or
the caller, a record keeper of the agency, enters the act for that person with `on_behalf_reason`, which the
answer shows as `entered_by` and `on_behalf_reason` (`api.access`); a decision on an objection is the
reviewer's own. The SKP checks that NIP against the people it names, answering 403 otherwise.
"""

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, TypedDict
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from services.appraisal.adapters.repository import SkpFilter
from services.appraisal.api.access import (
    KEEPERS,
    RECORDERS,
    acting,
    deciding,
    require_skp_reader,
    require_skp_worker,
)
from services.appraisal.api.common import Amount, CreditPoints, Percent
from services.appraisal.domain.periods import ANNUAL
from services.appraisal.domain.predicate import CoreValue, Predicate, Rating
from services.appraisal.domain.skp import (
    Evaluation,
    Objection,
    ObjectionDecision,
    OnBehalf,
    PositionType,
    Skp,
    Target,
    Verdict,
)
from services.appraisal.service import skp as service
from services.appraisal.service.references import ReferenceCheck
from services.appraisal.service.skp import IndicatorPlan
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Principal, Role

router = APIRouter(prefix="/api/v1/skp", tags=["SKP"])

Note = Annotated[str, Field(min_length=1, max_length=4000)]
OnBehalfReason = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=2000,
        description="why a record keeper of the agency enters this for the person named (e.g. their signed "
        "paper form); required to act for someone else, refused when you act as yourself",
    ),
]
EnteredBy = Annotated[
    str | None, Field(description="the account that entered it for the person named; null: they did")
]


class TargetIn(RequestModel):
    quantity: Amount = Field(gt=0)
    quantity_unit: str = Field(min_length=1, max_length=50, examples=["dokumen"])
    quality_percent: Percent
    time_months: int = Field(ge=1, le=12)
    cost: Amount | None = Field(default=None, description="only where the indicator has a budget")

    def target(self) -> Target:
        return Target(self.quantity, self.quantity_unit, self.quality_percent, self.time_months, self.cost)

    @classmethod
    def of(cls, t: Target) -> "TargetIn":
        return cls(
            quantity=t.quantity,
            quantity_unit=t.quantity_unit,
            quality_percent=t.quality_percent,
            time_months=t.time_months,
            cost=t.cost,
        )


class IndicatorIn(RequestModel):
    description: str = Field(min_length=1, max_length=2000)
    target: TargetIn

    def plan(self) -> IndicatorPlan:
        return IndicatorPlan(self.description, self.target.target())


class SkpCreate(RequestModel):
    period_id: UUID
    nip: Nip
    appraiser_nip: Nip = Field(description="the appraising supervisor (pejabat penilai kinerja)")
    reviewer_nip: Nip | None = Field(
        default=None, description="the appraiser's supervisor; decides objections"
    )
    position_type: PositionType
    position_id: str | None = Field(default=None, max_length=64)
    functional_level: str | None = Field(
        default=None,
        max_length=20,
        description="level of a functional position (`/api/v1/appraisal/functional-levels`); its yearly "
        "credit coefficient earns the credit points",
        examples=["ahli_pertama"],
    )
    indicators: list[IndicatorIn] = Field(min_length=1)


class SkpUpdate(RequestModel):
    """Send only what changes."""

    appraiser_nip: Nip | None = None
    reviewer_nip: Nip | None = None


class RealisationIn(RequestModel):
    recorded_by: Nip = Field(description="the employee or the appraiser")
    quantity: Amount | None = None
    quality_percent: Percent | None = None
    time_months: int | None = Field(default=None, ge=0, le=12)
    cost: Amount | None = None
    evidence: Note = Field(description="what shows the realisation (documents, links, notes)")
    on_behalf_reason: OnBehalfReason = None


class FeedbackIn(RequestModel):
    author_nip: Nip = Field(description="the appraiser or the employee")
    note: Note
    indicator_id: UUID | None = None
    on_behalf_reason: OnBehalfReason = None


class RatingIn(RequestModel):
    appraiser_nip: Nip = Field(description="who rates: must be the SKP's appraiser")
    results: Rating
    behaviour_values: dict[CoreValue, Rating] = Field(description="each of the seven BerAKHLAK values")
    behaviour: Rating | None = Field(
        default=None, description="overall behaviour; required under the period's `supervisor_overall` rule"
    )
    on_behalf_reason: OnBehalfReason = None


class ObjectionIn(RequestModel):
    nip: Nip = Field(description="who objects: must be the appraised employee")
    reason: Note
    on_behalf_reason: OnBehalfReason = None


class DecisionIn(RequestModel):
    decider_nip: Nip = Field(
        description="who decides: must be the appraiser's supervisor, deciding themself (never on their "
        "behalf)"
    )
    decision: ObjectionDecision
    note: Note
    results: Rating | None = Field(default=None, description="revised results rating, when upheld")
    behaviour: Rating | None = Field(default=None, description="revised behaviour rating, when upheld")


class RealisationPublic(BaseModel):
    point: str
    quantity: Decimal | None
    quality_percent: Decimal | None
    time_months: int | None
    cost: Decimal | None
    evidence: str
    recorded_by: str
    recorded_at: datetime
    entered_by: EnteredBy
    on_behalf_reason: str | None


class IndicatorPublic(BaseModel):
    id: UUID
    description: str
    target: TargetIn
    realisations: list[RealisationPublic]


class FeedbackPublic(BaseModel):
    id: UUID
    author_nip: str
    note: str
    indicator_id: UUID | None
    given_at: datetime
    entered_by: EnteredBy
    on_behalf_reason: str | None


class VerdictPublic(BaseModel):
    results: Rating
    behaviour: Rating
    predicate: Predicate
    credit_points: CreditPoints | None

    @classmethod
    def of(cls, v: Verdict) -> "VerdictPublic":
        return cls(
            results=v.results, behaviour=v.behaviour, predicate=v.predicate, credit_points=v.credit_points
        )


class EvaluationPublic(VerdictPublic):
    point: str
    starts_on: date
    ends_on: date
    behaviour_values: dict[CoreValue, Rating]
    rated_by: str = Field(description="the appraiser whose rating it is")
    rated_at: datetime
    finalised_at: datetime | None
    entered_by: EnteredBy
    on_behalf_reason: str | None

    @classmethod
    def of_evaluation(cls, e: Evaluation) -> "EvaluationPublic":
        return cls(
            **VerdictPublic.of(e.verdict).model_dump(),
            point=e.point,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            behaviour_values=dict(e.behaviour_values),
            rated_by=e.rated_by,
            rated_at=e.rated_at,
            finalised_at=e.finalised_at,
            **_entry(e.on_behalf),
        )


class ObjectionPublic(BaseModel):
    id: UUID
    point: str
    filed_by: str
    reason: str
    filed_at: datetime
    original: VerdictPublic
    decision: ObjectionDecision | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    revised: VerdictPublic | None
    entered_by: EnteredBy = Field(description="the account that filed it for the employee; null: they did")
    on_behalf_reason: str | None

    @classmethod
    def of(cls, o: Objection) -> "ObjectionPublic":
        return cls(
            id=o.id,
            point=o.point,
            filed_by=o.filed_by,
            reason=o.reason,
            filed_at=o.filed_at,
            original=VerdictPublic.of(o.original),
            decision=o.decision,
            decided_by=o.decided_by,
            decided_at=o.decided_at,
            decision_note=o.decision_note,
            revised=VerdictPublic.of(o.revised) if o.revised else None,
            **_entry(o.on_behalf),
        )


class SkpSummary(BaseModel):
    id: UUID
    period_id: UUID
    year: int
    nip: str
    agency_code: str
    appraiser_nip: str
    reviewer_nip: str | None
    position_type: PositionType
    position_id: str | None
    unit_id: str | None = Field(description="the work unit the employee is appraised in")
    functional_level: str | None
    credit_coefficient: CreditPoints | None = Field(description="the level's yearly coefficient when planned")
    version: int

    @classmethod
    def fields_of(cls, skp: Skp) -> dict[str, object]:
        return {
            "id": skp.id,
            "period_id": skp.period_id,
            "year": skp.year,
            "nip": skp.nip,
            "agency_code": skp.agency_code,
            "appraiser_nip": skp.appraiser_nip,
            "reviewer_nip": skp.reviewer_nip,
            "position_type": skp.position_type,
            "position_id": skp.position_id,
            "unit_id": skp.unit_id,
            "functional_level": skp.functional_level,
            "credit_coefficient": skp.credit_coefficient,
            "version": skp.version,
        }


class SkpPublic(SkpSummary):
    indicators: list[IndicatorPublic]
    feedback: list[FeedbackPublic]
    evaluations: list[EvaluationPublic]
    objections: list[ObjectionPublic] = Field(description="each with the original and the decided verdict")

    @classmethod
    def of(cls, skp: Skp) -> "SkpPublic":
        return cls.model_validate(
            {
                **cls.fields_of(skp),
                "indicators": [
                    IndicatorPublic(
                        id=i.id,
                        description=i.description,
                        target=TargetIn.of(i.target),
                        realisations=[
                            RealisationPublic(
                                point=r.point,
                                quantity=r.quantity,
                                quality_percent=r.quality_percent,
                                time_months=r.time_months,
                                cost=r.cost,
                                evidence=r.evidence,
                                recorded_by=r.recorded_by,
                                recorded_at=r.recorded_at,
                                **_entry(r.on_behalf),
                            )
                            for (indicator_id, _), r in skp.realisations.items()
                            if indicator_id == i.id
                        ],
                    )
                    for i in skp.indicators
                ],
                "feedback": [
                    FeedbackPublic(
                        id=f.id,
                        author_nip=f.author_nip,
                        note=f.note,
                        indicator_id=f.indicator_id,
                        given_at=f.given_at,
                        **_entry(f.on_behalf),
                    )
                    for f in skp.feedback
                ],
                "evaluations": [
                    EvaluationPublic.of_evaluation(e)
                    for e in sorted(skp.evaluations.values(), key=lambda e: (e.ends_on, e.point == ANNUAL))
                ],
                "objections": [ObjectionPublic.of(o) for o in skp.objections],
            }
        )


class _Entry(TypedDict):
    entered_by: str | None
    on_behalf_reason: str | None


def _entry(on_behalf: OnBehalf | None) -> _Entry:
    return {
        "entered_by": on_behalf.entered_by if on_behalf else None,
        "on_behalf_reason": on_behalf.reason if on_behalf else None,
    }


def _answer(response: Response, skp: Skp) -> SkpPublic:
    set_etag(response, skp.version)
    return SkpPublic.of(skp)


async def _skp(uow: UowDep, skp_id: UUID) -> Skp:
    return await service.get_skp(uow.connection, skp_id)


async def _require_known(uow: UowDep, principal: Principal, **people: str | None) -> None:
    """Each NIP given under its field names an employee inside the caller's agencies."""
    check = ReferenceCheck(uow.connection, principal)
    for field, nip in people.items():
        await check.employee(field, nip)
    check.settle()


def _own_or_scoped(principal: Principal, where: SkpFilter) -> SkpFilter | None:
    """A search within the caller's scope: an employee sees their own SKPs, staff their agencies'."""
    if not principal.is_staff:
        if principal.nip is None or (where.nip is not None and where.nip != principal.nip):
            return None
        return dataclasses.replace(where, nip=principal.nip)
    if where.nip is not None and where.agency_code is None:
        # One person's SKPs (their dossier): whatever agencies appraised them; the answer keeps only the
        # SKPs of agencies in the caller's scope.
        return where
    return dataclasses.replace(where, agency_code=principal.one_agency(where.agency_code))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SkpPublic,
    responses=created(
        "The SKP planned",
        "skp_id",
        "GET /api/v1/skp/{skp_id}",
        "PATCH /api/v1/skp/{skp_id}",
        "POST /api/v1/skp/{skp_id}/indicators",
        "POST /api/v1/skp/{skp_id}/feedback",
        if_match=("PATCH /api/v1/skp/{skp_id}",),
    ),
)
async def plan_skp(body: SkpCreate, uow: UowDep, response: Response, principal: PrincipalDep) -> SkpPublic:
    """Plan an employee's SKP for an appraisal year: appraiser, indicators and targets. The employee belongs
    to the period's agency and holds the position named."""
    check = ReferenceCheck(uow.connection, principal)
    period = await check.period("period_id", body.period_id)
    if period is not None and not (principal.is_self(body.nip) or principal.is_self(body.appraiser_nip)):
        principal.require_any((*RECORDERS, Role.SUPERVISOR), period.agency_code)
    unit_id = await check.appraised(period, body.nip, body.position_id)
    await check.employee("appraiser_nip", body.appraiser_nip)
    await check.employee("reviewer_nip", body.reviewer_nip)
    coefficient = await check.functional_level("functional_level", body.functional_level)
    check.settle()
    skp = await service.plan_skp(
        uow,
        period_id=body.period_id,
        nip=body.nip,
        appraiser_nip=body.appraiser_nip,
        reviewer_nip=body.reviewer_nip,
        position_type=body.position_type,
        position_id=body.position_id,
        unit_id=unit_id,
        functional_level=body.functional_level,
        credit_coefficient=coefficient,
        indicators=[i.plan() for i in body.indicators],
    )
    response.headers["Location"] = f"{router.prefix}/{skp.id}"
    return _answer(response, skp)


@router.get("", response_model=Page[SkpSummary])
async def search_skps(
    connection: ConnectionDep,
    principal: PrincipalDep,
    period_id: UUID | None = None,
    nip: str | None = None,
    appraiser: str | None = None,
    agency: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SkpSummary]:
    """SKPs by period, employee, appraiser or agency (without their details)."""
    after = cursor_key(cursor, UUID)
    where = _own_or_scoped(
        principal, SkpFilter(period_id=period_id, nip=nip, appraiser_nip=appraiser, agency_code=agency)
    )
    if where is None:
        return Page(items=[], next_cursor=None)
    found = await service.search_skps(
        connection, where, limit=limit + 1, after_id=after[0] if after else None
    )
    page = found[:limit]
    return Page(
        items=[
            SkpSummary.model_validate(SkpSummary.fields_of(s))
            for s in page
            if principal.is_self(s.nip) or principal.covers_agency(s.agency_code)
        ],
        next_cursor=encode_cursor([str(page[-1].id)]) if len(found) > limit else None,
    )


@router.get("/{skp_id}", response_model=SkpPublic)
async def get_skp(
    skp_id: UUID, connection: ConnectionDep, response: Response, principal: PrincipalDep
) -> SkpPublic:
    """One SKP with indicators, realisations, feedback, evaluations and objections."""
    skp = await service.get_skp(connection, skp_id)
    require_skp_reader(principal, skp)
    return _answer(response, skp)


@router.patch("/{skp_id}", response_model=SkpPublic)
async def assign(
    skp_id: UUID,
    body: SkpUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> SkpPublic:
    """Name another appraiser or appraiser's supervisor; needs If-Match. A request that changes nothing keeps
    the version."""
    principal.require_any(KEEPERS, (await _skp(uow, skp_id)).agency_code)
    await _require_known(uow, principal, appraiser_nip=body.appraiser_nip, reviewer_nip=body.reviewer_nip)
    expected = version_from_if_match(if_match)
    skp = await service.assign(
        uow, skp_id, expected_version=expected, changes=body.model_dump(exclude_unset=True)
    )
    return _answer(response, skp)


@router.post("/{skp_id}/indicators", status_code=status.HTTP_201_CREATED, response_model=SkpPublic)
async def add_indicator(
    skp_id: UUID, body: IndicatorIn, uow: UowDep, response: Response, principal: PrincipalDep
) -> SkpPublic:
    """Add a result indicator with its targets."""
    require_skp_worker(principal, await _skp(uow, skp_id))
    skp, _ = await service.add_indicator(uow, skp_id, body.plan())
    return _answer(response, skp)


@router.put("/{skp_id}/indicators/{indicator_id}/realisations/{point}", response_model=SkpPublic)
async def record_realisation(
    skp_id: UUID,
    indicator_id: UUID,
    point: str,
    body: RealisationIn,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> SkpPublic:
    """Record (or correct) what an indicator achieved in an evaluation period, with evidence: the employee or
    the appraiser, or a record keeper for them with a reason."""
    await _require_known(uow, principal, recorded_by=body.recorded_by)
    agency = (await _skp(uow, skp_id)).agency_code
    on_behalf = acting(
        principal, "recorded_by", body.recorded_by, agency, on_behalf_reason=body.on_behalf_reason
    )
    expected = version_from_if_match(if_match)
    skp = await service.record_realisation(
        uow,
        skp_id,
        expected_version=expected,
        indicator_id=indicator_id,
        point=point,
        on_behalf=on_behalf,
        **body.model_dump(exclude={"on_behalf_reason"}),
    )
    return _answer(response, skp)


@router.post("/{skp_id}/feedback", status_code=status.HTTP_201_CREATED, response_model=SkpPublic)
async def give_feedback(
    skp_id: UUID, body: FeedbackIn, uow: UowDep, response: Response, principal: PrincipalDep
) -> SkpPublic:
    """Add a continuous-feedback entry, on the whole SKP or one of its indicators."""
    skp = await _skp(uow, skp_id)
    check = ReferenceCheck(uow.connection, principal)
    await check.employee("author_nip", body.author_nip)
    check.indicator("indicator_id", skp, body.indicator_id)
    check.settle()
    on_behalf = acting(
        principal, "author_nip", body.author_nip, skp.agency_code, on_behalf_reason=body.on_behalf_reason
    )
    skp, _ = await service.give_feedback(
        uow,
        skp_id,
        author_nip=body.author_nip,
        note=body.note,
        indicator_id=body.indicator_id,
        on_behalf=on_behalf,
    )
    return _answer(response, skp)


@router.put("/{skp_id}/evaluations/{point}", response_model=SkpPublic)
async def rate(
    skp_id: UUID,
    point: str,
    body: RatingIn,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> SkpPublic:
    """The appraiser rates results and behaviour for an evaluation point from its end, or a record keeper
    enters the appraiser's signed rating form for them with a reason (403 for anyone else)."""
    await _require_known(uow, principal, appraiser_nip=body.appraiser_nip)
    agency = (await _skp(uow, skp_id)).agency_code
    on_behalf = acting(
        principal, "appraiser_nip", body.appraiser_nip, agency, on_behalf_reason=body.on_behalf_reason
    )
    expected = version_from_if_match(if_match)
    skp, _ = await service.rate(
        uow,
        skp_id,
        point,
        expected_version=expected,
        appraiser_nip=body.appraiser_nip,
        results=body.results,
        behaviour_values=body.behaviour_values,
        behaviour=body.behaviour,
        on_behalf=on_behalf,
    )
    return _answer(response, skp)


@router.post(
    "/{skp_id}/evaluations/{point}/objections", status_code=status.HTTP_201_CREATED, response_model=SkpPublic
)
async def file_objection(
    skp_id: UUID, point: str, body: ObjectionIn, uow: UowDep, response: Response, principal: PrincipalDep
) -> SkpPublic:
    """The employee objects to a final evaluation within the period's window (or a record keeper files their
    written objection for them, with a reason)."""
    await _require_known(uow, principal, nip=body.nip)
    agency = (await _skp(uow, skp_id)).agency_code
    on_behalf = acting(principal, "nip", body.nip, agency, on_behalf_reason=body.on_behalf_reason)
    skp, _ = await service.file_objection(
        uow, skp_id, point, by_nip=body.nip, reason=body.reason, on_behalf=on_behalf
    )
    return _answer(response, skp)


@router.post("/{skp_id}/objections/{objection_id}/decision", response_model=SkpPublic)
async def decide_objection(
    skp_id: UUID,
    objection_id: UUID,
    body: DecisionIn,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
) -> SkpPublic:
    """The appraiser's supervisor upholds (with revised ratings) or rejects an objection, themself."""
    await _require_known(uow, principal, decider_nip=body.decider_nip)
    deciding(principal, "decider_nip", body.decider_nip, "the decision on an objection")
    skp, _ = await service.decide_objection(
        uow,
        skp_id,
        objection_id,
        by_nip=body.decider_nip,
        decision=body.decision,
        note=body.note,
        results=body.results,
        behaviour=body.behaviour,
        actor=principal.subject,
    )
    return _answer(response, skp)
