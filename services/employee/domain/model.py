"""The employee aggregate. Pure Python: no I/O, no framework."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.employee.domain.nip import Nip, check_nip_agrees


class EmploymentType(StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"
    CPNS = "CPNS"


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    LEAVE = "leave"
    STUDY_LEAVE = "study_leave"
    SUSPENDED = "suspended"
    RETIRED = "retired"
    DECEASED = "deceased"
    DISMISSED = "dismissed"


@dataclass
class Employee:
    nip: Nip
    name: str
    birth_date: date
    gender: str
    agency_code: str
    employment_type: EmploymentType = EmploymentType.PNS
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    unit_id: str | None = None
    position_id: str | None = None
    version: int = 1

    @classmethod
    def register(
        cls,
        *,
        nip: Nip,
        name: str,
        birth_date: date,
        gender: str,
        agency_code: str,
        employment_type: EmploymentType,
        unit_id: str | None = None,
        position_id: str | None = None,
    ) -> "Employee":
        check_nip_agrees(nip, birth_date=birth_date, gender=gender)
        return cls(
            nip=nip,
            name=name.strip(),
            birth_date=birth_date,
            gender=gender,
            agency_code=agency_code,
            employment_type=employment_type,
            unit_id=unit_id,
            position_id=position_id,
        )
