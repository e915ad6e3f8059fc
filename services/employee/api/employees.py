"""HTTP routes for the employee record."""

from datetime import date
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.employee.service import employees as service
from services.employee.domain.model import Employee, EmploymentType
from shared.deps import UowDep

router = APIRouter(prefix="/api/v1/employees", tags=["employees"])


class EmployeeCreate(BaseModel):
    nip: str = Field(examples=["198503122010011001"], description="18-digit NIP")
    name: str = Field(min_length=1, max_length=200)
    birth_date: date
    gender: Literal["M", "F"]
    agency_code: str = Field(min_length=1, max_length=20)
    employment_type: EmploymentType = EmploymentType.PNS
    unit_id: str | None = None
    position_id: str | None = None


class EmployeePublic(BaseModel):
    nip: str
    name: str
    birth_date: date
    gender: str
    agency_code: str
    employment_type: str
    status: str
    unit_id: str | None
    position_id: str | None

    @classmethod
    def of(cls, employee: Employee) -> "EmployeePublic":
        return cls(
            nip=str(employee.nip),
            name=employee.name,
            birth_date=employee.birth_date,
            gender=employee.gender,
            agency_code=employee.agency_code,
            employment_type=employee.employment_type.value,
            status=employee.status.value,
            unit_id=employee.unit_id,
            position_id=employee.position_id,
        )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EmployeePublic)
async def register_employee(body: EmployeeCreate, uow: UowDep) -> EmployeePublic:
    """Register a civil servant."""
    employee = await service.register_employee(uow, **body.model_dump())
    return EmployeePublic.of(employee)


@router.get("/{nip}", response_model=EmployeePublic)
async def get_employee(nip: str, uow: UowDep) -> EmployeePublic:
    """Read one employee by NIP."""
    return EmployeePublic.of(await service.get_employee(uow, nip))
