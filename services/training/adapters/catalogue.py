"""Loads and saves programmes and sessions (Core SQLAlchemy on the unit of work's connection)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.tables import enrolments, programmes, sessions
from services.training.domain.catalogue import CompetencyTarget, Form, Programme
from services.training.domain.development import SessionOption
from services.training.domain.sessions import Delivery, EnrolmentStatus, Session
from shared import clock
from shared.errors import PreconditionFailed

SEATED = (EnrolmentStatus.ENROLLED.value, EnrolmentStatus.COMPLETED.value)


def _now() -> datetime:
    return clock.now()


def programme_of(row: Row[Any]) -> Programme:
    return Programme(
        id=row.id,
        code=row.code,
        title=row.title,
        form=Form(row.form),
        agency_code=row.agency_code,
        provider=row.provider,
        jp=row.jp,
        competencies=tuple(CompetencyTarget(c["competency"], c["level"]) for c in row.competencies),
        prerequisites=tuple(UUID(p) for p in row.prerequisites),
        issues_certificate=row.issues_certificate,
        certificate_validity_months=row.certificate_validity_months,
        follow_up_weeks=row.follow_up_weeks,
        description=row.description,
        active=row.active,
        version=row.version,
    )


def _programme_values(programme: Programme) -> dict[str, Any]:
    return {
        "title": programme.title,
        "form": programme.form.value,
        "agency_code": programme.agency_code,
        "provider": programme.provider,
        "jp": programme.jp,
        "competencies": [{"competency": c.competency, "level": c.level} for c in programme.competencies],
        "prerequisites": [str(p) for p in programme.prerequisites],
        "issues_certificate": programme.issues_certificate,
        "certificate_validity_months": programme.certificate_validity_months,
        "follow_up_weeks": programme.follow_up_weeks,
        "description": programme.description,
        "active": programme.active,
    }


@dataclass(frozen=True)
class ProgrammeFilter:
    agency_code: str | None = None
    form: Form | None = None
    competency: str | None = None
    active: bool | None = None
    updated_since: datetime | None = None


class ProgrammeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, programme: Programme) -> None:
        now = _now()
        await self.connection.execute(
            insert(programmes).values(
                id=programme.id,
                code=programme.code,
                version=programme.version,
                created_at=now,
                updated_at=now,
                **_programme_values(programme),
            )
        )

    async def get(self, programme_id: UUID) -> Programme | None:
        row = (
            await self.connection.execute(select(programmes).where(programmes.c.id == programme_id))
        ).first()
        return programme_of(row) if row else None

    async def get_many(self, ids: Sequence[UUID]) -> dict[UUID, Programme]:
        if not ids:
            return {}
        rows = await self.connection.execute(select(programmes).where(programmes.c.id.in_(list(ids))))
        return {row.id: programme_of(row) for row in rows}

    async def save(self, programme: Programme, *, expected_version: int) -> None:
        result = await self.connection.execute(
            update(programmes)
            .where(programmes.c.id == programme.id, programmes.c.version == expected_version)
            .values(version=programme.version, updated_at=_now(), **_programme_values(programme))
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"programme {programme.id} was changed by someone else; reload it")

    async def prerequisite_graph(self) -> dict[UUID, tuple[UUID, ...]]:
        """Every programme's prerequisites: what a new prerequisite may not loop back through."""
        rows = await self.connection.execute(select(programmes.c.id, programmes.c.prerequisites))
        return {row.id: tuple(UUID(p) for p in row.prerequisites) for row in rows}

    async def active(self) -> list[Programme]:
        rows = await self.connection.execute(
            select(programmes).where(programmes.c.active.is_(True)).order_by(programmes.c.code)
        )
        return [programme_of(row) for row in rows]

    async def search(self, where: ProgrammeFilter, *, limit: int, after_code: str | None) -> list[Programme]:
        c = programmes.c
        query = select(programmes)
        if where.agency_code is not None:
            query = query.where(c.agency_code == where.agency_code)
        if where.form is not None:
            query = query.where(c.form == where.form.value)
        if where.active is not None:
            query = query.where(c.active.is_(where.active))
        if where.updated_since is not None:
            query = query.where(c.updated_at >= where.updated_since)
        if after_code is not None:
            query = query.where(c.code > after_code)
        found = [programme_of(row) for row in await self.connection.execute(query.order_by(c.code))]
        if where.competency is not None:
            # Competencies live in a JSON list: filter here, the catalogue is small.
            found = [p for p in found if p.level_developed(where.competency) is not None]
        return found[:limit]


def session_of(row: Row[Any]) -> Session:
    return Session(
        id=row.id,
        programme_id=row.programme_id,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        delivery=Delivery(row.delivery),
        place=row.place,
        online_url=row.online_url,
        capacity=row.capacity,
        waiting_list_capacity=row.waiting_list_capacity,
        trainers=tuple(row.trainers),
        min_attendance_percent=row.min_attendance_percent,
        version=row.version,
    )


def _session_values(session: Session) -> dict[str, Any]:
    return {
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "delivery": session.delivery.value,
        "place": session.place,
        "online_url": session.online_url,
        "capacity": session.capacity,
        "waiting_list_capacity": session.waiting_list_capacity,
        "trainers": list(session.trainers),
        "min_attendance_percent": session.min_attendance_percent,
    }


@dataclass(frozen=True)
class Occupancy:
    seats_taken: int
    waiting: int


@dataclass(frozen=True)
class SessionFilter:
    programme_id: UUID | None = None
    agency_code: str | None = None
    starts_from: date | None = None
    starts_until: date | None = None


_seated = func.coalesce(func.sum(case((enrolments.c.status.in_(SEATED), 1), else_=0)), 0)
_waiting = func.coalesce(
    func.sum(case((enrolments.c.status == EnrolmentStatus.WAITLISTED.value, 1), else_=0)), 0
)


class SessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, session: Session) -> None:
        now = _now()
        await self.connection.execute(
            insert(sessions).values(
                id=session.id,
                programme_id=session.programme_id,
                version=session.version,
                created_at=now,
                updated_at=now,
                **_session_values(session),
            )
        )

    async def get(self, session_id: UUID, *, for_update: bool = False) -> Session | None:
        """`for_update` locks the session's row (PostgreSQL), so concurrent enrolments take seats in turn;
        SQLite's write transactions are serial already."""
        query = select(sessions).where(sessions.c.id == session_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.connection.execute(query)).first()
        return session_of(row) if row else None

    async def save(self, session: Session, *, expected_version: int) -> None:
        result = await self.connection.execute(
            update(sessions)
            .where(sessions.c.id == session.id, sessions.c.version == expected_version)
            .values(version=session.version, updated_at=_now(), **_session_values(session))
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"session {session.id} was changed by someone else; reload it")

    async def occupancy(self, session_id: UUID) -> Occupancy:
        row = (
            await self.connection.execute(
                select(_seated.label("seated"), _waiting.label("waiting")).where(
                    enrolments.c.session_id == session_id
                )
            )
        ).one()
        return Occupancy(int(row.seated), int(row.waiting))

    async def occupancies(self, session_ids: Sequence[UUID]) -> dict[UUID, Occupancy]:
        if not session_ids:
            return {}
        rows = await self.connection.execute(
            select(enrolments.c.session_id, _seated.label("seated"), _waiting.label("waiting"))
            .where(enrolments.c.session_id.in_(list(session_ids)))
            .group_by(enrolments.c.session_id)
        )
        found = {row.session_id: Occupancy(int(row.seated), int(row.waiting)) for row in rows}
        return {sid: found.get(sid, Occupancy(0, 0)) for sid in session_ids}

    async def search(
        self, where: SessionFilter, *, limit: int, after: tuple[date, UUID] | None
    ) -> list[Session]:
        c = sessions.c
        query = select(sessions)
        if where.programme_id is not None:
            query = query.where(c.programme_id == where.programme_id)
        if where.agency_code is not None:
            query = query.join(programmes, programmes.c.id == c.programme_id).where(
                programmes.c.agency_code == where.agency_code
            )
        if where.starts_from is not None:
            query = query.where(c.starts_on >= where.starts_from)
        if where.starts_until is not None:
            query = query.where(c.starts_on <= where.starts_until)
        if after is not None:
            query = query.where((c.starts_on > after[0]) | ((c.starts_on == after[0]) & (c.id > after[1])))
        rows = await self.connection.execute(query.order_by(c.starts_on, c.id).limit(limit))
        return [session_of(row) for row in rows]

    async def upcoming_options(
        self, programme_ids: Sequence[UUID], today: date
    ) -> dict[UUID, list[SessionOption]]:
        """Sessions starting from `today`, with their free seats and waiting-list room, per programme."""
        if not programme_ids:
            return {}
        rows = list(
            await self.connection.execute(
                select(sessions).where(
                    sessions.c.programme_id.in_(list(programme_ids)), sessions.c.starts_on >= today
                )
            )
        )
        occupied = await self.occupancies([row.id for row in rows])
        options: dict[UUID, list[SessionOption]] = {}
        for row in rows:
            taken = occupied[row.id]
            options.setdefault(row.programme_id, []).append(
                SessionOption(
                    session_id=row.id,
                    starts_on=row.starts_on,
                    ends_on=row.ends_on,
                    free_seats=max(0, row.capacity - taken.seats_taken),
                    waiting_list_room=max(0, row.waiting_list_capacity - taken.waiting),
                )
            )
        return options
