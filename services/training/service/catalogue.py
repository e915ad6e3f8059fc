"""Use cases of the catalogue: programmes and their sessions, managed by the organising agency's HR unit."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.catalogue import (
    Occupancy,
    ProgrammeFilter,
    ProgrammeRepository,
    SessionFilter,
    SessionRepository,
)
from services.training.adapters.tables import agencies
from services.training.domain import catalogue, sessions
from services.training.domain.catalogue import CompetencyTarget, Form, Programme
from services.training.domain.sessions import Delivery, Session
from services.training.service import enrolments
from services.training.service.access import MANAGERS, require_manager, today
from shared.errors import Conflict, NotFound
from shared.etag import check_version
from shared.principal import Principal
from shared.readmodels.agencies import referred_agency
from shared.references import References
from shared.uow import UnitOfWork


async def get_programme(connection: AsyncConnection, programme_id: UUID) -> Programme:
    programme = await ProgrammeRepository(connection).get(programme_id)
    if programme is None:
        raise NotFound(f"no programme {programme_id} in the catalogue", code="unknown-programme")
    return programme


async def define_programme(
    uow: UnitOfWork,
    principal: Principal,
    *,
    code: str,
    title: str,
    form: Form,
    agency_code: str,
    provider: str,
    jp: int,
    competencies: Sequence[CompetencyTarget],
    prerequisites: Sequence[UUID],
    issues_certificate: bool,
    certificate_validity_months: int | None,
    follow_up_weeks: int,
    description: str | None,
) -> Programme:
    principal.require_role(*MANAGERS)
    references = References(principal)
    await referred_agency(references, uow.connection, agencies, "agency_code", agency_code)
    references.settle()
    repository = ProgrammeRepository(uow.connection)
    programme = catalogue.define_programme(
        Programme(
            id=uuid4(),
            code=code,
            title=title,
            form=form,
            agency_code=agency_code,
            provider=provider,
            jp=jp,
            competencies=tuple(competencies),
            prerequisites=tuple(prerequisites),
            issues_certificate=issues_certificate,
            certificate_validity_months=certificate_validity_months,
            follow_up_weeks=follow_up_weeks,
            description=description,
        ),
        prerequisites_of=await repository.prerequisite_graph(),
    )
    try:
        await repository.add(programme)
    except IntegrityError:
        raise Conflict(f"the catalogue already has a programme {code}", code="duplicate-programme") from None
    await uow.commit()
    return programme


async def revise_programme(
    uow: UnitOfWork,
    principal: Principal,
    programme_id: UUID,
    *,
    expected_version: int,
    changes: Mapping[str, Any],
) -> Programme:
    repository = ProgrammeRepository(uow.connection)
    programme = await get_programme(uow.connection, programme_id)
    require_manager(principal, programme.agency_code)
    if "agency_code" in changes:
        references = References(principal)
        await referred_agency(references, uow.connection, agencies, "agency_code", changes["agency_code"])
        references.settle()
    check_version(programme.version, expected_version, f"programme {programme_id}")
    revised = catalogue.revise_programme(
        programme, changes, prerequisites_of=await repository.prerequisite_graph()
    )
    if revised is programme:
        return programme
    await repository.save(revised, expected_version=expected_version)
    await uow.commit()
    return revised


async def search_programmes(
    connection: AsyncConnection, where: ProgrammeFilter, *, limit: int, after_code: str | None
) -> list[Programme]:
    return await ProgrammeRepository(connection).search(where, limit=limit, after_code=after_code)


async def get_session(connection: AsyncConnection, session_id: UUID) -> tuple[Session, Programme, Occupancy]:
    repository = SessionRepository(connection)
    session = await repository.get(session_id)
    if session is None:
        raise NotFound(f"no training session {session_id}", code="unknown-session")
    programme = await get_programme(connection, session.programme_id)
    return session, programme, await repository.occupancy(session_id)


async def schedule_session(
    uow: UnitOfWork,
    principal: Principal,
    programme_id: UUID,
    *,
    starts_on: date,
    ends_on: date,
    delivery: Delivery,
    place: str | None,
    online_url: str | None,
    capacity: int,
    waiting_list_capacity: int,
    trainers: Sequence[str],
    min_attendance_percent: int,
) -> Session:
    programme = await get_programme(uow.connection, programme_id)
    require_manager(principal, programme.agency_code)
    session = sessions.define_session(
        Session(
            id=uuid4(),
            programme_id=programme_id,
            starts_on=starts_on,
            ends_on=ends_on,
            delivery=delivery,
            place=place,
            online_url=online_url,
            capacity=capacity,
            waiting_list_capacity=waiting_list_capacity,
            trainers=tuple(trainers),
            min_attendance_percent=min_attendance_percent,
        )
    )
    await SessionRepository(uow.connection).add(session)
    await uow.commit()
    return session


async def revise_session(
    uow: UnitOfWork,
    principal: Principal,
    session_id: UUID,
    *,
    expected_version: int,
    changes: Mapping[str, Any],
) -> tuple[Session, Programme, Occupancy]:
    """Change dates, place, trainers or seats; more seats move people up from the waiting list."""
    repository = SessionRepository(uow.connection)
    session = await repository.get(session_id, for_update=True)
    if session is None:
        raise NotFound(f"no training session {session_id}", code="unknown-session")
    programme = await get_programme(uow.connection, session.programme_id)
    require_manager(principal, programme.agency_code)
    check_version(session.version, expected_version, f"session {session_id}")
    occupancy = await repository.occupancy(session_id)
    revised = sessions.revise_session(session, dict(changes), seats_taken=occupancy.seats_taken)
    if revised is session:
        return session, programme, occupancy
    await repository.save(revised, expected_version=expected_version)
    await enrolments.fill_seats(uow, revised, programme, seats_taken=occupancy.seats_taken, today=today())
    await uow.commit()
    return revised, programme, await repository.occupancy(session_id)


async def search_sessions(
    connection: AsyncConnection, where: SessionFilter, *, limit: int, after: tuple[date, UUID] | None
) -> list[tuple[Session, Programme, Occupancy]]:
    repository = SessionRepository(connection)
    found = await repository.search(where, limit=limit, after=after)
    occupied = await repository.occupancies([s.id for s in found])
    programmes = await ProgrammeRepository(connection).get_many(
        sorted({s.programme_id for s in found}, key=str)
    )
    return [(s, programmes[s.programme_id], occupied[s.id]) for s in found]
