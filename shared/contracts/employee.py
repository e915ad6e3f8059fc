"""Events published by the employee service (topic `asn.employee.events`)."""

from datetime import date

from pydantic import BaseModel, Field


class EmployeeSnapshot(BaseModel):
    """The employee's record as other services need it (NIK and other personal data stay home)."""

    nip: str = Field(description="18-digit NIP")
    name: str
    front_title: str | None = None
    back_title: str | None = None
    agency_code: str
    unit_id: str | None = None
    position_id: str | None = None
    position_tmt: date | None = Field(default=None, description="since when the current posting runs")
    birth_date: date
    gender: str = Field(description="M or F, from the NIP's gender digit")
    employment_type: str = Field(description="PNS, PPPK or CPNS")
    status: str
    tmt_cpns: date | None = None
    tmt_pns: date | None = None
    rank_code: str | None = Field(default=None, description="golongan/ruang, e.g. III/a")
    rank_tmt: date | None = None
    work_location: str | None = None
    ten_year_bond_until: date | None = Field(
        default=None, description="no self-requested move to another agency before (PermenPANRB 27/2021)"
    )
    disciplinary_status: str = Field(default="none", description="none, under_process or sanctioned")


class EmployeeRegistered(EmployeeSnapshot):
    """A civil servant was added to the register of an agency."""


class EmployeeUpdated(EmployeeSnapshot):
    """Data of an employee's record changed (the whole record as it is now)."""


class EmployeeStatusChanged(BaseModel):
    """An employee's status changed (leave, suspension, retirement, death, ...)."""

    nip: str
    previous_status: str
    status: str
    effective_date: date
    reason: str | None = None


class EmployeeRankChanged(BaseModel):
    """An employee reached a new rank (pangkat/golongan)."""

    nip: str
    previous_rank_code: str | None
    rank_code: str
    tmt: date
    decree_number: str | None = None


class Placement(BaseModel):
    agency_code: str
    unit_id: str | None
    position_id: str | None


class EmployeePositionChanged(BaseModel):
    """An employee moved to another position, unit or agency; `mutation_id` names the mutation that did it."""

    nip: str
    previous: Placement
    current: Placement
    tmt: date
    reason: str | None = None
    mutation_id: str | None = None


class CompetencyLevel(BaseModel):
    competency: str
    level: int = Field(ge=1, le=5)
    assessed_on: date
    source: str | None = None


class CompetenciesAssessed(BaseModel):
    """New assessed competency levels of an employee (PermenPANRB 38/2017, levels 1-5)."""

    nip: str
    assessments: list[CompetencyLevel]


class EmployeeMoveFailed(BaseModel):
    """A mutation could not be applied to the employee's record; the mutation shows the reason."""

    nip: str
    mutation_id: str
    reason: str
