"""HTTP routes for the organisation: agencies (instansi), units (unit kerja) and positions (jabatan)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints, field_validator

from services.employee.api.workload import WorkloadPublic
from services.employee.domain.model import EducationLevel
from services.employee.domain.organisation import Agency, AgencyKind, Position, PositionType, Unit, UnitKind
from services.employee.service import organisation as service
from services.employee.service import workload as workload_service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import RequestModel
from shared.links import created
from shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Principal, Role
from shared.references import References

router = APIRouter(prefix="/api/v1", tags=["organisation"])

# The organisation of an agency is kept by its HR unit and the administration; anyone signed in reads it.
KEEPERS = (Role.ADMIN, Role.HR_OFFICER)

AgencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9.\-]+$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CompetencyName = Annotated[str, StringConstraints(max_length=100)]


class AgencyCreate(RequestModel):
    code: AgencyCode = Field(examples=["7601"])
    name: Name = Field(examples=["Pemerintah Kabupaten Mamuju"])
    kind: AgencyKind
    province_code: AgencyCode | None = Field(
        default=None,
        examples=["7600"],
        description="the province agency a kabupaten or kota belongs to; a province's is its own code",
    )


def _refuse_null(value: object) -> object:
    """In an update an absent field keeps its value; null is refused where the field needs one."""
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value


class AgencyUpdate(RequestModel):
    name: Name | None = None
    province_code: AgencyCode | None = None

    _required = field_validator("name", mode="before")(_refuse_null)


class AgencyPublic(BaseModel):
    code: str
    name: str
    kind: AgencyKind
    province_code: str | None
    version: int

    @classmethod
    def of(cls, agency: Agency) -> "AgencyPublic":
        return cls(
            code=agency.code,
            name=agency.name,
            kind=agency.kind,
            province_code=agency.province_code,
            version=agency.version,
        )


class UnitCreate(RequestModel):
    agency_code: AgencyCode
    parent_id: UUID | None = Field(default=None, description="the unit it sits in; none at the top")
    name: Name = Field(examples=["Bidang Mutasi dan Promosi"])
    kind: UnitKind
    location: Place | None = Field(default=None, examples=["Mamuju"], description="kabupaten/kota")


class UnitUpdate(RequestModel):
    parent_id: UUID | None = None
    name: Name | None = None
    kind: UnitKind | None = None
    location: Place | None = None
    head_position_id: UUID | None = Field(default=None, description="a position of this unit")

    _required = field_validator("name", "kind", mode="before")(_refuse_null)


class UnitPublic(BaseModel):
    id: UUID
    agency_code: str
    parent_id: UUID | None
    name: str
    kind: UnitKind
    location: str | None
    head_position_id: UUID | None
    version: int

    @classmethod
    def of(cls, unit: Unit) -> "UnitPublic":
        return cls(
            id=unit.id,
            agency_code=unit.agency_code,
            parent_id=unit.parent_id,
            name=unit.name,
            kind=unit.kind,
            location=unit.location,
            head_position_id=unit.head_position_id,
            version=unit.version,
        )


class PositionCreate(RequestModel):
    unit_id: UUID
    name: Name = Field(examples=["Analis Sumber Daya Manusia Aparatur"])
    type: PositionType
    job_class: int = Field(description="kelas jabatan, 1 to 17", examples=[9])
    authorised_headcount: int = Field(description="formasi: how many people the position may have")
    competency_standard: dict[CompetencyName, int] = Field(
        default={},
        description="required level (1-5) per competency: managerial, socio-cultural, the agency's technical",
        examples=[{"Integritas": 3, "Perekat Bangsa": 3, "Manajemen ASN": 3}],
    )
    minimum_rank: str | None = Field(default=None, examples=["III/a"], description="lowest golongan/ruang")
    minimum_education: EducationLevel | None = None
    retirement_age: int | None = Field(
        default=None, description="BUP; none: the type's default (58, 60 for JPT)"
    )


class PositionUpdate(RequestModel):
    name: Name | None = None
    type: PositionType | None = None
    job_class: int | None = Field(default=None, description="kelas jabatan, 1 to 17")
    authorised_headcount: int | None = Field(default=None, description="formasi")
    competency_standard: dict[CompetencyName, int] | None = Field(
        default=None, description="replaces the whole standard"
    )
    minimum_rank: str | None = None
    minimum_education: EducationLevel | None = None
    retirement_age: int | None = Field(default=None, description="BUP; null: back to the type's default")

    _required = field_validator(
        "name", "type", "job_class", "authorised_headcount", "competency_standard", mode="before"
    )(_refuse_null)


class PositionPublic(BaseModel):
    id: UUID
    unit_id: UUID
    agency_code: str
    name: str
    type: PositionType
    job_class: int
    authorised_headcount: int
    competency_standard: dict[str, int]
    minimum_rank: str | None
    minimum_education: EducationLevel | None
    retirement_age: int
    retirement_age_is_default: bool
    version: int

    @classmethod
    def of(cls, position: Position) -> "PositionPublic":
        return cls(
            id=position.id,
            unit_id=position.unit_id,
            agency_code=position.agency_code,
            name=position.name,
            type=position.type,
            job_class=position.job_class,
            authorised_headcount=position.authorised_headcount,
            competency_standard=dict(position.competency_standard),
            minimum_rank=position.minimum_rank,
            minimum_education=position.minimum_education,
            retirement_age=position.retirement_age,
            retirement_age_is_default=position.custom_retirement_age is None,
            version=position.version,
        )


def _created(response: Response, location: str, version: int) -> None:
    response.headers["Location"] = location
    set_etag(response, version)


@router.post(
    "/agencies",
    status_code=status.HTTP_201_CREATED,
    response_model=AgencyPublic,
    responses=created(
        "The agency defined",
        "code",
        "GET /api/v1/agencies/{code}",
        "PATCH /api/v1/agencies/{code}",
        field="code",
        if_match=("PATCH /api/v1/agencies/{code}",),
    ),
)
async def define_agency(
    body: AgencyCreate, uow: UowDep, response: Response, principal: PrincipalDep
) -> AgencyPublic:
    """Define an agency: a ministry or central agency, a province, a kabupaten or a kota."""
    principal.require_role(Role.ADMIN)
    # A province's administration adds the kabupaten and kota of its province; anything else is national.
    principal.require_agency(
        body.province_code if body.province_code != body.code else None, field="province_code"
    )
    agency = await service.define_agency(uow, **body.model_dump())
    _created(response, f"/api/v1/agencies/{agency.code}", agency.version)
    return AgencyPublic.of(agency)


@router.get("/agencies/{code}", response_model=AgencyPublic)
async def get_agency(code: str, connection: ConnectionDep, response: Response) -> AgencyPublic:
    """Read one agency by its code."""
    agency = await service.get_agency(connection, code)
    set_etag(response, agency.version)
    return AgencyPublic.of(agency)


@router.patch("/agencies/{code}", response_model=AgencyPublic)
async def update_agency(
    code: str,
    body: AgencyUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> AgencyPublic:
    """Rename an agency or move a kabupaten/kota to another province; needs its ETag in If-Match."""
    principal.require_any((Role.ADMIN,), code)
    if body.province_code is not None:
        principal.require_agency(body.province_code, field="province_code")
    expected = version_from_if_match(if_match)
    changes = body.model_dump(exclude_unset=True)
    agency = await service.update_agency(uow, code, expected_version=expected, changes=changes)
    set_etag(response, agency.version)
    return AgencyPublic.of(agency)


@router.post(
    "/units",
    status_code=status.HTTP_201_CREATED,
    response_model=UnitPublic,
    responses=created(
        "The unit defined",
        "unit_id",
        "GET /api/v1/units/{unit_id}",
        "PATCH /api/v1/units/{unit_id}",
        if_match=("PATCH /api/v1/units/{unit_id}",),
    ),
)
async def define_unit(
    body: UnitCreate, uow: UowDep, response: Response, principal: PrincipalDep
) -> UnitPublic:
    """Add a unit to an agency's organisation, at the top or below another of its units."""
    principal.require_role(*KEEPERS)
    principal.require_agency(body.agency_code, field="agency_code")
    await _within_reach(uow, principal, units={"parent_id": body.parent_id})
    unit = await service.define_unit(uow, **body.model_dump())
    _created(response, f"/api/v1/units/{unit.id}", unit.version)
    return UnitPublic.of(unit)


@router.get("/units/{unit_id}", response_model=UnitPublic)
async def get_unit(unit_id: UUID, connection: ConnectionDep, response: Response) -> UnitPublic:
    """Read one unit."""
    unit = await service.get_unit(connection, unit_id)
    set_etag(response, unit.version)
    return UnitPublic.of(unit)


@router.patch("/units/{unit_id}", response_model=UnitPublic)
async def update_unit(
    unit_id: UUID,
    body: UnitUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> UnitPublic:
    """Change a unit: name, kind, parent, location or head position; needs its ETag in If-Match."""
    principal.require_any(KEEPERS, (await service.get_unit(uow.connection, unit_id)).agency_code)
    await _within_reach(
        uow,
        principal,
        units={"parent_id": body.parent_id},
        positions={"head_position_id": body.head_position_id},
    )
    expected = version_from_if_match(if_match)
    changes = body.model_dump(exclude_unset=True)
    unit = await service.update_unit(uow, unit_id, expected_version=expected, changes=changes)
    set_etag(response, unit.version)
    return UnitPublic.of(unit)


@router.post(
    "/positions",
    status_code=status.HTTP_201_CREATED,
    response_model=PositionPublic,
    responses=created(
        "The position defined",
        "position_id",
        "GET /api/v1/positions/{position_id}",
        "PATCH /api/v1/positions/{position_id}",
        "GET /api/v1/positions/{position_id}/tasks",
        "PUT /api/v1/positions/{position_id}/tasks",
        if_match=("PATCH /api/v1/positions/{position_id}", "PUT /api/v1/positions/{position_id}/tasks"),
    ),
)
async def define_position(
    body: PositionCreate, uow: UowDep, response: Response, principal: PrincipalDep
) -> PositionPublic:
    """Add a position to a unit, with its job class, competency standard and requirements."""
    principal.require_role(*KEEPERS)
    # An unknown unit is refused by the definition, naming the field.
    await _within_reach(uow, principal, units={"unit_id": body.unit_id})
    position = await service.define_position(uow, **body.model_dump())
    _created(response, f"/api/v1/positions/{position.id}", position.version)
    return PositionPublic.of(position)


@router.get("/positions/{position_id}", response_model=PositionPublic)
async def get_position(position_id: UUID, connection: ConnectionDep, response: Response) -> PositionPublic:
    """Read one position."""
    position = await service.get_position(connection, position_id)
    set_etag(response, position.version)
    return PositionPublic.of(position)


@router.patch("/positions/{position_id}", response_model=PositionPublic)
async def update_position(
    position_id: UUID,
    body: PositionUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> PositionPublic:
    """Change a position's requirements or headcount; needs its ETag in If-Match."""
    principal.require_any(KEEPERS, (await service.get_position(uow.connection, position_id)).agency_code)
    expected = version_from_if_match(if_match)
    changes = body.model_dump(exclude_unset=True)
    position = await service.update_position(uow, position_id, expected_version=expected, changes=changes)
    set_etag(response, position.version)
    return PositionPublic.of(position)


async def _within_reach(
    uow: UowDep,
    principal: Principal,
    *,
    units: dict[str, UUID | None] | None = None,
    positions: dict[str, UUID | None] | None = None,
) -> None:
    """403 naming the field when a unit or position the body refers to (by field) is of an agency outside
    the caller's scope; one that does not exist is refused by the organisation's own rules, naming it."""
    references = References(principal)
    for field_name, unit_id in (units or {}).items():
        unit = await service.find_unit(uow.connection, unit_id) if unit_id else None
        if unit is not None:
            references.in_scope(field_name, unit.agency_code)
    for field_name, position_id in (positions or {}).items():
        position = await service.find_position(uow.connection, position_id) if position_id else None
        if position is not None:
            references.in_scope(field_name, position.agency_code)
    references.settle()


class PositionListed(PositionPublic):
    """A position with its ABK figures (none until its task list is put)."""

    workload: WorkloadPublic | None = None


def _in_scope(principal: Principal, agency: str | None) -> frozenset[str] | None:
    """The agencies a list may show: the one asked for must be within the caller's scope."""
    if agency is not None:
        principal.require_agency(agency)
    return principal.agency_filter()


@router.get("/agencies", response_model=Page[AgencyPublic])
async def list_agencies(
    connection: ConnectionDep,
    principal: PrincipalDep,
    province: Annotated[str | None, Query(description="a province agency's code: it and its regions")] = None,
    kind: AgencyKind | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[AgencyPublic]:
    """List the agencies you may see, by code."""
    found = await service.list_agencies(
        connection,
        province_code=province,
        kind=kind,
        scope=principal.agency_filter(),
        limit=limit + 1,
        after=cursor_key(cursor, str),
    )
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[AgencyPublic.of(a) for a in page], next_cursor=encode_cursor([page[-1].code]) if more else None
    )


@router.get("/units", response_model=Page[UnitPublic])
async def list_units(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str | None, Query(description="one agency's units")] = None,
    parent: Annotated[UUID | None, Query(description="the units directly below this one")] = None,
    top_level: Annotated[bool, Query(description="only units at the top of their agency")] = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[UnitPublic]:
    """List units by agency and name, within your agencies."""
    found = await service.list_units(
        connection,
        agency_code=agency,
        parent_id=parent,
        top_level=top_level,
        scope=_in_scope(principal, agency),
        limit=limit + 1,
        after=cursor_key(cursor, str, str, UUID),
    )
    page = found[:limit]
    last = page[-1] if page else None
    return Page(
        items=[UnitPublic.of(u) for u in page],
        next_cursor=encode_cursor([last.agency_code, last.name, str(last.id)])
        if last and len(found) > limit
        else None,
    )


@router.get("/positions", response_model=Page[PositionListed])
async def list_positions(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str | None, Query(description="one agency's positions")] = None,
    unit: Annotated[UUID | None, Query(description="one unit's own positions")] = None,
    position_type: Annotated[PositionType | None, Query(alias="type")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[PositionListed]:
    """List positions by agency and name, within your agencies, with their ABK figures."""
    found = await service.list_positions(
        connection,
        agency_code=agency,
        unit_id=unit,
        position_type=position_type,
        scope=_in_scope(principal, agency),
        limit=limit + 1,
        after=cursor_key(cursor, str, str, UUID),
    )
    page = found[:limit]
    figures = await workload_service.figures_of(connection, page)
    last = page[-1] if page else None
    return Page(
        items=[
            PositionListed(
                **PositionPublic.of(p).model_dump(),
                workload=WorkloadPublic.of(figures[p.id]) if p.id in figures else None,
            )
            for p in page
        ],
        next_cursor=encode_cursor([last.agency_code, last.name, str(last.id)])
        if last and len(found) > limit
        else None,
    )
