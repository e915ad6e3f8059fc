"""Loads and saves employee aggregates."""

from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.tables import employees
from services.employee.domain.model import Employee, EmployeeStatus, EmploymentType
from services.employee.domain.nip import parse_nip


class EmployeeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, nip: str) -> Employee | None:
        row = (
            (await self.connection.execute(select(employees).where(employees.c.nip == nip)))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return Employee(
            nip=parse_nip(row["nip"]),
            name=row["name"],
            birth_date=row["birth_date"],
            gender=row["gender"],
            agency_code=row["agency_code"],
            employment_type=EmploymentType(row["employment_type"]),
            status=EmployeeStatus(row["status"]),
            unit_id=row["unit_id"],
            position_id=row["position_id"],
            version=row["version"],
        )

    async def add(self, employee: Employee) -> None:
        now = datetime.now(UTC)
        await self.connection.execute(
            insert(employees).values(
                nip=str(employee.nip),
                name=employee.name,
                birth_date=employee.birth_date,
                gender=employee.gender,
                agency_code=employee.agency_code,
                employment_type=employee.employment_type.value,
                status=employee.status.value,
                unit_id=employee.unit_id,
                position_id=employee.position_id,
                version=employee.version,
                created_at=now,
                updated_at=now,
            )
        )
