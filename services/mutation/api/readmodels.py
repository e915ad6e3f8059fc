"""What the mutation service knows of the organisation (from employee events) and what it records itself
about people: relatives (conflict of interest) and service bonds."""

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select

from services.mutation.adapters import audit_log
from services.mutation.adapters.readmodels import upsert
from services.mutation.adapters.repository import FactsReader
from services.mutation.adapters.tables import agencies, relatives, service_bonds
from services.mutation.api.common import Nip, ShortText
from shared import clock
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.errors import Forbidden, NotFound
from shared.inputs import RequestModel
from shared.principal import Principal, Role
from shared.references import References

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
    row = (await connection.execute(select(agencies).where(agencies.c.code == code))).first()
    if row is None:
        raise NotFound(f"the mutation service has no agency {code} (yet)")
    return AgencyView.model_validate(dict(row._mapping))


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


async def _require_hr(connection: Any, principal: Principal, nip: str) -> None:
    """Records of relatives and service bonds are kept by the HR officers of the employee's agency."""
    principal.require_role(Role.HR_OFFICER, Role.ADMIN)
    employee = await FactsReader(connection).employee(nip)
    if employee is None:
        raise NotFound(f"the mutation service has no employee {nip} (yet)")
    if not principal.covers_agency(employee["agency_code"]):
        raise Forbidden(f"employee {nip} is outside your agencies", code="employee-scope")


@router.get("/employees/{nip}/relatives", response_model=list[RelativePublic])
async def list_relatives(
    nip: str, connection: ConnectionDep, principal: PrincipalDep
) -> list[RelativePublic]:
    """Recorded family ties of an employee (both directions)."""
    await _require_hr(connection, principal, nip)
    rows = await connection.execute(
        select(relatives).where(relatives.c.nip == nip).order_by(relatives.c.relative_nip)
    )
    return [RelativePublic(**{k: r._mapping[k] for k in RelativePublic.model_fields}) for r in rows]


@router.post("/employees/{nip}/relatives", status_code=status.HTTP_201_CREATED, response_model=RelativePublic)
async def add_relative(nip: str, body: RelativeIn, uow: UowDep, principal: PrincipalDep) -> RelativePublic:
    """Record a family tie; the conflict-of-interest rule looks for relatives in the target unit."""
    await _require_hr(uow.connection, principal, nip)
    # The relative may work in any agency: a move into another agency meets its conflicts of interest there.
    references = References(principal)
    if body.relative_nip == nip:
        references.mismatch("relative_nip", "an employee is not their own relative")
    elif await FactsReader(uow.connection).employee(body.relative_nip) is None:
        references.unknown("relative_nip", "employee", body.relative_nip)
    references.settle()
    at = clock.now()
    await uow.connection.execute(
        delete(relatives).where(relatives.c.nip == nip, relatives.c.relative_nip == body.relative_nip)
    )
    values = {"nip": nip, **body.model_dump(), "recorded_by": principal.subject, "recorded_at": at}
    await uow.connection.execute(insert(relatives).values(**values))
    await _audit(uow.connection, principal, "relative.recorded", nip, body.model_dump(), at)
    await uow.commit()
    return RelativePublic(**{k: values[k] for k in RelativePublic.model_fields})


@router.put("/employees/{nip}/service-bond", response_model=ServiceBondPublic)
async def put_service_bond(
    nip: str, body: ServiceBondIn, uow: UowDep, principal: PrincipalDep
) -> ServiceBondPublic:
    """Record the employee's service bond (ikatan dinas); a move is refused while it runs."""
    await _require_hr(uow.connection, principal, nip)
    at = clock.now()
    values = {**body.model_dump(), "recorded_by": principal.subject, "recorded_at": at}
    await upsert(uow.connection, service_bonds, {"nip": nip}, values, newer_only=False)
    await _audit(
        uow.connection, principal, "service-bond.recorded", nip, {**body.model_dump(mode="json")}, at
    )
    await uow.commit()
    return ServiceBondPublic(nip=nip, **values)


async def _audit(
    connection: Any, principal: Principal, action: str, nip: str, data: dict[str, Any], at: datetime
) -> None:
    employee = await FactsReader(connection).employee(nip)
    await audit_log.append(
        connection,
        [
            {
                "actor": principal.subject,
                "action": action,
                "subject_type": "employee",
                "subject_id": nip,
                "agency_code": employee["agency_code"] if employee else None,
                "data": data,
            }
        ],
        at=at,
    )
