"""Loads and saves employee aggregates (Core SQLAlchemy on the unit of work's connection)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, and_, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.tables import (
    competency_assessments,
    education_history,
    employees,
    position_history,
    rank_history,
)
from services.employee.domain.model import (
    Assessment,
    Decree,
    DisciplinaryStatus,
    Education,
    EducationLevel,
    Employee,
    EmployeeStatus,
    EmploymentType,
    Placement,
    Rank,
)
from services.employee.domain.nip import parse_nip
from shared import clock
from shared.db import UtcDateTime
from shared.errors import PreconditionFailed


def row_values(employee: Employee) -> dict[str, Any]:
    rank = employee.rank
    placement = employee.placement
    return {
        "name": employee.name,
        "front_title": employee.front_title,
        "back_title": employee.back_title,
        "birth_date": employee.birth_date,
        "birth_place": employee.birth_place,
        "gender": employee.gender,
        "nik": employee.nik,
        "employment_type": employee.employment_type.value,
        "status": employee.status.value,
        "tmt_cpns": employee.tmt_cpns,
        "tmt_pns": employee.tmt_pns,
        "rank_code": rank.code if rank else None,
        "rank_tmt": rank.tmt if rank else None,
        "agency_code": placement.agency_code,
        "unit_id": placement.unit_id,
        "position_id": placement.position_id,
        "position_tmt": placement.tmt,
        "work_location": employee.work_location,
        "ten_year_bond_until": employee.ten_year_bond_until,
        "disciplinary_status": employee.disciplinary_status.value,
    }


def employee_of(row: Any) -> Employee:
    """An aggregate from an `employees` row (without competencies and education)."""
    return Employee(
        nip=parse_nip(row.nip),
        name=row.name,
        front_title=row.front_title,
        back_title=row.back_title,
        birth_date=row.birth_date,
        birth_place=row.birth_place,
        gender=row.gender,
        nik=row.nik,
        employment_type=EmploymentType(row.employment_type),
        status=EmployeeStatus(row.status),
        tmt_cpns=row.tmt_cpns,
        tmt_pns=row.tmt_pns,
        rank=Rank(row.rank_code, row.rank_tmt) if row.rank_code else None,
        placement=Placement(row.agency_code, row.unit_id, row.position_id, row.position_tmt),
        work_location=row.work_location,
        ten_year_bond_until=row.ten_year_bond_until,
        disciplinary_status=DisciplinaryStatus(row.disciplinary_status),
        version=row.version,
    )


@dataclass(frozen=True)
class EmployeeFilter:
    name: str | None = None
    nip: str | None = None
    agency_code: str | None = None
    unit_id: str | None = None
    position_id: str | None = None
    rank_code: str | None = None
    status: str | None = None
    updated_since: datetime | None = None
    agencies: frozenset[str] | None = None  # within these agencies only (the caller's scope); None: every one

    def apply(self, query: Select[Any]) -> Select[Any]:
        c = employees.c
        conditions = [
            column == value
            for column, value in (
                (c.agency_code, self.agency_code),
                (c.unit_id, self.unit_id),
                (c.position_id, self.position_id),
                (c.rank_code, self.rank_code),
                (c.status, self.status),
            )
            if value is not None
        ]
        if self.name:
            conditions.append(func.lower(c.name).contains(self.name.lower(), autoescape=True))
        if self.nip:
            conditions.append(c.nip.startswith(self.nip, autoescape=True))
        if self.updated_since is not None:
            conditions.append(c.updated_at >= self.updated_since)
        if self.agencies is not None:
            conditions.append(c.agency_code.in_(sorted(self.agencies)))
        return query.where(and_(*conditions)) if conditions else query


class EmployeeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, nip: str) -> Employee | None:
        row = (await self.connection.execute(select(employees).where(employees.c.nip == nip))).first()
        if row is None:
            return None
        employee = employee_of(row)
        assessments = await self.connection.execute(
            select(competency_assessments)
            .where(competency_assessments.c.nip == nip)
            .order_by(competency_assessments.c.assessed_on, competency_assessments.c.id)
        )
        for a in assessments:
            employee.competencies[a.competency] = Assessment(a.competency, a.level, a.assessed_on, a.source)
        education = await self.connection.execute(
            select(education_history)
            .where(education_history.c.nip == nip)
            .order_by(education_history.c.graduation_year)
        )
        employee.education = [
            Education(EducationLevel(e.level), e.institution, e.major, e.graduation_year) for e in education
        ]
        return employee

    async def add(self, employee: Employee, *, reason: str | None = None) -> None:
        now = clock.now()
        nip = str(employee.nip)
        await self.connection.execute(
            insert(employees).values(
                nip=nip,
                version=employee.version,
                created_at=now,
                updated_at=now,
                placement_reason=reason or "registered",
                **row_values(employee),
            )
        )
        if employee.education:
            await self.add_education(nip, employee.education)

    async def save(self, employee: Employee, *, expected_version: int, **record_keeping: object) -> None:
        """Write the changed record; a concurrent change since `expected_version` refuses the save.
        `record_keeping`: the current placement's reason, mutation and decree, the current rank's decree."""
        result = await self.connection.execute(
            update(employees)
            .where(employees.c.nip == str(employee.nip), employees.c.version == expected_version)
            .values(
                version=expected_version + 1,
                updated_at=clock.now(),
                **row_values(employee),
                **record_keeping,
            )
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"{employee.nip} was changed by someone else; reload it and try again")
        employee.version = expected_version + 1

    async def move(
        self,
        employee: Employee,
        *,
        expected_version: int,
        reason: str | None,
        mutation_id: str | None,
        decree: Decree,
    ) -> None:
        """Save a moved employee: the placement left goes to the history as the record held it."""
        await self.connection.execute(
            insert(position_history).from_select(
                [*(c.name for c in _PLACEMENT_HISTORY_COLUMNS), "recorded_at"],
                select(*_PLACEMENT_ON_RECORD, literal(clock.now(), UtcDateTime())).where(
                    employees.c.nip == str(employee.nip)
                ),
            )
        )
        await self.save(
            employee,
            expected_version=expected_version,
            placement_reason=reason,
            placement_mutation_id=mutation_id,
            placement_decree_number=decree.number,
            placement_decree_date=decree.signed_on,
        )

    async def promote(self, employee: Employee, *, expected_version: int, decree: Decree) -> None:
        """Save a promoted employee: the rank left (if any) goes to the history as the record held it."""
        await self.connection.execute(
            insert(rank_history).from_select(
                [*(c.name for c in _RANK_HISTORY_COLUMNS), "recorded_at"],
                select(*_RANK_ON_RECORD, literal(clock.now(), UtcDateTime())).where(
                    employees.c.nip == str(employee.nip), employees.c.rank_code.is_not(None)
                ),
            )
        )
        await self.save(
            employee,
            expected_version=expected_version,
            rank_decree_number=decree.number,
            rank_decree_date=decree.signed_on,
        )

    async def add_assessments(self, nip: str, assessments: Sequence[Assessment]) -> None:
        await self.connection.execute(
            insert(competency_assessments),
            [
                {
                    "nip": nip,
                    "competency": a.competency,
                    "level": a.level,
                    "assessed_on": a.assessed_on,
                    "source": a.source,
                }
                for a in assessments
            ],
        )

    async def add_education(self, nip: str, education: Sequence[Education]) -> None:
        await self.connection.execute(
            insert(education_history),
            [
                {
                    "nip": nip,
                    "level": e.level.value,
                    "institution": e.institution,
                    "major": e.major,
                    "graduation_year": e.graduation_year,
                }
                for e in education
            ],
        )

    async def search(self, where: EmployeeFilter, *, limit: int, after_nip: str | None) -> list[Employee]:
        """A page of employees in NIP order (the NIP is unique, so the order is stable)."""
        query = where.apply(select(employees))
        if after_nip is not None:
            query = query.where(employees.c.nip > after_nip)
        rows = await self.connection.execute(query.order_by(employees.c.nip).limit(limit))
        return [employee_of(row) for row in rows]

    async def history(self, nip: str) -> tuple[list[Any], list[Any]]:
        """Ranks and placements, oldest first: the history's, and the record's current ones."""
        on_record = employees.c.nip == nip
        ranks = (
            select(*_RANK_HISTORY_COLUMNS, rank_history.c.id.label("seq"))
            .where(rank_history.c.nip == nip)
            .union_all(
                select(*_RANK_ON_RECORD, literal(None, Integer()).label("seq")).where(
                    on_record, employees.c.rank_code.is_not(None)
                )
            )
        )
        placements = (
            select(*_PLACEMENT_HISTORY_COLUMNS, position_history.c.id.label("seq"))
            .where(position_history.c.nip == nip)
            .union_all(select(*_PLACEMENT_ON_RECORD, literal(None, Integer()).label("seq")).where(on_record))
        )
        # The current entry (no `seq`) last among those of its TMT.
        return (
            list(await self.connection.execute(_oldest_first(ranks))),
            list(await self.connection.execute(_oldest_first(placements))),
        )


def _oldest_first(entries: CompoundSelect) -> Select[Any]:
    ordered = entries.subquery()
    return select(ordered).order_by(ordered.c.tmt.nulls_first(), ordered.c.seq.nulls_last())


# The current rank and placement on the record, as the history keeps them once they are replaced.
_RANK_HISTORY_COLUMNS = (
    rank_history.c.nip, rank_history.c.rank_code, rank_history.c.tmt, rank_history.c.decree_number,
    rank_history.c.decree_date,
)  # fmt: skip
_RANK_ON_RECORD = (
    employees.c.nip,
    employees.c.rank_code,
    employees.c.rank_tmt.label("tmt"),
    employees.c.rank_decree_number.label("decree_number"),
    employees.c.rank_decree_date.label("decree_date"),
)
_PLACEMENT_HISTORY_COLUMNS = (
    position_history.c.nip, position_history.c.agency_code, position_history.c.unit_id,
    position_history.c.position_id, position_history.c.tmt, position_history.c.reason,
    position_history.c.mutation_id, position_history.c.decree_number, position_history.c.decree_date,
)  # fmt: skip
_PLACEMENT_ON_RECORD = (
    employees.c.nip,
    employees.c.agency_code,
    employees.c.unit_id,
    employees.c.position_id,
    employees.c.position_tmt.label("tmt"),
    employees.c.placement_reason.label("reason"),
    employees.c.placement_mutation_id.label("mutation_id"),
    employees.c.placement_decree_number.label("decree_number"),
    employees.c.placement_decree_date.label("decree_date"),
)
