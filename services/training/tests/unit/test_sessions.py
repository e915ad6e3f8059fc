from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.training.domain.catalogue import CompetencyTarget, Form, Programme
from services.training.domain.sessions import (
    Attendance,
    Completion,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    Reaction,
    Session,
    certificate_number,
    check_attendance_day,
    define_session,
    placement,
    revise_session,
    seats_to_fill,
    valid_until,
    waiting_order,
)
from shared.errors import Conflict, InvalidInput

pytestmark = pytest.mark.unit

TODAY = date(2026, 7, 10)
SESSION = Session(
    id=uuid4(),
    programme_id=uuid4(),
    starts_on=date(2026, 7, 6),
    ends_on=date(2026, 7, 8),
    delivery=Delivery.IN_PERSON,
    place="Aula BPSDM",
    online_url=None,
    capacity=2,
    waiting_list_capacity=1,
    min_attendance_percent=80,
)
PROGRAMME = Programme(
    id=SESSION.programme_id,
    code="PKP-01",
    title="Pelatihan Kepemimpinan Pengawas",
    form=Form.CLASSICAL,
    agency_code="7600",
    provider="BPSDM",
    jp=30,
    competencies=(CompetencyTarget("Kerjasama", 3),),
    certificate_validity_months=24,
    follow_up_weeks=8,
)


def test_seats_first_then_the_waiting_list_then_refused():
    assert placement(SESSION, seats_taken=0, waiting=0, join_waiting_list=True) is EnrolmentStatus.ENROLLED
    assert placement(SESSION, seats_taken=1, waiting=0, join_waiting_list=False) is EnrolmentStatus.ENROLLED
    assert placement(SESSION, seats_taken=2, waiting=0, join_waiting_list=True) is EnrolmentStatus.WAITLISTED
    for waiting, join in ((1, True), (0, False)):
        with pytest.raises(Conflict) as refused:
            placement(SESSION, seats_taken=2, waiting=waiting, join_waiting_list=join)
        assert refused.value.code == "session-full"


def test_a_session_without_a_waiting_list_refuses_once_full():
    closed = Session(**{**SESSION.__dict__, "waiting_list_capacity": 0})
    with pytest.raises(Conflict, match="no waiting list"):
        placement(closed, seats_taken=2, waiting=0, join_waiting_list=True)


def test_freed_seats_go_to_the_waiting_list_in_order_of_request_until_the_session_ends():
    assert seats_to_fill(SESSION, seats_taken=1, today=date(2026, 7, 7)) == 1
    assert seats_to_fill(SESSION, seats_taken=2, today=date(2026, 7, 7)) == 0
    assert seats_to_fill(SESSION, seats_taken=0, today=TODAY) == 0  # ended on the 8th
    first, second = (
        enrolment(EnrolmentStatus.WAITLISTED, minute=2),
        enrolment(EnrolmentStatus.WAITLISTED, minute=1),
    )
    assert waiting_order([first, second]) == [second, first]


def enrolment(status: EnrolmentStatus = EnrolmentStatus.ENROLLED, *, minute: int = 0) -> Enrolment:
    return Enrolment(
        id=uuid4(),
        session_id=SESSION.id,
        programme_id=PROGRAMME.id,
        nip="198503122010011001",
        agency_code="7601",
        status=status,
        requested_at=datetime(2026, 6, 1, 8, minute, tzinfo=UTC),
    )


AT = datetime(2026, 7, 1, tzinfo=UTC)


def test_cancelling_frees_a_seat_only_if_one_was_held():
    assert enrolment().cancel(AT, "sakit") is True
    assert enrolment(EnrolmentStatus.WAITLISTED).cancel(AT, None) is False
    for status in (EnrolmentStatus.CANCELLED, EnrolmentStatus.COMPLETED):
        with pytest.raises(Conflict):
            enrolment(status).cancel(AT, None)


def attendance(present_days: int, of: int, who: UUID) -> Attendance:
    training_days = [SESSION.starts_on + timedelta(days=i) for i in range(of)]
    return Attendance(frozenset(training_days), {who: frozenset(training_days[:present_days])})


def complete(
    e: Enrolment, present: int, of: int = 3, *, on: date = SESSION.ends_on, supervisor_nip: str | None = None
) -> Completion:
    return e.complete(
        SESSION,
        PROGRAMME,
        attendance=attendance(present, of, e.id),
        on=on,
        today=TODAY,
        certificate_number="PKP-01/2026/00001",
        supervisor_nip=supervisor_nip,
    )


def test_completion_is_refused_without_any_attendance():
    e = enrolment()
    with pytest.raises(Conflict) as refused:
        e.complete(
            SESSION,
            PROGRAMME,
            attendance=Attendance(frozenset(), {}),
            on=SESSION.ends_on,
            today=TODAY,
            certificate_number=None,
            supervisor_nip=None,
        )
    assert refused.value.code == "attendance-missing"
    assert e.status is EnrolmentStatus.ENROLLED and e.jp_awarded is None


def test_completion_needs_the_session_s_share_of_the_training_days():
    e = enrolment()
    with pytest.raises(Conflict) as refused:
        complete(e, present=2)  # 66.67% < 80%
    assert refused.value.code == "attendance-insufficient"
    assert e.status is EnrolmentStatus.ENROLLED


def test_training_days_are_the_days_attendance_was_taken():
    e = enrolment()
    done = complete(e, present=2, of=2)  # a third day without any attendance is no training day
    assert done.attendance_percent == Decimal("100.00")


def test_completion_awards_the_programme_s_jp_the_certificate_and_the_follow_up_date():
    e = enrolment()
    done = complete(e, present=3, supervisor_nip="197001011995031001")
    assert (e.status, e.jp_awarded, e.completed_on) == (EnrolmentStatus.COMPLETED, 30, SESSION.ends_on)
    assert e.certificate is not None
    assert (e.certificate.number, e.certificate.valid_until) == ("PKP-01/2026/00001", date(2028, 7, 7))
    assert e.follow_up_due_on == SESSION.ends_on + timedelta(weeks=8)
    assert e.supervisor_nip == "197001011995031001"
    assert done.jp == 30
    with pytest.raises(Conflict) as twice:
        complete(e, present=3)
    assert twice.value.code == "already-completed"


def test_completion_only_for_a_seat_and_within_the_session():
    for status in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.CANCELLED):
        with pytest.raises(Conflict):
            complete(enrolment(status), present=3)
    with pytest.raises(InvalidInput):
        complete(enrolment(), present=3, on=date(2026, 7, 5))  # before the first day
    with pytest.raises(InvalidInput):
        complete(enrolment(), present=3, on=date(2026, 7, 11))  # after today


def test_a_certificate_is_valid_for_its_months_to_the_day_before():
    assert valid_until(date(2026, 1, 31), 1) == date(2026, 2, 27)  # February has no 31st
    assert valid_until(date(2026, 11, 15), 3) == date(2027, 2, 14)
    assert valid_until(date(2026, 5, 1), None) is None
    assert certificate_number("PKP-01", 2026, 12) == "PKP-01/2026/00012"


def test_attendance_is_recorded_for_days_of_the_session_that_have_come():
    check_attendance_day(SESSION, date(2026, 7, 7), TODAY)
    for day in (date(2026, 7, 5), date(2026, 7, 9)):
        with pytest.raises(InvalidInput):
            check_attendance_day(SESSION, day, TODAY)
    with pytest.raises(InvalidInput):
        check_attendance_day(SESSION, date(2026, 7, 8), date(2026, 7, 7))


def test_the_reaction_form_needs_every_question_once():
    e = enrolment()
    ratings = {"relevance": 5, "content": 4, "trainers": 4, "organisation": 3, "overall": 4}
    with pytest.raises(InvalidInput) as incomplete:
        e.react(Reaction({"relevance": 5, "mood": 3}, None, AT), SESSION, TODAY)
    assert {p.field for p in incomplete.value.errors} >= {"ratings.content", "ratings.mood"}
    with pytest.raises(Conflict):
        e.react(Reaction(ratings, None, AT), SESSION, date(2026, 7, 1))  # before the session
    e.react(Reaction(ratings, "baik", AT), SESSION, TODAY)
    with pytest.raises(Conflict):
        e.react(Reaction(ratings, None, AT), SESSION, TODAY)


def test_the_follow_up_evaluates_a_completed_training_once():
    follow_up = FollowUp(4, 3, None, "197001011995031001", AT)
    with pytest.raises(Conflict):
        enrolment().evaluate_follow_up(follow_up)
    done = enrolment(EnrolmentStatus.COMPLETED)
    done.evaluate_follow_up(follow_up)
    with pytest.raises(Conflict):
        done.evaluate_follow_up(follow_up)


def test_a_session_is_checked_and_keeps_the_seats_already_taken():
    with pytest.raises(InvalidInput) as refused:
        define_session(
            Session(
                **{
                    **SESSION.__dict__,
                    "ends_on": date(2026, 7, 1),
                    "delivery": Delivery.BLENDED,
                    "capacity": 0,
                }
            )
        )
    assert {p.field for p in refused.value.errors} == {"ends_on", "online_url", "capacity"}
    grown = revise_session(SESSION, {"capacity": 5}, seats_taken=2)
    assert (grown.capacity, grown.version) == (5, 2)
    with pytest.raises(InvalidInput) as shrunk:
        revise_session(SESSION, {"capacity": 1}, seats_taken=2)
    assert shrunk.value.errors[0].field == "capacity"
