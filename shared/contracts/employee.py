"""Events published by the employee service (topic `asn.employee.events`)."""

from datetime import date
from typing import Any

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
    decree_date: date | None = None  # added within version 1 (additive)


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
    # Added within version 1 (additive): the decree (SK) that made the move, when one did.
    decree_number: str | None = None
    decree_date: date | None = None


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
    # Added within version 1 (additive): the kind of refusal, as its problem type names it.
    code: str | None = Field(default=None, examples=["invalid-change", "unknown-reference", "not-found"])


class AgencyState(BaseModel):
    """An agency (instansi) as it is after the change."""

    code: str = Field(description="the agency's code, e.g. 7601")
    name: str
    kind: str = Field(description="central, province, kabupaten or kota")
    province_code: str | None = Field(
        description="the province agency it belongs to: a province's own code; none for central agencies"
    )
    version: int


class AgencyDefined(AgencyState):
    """An agency was defined: a ministry or central agency, a province, a kabupaten or a kota."""


class AgencyUpdated(AgencyState):
    """An agency's name or province changed (the whole agency as it is now)."""


class UnitState(BaseModel):
    """A unit (unit kerja) as it is after the change."""

    unit_id: str
    agency_code: str
    parent_id: str | None = Field(description="the unit it sits in; none at the top of the agency")
    name: str
    kind: str = Field(description="dinas, badan, bidang, seksi, subbagian, ...")
    location: str | None = Field(default=None, description="the kabupaten/kota where the unit works")
    head_position_id: str | None = None
    version: int


class UnitDefined(UnitState):
    """A unit was added to an agency's organisation."""


class UnitUpdated(UnitState):
    """A unit's name, kind, place in the tree, location or head changed (the whole unit as it is now)."""


class PositionState(BaseModel):
    """A position (jabatan) as it is after the change."""

    position_id: str
    unit_id: str
    agency_code: str
    name: str
    type: str = Field(description="jpt, administrator, pengawas, fungsional or pelaksana")
    job_class: int = Field(description="kelas jabatan, 1-17")
    authorised_headcount: int = Field(description="formasi: how many people the position may have")
    competency_standard: dict[str, int] = Field(description="required level (1-5) per competency name")
    minimum_rank: str | None = Field(description="lowest golongan/ruang, e.g. III/a")
    minimum_education: str | None = Field(description="lowest education level, SD ... S3")
    retirement_age: int = Field(description="BUP of the position's holders")
    version: int


class PositionDefined(PositionState):
    """A position was added to a unit."""


class PositionUpdated(PositionState):
    """A position's requirements or headcount changed (the whole position as it is now)."""


class WorkloadFigures(BaseModel):
    """Workload analysis (ABK) figures of a position, or of a unit summed with its sub-units."""

    workload_hours: float = Field(description="hours a year: sum of volume x time norm / 60")
    staff_needed_exact: float = Field(description="workload / 1,250 effective hours a year")
    staff_needed: int = Field(description="whole persons: each position's exact need rounded half up")
    present: int = Field(description="bezetting: active employees holding the position(s)")
    gap: int = Field(description="staff_needed - present: above 0 under-staffed, below 0 over-staffed")
    efficiency: float | None = Field(description="EJ/EU = workload / (present x 1,250); none without staff")
    band: str | None = Field(description="A (> 1.00, over-loaded) to E (< 0.50); none without staff")


class WorkloadAssessed(BaseModel):
    """A position's task list (ABK) was put: the figures of the position and of its unit, recomputed."""

    position_id: str
    unit_id: str
    agency_code: str
    tasks: int = Field(description="how many tasks the list has")
    tasks_version: int
    position: WorkloadFigures
    unit: WorkloadFigures = Field(description="the position's unit with all its sub-units")


class SiasnIdentityChanged(BaseModel):
    """One of our records was linked to its SIASN record (BKN's national system), or unlinked from it."""

    kind: str = Field(description="agency, unit, position or employee")
    ref: str = Field(description="our record: an agency code, a unit or position id, a NIP")
    agency_code: str
    siasn_id: str | None = Field(description="SIASN's id (GUID, uppercase); none: unlinked")


class SiasnPushSent(BaseModel):
    """A push reached SIASN: a completed mutation's riwayat jabatan saved (with the decree as SK Jabatan) and
    data-utama refreshed from it, or a training completion's riwayat kursus saved (kind kursus)."""

    push_id: str
    mutation_id: str = Field(description="the mutation pushed; empty for a training completion's push")
    nip: str
    agency_code: str
    rw_jabatan_id: str = Field(description="SIASN's id of the riwayat jabatan saved; empty for a kursus")
    kind: str = Field(default="jabatan", description="jabatan (a mutation) or kursus (a training completion)")
    enrolment_id: str | None = Field(default=None, description="the training enrolment of a kursus push")
    rw_kursus_id: str | None = Field(default=None, description="SIASN's id of the riwayat kursus saved")


class SiasnPushFailed(BaseModel):
    """A push to SIASN (a completed mutation's, or a training completion's) stopped: SIASN refused it, or our
    records lack what it needs. HR may retry it once the cause is mended."""

    push_id: str
    mutation_id: str = Field(description="the mutation pushed; empty for a training completion's push")
    nip: str
    agency_code: str
    step: str = Field(description="how far it got: none, uploaded, saved (synced pushes do not fail)")
    message: str = Field(description="SIASN's answer, in its words, or what our records lack")
    kind: str = Field(default="jabatan", description="jabatan (a mutation) or kursus (a training completion)")
    enrolment_id: str | None = Field(default=None, description="the training enrolment of a kursus push")


class SiasnDifferenceDecided(BaseModel):
    """HR decided a difference between our record and SIASN's (the reconciliation queue): accepted, our record
    took SIASN's value through its ordinary command (whose own event follows); rejected, ours stays."""

    id: str = Field(description="the difference")
    nip: str
    agency_code: str
    field: str = Field(
        description="our field (name, rank, placement, ...); 'record' for a person only SIASN has"
    )
    decision: str = Field(description="accept or reject")
    ours: Any = Field(description="our value when last compared")
    theirs: Any = Field(description="SIASN's value when last compared")
    decided_by: str
