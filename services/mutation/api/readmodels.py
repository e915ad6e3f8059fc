"""What the mutation service knows of the organisation (from employee events) and what it records itself
about people: relatives (conflict of interest) and service bonds."""

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.mutation.adapters import people as people_rows
from services.mutation.adapters.repository import FactsReader
from services.mutation.api.common import Nip, ShortText
from services.mutation.service import people
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.errors import NotFound
from shared.inputs import RequestModel

router = APIRouter(prefix="/api/v1/mutation", tags=["read models"])


class AgencyView(BaseModel):
    code: str
    name: str
    kind: str
    province_code: str | None
    version: int


class PositionView(BaseModel):
    position_id: str
    unit_id: str
    agency_code: str
    name: str
    type: str
    job_class: int
    authorised_headcount: int
    competency_standard: dict[str, int]
    minimum_rank: str | None
    retirement_age: int
    staff_needed: int | None = Field(description="from the position's ABK")
    present: int = Field(description="active holders as this service knows them")
    gap: int | None
    version: int


@router.get("/agencies/{code}", response_model=AgencyView)
async def agency_view(code: str, connection: ConnectionDep) -> AgencyView:
    """This service's copy of an agency."""
    row = await people_rows.agency_row(connection, code)
    if row is None:
        raise NotFound(f"the mutation service has no agency {code} (yet)")
    return AgencyView.model_validate(dict(row))


@router.get("/positions/{position_id}", response_model=PositionView)
async def position_view(position_id: str, connection: ConnectionDep) -> PositionView:
    """This service's copy of a position with its ABK need and present staff."""
    reader = FactsReader(connection)
    row = await reader.position_row(position_id)
    if row is None:
        raise NotFound(f"the mutation service has no position {position_id} (yet)")
    present = await reader.present(position_id)
    values: dict[str, Any] = {k: row[k] for k in PositionView.model_fields if k in row}
    gap = None if row["staff_needed"] is None else row["staff_needed"] - present
    return PositionView(**values, present=present, gap=gap)


class RelativeIn(RequestModel):
    relative_nip: Nip
    relation: ShortText = Field(examples=["spouse", "sibling", "parent", "child", "in-law"])


class RelativePublic(RelativeIn):
    recorded_by: str
    recorded_at: datetime


class ServiceBondIn(RequestModel):
    until: date
    basis: ShortText = Field(examples=["Perjanjian tugas belajar No. 800/12/BKPSDM/2022"])


class ServiceBondPublic(ServiceBondIn):
    nip: str
    recorded_by: str
    recorded_at: datetime


@router.get("/employees/{nip}/relatives", response_model=list[RelativePublic])
async def list_relatives(
    nip: str, connection: ConnectionDep, principal: PrincipalDep
) -> list[RelativePublic]:
    """Recorded family ties of an employee (both directions)."""
    rows = await people.relatives(connection, principal, nip)
    return [RelativePublic(**{k: row[k] for k in RelativePublic.model_fields}) for row in rows]


@router.post("/employees/{nip}/relatives", status_code=status.HTTP_201_CREATED, response_model=RelativePublic)
async def add_relative(nip: str, body: RelativeIn, uow: UowDep, principal: PrincipalDep) -> RelativePublic:
    """Record a family tie; the conflict-of-interest rule looks for relatives in the target unit."""
    values = await people.add_relative(
        uow, principal, nip, relative_nip=body.relative_nip, relation=body.relation
    )
    return RelativePublic(**{k: values[k] for k in RelativePublic.model_fields})


@router.put("/employees/{nip}/service-bond", response_model=ServiceBondPublic)
async def put_service_bond(
    nip: str, body: ServiceBondIn, uow: UowDep, principal: PrincipalDep
) -> ServiceBondPublic:
    """Record the employee's service bond (ikatan dinas); a move is refused while it runs."""
    values = await people.record_service_bond(uow, principal, nip, until=body.until, basis=body.basis)
    return ServiceBondPublic(nip=nip, **values)
