"""HTTP routes of the catalogue: programmes, their sessions and their Kirkpatrick evaluation."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints, field_validator

from services.training.adapters.catalogue import ProgrammeFilter
from services.training.api.common import AgencyCode, Note, Text200
from services.training.api.sessions import SessionCreate, SessionPublic
from services.training.domain.catalogue import DEFAULT_FOLLOW_UP_WEEKS, CompetencyTarget, Form, Programme
from services.training.domain.evaluation import FollowUpLevel, KirkpatrickReport
from services.training.service import catalogue as service
from services.training.service.evaluation import programme_evaluation
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor

router = APIRouter(prefix="/api/v1/programmes", tags=["catalogue"])

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    ),
]


class CompetencyIn(RequestModel):
    competency: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    level: int = Field(ge=1, le=5, description="the level the programme develops it to")


class ProgrammeCreate(RequestModel):
    code: Code = Field(examples=["PKP-2026"], description="unique; certificates are numbered after it")
    title: Text200 = Field(examples=["Pelatihan Kepemimpinan Pengawas"])
    form: Form
    agency_code: AgencyCode = Field(description="the organising agency, whose HR unit manages the programme")
    provider: Text200 = Field(examples=["BPSDM Provinsi Sulawesi Barat"])
    jp: int = Field(ge=1, le=1000, description="jam pelajaran awarded on completion")
    competencies: list[CompetencyIn] = Field(default=[], description="what it develops, and to which level")
    prerequisites: list[UUID] = Field(default=[], description="programmes to complete first")
    issues_certificate: bool = True
    certificate_validity_months: int | None = Field(
        default=None, ge=1, le=240, description="none: the certificate stays valid"
    )
    follow_up_weeks: int = Field(
        default=DEFAULT_FOLLOW_UP_WEEKS, ge=1, le=52, description="when the supervisor's follow-up falls due"
    )
    description: Note | None = None


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value


class ProgrammeUpdate(RequestModel):
    """Send only what changes; the code stays."""

    title: Text200 | None = None
    form: Form | None = None
    agency_code: AgencyCode | None = None
    provider: Text200 | None = None
    jp: int | None = Field(default=None, ge=1, le=1000)
    competencies: list[CompetencyIn] | None = None
    prerequisites: list[UUID] | None = None
    issues_certificate: bool | None = None
    certificate_validity_months: int | None = Field(default=None, ge=1, le=240)
    follow_up_weeks: int | None = Field(default=None, ge=1, le=52)
    description: Note | None = None
    active: bool | None = Field(default=None, description="false: no longer offered or recommended")

    _required = field_validator(
        "title",
        "form",
        "agency_code",
        "provider",
        "jp",
        "competencies",
        "prerequisites",
        "issues_certificate",
        "follow_up_weeks",
        "active",
        mode="before",
    )(_refuse_null)


class ProgrammePublic(BaseModel):
    id: UUID
    code: str
    title: str
    form: Form
    classical: bool = Field(description="classical training (in a class) rather than a non-classical form")
    agency_code: str
    provider: str
    jp: int
    competencies: list[CompetencyIn]
    prerequisites: list[UUID]
    issues_certificate: bool
    certificate_validity_months: int | None
    follow_up_weeks: int
    description: str | None
    active: bool
    version: int

    @classmethod
    def of(cls, p: Programme) -> "ProgrammePublic":
        return cls(
            id=p.id,
            code=p.code,
            title=p.title,
            form=p.form,
            classical=p.form.is_classical,
            agency_code=p.agency_code,
            provider=p.provider,
            jp=p.jp,
            competencies=[CompetencyIn(competency=c.competency, level=c.level) for c in p.competencies],
            prerequisites=list(p.prerequisites),
            issues_certificate=p.issues_certificate,
            certificate_validity_months=p.certificate_validity_months,
            follow_up_weeks=p.follow_up_weeks,
            description=p.description,
            active=p.active,
            version=p.version,
        )


def _answer(response: Response, programme: Programme) -> ProgrammePublic:
    set_etag(response, programme.version)
    return ProgrammePublic.of(programme)


def _targets(items: list[CompetencyIn]) -> tuple[CompetencyTarget, ...]:
    return tuple(CompetencyTarget(c.competency, c.level) for c in items)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammePublic,
    responses=created(
        "The programme added to the catalogue",
        "programme_id",
        "GET /api/v1/programmes/{programme_id}",
        "PATCH /api/v1/programmes/{programme_id}",
        "POST /api/v1/programmes/{programme_id}/sessions",
        "GET /api/v1/programmes/{programme_id}/evaluation",
        if_match=("PATCH /api/v1/programmes/{programme_id}",),
    ),
)
async def define_programme(
    body: ProgrammeCreate, uow: UowDep, principal: PrincipalDep, response: Response
) -> ProgrammePublic:
    """Add a programme to the catalogue (HR of the organising agency)."""
    fields = body.model_dump(exclude={"competencies"})
    programme = await service.define_programme(
        uow, principal, competencies=_targets(body.competencies), **fields
    )
    response.headers["Location"] = f"{router.prefix}/{programme.id}"
    return _answer(response, programme)


@router.get("", response_model=Page[ProgrammePublic])
async def search_programmes(
    connection: ConnectionDep,
    agency: str | None = None,
    form: Form | None = None,
    competency: Annotated[str | None, Query(description="develops this competency")] = None,
    active: bool | None = None,
    updated_since: datetime | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProgrammePublic]:
    """The catalogue, by code."""
    after = cursor_key(cursor, str)
    found = await service.search_programmes(
        connection,
        ProgrammeFilter(
            agency_code=agency, form=form, competency=competency, active=active, updated_since=updated_since
        ),
        limit=limit + 1,
        after_code=after[0] if after else None,
    )
    page = found[:limit]
    return Page(
        items=[ProgrammePublic.of(p) for p in page],
        next_cursor=encode_cursor([page[-1].code]) if len(found) > limit else None,
    )


@router.get("/{programme_id}", response_model=ProgrammePublic)
async def get_programme(programme_id: UUID, connection: ConnectionDep, response: Response) -> ProgrammePublic:
    """One programme of the catalogue."""
    return _answer(response, await service.get_programme(connection, programme_id))


@router.patch("/{programme_id}", response_model=ProgrammePublic)
async def revise_programme(
    programme_id: UUID,
    body: ProgrammeUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProgrammePublic:
    """Change a programme; needs If-Match."""
    expected = version_from_if_match(if_match)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"competencies", "prerequisites"})
    if body.competencies is not None:
        changes["competencies"] = _targets(body.competencies)
    if body.prerequisites is not None:
        changes["prerequisites"] = tuple(body.prerequisites)
    programme = await service.revise_programme(
        uow, principal, programme_id, expected_version=expected, changes=changes
    )
    return _answer(response, programme)


@router.post(
    "/{programme_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionPublic,
    responses=created(
        "The session scheduled",
        "session_id",
        "GET /api/v1/sessions/{session_id}",
        "PATCH /api/v1/sessions/{session_id}",
        "POST /api/v1/sessions/{session_id}/enrolments",
        if_match=("PATCH /api/v1/sessions/{session_id}",),
    ),
)
async def schedule_session(
    programme_id: UUID, body: SessionCreate, uow: UowDep, principal: PrincipalDep, response: Response
) -> SessionPublic:
    """Schedule a session of the programme: dates, place or online, seats, waiting list, trainers."""
    session = await service.schedule_session(uow, principal, programme_id, **body.model_dump())
    programme = await service.get_programme(uow.connection, programme_id)
    response.headers["Location"] = f"/api/v1/sessions/{session.id}"
    set_etag(response, session.version)
    return SessionPublic.of(session, programme, seats_taken=0, waiting=0)


class ReactionPublic(BaseModel):
    responses: int
    response_rate: Decimal | None = Field(description="% of the participants")
    mean_by_question: dict[str, Decimal | None] = Field(description="1-5")
    mean: Decimal | None


class LearningPublic(BaseModel):
    tested: int = Field(description="participants with both a pre- and a post-test score")
    mean_pre: Decimal | None
    mean_post: Decimal | None
    mean_gain: Decimal | None
    improved: int


class FollowUpPublic(BaseModel):
    due: int = Field(description="completions whose follow-up date has come")
    evaluated: int
    mean: Decimal | None = Field(description="the supervisors' ratings, 1-5")

    @classmethod
    def of(cls, level: FollowUpLevel) -> "FollowUpPublic":
        return cls(due=level.due, evaluated=level.evaluated, mean=level.mean)


class EvaluationPublic(BaseModel):
    programme_id: UUID
    code: str
    title: str
    participants: int
    completed: int
    jp_awarded: int
    reaction: ReactionPublic = Field(description="Kirkpatrick level 1")
    learning: LearningPublic = Field(description="Kirkpatrick level 2")
    behaviour: FollowUpPublic = Field(description="Kirkpatrick level 3: applied on the job")
    results: FollowUpPublic = Field(description="Kirkpatrick level 4: results for the unit")

    @classmethod
    def of(cls, programme: Programme, report: KirkpatrickReport) -> "EvaluationPublic":
        reaction, learning = report.reaction, report.learning
        return cls(
            programme_id=programme.id,
            code=programme.code,
            title=programme.title,
            participants=report.participants,
            completed=report.completed,
            jp_awarded=report.jp_awarded,
            reaction=ReactionPublic(
                responses=reaction.responses,
                response_rate=reaction.response_rate,
                mean_by_question=reaction.mean_by_question,
                mean=reaction.mean,
            ),
            learning=LearningPublic(
                tested=learning.tested,
                mean_pre=learning.mean_pre,
                mean_post=learning.mean_post,
                mean_gain=learning.mean_gain,
                improved=learning.improved,
            ),
            behaviour=FollowUpPublic.of(report.behaviour),
            results=FollowUpPublic.of(report.results),
        )


@router.get("/{programme_id}/evaluation", response_model=EvaluationPublic)
async def evaluate_programme(programme_id: UUID, connection: ConnectionDep) -> EvaluationPublic:
    """The programme on the four Kirkpatrick levels, over all its sessions."""
    programme, report = await programme_evaluation(connection, programme_id)
    return EvaluationPublic.of(programme, report)
