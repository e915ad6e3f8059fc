"""The mutation service's copy of employees' annual appraisal predicates, built from appraisal events: read by
the person themself and by staff within the person's agency, like the person's record."""

from fastapi import APIRouter
from pydantic import BaseModel

from services.mutation.adapters.repository import FactsReader
from shared.auth import PrincipalDep
from shared.contracts.appraisal import Predicate
from shared.deps import ConnectionDep
from shared.errors import NotFound

router = APIRouter(prefix="/api/v1/mutation/employees", tags=["read models"])


class AnnualPredicate(BaseModel):
    year: int
    predicate: Predicate


class EmployeePredicates(BaseModel):
    """One entry per appraisal year, newest first (a short list: no pages)."""

    nip: str
    items: list[AnnualPredicate]


@router.get("/{nip}/predicates", response_model=EmployeePredicates)
async def employee_predicates(
    nip: str, connection: ConnectionDep, principal: PrincipalDep
) -> EmployeePredicates:
    """Annual predicates of an employee as the mutation service knows them."""
    reader = FactsReader(connection)
    employee = await reader.employee(nip)
    if employee is None:
        raise NotFound(f"the mutation service has no employee {nip} (yet)")
    principal.require_employee_access(nip, employee["agency_code"])
    by_year = await reader.predicates(nip)
    return EmployeePredicates(
        nip=nip,
        items=[AnnualPredicate(year=year, predicate=by_year[year]) for year in sorted(by_year, reverse=True)],
    )
