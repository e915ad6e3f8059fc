"""Use cases of what the mutation service records about people: family ties (the conflict-of-interest rule
looks for relatives in the target unit) and service bonds (a move is refused while one runs). Both are kept
by the HR officers of the employee's agency, and every record is audited."""

from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import audit_log
from services.mutation.adapters import people as people_rows
from services.mutation.adapters.repository import FactsReader
from shared import clock
from shared.errors import Forbidden, NotFound
from shared.principal import Principal, Role
from shared.references import References
from shared.uow import UnitOfWork


async def relatives(connection: AsyncConnection, principal: Principal, nip: str) -> list[RowMapping]:
    await _require_hr(connection, principal, nip)
    return await people_rows.relatives_of(connection, nip)


async def add_relative(
    uow: UnitOfWork, principal: Principal, nip: str, *, relative_nip: str, relation: str
) -> dict[str, Any]:
    await _require_hr(uow.connection, principal, nip)
    # The relative may work in any agency: a move into another agency meets its conflicts of interest there.
    references = References(principal)
    if relative_nip == nip:
        references.mismatch("relative_nip", "an employee is not their own relative")
    elif await FactsReader(uow.connection).employee(relative_nip) is None:
        references.unknown("relative_nip", "employee", relative_nip)
    references.settle()
    at = clock.now()
    tie = {"relative_nip": relative_nip, "relation": relation}
    values = {"nip": nip, **tie, "recorded_by": principal.subject, "recorded_at": at}
    await people_rows.record_relative(uow.connection, values)
    await _audit(uow.connection, principal, "relative.recorded", nip, tie, at)
    await uow.commit()
    return values


async def record_service_bond(
    uow: UnitOfWork, principal: Principal, nip: str, *, until: date, basis: str
) -> dict[str, Any]:
    await _require_hr(uow.connection, principal, nip)
    at = clock.now()
    values = {"until": until, "basis": basis, "recorded_by": principal.subject, "recorded_at": at}
    await people_rows.record_service_bond(uow.connection, nip, values)
    await _audit(
        uow.connection,
        principal,
        "service-bond.recorded",
        nip,
        {"until": until.isoformat(), "basis": basis},
        at,
    )
    await uow.commit()
    return values


async def _require_hr(connection: AsyncConnection, principal: Principal, nip: str) -> None:
    """Records of relatives and service bonds are kept by the HR officers of the employee's agency."""
    principal.require_role(Role.HR_OFFICER, Role.ADMIN)
    employee = await FactsReader(connection).employee(nip)
    if employee is None:
        raise NotFound(f"the mutation service has no employee {nip} (yet)")
    if not principal.covers_agency(employee["agency_code"]):
        raise Forbidden(f"employee {nip} is outside your agencies", code="employee-scope")


async def _audit(
    connection: AsyncConnection,
    principal: Principal,
    action: str,
    nip: str,
    data: dict[str, Any],
    at: datetime,
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
