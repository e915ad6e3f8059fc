"""The mutation service's copy of employees' annual appraisal predicates, built from appraisal events."""

from fastapi import APIRouter
from pydantic import BaseModel

from services.mutation.adapters.repository import FactsReader
from shared.contracts.appraisal import Predicate
from shared.deps import ConnectionDep

router = APIRouter(prefix="/api/v1/mutation/employees", tags=["read models"])


class AnnualPredicate(BaseModel):
    year: int
    predicate: Predicate


class EmployeePredicates(BaseModel):
    """One entry per appraisal year, newest first (a short list: no pages)."""

    nip: str
    items: list[AnnualPredicate]


@router.get("/{nip}/predicates", response_model=EmployeePredicates)
async def employee_predicates(nip: str, connection: ConnectionDep) -> EmployeePredicates:
    """Annual predicates of an employee as the mutation service knows them."""
    by_year = await FactsReader(connection).predicates(nip)
    return EmployeePredicates(
        nip=nip,
        items=[AnnualPredicate(year=year, predicate=by_year[year]) for year in sorted(by_year, reverse=True)],
    )
