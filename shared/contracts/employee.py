"""Events published by the employee service (topic `asn.employee.events`)."""

from datetime import date

from pydantic import BaseModel, Field


class EmployeeRegistered(BaseModel):
    """A civil servant was added to the register of an agency."""

    nip: str = Field(description="18-digit NIP")
    name: str
    agency_code: str
    unit_id: str | None = None
    position_id: str | None = None
    birth_date: date
    gender: str = Field(description="M or F, from the NIP's gender digit")
    employment_type: str = Field(description="PNS, PPPK or CPNS")
    status: str
