"""Events published by the training service (topic `asn.training.events`).

Every event's subject is the employee's NIP, so one person's training events stay in order.
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

PlanSource = Literal["mutation", "request", "appraisal"]
PlanStatus = Literal["proposed", "accepted", "withdrawn"]
PlanItemKind = Literal["competency_gap", "coaching"]


class CompetencyDeveloped(BaseModel):
    competency: str
    level: int = Field(ge=1, le=5, description="the level the programme develops it to (PermenPANRB 38/2017)")


class ParticipantEnrolled(BaseModel):
    """An employee got a seat in a training session: directly, or promoted from the waiting list when a
    seat was freed."""

    enrolment_id: str
    nip: str
    agency_code: str = Field(description="the employee's agency")
    programme_id: str
    programme_code: str
    title: str
    session_id: str
    starts_on: date
    ends_on: date
    jp: int = Field(description="jam pelajaran the programme awards on completion")
    promoted_from_waiting_list: bool


class ParticipantCompleted(BaseModel):
    """An employee completed a training session: the JP it counts toward the yearly right of at least
    20 JP (PP 11/2017 as amended by PP 17/2020) and the competencies it developed."""

    enrolment_id: str
    nip: str
    agency_code: str
    programme_id: str
    programme_code: str
    title: str
    form: str = Field(description="classical, e_learning, coaching, mentoring, on_the_job, ...")
    session_id: str
    completed_on: date = Field(description="the JP count in this date's year")
    jp: int
    competencies: list[CompetencyDeveloped]
    attendance_percent: Decimal
    certificate_number: str | None = Field(description="none when the programme issues no certificate")
    starts_on: date | None = Field(
        default=None, description="the session's first day; none from older producers"
    )
    provider: str | None = Field(default=None, description="who gave the training (institusi penyelenggara)")


class CertificateIssued(BaseModel):
    """A training certificate (sertifikat) was issued on completion."""

    number: str
    nip: str
    agency_code: str
    enrolment_id: str
    programme_id: str
    programme_code: str
    title: str
    issued_on: date
    valid_until: date | None = Field(description="none: valid without end")


class CertificateExpiring(BaseModel):
    """A certificate's validity ends soon: time to plan a refresher."""

    number: str
    nip: str
    agency_code: str
    programme_id: str
    programme_code: str
    title: str
    valid_until: date
    days_left: int


class FollowUpRequested(BaseModel):
    """Weeks after a completion, the supervisor is asked to evaluate how the employee applies the training
    on the job and what it changed in the results (Kirkpatrick levels 3 and 4)."""

    enrolment_id: str
    nip: str
    agency_code: str
    supervisor_nip: str | None = Field(description="none when the unit's head is not known")
    programme_id: str
    title: str
    completed_on: date
    due_on: date


class PlanItem(BaseModel):
    kind: PlanItemKind
    competency: str | None = Field(description="the competency of a gap; none for coaching")
    required_level: int | None
    current_level: int | None = Field(description="the last assessed level; none if never assessed")
    programme_id: str | None = Field(description="the chosen programme; none: closed by mentoring only")
    session_id: str | None
    target_date: date | None


class DevelopmentPlanState(BaseModel):
    """A development plan as it is after the change."""

    plan_id: str
    nip: str
    agency_code: str
    unit_id: str | None
    position_id: str | None
    source: PlanSource = Field(description="a mutation became effective, someone asked, or an appraisal")
    mutation_id: str | None
    status: PlanStatus
    job_person_match: Decimal | None = Field(description="Σ min(actual, required) ÷ Σ required, in %")
    supervisor_nip: str | None
    mentor_nip: str | None
    items: list[PlanItem]
    employee_accepted: bool
    supervisor_accepted: bool
    version: int


class DevelopmentPlanCreated(DevelopmentPlanState):
    """A development plan was proposed: the gaps between the employee's assessed competencies and the
    position's standard, programmes to close each and a mentor (after a mutation, on request, or after an
    appraisal predicate of Butuh Perbaikan or below)."""


class DevelopmentPlanUpdated(DevelopmentPlanState):
    """A development plan was adjusted, accepted, recomputed or withdrawn (the whole plan as it is now)."""
