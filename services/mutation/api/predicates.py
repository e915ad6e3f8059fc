"""The mutation service's copy of employees' annual appraisal predicates, built from appraisal events."""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from services.mutation.adapters.tables import appraisal_predicates
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
    rows = await connection.execute(
        select(appraisal_predicates.c.year, appraisal_predicates.c.predicate)
        .where(appraisal_predicates.c.nip == nip)
        .order_by(appraisal_predicates.c.year.desc())
    )
    return EmployeePredicates(
        nip=nip, items=[AnnualPredicate(year=row.year, predicate=row.predicate) for row in rows]
    )
