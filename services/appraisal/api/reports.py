"""HTTP routes for appraisal reports: performance before and after each mutation, per person and per
cohort of an agency."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.appraisal.adapters.repository import MoveFilter
from services.appraisal.domain.monitoring import Change
from services.appraisal.domain.predicate import Predicate
from services.appraisal.service import monitoring as service
from services.appraisal.service.monitoring import MoveComparison, Standing
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import STAFF_ROLES

router = APIRouter(prefix="/api/v1/appraisal/mutation-monitoring", tags=["reports"])

MovedIn = Annotated[int | None, Query(ge=1950, le=2100, description="year of the TMT")]


class StandingPublic(BaseModel):
    year: int
    period: str
    predicate: Predicate

    @classmethod
    def of(cls, standing: Standing | None) -> "StandingPublic | None":
        return (
            cls(year=standing.year, period=standing.period, predicate=standing.predicate)
            if standing
            else None
        )


class MovePublic(BaseModel):
    nip: str
    mutation_id: str | None
    tmt: date
    from_agency_code: str
    from_position_id: str | None
    to_agency_code: str
    to_position_id: str | None
    annual_before: StandingPublic | None = Field(
        description="last annual predicate of a year ended before the TMT"
    )
    annual_after: StandingPublic | None = Field(
        description="first annual predicate of a year begun on/after it"
    )
    change: Change | None
    periodic_before: StandingPublic | None
    periodic_after: StandingPublic | None = Field(description="latest periodic predicate since the TMT")

    @classmethod
    def of(cls, move: MoveComparison) -> "MovePublic":
        return cls(
            nip=move.nip,
            mutation_id=move.mutation_id,
            tmt=move.tmt,
            from_agency_code=move.from_agency_code,
            from_position_id=move.from_position_id,
            to_agency_code=move.to_agency_code,
            to_position_id=move.to_position_id,
            annual_before=StandingPublic.of(move.annual_before),
            annual_after=StandingPublic.of(move.annual_after),
            change=move.change,
            periodic_before=StandingPublic.of(move.periodic_before),
            periodic_after=StandingPublic.of(move.periodic_after),
        )


class CohortPublic(BaseModel):
    agency_code: str = Field(description="the receiving agency")
    moved_in: int | None
    moves: int
    compared: int = Field(description="moves with an annual predicate both before and after")
    improved: int
    unchanged: int
    declined: int
    mean_before: Decimal | None = Field(description="mean predicate score, Sangat Baik 5 ... Sangat Kurang 1")
    mean_after: Decimal | None
    before: dict[Predicate, int]
    after: dict[Predicate, int]


@router.get("/moves", response_model=Page[MovePublic])
async def moves(
    connection: ConnectionDep,
    principal: PrincipalDep,
    nip: str | None = None,
    agency: Annotated[str | None, Query(description="the receiving agency")] = None,
    moved_in: MovedIn = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MovePublic]:
    """Moves with each person's predicates before and after, oldest record first."""
    principal.require_role(*STAFF_ROLES)
    agency = principal.one_agency(agency)
    after = cursor_key(cursor, int)
    found = await service.moves(
        connection,
        MoveFilter(agency_code=agency, nip=nip, moved_in=moved_in),
        limit=limit + 1,
        after_id=after[0] if after else None,
    )
    page = found[:limit]
    return Page(
        items=[MovePublic.of(move) for move in page],
        next_cursor=encode_cursor([page[-1].id]) if len(found) > limit else None,
    )


@router.get("/cohort", response_model=CohortPublic)
async def cohort(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str, Query(min_length=1, description="the receiving agency")],
    moved_in: MovedIn = None,
) -> CohortPublic:
    """Before/after figures of everyone who moved into the agency (in one year, if given)."""
    principal.require_any(STAFF_ROLES, agency)
    figures = await service.cohort(connection, agency_code=agency, moved_in=moved_in)
    return CohortPublic(
        agency_code=agency,
        moved_in=moved_in,
        moves=figures.moves,
        compared=figures.compared,
        improved=figures.improved,
        unchanged=figures.unchanged,
        declined=figures.declined,
        mean_before=figures.mean_before,
        mean_after=figures.mean_after,
        before=figures.before,
        after=figures.after,
    )
