"""Use cases of enrolment: seats and the waiting list, cancellation with promotion, attendance per day,
completion with JP and certificate, test scores, the participant's reaction and the supervisor's
follow-up."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.catalogue import ProgrammeRepository, SessionRepository
from services.training.adapters.enrolments import EnrolmentFilter, EnrolmentRepository
from services.training.adapters.readmodels import ReadModels
from services.training.domain.catalogue import Programme, missing_prerequisites
from services.training.domain.sessions import (
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    Reaction,
    Session,
    certificate_number,
    check_attendance_day,
    placement,
    seats_to_fill,
    waiting_order,
)
from services.training.service import audit
from services.training.service.access import (
    MANAGERS,
    acting_for,
    manages,
    require_manager,
    require_self_or_manager,
    supervises,
    today,
)
from services.training.service.people import supervisor_of
from services.training.service.references import referred_employee
from shared import clock
from shared.contracts import training as contracts
from shared.errors import Conflict, FieldProblem, Forbidden, NotFound
from shared.events.envelope import new_event
from shared.principal import STAFF_ROLES, Principal
from shared.references import References
from shared.uow import UnitOfWork


async def _session_and_programme(
    connection: AsyncConnection, session_id: UUID, *, for_update: bool = False
) -> tuple[Session, Programme]:
    session = await SessionRepository(connection).get(session_id, for_update=for_update)
    if session is None:
        raise NotFound(f"no training session {session_id}", code="unknown-session")
    programme = await ProgrammeRepository(connection).get(session.programme_id)
    assert programme is not None  # a foreign key holds it
    return session, programme


async def _enrolment(connection: AsyncConnection, enrolment_id: UUID) -> Enrolment:
    enrolment = await EnrolmentRepository(connection).get(enrolment_id)
    if enrolment is None:
        raise NotFound(f"no enrolment {enrolment_id}")
    return enrolment


def _publish_enrolled(
    uow: UnitOfWork, enrolment: Enrolment, session: Session, programme: Programme, *, promoted: bool
) -> None:
    uow.publish(
        new_event(
            "asn.training.participant.enrolled",
            subject=enrolment.nip,
            agency=enrolment.agency_code,
            data=contracts.ParticipantEnrolled(
                enrolment_id=str(enrolment.id),
                nip=enrolment.nip,
                agency_code=enrolment.agency_code,
                programme_id=str(programme.id),
                programme_code=programme.code,
                title=programme.title,
                session_id=str(session.id),
                starts_on=session.starts_on,
                ends_on=session.ends_on,
                jp=programme.jp,
                promoted_from_waiting_list=promoted,
            ),
        )
    )


async def enrol(
    uow: UnitOfWork, principal: Principal, session_id: UUID, nip: str, *, join_waiting_list: bool
) -> Enrolment:
    """A seat if one is free, else a place on the waiting list; refused when both are full."""
    session, programme = await _session_and_programme(uow.connection, session_id, for_update=True)
    if not (principal.is_self(nip) or principal.has_role(*MANAGERS)):
        raise Forbidden("only the employee or the HR unit of their agency enrol them", code="role-required")
    # Any agency's session is open to the person; the enrolment belongs to the person's agency.
    references = References(principal)
    employee = await referred_employee(references, ReadModels(uow.connection), "nip", nip, or_self=True)
    references.settle()
    assert employee is not None  # settle() refused an unknown NIP
    if employee.status != "active":
        raise Conflict(f"{nip} is {employee.status}, not active", code="employee-not-active")
    if session.has_ended(today()):
        raise Conflict(f"the session ended on {session.ends_on}", code="session-ended")
    if not programme.active:
        raise Conflict(f"programme {programme.code} is no longer offered", code="programme-inactive")
    repository = EnrolmentRepository(uow.connection)
    if await repository.live(session_id, nip) is not None:
        raise Conflict(
            f"{nip} is already enrolled in this session or waiting for a seat", code="already-enrolled"
        )
    missing = missing_prerequisites(programme, await repository.completed_programmes(nip))
    if missing:
        names = await ProgrammeRepository(uow.connection).get_many(missing)
        raise Conflict(
            f"{programme.code} needs other programmes completed first",
            code="prerequisites-missing",
            errors=[
                FieldProblem(field="prerequisites", message="not completed", value=names[m].code)
                for m in missing
            ],
        )
    occupancy = await SessionRepository(uow.connection).occupancy(session_id)
    status = placement(
        session,
        seats_taken=occupancy.seats_taken,
        waiting=occupancy.waiting,
        join_waiting_list=join_waiting_list,
    )
    now = clock.now()
    enrolment = Enrolment(
        id=uuid4(),
        session_id=session_id,
        programme_id=programme.id,
        nip=nip,
        agency_code=employee.agency_code,
        status=status,
        requested_at=now,
        enrolled_at=now if status is EnrolmentStatus.ENROLLED else None,
    )
    try:
        await repository.add(enrolment)
    except IntegrityError:
        raise Conflict(f"{nip} is already enrolled in this session", code="already-enrolled") from None
    if status is EnrolmentStatus.ENROLLED:
        _publish_enrolled(uow, enrolment, session, programme, promoted=False)
    await uow.commit()
    return enrolment


async def fill_seats(
    uow: UnitOfWork, session: Session, programme: Programme, *, seats_taken: int, today: date
) -> list[Enrolment]:
    """Move the first on the waiting list into the free seats; the caller commits."""
    free = seats_to_fill(session, seats_taken=seats_taken, today=today)
    if not free:
        return []
    repository = EnrolmentRepository(uow.connection)
    promoted = waiting_order(await repository.of_session(session.id, EnrolmentStatus.WAITLISTED))[:free]
    now = clock.now()
    for enrolment in promoted:
        enrolment.promote(now)
        await repository.save(enrolment)
        _publish_enrolled(uow, enrolment, session, programme, promoted=True)
    return promoted


async def cancel(uow: UnitOfWork, principal: Principal, enrolment_id: UUID, reason: str | None) -> Enrolment:
    """Withdraw; a freed seat goes to the first on the waiting list."""
    enrolment = await _enrolment(uow.connection, enrolment_id)
    session, programme = await _session_and_programme(uow.connection, enrolment.session_id, for_update=True)
    if not manages(principal, programme.agency_code):
        require_self_or_manager(principal, enrolment.nip, enrolment.agency_code)
    repository = EnrolmentRepository(uow.connection)
    freed = enrolment.cancel(clock.now(), reason)
    await repository.save(enrolment)
    if freed:
        occupancy = await SessionRepository(uow.connection).occupancy(session.id)
        await fill_seats(uow, session, programme, seats_taken=occupancy.seats_taken, today=today())
    await uow.commit()
    return enrolment


@dataclass(frozen=True)
class Mark:
    nip: str
    present: bool


async def record_attendance(
    uow: UnitOfWork, principal: Principal, session_id: UUID, day: date, marks: Sequence[Mark]
) -> dict[str, bool]:
    """Who was present on one day of the session; every NIP must hold a seat in it."""
    session, programme = await _session_and_programme(uow.connection, session_id)
    require_manager(principal, programme.agency_code)
    check_attendance_day(session, day, today())
    repository = EnrolmentRepository(uow.connection)
    seated = {e.nip: e for e in await repository.of_session(session_id, EnrolmentStatus.ENROLLED)}
    # The organiser marks every participant, whatever their agency: their own HR (or they) enrolled them.
    references, read_models, seen = References(principal), ReadModels(uow.connection), set()
    for i, mark in enumerate(marks):
        field = f"attendance.{i}.nip"
        if mark.nip in seen:
            references.mismatch(field, f"{mark.nip} is named twice")
        elif mark.nip not in seated:
            if await read_models.employee(mark.nip) is None:
                references.unknown(field, "employee", mark.nip)
            else:
                references.mismatch(
                    field,
                    f"{mark.nip} holds no seat in the session: not enrolled, waiting, cancelled or completed",
                )
        seen.add(mark.nip)
    references.settle()
    await repository.record_attendance(
        session_id, day, {seated[m.nip].id: m.present for m in marks}, by=principal.subject
    )
    await uow.commit()
    return {m.nip: m.present for m in marks}


async def complete(
    uow: UnitOfWork, principal: Principal, enrolment_id: UUID, *, completed_on: date | None
) -> Enrolment:
    """Award the JP and issue the certificate; refused without enough attendance."""
    enrolment = await _enrolment(uow.connection, enrolment_id)
    session, programme = await _session_and_programme(uow.connection, enrolment.session_id)
    require_manager(principal, programme.agency_code)
    repository = EnrolmentRepository(uow.connection)
    current = today()
    on = completed_on or min(session.ends_on, current)
    number = (
        certificate_number(
            programme.code, on.year, await repository.next_certificate_sequence(programme.id, on.year)
        )
        if programme.issues_certificate
        else None
    )
    employee = await ReadModels(uow.connection).employee(enrolment.nip)
    supervisor = (
        await supervisor_of(uow.connection, enrolment.nip, employee.unit_id, employee.position_id)
        if employee
        else None
    )
    completion = enrolment.complete(
        session,
        programme,
        attendance=await repository.attendance(session.id),
        on=on,
        today=current,
        certificate_number=number,
        supervisor_nip=supervisor,
    )
    await repository.save(enrolment)
    certificate = completion.certificate
    if certificate is not None:
        try:
            await repository.add_certificate(enrolment)
        except IntegrityError:
            raise Conflict(
                "another certificate of this programme was issued at the same moment; try again",
                code="certificate-number-taken",
            ) from None
    uow.publish(
        new_event(
            "asn.training.participant.completed",
            subject=enrolment.nip,
            agency=enrolment.agency_code,
            data=contracts.ParticipantCompleted(
                enrolment_id=str(enrolment.id),
                nip=enrolment.nip,
                agency_code=enrolment.agency_code,
                programme_id=str(programme.id),
                programme_code=programme.code,
                title=programme.title,
                form=programme.form.value,
                session_id=str(session.id),
                completed_on=completion.completed_on,
                jp=completion.jp,
                competencies=[
                    contracts.CompetencyDeveloped(competency=c.competency, level=c.level)
                    for c in programme.competencies
                ],
                attendance_percent=completion.attendance_percent,
                certificate_number=certificate.number if certificate else None,
                starts_on=session.starts_on,
                provider=programme.provider,
            ),
        )
    )
    if certificate is not None:
        uow.publish(
            new_event(
                "asn.training.certificate.issued",
                subject=enrolment.nip,
                agency=enrolment.agency_code,
                data=contracts.CertificateIssued(
                    number=certificate.number,
                    nip=enrolment.nip,
                    agency_code=enrolment.agency_code,
                    enrolment_id=str(enrolment.id),
                    programme_id=str(programme.id),
                    programme_code=programme.code,
                    title=programme.title,
                    issued_on=certificate.issued_on,
                    valid_until=certificate.valid_until,
                ),
            )
        )
    await uow.commit()
    return enrolment


async def record_scores(
    uow: UnitOfWork,
    principal: Principal,
    enrolment_id: UUID,
    *,
    pre_test: Decimal | None,
    post_test: Decimal | None,
) -> Enrolment:
    enrolment = await _enrolment(uow.connection, enrolment_id)
    _, programme = await _session_and_programme(uow.connection, enrolment.session_id)
    require_manager(principal, programme.agency_code)
    enrolment.record_scores(pre_test, post_test)
    await EnrolmentRepository(uow.connection).save(enrolment)
    await uow.commit()
    return enrolment


async def react(
    uow: UnitOfWork, principal: Principal, enrolment_id: UUID, *, ratings: dict[str, int], comment: str | None
) -> Enrolment:
    """The participant's own evaluation form (Kirkpatrick level 1)."""
    enrolment = await _enrolment(uow.connection, enrolment_id)
    if not principal.is_self(enrolment.nip):
        raise Forbidden("only the participant fills in their evaluation form", code="participant-only")
    session, _ = await _session_and_programme(uow.connection, enrolment.session_id)
    enrolment.react(Reaction(ratings, comment, clock.now()), session, today())
    await EnrolmentRepository(uow.connection).save(enrolment)
    await uow.commit()
    return enrolment


async def follow_up(
    uow: UnitOfWork,
    principal: Principal,
    enrolment_id: UUID,
    *,
    behaviour: int,
    results: int,
    notes: str | None,
    on_behalf_reason: str | None,
) -> Enrolment:
    """The supervisor's evaluation of behaviour on the job and results (Kirkpatrick levels 3 and 4): theirs,
    or their signed form the agency's HR unit enters for them, saying why."""
    enrolment = await _enrolment(uow.connection, enrolment_id)
    supervisor = enrolment.supervisor_nip
    reason = acting_for(
        principal,
        f"the participant's supervisor {supervisor or '(not known)'}",
        field=None,
        acts_themself=supervises(principal, supervisor),
        may_enter_for_them=manages(principal, enrolment.agency_code),
        on_behalf_reason=on_behalf_reason,
    )
    now = clock.now()
    enrolment.evaluate_follow_up(
        FollowUp(behaviour, results, notes, principal.subject, now, supervisor, on_behalf_reason=reason)
    )
    await EnrolmentRepository(uow.connection).save(enrolment)
    if reason is not None:
        await audit.follow_up_on_behalf(uow, enrolment, entered_by=principal.subject, reason=reason, at=now)
    await uow.commit()
    return enrolment


@dataclass(frozen=True)
class EnrolmentDetail:
    enrolment: Enrolment
    session: Session
    programme: Programme
    attendance: dict[date, bool]
    waiting_position: int | None


async def enrolment_detail(
    connection: AsyncConnection, principal: Principal, enrolment_id: UUID
) -> EnrolmentDetail:
    enrolment = await _enrolment(connection, enrolment_id)
    session, programme = await _session_and_programme(connection, enrolment.session_id)
    if not (manages(principal, programme.agency_code) or supervises(principal, enrolment.supervisor_nip)):
        principal.require_employee_access(enrolment.nip, enrolment.agency_code)
    repository = EnrolmentRepository(connection)
    position = None
    if enrolment.status is EnrolmentStatus.WAITLISTED:
        waiting = waiting_order(await repository.of_session(session.id, EnrolmentStatus.WAITLISTED))
        position = next(i for i, e in enumerate(waiting, start=1) if e.id == enrolment.id)
    return EnrolmentDetail(enrolment, session, programme, await repository.days_of(enrolment.id), position)


async def search_enrolments(
    connection: AsyncConnection,
    principal: Principal,
    where: EnrolmentFilter,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[Enrolment]:
    """Employees see their own; staff the people of their agencies; the organiser a session's participants."""
    if where.nip is not None and principal.is_self(where.nip):
        return await EnrolmentRepository(connection).search(where, limit=limit, after=after)
    if where.session_id is not None:
        _, programme = await _session_and_programme(connection, where.session_id)
        if manages(principal, programme.agency_code):
            return await EnrolmentRepository(connection).search(where, limit=limit, after=after)
    if not principal.has_role(*STAFF_ROLES):
        raise Forbidden("employees see their own enrolments: filter by your NIP")
    scoped = where if principal.agencies is None else _within(where, principal.agencies)
    return await EnrolmentRepository(connection).search(scoped, limit=limit, after=after)


def _within(where: EnrolmentFilter, agencies: frozenset[str]) -> EnrolmentFilter:
    allowed = agencies if where.agency_codes is None else where.agency_codes & agencies
    return EnrolmentFilter(
        session_id=where.session_id,
        programme_id=where.programme_id,
        nip=where.nip,
        agency_codes=frozenset(allowed),
        status=where.status,
    )
