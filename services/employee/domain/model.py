"""The employee aggregate. Pure Python: no I/O, no framework.

Every change goes through a method that checks the rules and returns what happened; the service layer
saves the aggregate and turns what happened into events.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from services.employee.domain.nip import Nip, check_nip_agrees
from shared.errors import Conflict, FieldProblem, InvalidInput

# PermenPANRB 27/2021 Pasal 52 (now 6/2024 Pasal 59): PNS appointed under the 2021+ rules may not ask to
# move to another agency for 10 years.
BOND_RULES_FROM = date(2021, 1, 1)
BOND_YEARS = 10
NIK_LENGTH = 16
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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

    @property
    def is_final(self) -> bool:
        return self in (EmployeeStatus.RETIRED, EmployeeStatus.DECEASED, EmployeeStatus.DISMISSED)


class DisciplinaryStatus(StrEnum):
    NONE = "none"
    UNDER_PROCESS = "under_process"
    SANCTIONED = "sanctioned"


class EducationLevel(StrEnum):
    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"
    D1 = "D1"
    D2 = "D2"
    D3 = "D3"
    D4 = "D4"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"


class InvalidChange(Conflict):
    code = "invalid-change"
    title = "Change not allowed"


@dataclass(frozen=True)
class Placement:
    agency_code: str
    unit_id: str | None
    position_id: str | None
    tmt: date | None


@dataclass(frozen=True)
class Rank:
    code: str
    tmt: date


@dataclass(frozen=True)
class Decree:
    """The decree (SK) behind a change of rank or placement, as the record keeps it."""

    number: str | None = None
    signed_on: date | None = None


NO_DECREE = Decree()


@dataclass(frozen=True)
class Assessment:
    competency: str
    level: int
    assessed_on: date
    source: str | None = None


@dataclass(frozen=True)
class Education:
    level: EducationLevel
    institution: str
    major: str | None
    graduation_year: int


@dataclass
class Employee:
    nip: Nip
    name: str
    birth_date: date
    gender: str
    placement: Placement
    employment_type: EmploymentType = EmploymentType.PNS
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    front_title: str | None = None
    back_title: str | None = None
    birth_place: str | None = None
    nik: str | None = None
    tmt_cpns: date | None = None
    tmt_pns: date | None = None
    rank: Rank | None = None
    work_location: str | None = None
    ten_year_bond_until: date | None = None
    disciplinary_status: DisciplinaryStatus = DisciplinaryStatus.NONE
    competencies: dict[str, Assessment] = field(default_factory=dict)
    education: list[Education] = field(default_factory=list)
    version: int = 1

    @property
    def display_name(self) -> str:
        """The name as written on a decree: front title, name, back title."""
        front = f"{self.front_title} " if self.front_title else ""
        back = f", {self.back_title}" if self.back_title else ""
        return f"{front}{self.name}{back}"

    def change_status(self, status: EmployeeStatus) -> EmployeeStatus:
        """Returns the previous status."""
        if self.status.is_final:
            raise InvalidChange(f"{self.nip} is {self.status.value}; the status can no longer change")
        if status == self.status:
            raise InvalidChange(f"{self.nip} is already {status.value}")
        previous, self.status = self.status, status
        return previous

    def promote(self, rank: Rank) -> Rank | None:
        """Record a new rank; returns the previous one."""
        self._require_in_service("change rank")
        if self.rank is not None and rank.tmt <= self.rank.tmt:
            raise InvalidChange(
                f"the new rank's TMT {rank.tmt} must be after the current one's ({self.rank.tmt})"
            )
        previous, self.rank = self.rank, rank
        return previous

    def move(self, to: Placement) -> Placement:
        """Post the employee to another position, unit or agency; returns the previous placement."""
        self._require_in_service("move")
        if self.status != EmployeeStatus.ACTIVE:
            raise InvalidChange(f"{self.nip} is {self.status.value}, not active, and cannot be moved")
        current = self.placement
        if to.tmt is None:
            raise InvalidInput("a move needs its TMT", errors=[FieldProblem(field="tmt", message="required")])
        if current.tmt is not None and to.tmt < current.tmt:
            raise InvalidChange(f"the move's TMT {to.tmt} is before the current posting's TMT {current.tmt}")
        to = checked_placement(to)
        if (to.agency_code, to.unit_id, to.position_id) == (
            current.agency_code,
            current.unit_id,
            current.position_id,
        ):
            raise InvalidChange(f"{self.nip} already holds that position")
        self.placement = to
        return current

    def assess(self, assessments: list[Assessment]) -> list[Assessment]:
        """Record assessed competency levels; an older assessment never replaces a newer one."""
        recorded = []
        for assessment in assessments:
            if not 1 <= assessment.level <= 5:
                raise InvalidInput(
                    f"competency levels run from 1 to 5, got {assessment.level}",
                    errors=[
                        FieldProblem(field=f"assessments.{assessment.competency}", message="level 1 to 5")
                    ],
                )
            latest = self.competencies.get(assessment.competency)
            if latest is None or assessment.assessed_on >= latest.assessed_on:
                self.competencies[assessment.competency] = assessment
                recorded.append(assessment)
        return recorded

    def _require_in_service(self, action: str) -> None:
        if self.status.is_final:
            raise InvalidChange(f"{self.nip} is {self.status.value}; cannot {action}")


def register(
    *,
    nip: Nip,
    name: str,
    birth_date: date,
    gender: str,
    placement: Placement,
    employment_type: EmploymentType,
    nik: str | None = None,
    tmt_cpns: date | None = None,
    ten_year_bond_until: date | None = None,
    **details: object,
) -> Employee:
    """A new employee; the NIP must agree with the birth date and gender, the NIK must be 16 digits."""
    check_nip_agrees(nip, birth_date=birth_date, gender=gender)
    _check_nik(nik)
    placement = checked_placement(placement)
    tmt_cpns = tmt_cpns or date(nip.tmt_cpns_year, nip.tmt_cpns_month, 1)
    return Employee(
        nip=nip,
        name=name.strip(),
        birth_date=birth_date,
        gender=gender,
        placement=placement,
        employment_type=employment_type,
        nik=nik,
        tmt_cpns=tmt_cpns,
        ten_year_bond_until=ten_year_bond_until or default_bond_until(employment_type, tmt_cpns),
        **details,  # type: ignore[arg-type]
    )


# Fields an HR officer may correct directly; rank, placement and status change through their own use cases.
REVISABLE = frozenset(
    {
        "name",
        "front_title",
        "back_title",
        "birth_place",
        "nik",
        "work_location",
        "disciplinary_status",
        "tmt_pns",
    }
)


def revise(employee: Employee, **changes: object) -> Employee:
    """The employee with corrected record fields."""
    fixed = sorted(set(changes) - REVISABLE)
    if fixed:
        raise InvalidInput(
            f"{', '.join(fixed)} cannot be changed here",
            errors=[FieldProblem(field=name, message="not revisable through this route") for name in fixed],
        )
    if "nik" in changes:
        _check_nik(changes["nik"])  # type: ignore[arg-type]
    if "name" in changes and not str(changes["name"]).strip():
        raise InvalidInput(
            "the name cannot be empty", errors=[FieldProblem(field="name", message="required")]
        )
    return replace(employee, **changes)  # type: ignore[arg-type]


def checked_placement(placement: Placement) -> Placement:
    """The placement with its position id in canonical form; a position is named by its id, a UUID."""
    if placement.position_id is None or _CANONICAL_UUID.fullmatch(placement.position_id):
        return placement
    try:
        canonical = str(UUID(placement.position_id))
    except ValueError:
        raise InvalidInput(
            f"position_id {placement.position_id!r} is not a position id (a UUID)",
            errors=[
                FieldProblem(field="position_id", message="a position id (UUID)", value=placement.position_id)
            ],
        ) from None
    return placement if canonical == placement.position_id else replace(placement, position_id=canonical)


def _check_nik(nik: str | None) -> None:
    if nik is not None and (len(nik) != NIK_LENGTH or not nik.isdigit()):
        raise InvalidInput(
            "the NIK must be 16 digits", errors=[FieldProblem(field="nik", message="16 digits")]
        )


def default_bond_until(employment_type: EmploymentType, tmt_cpns: date) -> date | None:
    if employment_type == EmploymentType.PPPK or tmt_cpns < BOND_RULES_FROM:
        return None
    return tmt_cpns.replace(year=tmt_cpns.year + BOND_YEARS)


def mask_nik(nik: str | None) -> str | None:
    """Show the region and the last two digits only; the rest is personal data."""
    if nik is None:
        return None
    return nik[:4] + "*" * (len(nik) - 6) + nik[-2:]
