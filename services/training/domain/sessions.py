"""Sessions of a programme and the enrolments in them: seats and the waiting list, attendance per day,
completion with JP, certificates, test scores, the participant's reaction and the supervisor's follow-up.
Pure Python: no I/O, no framework.

Rules:
- A session has `capacity` seats and a waiting list of `waiting_list_capacity`; an enrolment takes a seat
  while there is one, else a place on the waiting list (if the person wants one and there is room), else it
  is refused. A freed seat (cancellation, more capacity) goes to the first on the waiting list.
- Attendance is recorded per day; the session's training days are the days attendance was taken.
- Completion needs attendance on at least `min_attendance_percent` of the training days, awards the
  programme's JP in the year of the completion date, and issues the certificate.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.training.domain.catalogue import Programme
from shared.errors import Conflict, FieldProblem, InvalidInput

MAX_CAPACITY = 10_000
MAX_SESSION_DAYS = 366
REACTION_QUESTIONS: tuple[str, ...] = ("relevance", "content", "trainers", "organisation", "overall")
# The Kirkpatrick level-3/4 ratings the supervisor gives: 1 (no change) to 5 (strong change).
FOLLOW_UP_SCALE = range(1, 6)


class Delivery(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    BLENDED = "blended"


@dataclass(frozen=True)
class Session:
    id: UUID
    programme_id: UUID
    starts_on: date
    ends_on: date
    delivery: Delivery
    place: str | None
    online_url: str | None
    capacity: int
    waiting_list_capacity: int
    trainers: tuple[str, ...] = ()
    min_attendance_percent: int = 100
    version: int = 1

    def has_ended(self, today: date) -> bool:
        return today > self.ends_on

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def define_session(session: Session) -> Session:
    _raise_if_any(_session_problems(session))
    return session


def revise_session(session: Session, changes: dict[str, Any], *, seats_taken: int) -> Session:
    """A capacity below the seats already taken is refused: nobody loses a confirmed seat. Changes that
    change nothing answer the session itself, at its version."""
    revised = replace(session, **changes)
    if revised == session:
        return session
    revised = replace(revised, version=session.version + 1)
    problems = _session_problems(revised)
    if revised.capacity < seats_taken:
        problems.append(
            FieldProblem(
                field="capacity",
                message=f"{seats_taken} seats are already taken; cancel enrolments first",
                value=revised.capacity,
            )
        )
    _raise_if_any(problems)
    return revised


def _session_problems(session: Session) -> list[FieldProblem]:
    problems = []
    if session.ends_on < session.starts_on:
        problems.append(FieldProblem(field="ends_on", message="before the first day"))
    elif (session.ends_on - session.starts_on).days >= MAX_SESSION_DAYS:
        problems.append(
            FieldProblem(field="ends_on", message=f"a session lasts at most {MAX_SESSION_DAYS} days")
        )
    if session.delivery in (Delivery.IN_PERSON, Delivery.BLENDED) and not session.place:
        problems.append(FieldProblem(field="place", message="required for a session held in person"))
    if session.delivery in (Delivery.ONLINE, Delivery.BLENDED) and not session.online_url:
        problems.append(FieldProblem(field="online_url", message="required for a session held online"))
    if not 1 <= session.capacity <= MAX_CAPACITY:
        problems.append(FieldProblem(field="capacity", message=f"1 to {MAX_CAPACITY} seats"))
    if not 0 <= session.waiting_list_capacity <= MAX_CAPACITY:
        problems.append(FieldProblem(field="waiting_list_capacity", message=f"0 to {MAX_CAPACITY}"))
    if not 0 < session.min_attendance_percent <= 100:
        problems.append(FieldProblem(field="min_attendance_percent", message="1 to 100"))
    return problems


def _raise_if_any(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput(f"the session is not valid: {problems[0].message}", errors=problems)


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"  # holds a seat
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def holds_seat(self) -> bool:
        return self in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def placement(
    session: Session, *, seats_taken: int, waiting: int, join_waiting_list: bool
) -> EnrolmentStatus:
    """Where a new enrolment goes: a seat, else the waiting list, else refused (409)."""
    if seats_taken < session.capacity:
        return EnrolmentStatus.ENROLLED
    if join_waiting_list and waiting < session.waiting_list_capacity:
        return EnrolmentStatus.WAITLISTED
    room = (
        "its waiting list is full too" if join_waiting_list else "you asked not to be put on the waiting list"
    )
    raise Conflict(
        f"the session is full ({session.capacity} seats) and {room}"
        if session.waiting_list_capacity
        else f"the session is full ({session.capacity} seats) and has no waiting list",
        code="session-full",
    )


def seats_to_fill(session: Session, *, seats_taken: int, today: date) -> int:
    """How many on the waiting list can move up now (none once the session has ended)."""
    return 0 if session.has_ended(today) else max(0, session.capacity - seats_taken)


@dataclass(frozen=True)
class Reaction:
    """Kirkpatrick level 1: the participant's ratings (1-5) of each question, and a comment."""

    ratings: dict[str, int]
    comment: str | None
    submitted_at: datetime


@dataclass(frozen=True)
class FollowUp:
    """Kirkpatrick levels 3 and 4, by the supervisor some weeks after completion: theirs, or their signed form
    entered for them with why."""

    behaviour: int  # applies what was learnt on the job
    results: int  # contribution to the unit's results
    notes: str | None
    evaluated_by: str  # the account that entered it
    evaluated_at: datetime
    evaluator_nip: str | None = None  # whose evaluation it is: the participant's supervisor (None: not known)
    on_behalf_reason: str | None = None  # set when `evaluated_by` entered it for `evaluator_nip`


@dataclass(frozen=True)
class Certificate:
    number: str
    issued_on: date
    valid_until: date | None


@dataclass(frozen=True)
class Completion:
    completed_on: date
    jp: int
    title: str  # the programme's, as it was: later revisions of the programme do not rewrite what was awarded
    attendance_percent: Decimal
    certificate: Certificate | None
    follow_up_due_on: date


@dataclass
class Enrolment:
    id: UUID
    session_id: UUID
    programme_id: UUID
    nip: str
    agency_code: str
    status: EnrolmentStatus
    requested_at: datetime
    enrolled_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None
    completed_on: date | None = None
    jp_awarded: int | None = None
    programme_title: str | None = None  # when completed
    attendance_percent: Decimal | None = None
    pre_test: Decimal | None = None
    post_test: Decimal | None = None
    reaction: Reaction | None = None
    supervisor_nip: str | None = None
    follow_up_due_on: date | None = None
    follow_up_requested_at: datetime | None = None
    follow_up: FollowUp | None = None
    version: int = 1
    certificate: Certificate | None = field(default=None)

    @property
    def is_active(self) -> bool:
        return self.status is not EnrolmentStatus.CANCELLED

    def cancel(self, at: datetime, reason: str | None) -> bool:
        """Withdraw; True when a seat was freed. A completed training cannot be cancelled."""
        if self.status is EnrolmentStatus.CANCELLED:
            raise Conflict("the enrolment is already cancelled", code="already-cancelled")
        if self.status is EnrolmentStatus.COMPLETED:
            raise Conflict("a completed training cannot be cancelled", code="already-completed")
        freed = self.status is EnrolmentStatus.ENROLLED
        self.status, self.cancelled_at, self.cancellation_reason = EnrolmentStatus.CANCELLED, at, reason
        return freed

    def promote(self, at: datetime) -> None:
        assert self.status is EnrolmentStatus.WAITLISTED
        self.status, self.enrolled_at = EnrolmentStatus.ENROLLED, at

    def require_seat(self, action: str) -> None:
        if self.status is not EnrolmentStatus.ENROLLED:
            raise Conflict(
                f"cannot {action}: the enrolment is {self.status.value}, not holding a seat",
                code=f"enrolment-{self.status.value}",
            )

    def complete(
        self,
        session: Session,
        programme: Programme,
        *,
        attendance: "Attendance",
        on: date,
        today: date,
        certificate_number: str | None,
        supervisor_nip: str | None,
    ) -> Completion:
        """Award the programme's JP; refused without enough attendance or outside the session."""
        if self.status is EnrolmentStatus.COMPLETED:
            raise Conflict("the training is already completed", code="already-completed")
        self.require_seat("complete the training")
        if on < session.starts_on:
            raise InvalidInput(
                "a training cannot be completed before its session starts",
                errors=[
                    FieldProblem(field="completed_on", message="before the session starts", value=str(on))
                ],
            )
        if on > today:
            raise InvalidInput(
                "a completion date cannot be in the future",
                errors=[FieldProblem(field="completed_on", message="in the future", value=str(on))],
            )
        percent = attendance.percent_of(self.id)
        if percent is None:
            raise Conflict(
                "no attendance has been recorded for this session: record attendance before completion",
                code="attendance-missing",
            )
        if percent < session.min_attendance_percent:
            raise Conflict(
                f"attended {percent}% of the training days; the session requires "
                f"{session.min_attendance_percent}%",
                code="attendance-insufficient",
            )
        certificate = (
            Certificate(certificate_number, on, valid_until(on, programme.certificate_validity_months))
            if certificate_number is not None
            else None
        )
        completion = Completion(
            completed_on=on,
            jp=programme.jp,
            title=programme.title,
            attendance_percent=percent,
            certificate=certificate,
            follow_up_due_on=on + timedelta(weeks=programme.follow_up_weeks),
        )
        self.status = EnrolmentStatus.COMPLETED
        self.completed_on, self.jp_awarded, self.attendance_percent = on, programme.jp, percent
        self.programme_title = programme.title
        self.certificate, self.supervisor_nip = certificate, supervisor_nip
        self.follow_up_due_on = completion.follow_up_due_on
        return completion

    def record_scores(self, pre_test: Decimal | None, post_test: Decimal | None) -> None:
        """Kirkpatrick level 2: the pre- and post-test scores (0-100); either may come first."""
        if self.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
            self.require_seat("record test scores")
        if pre_test is not None:
            self.pre_test = pre_test
        if post_test is not None:
            self.post_test = post_test

    def react(self, reaction: Reaction, session: Session, today: date) -> None:
        if self.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
            self.require_seat("evaluate the training")
        if today < session.starts_on:
            raise Conflict("the session has not started yet", code="session-not-started")
        if self.reaction is not None:
            raise Conflict("the evaluation form was already submitted", code="already-submitted")
        problems = [
            FieldProblem(field=f"ratings.{q}", message="required, 1 to 5")
            for q in REACTION_QUESTIONS
            if reaction.ratings.get(q) not in range(1, 6)
        ] + [
            FieldProblem(field=f"ratings.{q}", message="not a question of the form")
            for q in reaction.ratings
            if q not in REACTION_QUESTIONS
        ]
        if problems:
            raise InvalidInput("the evaluation form is not complete", errors=problems)
        self.reaction = reaction

    def evaluate_follow_up(self, follow_up: FollowUp) -> None:
        if self.status is not EnrolmentStatus.COMPLETED:
            raise Conflict(
                "a follow-up evaluates a completed training", code=f"enrolment-{self.status.value}"
            )
        if self.follow_up is not None:
            raise Conflict("the follow-up evaluation was already given", code="already-submitted")
        self.follow_up = follow_up


@dataclass(frozen=True)
class Attendance:
    """A session's attendance: the training days (days attendance was taken) and who was present on each."""

    training_days: frozenset[date]
    present: dict[UUID, frozenset[date]]

    def percent_of(self, enrolment_id: UUID) -> Decimal | None:
        """Share of the training days attended, in %; None before any attendance was taken."""
        if not self.training_days:
            return None
        attended = len(self.present.get(enrolment_id, frozenset()) & self.training_days)
        return (Decimal(100 * attended) / len(self.training_days)).quantize(Decimal("0.01"))


def check_attendance_day(session: Session, day: date, today: date) -> None:
    if not session.covers(day):
        raise InvalidInput(
            f"{day} is not a day of the session ({session.starts_on} to {session.ends_on})",
            errors=[FieldProblem(field="day", message="outside the session", value=str(day))],
        )
    if day > today:
        raise InvalidInput(
            "attendance cannot be recorded for a day still to come",
            errors=[FieldProblem(field="day", message="in the future", value=str(day))],
        )


def waiting_order(waiting: Sequence[Enrolment]) -> list[Enrolment]:
    """First come, first served."""
    return sorted(waiting, key=lambda e: (e.requested_at, str(e.id)))


def valid_until(issued_on: date, months: int | None) -> date | None:
    """The last day a certificate is valid: `months` after issue (the month's last day if shorter)."""
    if months is None:
        return None
    month_index = issued_on.month - 1 + months
    year, month = issued_on.year + month_index // 12, month_index % 12 + 1
    day = min(issued_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def certificate_number(programme_code: str, year: int, sequence: int) -> str:
    """Numbered per programme and year: `PROGRAMME/2026/00012`."""
    return f"{programme_code}/{year}/{sequence:05d}"
