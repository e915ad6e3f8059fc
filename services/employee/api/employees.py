"""HTTP routes for the employee record."""

import dataclasses
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from services.employee.adapters.repository import EmployeeFilter
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
    mask_nik,
)
from services.employee.service import employees as service
from shared.auth import PrincipalDep
from shared.deps import UowDep
from shared.errors import FieldProblem, Forbidden, InvalidInput
from shared.etag import set_etag, version_from_if_match
from shared.inputs import RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Principal, Role

router = APIRouter(prefix="/api/v1/employees", tags=["employees"])

# Assessments one request records: the managerial, socio-cultural and the agency's technical competencies.
MAX_ASSESSMENTS = 100

# Who keeps the register: the agency's HR unit, the administration, and agency systems.
RECORD_KEEPERS = (Role.ADMIN, Role.HR_OFFICER, Role.INTEGRATION)


def scoped(principal: Principal, where: EmployeeFilter) -> EmployeeFilter | None:
    """`where` within what the caller may see: their own record only for an employee, their agencies for
    staff; None when nothing can match."""
    if not principal.is_staff:
        if principal.nip is None or (where.nip and not principal.nip.startswith(where.nip)):
            return None
        return dataclasses.replace(where, nip=principal.nip)
    if where.agency_code is not None:
        principal.require_agency(where.agency_code)
        return where
    return dataclasses.replace(where, agencies=principal.agency_filter())


Gender = Literal["M", "F"]


class EducationIn(RequestModel):
    level: EducationLevel
    institution: str = Field(min_length=1, max_length=200)
    major: str | None = Field(default=None, max_length=200)
    graduation_year: int = Field(ge=1940, le=2100)


class EmployeeCreate(RequestModel):
    nip: str = Field(examples=["198503122010011001"], description="18-digit NIP")
    name: str = Field(min_length=1, max_length=200)
    front_title: str | None = Field(default=None, max_length=50, examples=["Dr."])
    back_title: str | None = Field(default=None, max_length=50, examples=["S.Kom., M.T."])
    birth_date: date
    birth_place: str | None = Field(default=None, max_length=100)
    gender: Gender
    nik: str | None = Field(default=None, description="16-digit national ID number; shown masked")
    employment_type: EmploymentType = EmploymentType.PNS
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    tmt_cpns: date | None = Field(default=None, description="defaults to the month in the NIP")
    tmt_pns: date | None = None
    rank_code: str | None = Field(default=None, examples=["III/a"])
    rank_tmt: date | None = None
    agency_code: str = Field(min_length=1, max_length=20)
    unit_id: UUID | None = Field(default=None, description="a unit of the agency")
    position_id: UUID | None = Field(
        default=None, description="a position of the unit (of the agency, when no unit is named)"
    )
    position_tmt: date | None = None
    work_location: str | None = Field(default=None, max_length=100)
    ten_year_bond_until: date | None = Field(
        default=None, description="defaults to TMT CPNS + 10 years for appointments from 2021"
    )
    disciplinary_status: DisciplinaryStatus = DisciplinaryStatus.NONE
    education: list[EducationIn] = Field(default_factory=list)


class EmployeeUpdate(RequestModel):
    """Corrections of plain record fields; send only what changes."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    front_title: str | None = Field(default=None, max_length=50)
    back_title: str | None = Field(default=None, max_length=50)
    birth_place: str | None = Field(default=None, max_length=100)
    nik: str | None = None
    work_location: str | None = Field(default=None, max_length=100)
    disciplinary_status: DisciplinaryStatus | None = None
    tmt_pns: date | None = None


class CompetencyPublic(BaseModel):
    competency: str
    level: int
    assessed_on: date
    source: str | None


class EmployeePublic(BaseModel):
    nip: str
    name: str
    display_name: str = Field(description="with academic titles, as on a decree")
    front_title: str | None
    back_title: str | None
    birth_date: date
    birth_place: str | None
    gender: str
    nik: str | None = Field(description="masked: region code and last two digits")
    employment_type: str
    status: str
    tmt_cpns: date | None
    tmt_pns: date | None
    rank_code: str | None
    rank_tmt: date | None
    agency_code: str
    unit_id: str | None
    position_id: str | None
    position_tmt: date | None
    work_location: str | None
    ten_year_bond_until: date | None
    disciplinary_status: str
    competencies: list[CompetencyPublic] = []
    education: list[EducationIn] = []
    version: int

    @classmethod
    def of(cls, employee: Employee) -> "EmployeePublic":
        rank, placement = employee.rank, employee.placement
        return cls(
            nip=str(employee.nip),
            name=employee.name,
            display_name=employee.display_name,
            front_title=employee.front_title,
            back_title=employee.back_title,
            birth_date=employee.birth_date,
            birth_place=employee.birth_place,
            gender=employee.gender,
            nik=mask_nik(employee.nik),
            employment_type=employee.employment_type.value,
            status=employee.status.value,
            tmt_cpns=employee.tmt_cpns,
            tmt_pns=employee.tmt_pns,
            rank_code=rank.code if rank else None,
            rank_tmt=rank.tmt if rank else None,
            agency_code=placement.agency_code,
            unit_id=placement.unit_id,
            position_id=placement.position_id,
            position_tmt=placement.tmt,
            work_location=employee.work_location,
            ten_year_bond_until=employee.ten_year_bond_until,
            disciplinary_status=employee.disciplinary_status.value,
            competencies=[
                CompetencyPublic(
                    competency=a.competency, level=a.level, assessed_on=a.assessed_on, source=a.source
                )
                for a in sorted(employee.competencies.values(), key=lambda a: a.competency)
            ],
            education=[
                EducationIn(
                    level=e.level, institution=e.institution, major=e.major, graduation_year=e.graduation_year
                )
                for e in employee.education
            ],
            version=employee.version,
        )


class StatusChange(RequestModel):
    status: EmployeeStatus
    effective_date: date
    reason: str | None = Field(default=None, max_length=500)


class RankChange(RequestModel):
    rank_code: str = Field(examples=["III/b"])
    tmt: date
    decree_number: str | None = Field(default=None, max_length=100, examples=["823.3/045/BKPSDM/2026"])
    decree_date: date | None = Field(default=None, description="the day the decree (SK) was signed")


class PositionChange(RequestModel):
    agency_code: str = Field(min_length=1, max_length=20)
    unit_id: UUID | None = Field(default=None, description="a unit of the agency")
    position_id: UUID | None = Field(
        default=None, description="a position of the unit (of the agency, when no unit is named)"
    )
    tmt: date
    reason: str = Field(min_length=1, max_length=500)
    decree_number: str | None = Field(default=None, max_length=100, examples=["821.2/112/BKPSDM/2026"])
    decree_date: date | None = Field(default=None, description="the day the decree (SK) was signed")


class CompetencyAssessment(RequestModel):
    competency: str = Field(min_length=1, max_length=100)
    level: int = Field(ge=1, le=5)
    assessed_on: date
    source: str | None = Field(default=None, max_length=200, examples=["assessment centre BKD 2026"])


class HistoryEntry(BaseModel):
    tmt: date | None
    rank_code: str | None = None
    agency_code: str | None = None
    unit_id: str | None = None
    position_id: str | None = None
    reason: str | None = Field(default=None, description="why, in the words of whoever recorded it")
    decree_number: str | None = Field(default=None, description="the decree (SK) behind the entry")
    decree_date: date | None = Field(default=None, description="the day that decree was signed")
    mutation_id: str | None = Field(default=None, description="the mutation that made the move")


class EmployeeHistory(BaseModel):
    nip: str
    ranks: list[HistoryEntry]
    positions: list[HistoryEntry]


def _text(identifier: UUID | None) -> str | None:
    return None if identifier is None else str(identifier)


def _public(employee: Employee, principal: Principal, *, reveal_nik: bool = False) -> EmployeePublic:
    public = EmployeePublic.of(employee)
    if reveal_nik:
        # The NIK is personal data: shown whole only when asked for, and only to the person and to HR and
        # administration of their agency (data minimisation, UU 27/2022 on personal data protection).
        if not principal.may_see_personal_data(public.nip, public.agency_code):
            raise Forbidden(
                "only the person, or HR of their agency, may see the whole NIK", code="personal-data"
            )
        public.nik = employee.nik
    return public


def _answer(
    response: Response, employee: Employee, principal: Principal, *, reveal_nik: bool = False
) -> EmployeePublic:
    set_etag(response, employee.version)
    return _public(employee, principal, reveal_nik=reveal_nik)


async def _keeper_of(uow: UowDep, principal: Principal, nip: str) -> None:
    """Changes to a record: a record keeper of the employee's agency."""
    principal.require_role(*RECORD_KEEPERS)
    employee = await service.get_employee(uow, nip)
    principal.require_agency(employee.placement.agency_code)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EmployeePublic,
    responses=created(
        "The employee registered",
        "nip",
        "GET /api/v1/employees/{nip}",
        "PATCH /api/v1/employees/{nip}",
        "POST /api/v1/employees/{nip}/status",
        "POST /api/v1/employees/{nip}/rank",
        "POST /api/v1/employees/{nip}/position",
        "POST /api/v1/employees/{nip}/competencies",
        "GET /api/v1/employees/{nip}/history",
        field="nip",
        if_match=("PATCH /api/v1/employees/{nip}",),
    ),
)
async def register_employee(
    body: EmployeeCreate, uow: UowDep, response: Response, principal: PrincipalDep
) -> EmployeePublic:
    """Register a civil servant."""
    principal.require_role(*RECORD_KEEPERS)
    fields = body.model_dump(exclude={"education", "unit_id", "position_id"})
    education = [Education(e.level, e.institution, e.major, e.graduation_year) for e in body.education]
    employee = await service.register_employee(
        uow,
        principal=principal,
        education=education,
        unit_id=_text(body.unit_id),
        position_id=_text(body.position_id),
        **fields,
    )
    response.headers["Location"] = f"/api/v1/employees/{employee.nip}"
    return _answer(response, employee, principal)


def updated_since_query(
    updated_since: Annotated[
        AwareDatetime | None, Query(description="with its offset", examples=["2026-01-31T00:00:00+07:00"])
    ] = None,
) -> datetime | None:
    """The search's `updated_since`: with an offset (the records' times are absolute), and a time the database
    can compare with, refused with 422 rather than failing the query (an export's after its first byte)."""
    if updated_since is None:
        return None
    try:
        return updated_since.astimezone(UTC)
    except OverflowError:
        message = "out of range once in UTC"
        raise InvalidInput(
            f"updated_since is {message}",
            errors=[FieldProblem(field="updated_since", message=message, value=updated_since.isoformat())],
        ) from None


UpdatedSince = Annotated[datetime | None, Depends(updated_since_query)]


@router.get("", response_model=Page[EmployeePublic])
async def search_employees(
    uow: UowDep,
    principal: PrincipalDep,
    name: Annotated[str | None, Query(description="part of the name, any case")] = None,
    nip: Annotated[str | None, Query(description="the NIP or its beginning")] = None,
    agency: str | None = None,
    unit: str | None = None,
    position: str | None = None,
    rank: Annotated[str | None, Query(examples=["III/a"])] = None,
    employee_status: Annotated[EmployeeStatus | None, Query(alias="status")] = None,
    updated_since: UpdatedSince = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EmployeePublic]:
    """Search employees within your scope; pages are stable (ordered by NIP)."""
    after = cursor_key(cursor, str)
    requested = EmployeeFilter(
        name=name,
        nip=nip,
        agency_code=agency,
        unit_id=unit,
        position_id=position,
        rank_code=rank,
        status=employee_status.value if employee_status else None,
        updated_since=updated_since,
    )
    where = scoped(principal, requested)
    if where is None:
        return Page(items=[], next_cursor=None)
    found = await service.search_employees(uow, where, limit=limit + 1, after_nip=after[0] if after else None)
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[_public(e, principal) for e in page],
        next_cursor=encode_cursor([str(page[-1].nip)]) if more else None,
    )


@router.get("/{nip}", response_model=EmployeePublic)
async def get_employee(
    nip: str,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    reveal: Annotated[
        Literal["nik"] | None, Query(description="`nik`: the whole NIK (the person, or HR of their agency)")
    ] = None,
) -> EmployeePublic:
    """Read one employee by NIP: your own record, or one of your agencies' (staff)."""
    employee = await service.get_employee(uow, nip)
    principal.require_employee_access(nip, employee.placement.agency_code)
    return _answer(response, employee, principal, reveal_nik=reveal == "nik")


@router.patch("/{nip}", response_model=EmployeePublic)
async def update_employee(
    nip: str,
    body: EmployeeUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> EmployeePublic:
    """Correct record fields; needs the ETag you read in If-Match."""
    expected = version_from_if_match(if_match)
    await _keeper_of(uow, principal, nip)
    changes = body.model_dump(exclude_unset=True)
    employee = await service.update_employee(uow, nip, expected_version=expected, changes=changes)
    return _answer(response, employee, principal)


@router.post("/{nip}/status", response_model=EmployeePublic)
async def change_status(
    nip: str, body: StatusChange, uow: UowDep, response: Response, principal: PrincipalDep
) -> EmployeePublic:
    """Change the employee's status (leave, suspension, retirement, ...)."""
    await _keeper_of(uow, principal, nip)
    employee = await service.change_status(
        uow, nip, status=body.status, effective_date=body.effective_date, reason=body.reason
    )
    return _answer(response, employee, principal)


@router.post("/{nip}/rank", response_model=EmployeePublic)
async def change_rank(
    nip: str, body: RankChange, uow: UowDep, response: Response, principal: PrincipalDep
) -> EmployeePublic:
    """Record a new rank (pangkat/golongan) with its TMT."""
    await _keeper_of(uow, principal, nip)
    employee = await service.change_rank(
        uow, nip, rank_code=body.rank_code, tmt=body.tmt, decree=Decree(body.decree_number, body.decree_date)
    )
    return _answer(response, employee, principal)


@router.post("/{nip}/position", response_model=EmployeePublic)
async def change_position(
    nip: str, body: PositionChange, uow: UowDep, response: Response, principal: PrincipalDep
) -> EmployeePublic:
    """Post the employee to another position outside a mutation (e.g. a first appointment)."""
    await _keeper_of(uow, principal, nip)
    to = Placement(body.agency_code, _text(body.unit_id), _text(body.position_id), body.tmt)
    decree = Decree(body.decree_number, body.decree_date)
    employee = await service.move_employee(
        uow, nip, to=to, reason=body.reason, principal=principal, decree=decree
    )
    return _answer(response, employee, principal)


@router.post("/{nip}/competencies", response_model=EmployeePublic)
async def assess_competencies(
    nip: str,
    body: Annotated[list[CompetencyAssessment], Body(min_length=1, max_length=MAX_ASSESSMENTS)],
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
) -> EmployeePublic:
    """Record assessed competency levels (1-5)."""
    await _keeper_of(uow, principal, nip)
    assessments = [Assessment(a.competency, a.level, a.assessed_on, a.source) for a in body]
    return _answer(response, await service.assess_competencies(uow, nip, assessments), principal)


@router.get("/{nip}/history", response_model=EmployeeHistory)
async def employee_history(nip: str, uow: UowDep, principal: PrincipalDep) -> EmployeeHistory:
    """Rank and position history, oldest first."""
    employee = await service.get_employee(uow, nip)
    principal.require_employee_access(nip, employee.placement.agency_code)
    ranks, positions = await service.employee_history(uow, nip)
    return EmployeeHistory(
        nip=nip,
        ranks=[
            HistoryEntry(
                tmt=r.tmt, rank_code=r.rank_code, decree_number=r.decree_number, decree_date=r.decree_date
            )
            for r in ranks
        ],
        positions=[
            HistoryEntry(
                tmt=p.tmt,
                agency_code=p.agency_code,
                unit_id=p.unit_id,
                position_id=p.position_id,
                reason=p.reason,
                mutation_id=p.mutation_id,
                decree_number=p.decree_number,
                decree_date=p.decree_date,
            )
            for p in positions
        ],
    )
