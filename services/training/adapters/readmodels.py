"""What the training service keeps of the employee service's organisation and assessments: positions with
their competency standards, the unit tree with each unit's head, and assessed competency levels."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.tables import employee_competencies, employees, positions, units
from services.training.domain.competencies import competency_key
from services.training.domain.development import Colleague, UnitNode
from shared import clock
from shared.contracts.employee import CompetencyLevel, PositionState, UnitState
from shared.db import versioned_upsert

ACTIVE = "active"


@dataclass(frozen=True)
class PositionView:
    position_id: str
    unit_id: str
    agency_code: str
    name: str
    type: str
    job_class: int
    competency_standard: dict[str, int]
    version: int


def _position(row: Row[Any]) -> PositionView:
    return PositionView(
        position_id=row.position_id,
        unit_id=row.unit_id,
        agency_code=row.agency_code,
        name=row.name,
        type=row.type,
        job_class=row.job_class,
        competency_standard=dict(row.competency_standard),
        version=row.version,
    )


@dataclass(frozen=True)
class EmployeeRow:
    nip: str
    name: str
    agency_code: str
    unit_id: str | None
    position_id: str | None
    status: str
    employment_type: str  # PNS, CPNS or PPPK
    rank_code: str | None
    tmt_cpns: date | None


def _employee(row: Row[Any]) -> EmployeeRow:
    return EmployeeRow(
        nip=row.nip,
        name=row.name,
        agency_code=row.agency_code,
        unit_id=row.unit_id,
        position_id=row.position_id,
        status=row.status,
        employment_type=row.employment_type,
        rank_code=row.rank_code,
        tmt_cpns=row.tmt_cpns,
    )


class ReadModels:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def put_position(self, position: PositionState) -> None:
        await versioned_upsert(
            self.connection,
            positions,
            {"position_id": position.position_id},
            {
                "unit_id": position.unit_id,
                "agency_code": position.agency_code,
                "name": position.name,
                "type": position.type,
                "job_class": position.job_class,
                "competency_standard": dict(position.competency_standard),
                "version": position.version,
                "updated_at": clock.now(),
            },
        )

    async def put_unit(self, unit: UnitState) -> None:
        await versioned_upsert(
            self.connection,
            units,
            {"unit_id": unit.unit_id},
            {
                "agency_code": unit.agency_code,
                "parent_id": unit.parent_id,
                "name": unit.name,
                "head_position_id": unit.head_position_id,
                "version": unit.version,
                "updated_at": clock.now(),
            },
        )

    async def put_competencies(self, nip: str, assessments: Sequence[CompetencyLevel]) -> None:
        """Keep the latest assessment of each competency; an older one never replaces a newer one."""
        for assessment in assessments:
            await versioned_upsert(
                self.connection,
                employee_competencies,
                {"nip": nip, "competency_key": competency_key(assessment.competency)},
                {
                    "competency": assessment.competency,
                    "level": assessment.level,
                    "assessed_on": assessment.assessed_on,
                    "source": assessment.source,
                },
                version="assessed_on",
                equal_replaces=True,
            )

    async def position(self, position_id: str) -> PositionView | None:
        row = (
            await self.connection.execute(select(positions).where(positions.c.position_id == position_id))
        ).first()
        return _position(row) if row else None

    async def employee(self, nip: str) -> EmployeeRow | None:
        row = (await self.connection.execute(select(employees).where(employees.c.nip == nip))).first()
        return _employee(row) if row else None

    async def agencies_of(self, nips: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(nips), 1000):
            rows = await self.connection.execute(
                select(employees.c.nip, employees.c.agency_code).where(
                    employees.c.nip.in_(nips[start : start + 1000])
                )
            )
            found.update({row.nip: row.agency_code for row in rows})
        return found

    async def competencies(self, nips: Sequence[str]) -> dict[str, dict[str, int]]:
        """Assessed level per competency of each person."""
        found: dict[str, dict[str, int]] = {nip: {} for nip in nips}
        if not nips:
            return found
        rows = await self.connection.execute(
            select(employee_competencies).where(employee_competencies.c.nip.in_(nips))
        )
        for row in rows:
            found[row.nip][row.competency] = row.level
        return found

    async def colleagues(self, unit_id: str) -> list[Colleague]:
        """The active people of a unit, with their assessed competencies."""
        rows = list(
            await self.connection.execute(
                select(employees)
                .where(employees.c.unit_id == unit_id, employees.c.status == ACTIVE)
                .order_by(employees.c.nip)
            )
        )
        levels = await self.competencies([row.nip for row in rows])
        return [Colleague(r.nip, r.name, r.rank_code, r.tmt_cpns, levels[r.nip]) for r in rows]

    async def unit_chain(self, unit_id: str | None) -> dict[str, UnitNode]:
        """The unit and the units above it, as far as this service knows them."""
        chain: dict[str, UnitNode] = {}
        current = unit_id
        while current is not None and current not in chain:
            row = (await self.connection.execute(select(units).where(units.c.unit_id == current))).first()
            if row is None:
                break
            chain[current] = UnitNode(row.unit_id, row.parent_id, row.head_position_id)
            current = row.parent_id
        return chain

    async def holder_of(self, position_id: str) -> str | None:
        """The active holder of a position (the lowest NIP if several)."""
        found: str | None = await self.connection.scalar(
            select(employees.c.nip)
            .where(employees.c.position_id == position_id, employees.c.status == ACTIVE)
            .order_by(employees.c.nip)
            .limit(1)
        )
        return found

    async def unit_agency(self, unit_id: str) -> str | None:
        found: str | None = await self.connection.scalar(
            select(units.c.agency_code).where(units.c.unit_id == unit_id)
        )
        return found

    async def units_below(self, unit_id: str) -> list[str]:
        """The unit and all its sub-units."""
        found, frontier = [unit_id], [unit_id]
        while frontier:
            children = list(
                await self.connection.scalars(select(units.c.unit_id).where(units.c.parent_id.in_(frontier)))
            )
            frontier = [c for c in children if c not in found]
            found.extend(frontier)
        return found

    async def people(self, *, agency_code: str | None, unit_ids: Sequence[str] | None) -> list[EmployeeRow]:
        """The active people of an agency or of units, by NIP."""
        query = select(employees).where(employees.c.status == ACTIVE)
        if agency_code is not None:
            query = query.where(employees.c.agency_code == agency_code)
        if unit_ids is not None:
            query = query.where(employees.c.unit_id.in_(unit_ids))
        return [_employee(row) for row in await self.connection.execute(query.order_by(employees.c.nip))]
