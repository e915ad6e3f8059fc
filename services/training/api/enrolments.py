"""HTTP routes of enrolments: cancellation, completion with JP and certificate, test scores, the
participant's evaluation form and the supervisor's follow-up."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from services.training.adapters.enrolments import EnrolmentFilter
from services.training.api.common import Note, OnBehalfReason
from services.training.domain.sessions import REACTION_QUESTIONS, Enrolment, EnrolmentStatus
from services.training.service import enrolments as service
from services.training.service.enrolments import EnrolmentDetail
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag
from shared.inputs import RequestModel
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor

router = APIRouter(prefix="/api/v1/enrolments", tags=["enrolments"])

Score = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2, description="0-100")]
Rating = Annotated[int, Field(ge=1, le=5)]


class DayPublic(BaseModel):
    day: date
    present: bool


class CompletionPublic(BaseModel):
    completed_on: date
    jp: int = Field(description="counted in the year of `completed_on`; what was awarded then")
    title: str | None = Field(description="the programme's title when completed")
    attendance_percent: Decimal


class CertificatePublic(BaseModel):
    number: str
    issued_on: date
    valid_until: date | None = Field(description="none: valid without end")


class TestsPublic(BaseModel):
    pre_test: Decimal | None
    post_test: Decimal | None
    gain: Decimal | None


class ReactionPublic(BaseModel):
    ratings: dict[str, int]
    comment: str | None
    submitted_at: datetime


class FollowUpPublic(BaseModel):
    due_on: date | None
    requested_at: datetime | None = Field(description="when the supervisor was reminded")
    behaviour: int | None = Field(description="1-5: applies what was learnt on the job (level 3)")
    results: int | None = Field(description="1-5: contribution to the unit's results (level 4)")
    notes: str | None
    evaluated_by: str | None = Field(description="the account that entered it")
    evaluated_at: datetime | None
    evaluator_nip: str | None = Field(description="whose evaluation it is: the participant's supervisor")
    on_behalf_reason: str | None = Field(description="set when `evaluated_by` entered it for them: why")


class EnrolmentPublic(BaseModel):
    id: UUID
    session_id: UUID
    programme_id: UUID
    programme_code: str | None = None
    title: str | None = None
    nip: str
    agency_code: str
    status: EnrolmentStatus
    waiting_position: int | None = Field(default=None, description="1 is next for a freed seat")
    requested_at: datetime
    enrolled_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    attendance: list[DayPublic] | None = Field(default=None, description="days recorded so far")
    completion: CompletionPublic | None
    certificate: CertificatePublic | None
    tests: TestsPublic
    reaction: ReactionPublic | None
    supervisor_nip: str | None
    follow_up: FollowUpPublic | None
    version: int

    @classmethod
    def of(cls, detail: EnrolmentDetail) -> "EnrolmentPublic":
        public = cls.of_enrolment(detail.enrolment)
        public.programme_code, public.title = detail.programme.code, detail.programme.title
        public.waiting_position = detail.waiting_position
        public.attendance = [DayPublic(day=d, present=p) for d, p in detail.attendance.items()]
        return public

    @classmethod
    def of_enrolment(cls, e: Enrolment) -> "EnrolmentPublic":
        completion = (
            CompletionPublic(
                completed_on=e.completed_on,
                jp=e.jp_awarded,
                title=e.programme_title,
                attendance_percent=e.attendance_percent,
            )
            if e.completed_on is not None and e.jp_awarded is not None and e.attendance_percent is not None
            else None
        )
        return cls(
            id=e.id,
            session_id=e.session_id,
            programme_id=e.programme_id,
            nip=e.nip,
            agency_code=e.agency_code,
            status=e.status,
            requested_at=e.requested_at,
            enrolled_at=e.enrolled_at,
            cancelled_at=e.cancelled_at,
            cancellation_reason=e.cancellation_reason,
            completion=completion,
            certificate=CertificatePublic(
                number=e.certificate.number,
                issued_on=e.certificate.issued_on,
                valid_until=e.certificate.valid_until,
            )
            if e.certificate
            else None,
            tests=TestsPublic(
                pre_test=e.pre_test,
                post_test=e.post_test,
                gain=e.post_test - e.pre_test if e.pre_test is not None and e.post_test is not None else None,
            ),
            reaction=ReactionPublic(
                ratings=e.reaction.ratings, comment=e.reaction.comment, submitted_at=e.reaction.submitted_at
            )
            if e.reaction
            else None,
            supervisor_nip=e.supervisor_nip,
            follow_up=FollowUpPublic(
                due_on=e.follow_up_due_on,
                requested_at=e.follow_up_requested_at,
                behaviour=e.follow_up.behaviour if e.follow_up else None,
                results=e.follow_up.results if e.follow_up else None,
                notes=e.follow_up.notes if e.follow_up else None,
                evaluated_by=e.follow_up.evaluated_by if e.follow_up else None,
                evaluated_at=e.follow_up.evaluated_at if e.follow_up else None,
                evaluator_nip=e.follow_up.evaluator_nip if e.follow_up else None,
                on_behalf_reason=e.follow_up.on_behalf_reason if e.follow_up else None,
            )
            if e.follow_up_due_on
            else None,
            version=e.version,
        )


async def _answer(
    connection: ConnectionDep, principal: PrincipalDep, response: Response, enrolment_id: UUID
) -> EnrolmentPublic:
    detail = await service.enrolment_detail(connection, principal, enrolment_id)
    set_etag(response, detail.enrolment.version)
    return EnrolmentPublic.of(detail)


@router.get("", response_model=Page[EnrolmentPublic])
async def search_enrolments(
    connection: ConnectionDep,
    principal: PrincipalDep,
    session: UUID | None = None,
    programme: UUID | None = None,
    nip: str | None = None,
    agency: str | None = None,
    enrolment_status: Annotated[EnrolmentStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EnrolmentPublic]:
    """Enrolments in order of request: one person's, a session's participants and waiting list, an
    agency's."""
    after = cursor_key(cursor, datetime.fromisoformat, UUID)
    found = await service.search_enrolments(
        connection,
        principal,
        EnrolmentFilter(
            session_id=session,
            programme_id=programme,
            nip=nip,
            agency_codes=frozenset({agency}) if agency else None,
            status=enrolment_status,
        ),
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    page = found[:limit]
    return Page(
        items=[EnrolmentPublic.of_enrolment(e) for e in page],
        next_cursor=encode_cursor([page[-1].requested_at.isoformat(), page[-1].id])
        if len(found) > limit
        else None,
    )


@router.get("/{enrolment_id}", response_model=EnrolmentPublic)
async def get_enrolment(
    enrolment_id: UUID, connection: ConnectionDep, principal: PrincipalDep, response: Response
) -> EnrolmentPublic:
    """One enrolment with its attendance, completion, certificate and evaluations."""
    return await _answer(connection, principal, response, enrolment_id)


class CancellationIn(RequestModel):
    reason: Note | None = None


@router.post("/{enrolment_id}/cancellation", response_model=EnrolmentPublic)
async def cancel_enrolment(
    enrolment_id: UUID,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    body: CancellationIn | None = None,
) -> EnrolmentPublic:
    """Withdraw (the employee or HR); the freed seat goes to the first on the waiting list."""
    await service.cancel(uow, principal, enrolment_id, body.reason if body else None)
    return await _answer(uow.connection, principal, response, enrolment_id)


class CompletionIn(RequestModel):
    completed_on: date | None = Field(
        default=None, description="default: the session's last day (or today, if it has not come)"
    )


@router.post("/{enrolment_id}/completion", response_model=EnrolmentPublic)
async def complete_enrolment(
    enrolment_id: UUID,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    body: CompletionIn | None = None,
) -> EnrolmentPublic:
    """Record completion: awards the JP and issues the certificate; 409 without enough attendance."""
    await service.complete(uow, principal, enrolment_id, completed_on=body.completed_on if body else None)
    return await _answer(uow.connection, principal, response, enrolment_id)


class TestScoresIn(RequestModel):
    pre_test: Score | None = None
    post_test: Score | None = None


@router.put("/{enrolment_id}/test-scores", response_model=EnrolmentPublic)
async def record_test_scores(
    enrolment_id: UUID, body: TestScoresIn, uow: UowDep, principal: PrincipalDep, response: Response
) -> EnrolmentPublic:
    """Pre- and post-test scores (Kirkpatrick level 2), by the organiser."""
    await service.record_scores(
        uow, principal, enrolment_id, pre_test=body.pre_test, post_test=body.post_test
    )
    return await _answer(uow.connection, principal, response, enrolment_id)


class ReactionIn(RequestModel):
    ratings: dict[str, Rating] = Field(
        description=f"1-5 for each of: {', '.join(REACTION_QUESTIONS)}",
        examples=[dict.fromkeys(REACTION_QUESTIONS, 4)],
    )
    comment: Note | None = None


@router.put("/{enrolment_id}/reaction", response_model=EnrolmentPublic)
async def submit_reaction(
    enrolment_id: UUID, body: ReactionIn, uow: UowDep, principal: PrincipalDep, response: Response
) -> EnrolmentPublic:
    """The participant's evaluation form (Kirkpatrick level 1), once."""
    await service.react(uow, principal, enrolment_id, ratings=dict(body.ratings), comment=body.comment)
    return await _answer(uow.connection, principal, response, enrolment_id)


class FollowUpIn(RequestModel):
    behaviour: Rating = Field(description="applies what was learnt on the job (Kirkpatrick level 3)")
    results: Rating = Field(description="contribution to the unit's results (Kirkpatrick level 4)")
    notes: Note | None = None
    on_behalf_reason: OnBehalfReason


@router.put("/{enrolment_id}/follow-up", response_model=EnrolmentPublic)
async def submit_follow_up(
    enrolment_id: UUID, body: FollowUpIn, uow: UowDep, principal: PrincipalDep, response: Response
) -> EnrolmentPublic:
    """The supervisor's follow-up evaluation some weeks after completion, once: theirs, or their signed form
    the agency's HR unit enters for them with the reason."""
    await service.follow_up(
        uow,
        principal,
        enrolment_id,
        behaviour=body.behaviour,
        results=body.results,
        notes=body.notes,
        on_behalf_reason=body.on_behalf_reason,
    )
    return await _answer(uow.connection, principal, response, enrolment_id)
