"""HTTP routes of sessions: their seats and waiting list, enrolment into them and attendance per day."""

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field, StringConstraints, field_validator

from services.training.adapters.catalogue import SessionFilter
from services.training.api.enrolments import EnrolmentPublic
from services.training.domain.catalogue import Programme
from services.training.domain.sessions import MAX_CAPACITY, Delivery, Session
from services.training.service import catalogue as service
from services.training.service import enrolments
from services.training.service.enrolments import Mark
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])

Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Trainer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Seats = Annotated[int, Field(ge=1, le=MAX_CAPACITY)]
Room = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
Percent = Annotated[int, Field(ge=1, le=100)]


class SessionCreate(RequestModel):
    starts_on: date
    ends_on: date
    delivery: Delivery
    place: Place | None = Field(default=None, examples=["Aula BPSDM, Mamuju"], description="held in person")
    online_url: Url | None = Field(default=None, description="held online")
    capacity: Seats
    waiting_list_capacity: Room = Field(default=0, description="0: no waiting list")
    trainers: list[Trainer] = Field(default=[], description="names (or NIPs) of the widyaiswara and trainers")
    min_attendance_percent: Percent = Field(default=100, description="of the training days, to complete")


class SessionUpdate(RequestModel):
    """Send only what changes; more seats move people up from the waiting list."""

    starts_on: date | None = None
    ends_on: date | None = None
    delivery: Delivery | None = None
    place: Place | None = None
    online_url: Url | None = None
    capacity: Seats | None = None
    waiting_list_capacity: Room | None = None
    trainers: list[Trainer] | None = None
    min_attendance_percent: Percent | None = None

    @field_validator(
        "starts_on",
        "ends_on",
        "delivery",
        "capacity",
        "waiting_list_capacity",
        "trainers",
        "min_attendance_percent",
        mode="before",
    )
    @classmethod
    def _refuse_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value


class SessionPublic(BaseModel):
    id: UUID
    programme_id: UUID
    programme_code: str
    title: str
    jp: int
    starts_on: date
    ends_on: date
    delivery: Delivery
    place: str | None
    online_url: str | None
    capacity: int
    seats_taken: int
    free_seats: int
    waiting_list_capacity: int
    waiting: int
    trainers: list[str]
    min_attendance_percent: int
    version: int

    @classmethod
    def of(cls, s: Session, programme: Programme, *, seats_taken: int, waiting: int) -> "SessionPublic":
        return cls(
            id=s.id,
            programme_id=s.programme_id,
            programme_code=programme.code,
            title=programme.title,
            jp=programme.jp,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            delivery=s.delivery,
            place=s.place,
            online_url=s.online_url,
            capacity=s.capacity,
            seats_taken=seats_taken,
            free_seats=max(0, s.capacity - seats_taken),
            waiting_list_capacity=s.waiting_list_capacity,
            waiting=waiting,
            trainers=list(s.trainers),
            min_attendance_percent=s.min_attendance_percent,
            version=s.version,
        )


@router.get("", response_model=Page[SessionPublic])
async def search_sessions(
    connection: ConnectionDep,
    programme: UUID | None = None,
    agency: str | None = None,
    starts_from: date | None = None,
    starts_until: date | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SessionPublic]:
    """Sessions by start date: of a programme, of an organising agency, in a period."""
    after = cursor_key(cursor, date.fromisoformat, UUID)
    found = await service.search_sessions(
        connection,
        SessionFilter(
            programme_id=programme, agency_code=agency, starts_from=starts_from, starts_until=starts_until
        ),
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    page = found[:limit]
    return Page(
        items=[
            SessionPublic.of(s, programme, seats_taken=o.seats_taken, waiting=o.waiting)
            for s, programme, o in page
        ],
        next_cursor=encode_cursor([page[-1][0].starts_on, page[-1][0].id]) if len(found) > limit else None,
    )


@router.get("/{session_id}", response_model=SessionPublic)
async def get_session(session_id: UUID, connection: ConnectionDep, response: Response) -> SessionPublic:
    """One session with its seats taken and its waiting list."""
    session, programme, occupancy = await service.get_session(connection, session_id)
    set_etag(response, session.version)
    return SessionPublic.of(session, programme, seats_taken=occupancy.seats_taken, waiting=occupancy.waiting)


@router.patch("/{session_id}", response_model=SessionPublic)
async def revise_session(
    session_id: UUID,
    body: SessionUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> SessionPublic:
    """Change a session; needs If-Match. Fewer seats than are taken is refused."""
    expected = version_from_if_match(if_match)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "trainers" in changes:
        changes["trainers"] = tuple(changes["trainers"])
    session, programme, occupancy = await service.revise_session(
        uow, principal, session_id, expected_version=expected, changes=changes
    )
    set_etag(response, session.version)
    return SessionPublic.of(session, programme, seats_taken=occupancy.seats_taken, waiting=occupancy.waiting)


class EnrolmentCreate(RequestModel):
    nip: Nip
    join_waiting_list: bool = Field(default=True, description="when the session is full")


@router.post(
    "/{session_id}/enrolments",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentPublic,
    responses=created(
        "The enrolment made",
        "enrolment_id",
        "GET /api/v1/enrolments/{enrolment_id}",
        "POST /api/v1/enrolments/{enrolment_id}/cancellation",
        "POST /api/v1/enrolments/{enrolment_id}/completion",
        "PUT /api/v1/enrolments/{enrolment_id}/test-scores",
        "PUT /api/v1/enrolments/{enrolment_id}/reaction",
        "PUT /api/v1/enrolments/{enrolment_id}/follow-up",
    ),
)
async def enrol(
    session_id: UUID, body: EnrolmentCreate, uow: UowDep, principal: PrincipalDep, response: Response
) -> EnrolmentPublic:
    """Enrol an employee: a seat, else the waiting list (409 when both are full or already enrolled)."""
    enrolment = await enrolments.enrol(
        uow, principal, session_id, body.nip, join_waiting_list=body.join_waiting_list
    )
    detail = await enrolments.enrolment_detail(uow.connection, principal, enrolment.id)
    response.headers["Location"] = f"/api/v1/enrolments/{enrolment.id}"
    set_etag(response, enrolment.version)
    return EnrolmentPublic.of(detail)


class MarkIn(RequestModel):
    nip: Nip
    present: bool


class AttendanceIn(RequestModel):
    attendance: list[MarkIn] = Field(min_length=1, description="everyone holding a seat, present or not")


class AttendancePublic(BaseModel):
    session_id: UUID
    day: date
    attendance: list[MarkIn]


@router.put("/{session_id}/attendance/{day}", response_model=AttendancePublic)
async def record_attendance(
    session_id: UUID, day: date, body: AttendanceIn, uow: UowDep, principal: PrincipalDep
) -> AttendancePublic:
    """Record who was present on one day of the session (again to correct it)."""
    recorded = await enrolments.record_attendance(
        uow, principal, session_id, day, [Mark(m.nip, m.present) for m in body.attendance]
    )
    return AttendancePublic(
        session_id=session_id,
        day=day,
        attendance=[MarkIn(nip=nip, present=present) for nip, present in recorded.items()],
    )
