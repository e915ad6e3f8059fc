"""HTTP routes for the workload analysis (ABK): a position's task list and the staffing lists."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from services.employee.domain.workload import EfficiencyBand, Staffing, Task, Workload, rounded
from services.employee.service import organisation
from services.employee.service import workload as service
from services.employee.service.workload import SORT_FIELDS, Level, PositionWorkload, StaffingRow
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag, version_from_if_match
from shared.inputs import RequestModel
from shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from shared.principal import STAFF_ROLES, Role

router = APIRouter(prefix="/api/v1", tags=["workload"])

TaskName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
OutputUnit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_TASKS = 500


class TaskCreate(RequestModel):
    name: TaskName = Field(examples=["Menyusun usulan mutasi pegawai"])
    yearly_volume: Decimal = Field(
        max_digits=10, decimal_places=2, description="units of output a year, zero or more", examples=[120]
    )
    output_unit: OutputUnit = Field(description="satuan hasil", examples=["dokumen"])
    time_norm_minutes: Decimal = Field(
        max_digits=8, decimal_places=2, description="minutes one unit of output takes, more than zero"
    )


class TaskListUpdate(RequestModel):
    tasks: list[TaskCreate] = Field(max_length=MAX_TASKS, description="the whole list; replaces the old one")


class TaskPublic(BaseModel):
    name: str
    yearly_volume: float
    output_unit: str
    time_norm_minutes: float


class WorkloadPublic(BaseModel):
    workload_hours: float = Field(description="hours a year: sum of volume x time norm / 60")
    staff_needed_exact: float = Field(description="workload / 1,250 effective hours a year")
    staff_needed: int = Field(
        description="whole persons: each position's exact need rounded half up (1.50 -> 2, 1.49 -> 1)"
    )
    present: int = Field(description="bezetting: active employees holding the position(s)")
    gap: int = Field(description="staff_needed - present")
    staffing: Staffing = Field(description="over: gap below 0; under: gap above 0; balanced: 0")
    unstaffed: bool = Field(description="nobody holds the position(s): efficiency and band are undefined")
    efficiency: float | None = Field(
        description="EJ (position) or EU (unit, agency): workload / (present x 1,250)"
    )
    band: EfficiencyBand | None = Field(
        description="A > 1.00 (over-loaded); B 0.90-1.00; C 0.70-0.89; D 0.50-0.69; E < 0.50"
    )
    band_label: str | None = Field(description="Sangat Baik, Baik, Cukup, Sedang or Kurang")

    @classmethod
    def of(cls, workload: Workload) -> "WorkloadPublic":
        efficiency, band = workload.efficiency, workload.band
        return cls(
            workload_hours=float(rounded(workload.hours, 2)),
            staff_needed_exact=float(rounded(workload.staff_needed_exact, 4)),
            staff_needed=workload.staff_needed,
            present=workload.present,
            gap=workload.gap,
            staffing=workload.staffing,
            unstaffed=workload.unstaffed,
            efficiency=None if efficiency is None else float(rounded(efficiency, 4)),
            band=band,
            band_label=None if band is None else band.label,
        )


class TaskListPublic(BaseModel):
    position_id: UUID
    unit_id: UUID
    version: int = Field(description="0 until the position's ABK is made")
    assessed_at: datetime | None
    tasks: list[TaskPublic]
    workload: WorkloadPublic | None = Field(description="none until the position's ABK is made")
    unit_workload: WorkloadPublic | None = Field(description="the position's unit with all its sub-units")

    @classmethod
    def of(cls, found: PositionWorkload) -> "TaskListPublic":
        task_list = found.task_list
        return cls(
            position_id=found.position.id,
            unit_id=found.position.unit_id,
            version=task_list.version,
            assessed_at=task_list.assessed_at,
            tasks=[
                TaskPublic(
                    name=t.name,
                    yearly_volume=float(t.yearly_volume),
                    output_unit=t.output_unit,
                    time_norm_minutes=float(t.time_norm_minutes),
                )
                for t in task_list.tasks
            ],
            workload=None if found.figures is None else WorkloadPublic.of(found.figures),
            unit_workload=None if found.unit_figures is None else WorkloadPublic.of(found.unit_figures),
        )


class StaffingPublic(WorkloadPublic):
    level: Level
    id: str = Field(description="the position's or unit's id, or the agency's code")
    name: str
    agency_code: str
    parent_unit_id: UUID | None = Field(description="the unit a position or a unit sits in")

    @classmethod
    def of_row(cls, row: StaffingRow) -> "StaffingPublic":
        return cls(
            level=row.level,
            id=row.id,
            name=row.name,
            agency_code=row.agency_code,
            parent_unit_id=row.parent_unit_id,
            **WorkloadPublic.of(row.workload).model_dump(),
        )


@router.get("/positions/{position_id}/tasks", response_model=TaskListPublic)
async def get_tasks(position_id: UUID, connection: ConnectionDep, response: Response) -> TaskListPublic:
    """Read a position's task list (ABK) and its figures."""
    found = await service.get_position_workload(connection, position_id)
    set_etag(response, found.task_list.version)
    return TaskListPublic.of(found)


@router.put("/positions/{position_id}/tasks", response_model=TaskListPublic)
async def put_tasks(
    position_id: UUID,
    body: TaskListUpdate,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: Annotated[
        str | None, Header(description='the task list\'s ETag; W/"0" for a first list')
    ] = None,
) -> TaskListPublic:
    """Replace a position's whole task list (ABK); needs the list's ETag in If-Match."""
    position = await organisation.get_position(uow.connection, position_id)
    principal.require_any((Role.ADMIN, Role.HR_OFFICER), position.agency_code)
    expected = version_from_if_match(if_match)
    tasks = [Task(t.name, t.yearly_volume, t.output_unit, t.time_norm_minutes) for t in body.tasks]
    found = await service.put_tasks(uow, position_id, tasks, expected_version=expected)
    set_etag(response, found.task_list.version)
    return TaskListPublic.of(found)


@router.get("/workload", response_model=Page[StaffingPublic])
async def list_staffing(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str | None, Query(description="one agency's code")] = None,
    province: Annotated[str | None, Query(description="a province agency's code: it and its regions")] = None,
    level: Level = Level.POSITION,
    staffing: Annotated[Staffing | None, Query(alias="status")] = None,
    sort: Annotated[
        str, Query(description=f"fields of {', '.join(SORT_FIELDS)}; `-` for descending, e.g. -gap,present")
    ] = "-gap",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[StaffingPublic]:
    """Over-, under- and well-staffed positions, units or agencies of an agency or a whole province."""
    principal.require_role(*STAFF_ROLES)
    if province is not None:
        principal.require_agency(province)
    else:
        agency = principal.one_agency(agency)
    rows, next_key = await service.staffing_list(
        connection,
        agency=agency,
        province=province,
        level=level,
        staffing=staffing,
        sort=sort,
        limit=limit,
        after=decode_cursor(cursor),
    )
    return Page(
        items=[StaffingPublic.of_row(row) for row in rows],
        next_cursor=None if next_key is None else encode_cursor(next_key),
    )
