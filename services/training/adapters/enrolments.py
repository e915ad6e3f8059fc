"""Loads and saves enrolments with their attendance and certificates, and the figures built on them: JP
entries, Kirkpatrick outcomes, due reminders (Core SQLAlchemy on the unit of work's connection)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.tables import (
    attendance,
    certificates,
    enrolments,
    external_jp_records,
    programmes,
)
from services.training.domain.evaluation import ParticipantOutcome
from services.training.domain.jp import ExternalRecord, JpEntry, JpSource, title_key
from services.training.domain.sessions import (
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    Reaction,
)
from shared import clock
from shared.db import dialect_insert
from shared.errors import PreconditionFailed

COMPLETED = EnrolmentStatus.COMPLETED.value


def _now() -> datetime:
    return clock.now()


def enrolment_of(row: Row[Any], certificate: Certificate | None = None) -> Enrolment:
    return Enrolment(
        id=row.id,
        session_id=row.session_id,
        programme_id=row.programme_id,
        nip=row.nip,
        agency_code=row.agency_code,
        status=EnrolmentStatus(row.status),
        requested_at=row.requested_at,
        enrolled_at=row.enrolled_at,
        cancelled_at=row.cancelled_at,
        cancellation_reason=row.cancellation_reason,
        completed_on=row.completed_on,
        jp_awarded=row.jp_awarded,
        programme_title=row.programme_title,
        attendance_percent=row.attendance_percent,
        pre_test=row.pre_test,
        post_test=row.post_test,
        reaction=Reaction(dict(row.reaction), row.reaction_comment, row.reaction_at)
        if row.reaction
        else None,
        supervisor_nip=row.supervisor_nip,
        follow_up_due_on=row.follow_up_due_on,
        follow_up_requested_at=row.follow_up_requested_at,
        follow_up=FollowUp(
            row.follow_up_behaviour,
            row.follow_up_results,
            row.follow_up_notes,
            row.follow_up_by,
            row.follow_up_at,
            row.follow_up_evaluator_nip,
            row.follow_up_on_behalf_reason,
        )
        if row.follow_up_at
        else None,
        version=row.version,
        certificate=certificate,
    )


def _values(enrolment: Enrolment) -> dict[str, Any]:
    reaction, follow_up = enrolment.reaction, enrolment.follow_up
    return {
        "status": enrolment.status.value,
        "enrolled_at": enrolment.enrolled_at,
        "cancelled_at": enrolment.cancelled_at,
        "cancellation_reason": enrolment.cancellation_reason,
        "completed_on": enrolment.completed_on,
        "jp_awarded": enrolment.jp_awarded,
        "programme_title": enrolment.programme_title,
        "attendance_percent": enrolment.attendance_percent,
        "pre_test": enrolment.pre_test,
        "post_test": enrolment.post_test,
        "reaction": dict(reaction.ratings) if reaction else None,
        "reaction_comment": reaction.comment if reaction else None,
        "reaction_at": reaction.submitted_at if reaction else None,
        "supervisor_nip": enrolment.supervisor_nip,
        "follow_up_due_on": enrolment.follow_up_due_on,
        "follow_up_requested_at": enrolment.follow_up_requested_at,
        "follow_up_behaviour": follow_up.behaviour if follow_up else None,
        "follow_up_results": follow_up.results if follow_up else None,
        "follow_up_notes": follow_up.notes if follow_up else None,
        "follow_up_by": follow_up.evaluated_by if follow_up else None,
        "follow_up_at": follow_up.evaluated_at if follow_up else None,
        "follow_up_evaluator_nip": follow_up.evaluator_nip if follow_up else None,
        "follow_up_on_behalf_reason": follow_up.on_behalf_reason if follow_up else None,
    }


@dataclass(frozen=True)
class EnrolmentFilter:
    session_id: UUID | None = None
    programme_id: UUID | None = None
    nip: str | None = None
    agency_codes: frozenset[str] | None = None  # None: every agency
    status: EnrolmentStatus | None = None


class EnrolmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, enrolment: Enrolment) -> None:
        now = _now()
        await self.connection.execute(
            insert(enrolments).values(
                id=enrolment.id,
                session_id=enrolment.session_id,
                programme_id=enrolment.programme_id,
                nip=enrolment.nip,
                agency_code=enrolment.agency_code,
                requested_at=enrolment.requested_at,
                version=enrolment.version,
                created_at=now,
                updated_at=now,
                **_values(enrolment),
            )
        )

    async def get(self, enrolment_id: UUID) -> Enrolment | None:
        row = (
            await self.connection.execute(select(enrolments).where(enrolments.c.id == enrolment_id))
        ).first()
        if row is None:
            return None
        return enrolment_of(row, await self._certificate_of(enrolment_id))

    async def save(self, enrolment: Enrolment) -> None:
        """Write a changed enrolment; a concurrent change refuses the save. Counts the version up."""
        result = await self.connection.execute(
            update(enrolments)
            .where(enrolments.c.id == enrolment.id, enrolments.c.version == enrolment.version)
            .values(version=enrolment.version + 1, updated_at=_now(), **_values(enrolment))
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"enrolment {enrolment.id} was changed by someone else; reload it")
        enrolment.version += 1

    async def live(self, session_id: UUID, nip: str) -> Enrolment | None:
        row = (
            await self.connection.execute(
                select(enrolments).where(
                    enrolments.c.session_id == session_id,
                    enrolments.c.nip == nip,
                    enrolments.c.status != EnrolmentStatus.CANCELLED.value,
                )
            )
        ).first()
        return enrolment_of(row) if row else None

    async def of_session(self, session_id: UUID, status: EnrolmentStatus) -> list[Enrolment]:
        rows = await self.connection.execute(
            select(enrolments)
            .where(enrolments.c.session_id == session_id, enrolments.c.status == status.value)
            .order_by(enrolments.c.requested_at, enrolments.c.id)
        )
        return [enrolment_of(row) for row in rows]

    async def search(
        self, where: EnrolmentFilter, *, limit: int, after: tuple[datetime, UUID] | None
    ) -> list[Enrolment]:
        c = enrolments.c
        query = select(enrolments)
        if where.session_id is not None:
            query = query.where(c.session_id == where.session_id)
        if where.programme_id is not None:
            query = query.where(c.programme_id == where.programme_id)
        if where.nip is not None:
            query = query.where(c.nip == where.nip)
        if where.agency_codes is not None:
            query = query.where(c.agency_code.in_(sorted(where.agency_codes)))
        if where.status is not None:
            query = query.where(c.status == where.status.value)
        if after is not None:
            query = query.where(
                or_(c.requested_at > after[0], and_(c.requested_at == after[0], c.id > after[1]))
            )
        rows = list(await self.connection.execute(query.order_by(c.requested_at, c.id).limit(limit)))
        issued = await self._certificates_of([row.id for row in rows])
        return [enrolment_of(row, issued.get(row.id)) for row in rows]

    async def completed_programmes(self, nip: str) -> set[UUID]:
        return set(
            await self.connection.scalars(
                select(enrolments.c.programme_id).where(
                    enrolments.c.nip == nip, enrolments.c.status == COMPLETED
                )
            )
        )

    # --- attendance ---------------------------------------------------------------------------------------

    async def record_attendance(self, session_id: UUID, day: date, marks: dict[UUID, bool], by: str) -> None:
        """Set who was present on `day`; recording a day again replaces its marks."""
        if not marks:
            return
        now = _now()
        statement = dialect_insert(self.connection, attendance).values(
            [
                {
                    "enrolment_id": enrolment_id,
                    "day": day,
                    "session_id": session_id,
                    "present": present,
                    "recorded_by": by,
                    "recorded_at": now,
                }
                for enrolment_id, present in marks.items()
            ]
        )
        await self.connection.execute(
            statement.on_conflict_do_update(
                index_elements=["enrolment_id", "day"],
                set_={k: statement.excluded[k] for k in ("present", "recorded_by", "recorded_at")},
            )
        )

    async def attendance(self, session_id: UUID) -> Attendance:
        rows = list(
            await self.connection.execute(select(attendance).where(attendance.c.session_id == session_id))
        )
        present: dict[UUID, set[date]] = {}
        for row in rows:
            if row.present:
                present.setdefault(row.enrolment_id, set()).add(row.day)
        return Attendance(
            training_days=frozenset(row.day for row in rows),
            present={k: frozenset(v) for k, v in present.items()},
        )

    async def days_of(self, enrolment_id: UUID) -> dict[date, bool]:
        rows = await self.connection.execute(
            select(attendance.c.day, attendance.c.present)
            .where(attendance.c.enrolment_id == enrolment_id)
            .order_by(attendance.c.day)
        )
        return {row.day: row.present for row in rows}

    # --- certificates -------------------------------------------------------------------------------------

    async def next_certificate_sequence(self, programme_id: UUID, year: int) -> int:
        count = await self.connection.scalar(
            select(func.count())
            .select_from(certificates)
            .where(
                certificates.c.programme_id == programme_id,
                certificates.c.issued_on.between(date(year, 1, 1), date(year, 12, 31)),
            )
        )
        return int(count or 0) + 1

    async def add_certificate(self, enrolment: Enrolment) -> None:
        certificate = enrolment.certificate
        assert certificate is not None
        await self.connection.execute(
            insert(certificates).values(
                number=certificate.number,
                enrolment_id=enrolment.id,
                nip=enrolment.nip,
                programme_id=enrolment.programme_id,
                issued_on=certificate.issued_on,
                valid_until=certificate.valid_until,
            )
        )

    async def _certificate_of(self, enrolment_id: UUID) -> Certificate | None:
        return (await self._certificates_of([enrolment_id])).get(enrolment_id)

    async def _certificates_of(self, enrolment_ids: Sequence[UUID]) -> dict[UUID, Certificate]:
        if not enrolment_ids:
            return {}
        rows = await self.connection.execute(
            select(certificates).where(certificates.c.enrolment_id.in_(list(enrolment_ids)))
        )
        return {row.enrolment_id: Certificate(row.number, row.issued_on, row.valid_until) for row in rows}

    async def search_certificates(
        self,
        *,
        nip: str | None,
        agency_codes: frozenset[str] | None,
        valid_until_before: date | None,
        limit: int,
        after_number: str | None,
    ) -> list[Row[Any]]:
        c = certificates.c
        query = (
            select(
                certificates,
                enrolments.c.agency_code,
                programmes.c.code.label("programme_code"),
                enrolments.c.programme_title.label("title"),
            )
            .join(enrolments, enrolments.c.id == c.enrolment_id)
            .join(programmes, programmes.c.id == c.programme_id)
        )
        if nip is not None:
            query = query.where(c.nip == nip)
        if agency_codes is not None:
            query = query.where(enrolments.c.agency_code.in_(sorted(agency_codes)))
        if valid_until_before is not None:
            query = query.where(c.valid_until.is_not(None), c.valid_until < valid_until_before)
        if after_number is not None:
            query = query.where(c.number > after_number)
        return list(await self.connection.execute(query.order_by(c.number).limit(limit)))

    # --- reminders ----------------------------------------------------------------------------------------

    async def expiring_certificates(self, until: date) -> list[Row[Any]]:
        """Certificates valid until `until` or earlier whose reminder has not gone out."""
        return list(
            await self.connection.execute(
                select(
                    certificates,
                    enrolments.c.agency_code,
                    programmes.c.code.label("programme_code"),
                    enrolments.c.programme_title.label("title"),
                )
                .join(enrolments, enrolments.c.id == certificates.c.enrolment_id)
                .join(programmes, programmes.c.id == certificates.c.programme_id)
                .where(
                    certificates.c.valid_until.is_not(None),
                    certificates.c.valid_until <= until,
                    certificates.c.expiry_notified_at.is_(None),
                )
                .order_by(certificates.c.valid_until, certificates.c.number)
            )
        )

    async def claim_expiry_notice(self, number: str) -> bool:
        """Mark the reminder sent; False if another process did first."""
        result = await self.connection.execute(
            update(certificates)
            .where(certificates.c.number == number, certificates.c.expiry_notified_at.is_(None))
            .values(expiry_notified_at=_now())
        )
        return result.rowcount == 1

    async def due_follow_ups(self, today: date) -> list[Row[Any]]:
        return list(
            await self.connection.execute(
                select(enrolments)
                .where(
                    enrolments.c.status == COMPLETED,
                    enrolments.c.follow_up_due_on <= today,
                    enrolments.c.follow_up_requested_at.is_(None),
                )
                .order_by(enrolments.c.follow_up_due_on, enrolments.c.id)
            )
        )

    async def claim_follow_up(self, enrolment_id: UUID) -> bool:
        result = await self.connection.execute(
            update(enrolments)
            .where(enrolments.c.id == enrolment_id, enrolments.c.follow_up_requested_at.is_(None))
            .values(follow_up_requested_at=_now())
        )
        return result.rowcount == 1

    # --- evaluation and JP --------------------------------------------------------------------------------

    async def outcomes(self, programme_id: UUID) -> list[ParticipantOutcome]:
        rows = await self.connection.execute(
            select(enrolments).where(enrolments.c.programme_id == programme_id)
        )
        return [
            ParticipantOutcome(
                status=EnrolmentStatus(row.status),
                jp_awarded=row.jp_awarded,
                reaction=dict(row.reaction) if row.reaction else None,
                pre_test=row.pre_test,
                post_test=row.post_test,
                follow_up_due_on=row.follow_up_due_on,
                behaviour=row.follow_up_behaviour,
                results=row.follow_up_results,
            )
            for row in rows
        ]

    async def jp_entries(
        self, nip: str, *, since: date | None = None, until: date | None = None
    ) -> list[JpEntry]:
        """Completions and external records of one person, oldest first."""
        completed = select(
            enrolments.c.completed_on,
            enrolments.c.jp_awarded,
            enrolments.c.programme_title.label("title"),
            enrolments.c.id,
        ).where(enrolments.c.nip == nip, enrolments.c.status == COMPLETED)
        external = select(
            external_jp_records.c.completed_on,
            external_jp_records.c.jp,
            external_jp_records.c.title,
            external_jp_records.c.id,
        ).where(external_jp_records.c.nip == nip)
        if since is not None:
            completed = completed.where(enrolments.c.completed_on >= since)
            external = external.where(external_jp_records.c.completed_on >= since)
        if until is not None:
            completed = completed.where(enrolments.c.completed_on <= until)
            external = external.where(external_jp_records.c.completed_on <= until)
        entries = [
            JpEntry(row.completed_on, row.jp_awarded, row.title, JpSource.COMPLETION, str(row.id))
            for row in await self.connection.execute(completed)
        ] + [
            JpEntry(row.completed_on, row.jp, row.title, JpSource.EXTERNAL, str(row.id))
            for row in await self.connection.execute(external)
        ]
        return sorted(entries, key=lambda e: (e.completed_on, e.reference))

    async def jp_totals(self, nips: Sequence[str], since: date, until: date) -> dict[str, int]:
        """Each person's JP between two dates, completions and external records together."""
        totals: dict[str, int] = {}
        for start in range(0, len(nips), 1000):
            chunk = list(nips[start : start + 1000])
            for table, jp_column, extra in (
                (enrolments, enrolments.c.jp_awarded, [enrolments.c.status == COMPLETED]),
                (external_jp_records, external_jp_records.c.jp, []),
            ):
                rows = await self.connection.execute(
                    select(table.c.nip, func.sum(jp_column).label("jp"))
                    .where(table.c.nip.in_(chunk), table.c.completed_on.between(since, until), *extra)
                    .group_by(table.c.nip)
                )
                for row in rows:
                    totals[row.nip] = totals.get(row.nip, 0) + int(row.jp or 0)
        return totals

    async def add_external(
        self, records: Sequence[ExternalRecord], *, agency_of: Mapping[str, str], source: str, by: str
    ) -> list[UUID]:
        now, ids = _now(), []
        values = []
        for record in records:
            record_id = uuid4()
            ids.append(record_id)
            values.append(
                {
                    "id": record_id,
                    "nip": record.nip,
                    "agency_code": agency_of[record.nip],
                    "title": record.title,
                    "title_key": title_key(record.title),
                    "provider": record.provider,
                    "completed_on": record.completed_on,
                    "jp": record.jp,
                    "certificate_number": record.certificate_number,
                    "source": source,
                    "recorded_by": by,
                    "created_at": now,
                }
            )
        if values:
            await self.connection.execute(insert(external_jp_records), values)
        return ids

    async def external_identities(self, nips: Sequence[str]) -> set[tuple[str, str, date]]:
        found: set[tuple[str, str, date]] = set()
        for start in range(0, len(nips), 1000):
            rows = await self.connection.execute(
                select(
                    external_jp_records.c.nip,
                    external_jp_records.c.title_key,
                    external_jp_records.c.completed_on,
                ).where(external_jp_records.c.nip.in_(list(nips[start : start + 1000])))
            )
            found.update((row.nip, row.title_key, row.completed_on) for row in rows)
        return found
