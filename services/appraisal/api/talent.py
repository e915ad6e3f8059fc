"""HTTP routes for talent management: potential policy and assessments, the 9-box grid and the succession
pool (PermenPANRB 3/2020)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import Row

from services.appraisal.api.access import KEEPERS, RECORDERS
from services.appraisal.api.common import AgencyCode, Percent
from services.appraisal.domain.predicate import Predicate
from services.appraisal.domain.skp import PositionType
from services.appraisal.domain.talent import (
    BOX_ACTIONS,
    NINE_BOX,
    PERFORMANCE_OF,
    SUCCESSION_POOL,
    Performance,
    Potential,
    PotentialPolicy,
)
from services.appraisal.service import talent as service
from services.appraisal.service.references import ReferenceCheck
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import STAFF_ROLES

router = APIRouter(prefix="/api/v1/talent", tags=["talent"])

Level = Annotated[int, Field(ge=0, le=5)]
BOX_OF = {box: cell for cell, box in NINE_BOX.items()}


class PolicyIn(RequestModel):
    medium_from: Percent = Field(description="potential score from which potential is medium")
    high_from: Percent = Field(description="potential score from which potential is high")
    weights: dict[str, Annotated[Decimal, Field(ge=0)]] = Field(
        description="weight of each assessed score (`job_person_match`, `learning_agility`, ...); "
        "a score without a weight counts once",
        examples=[{"job_person_match": 2, "learning_agility": 1}],
    )


class PolicyPublic(PolicyIn):
    agency_code: str
    version: int = Field(description="0: the default policy, not yet set by the agency")


class AssessmentIn(RequestModel):
    nip: Nip
    agency_code: AgencyCode
    assessed_on: date
    actual: dict[str, Level] = Field(description="assessed level per competency (PermenPANRB 38/2017)")
    required: dict[str, Level] = Field(description="the position's standard: required level per competency")
    scores: dict[str, Percent] = Field(default={}, description="other assessed scores, e.g. learning_agility")
    source: str | None = Field(default=None, max_length=200, examples=["assessment centre BKD 2026"])


class AssessmentPublic(BaseModel):
    id: str
    nip: str
    agency_code: str
    assessed_on: date
    job_person_match: Decimal = Field(description="Σ min(actual, required) ÷ Σ required, in %")
    scores: dict[str, Decimal]
    score: Decimal
    potential: Potential
    source: str | None


class TalentPublic(BaseModel):
    nip: str
    agency_code: str
    position_type: PositionType | None
    year: int | None = Field(description="year of the latest final annual predicate")
    predicate: Predicate | None
    performance: Performance | None
    potential: Potential | None
    box: int | None = Field(description="1-9; null until both the predicate and the potential are known")
    in_succession_pool: bool
    actions: list[str]

    @classmethod
    def of(cls, row: Row[Any]) -> "TalentPublic":
        predicate = Predicate(row.predicate) if row.predicate else None
        return cls(
            nip=row.nip,
            agency_code=row.agency_code,
            position_type=row.position_type,
            year=row.year,
            predicate=predicate,
            performance=PERFORMANCE_OF[predicate] if predicate else None,
            potential=row.potential,
            box=row.box,
            in_succession_pool=row.box in SUCCESSION_POOL,
            actions=list(BOX_ACTIONS.get(row.box, ())),
        )


class BoxPublic(BaseModel):
    box: int
    performance: Performance
    potential: Potential
    employees: int
    actions: list[str]


class GridPublic(BaseModel):
    agency_code: str
    position_type: PositionType | None
    boxes: list[BoxPublic] = Field(description="9 down to 1")


def _policy(response: Response, agency_code: str, policy: PotentialPolicy, version: int) -> PolicyPublic:
    set_etag(response, version)
    return PolicyPublic(
        agency_code=agency_code,
        medium_from=policy.medium_from,
        high_from=policy.high_from,
        weights=dict(policy.weights),
        version=version,
    )


@router.get("/policies/{agency_code}", response_model=PolicyPublic)
async def get_policy(
    agency_code: str, connection: ConnectionDep, response: Response, principal: PrincipalDep
) -> PolicyPublic:
    """The agency's potential cut-offs and weights (the default until it sets its own)."""
    principal.require_any(STAFF_ROLES, agency_code)
    policy, version = await service.policy_of(connection, agency_code)
    return _policy(response, agency_code, policy, version)


@router.put("/policies/{agency_code}", response_model=PolicyPublic)
async def set_policy(
    agency_code: str,
    body: PolicyIn,
    uow: UowDep,
    response: Response,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> PolicyPublic:
    """Set the agency's potential policy; needs If-Match (`W/"0"` replaces the default)."""
    principal.require_any(KEEPERS, agency_code)
    check = ReferenceCheck(uow.connection, principal)
    await check.agency("agency_code", agency_code)
    check.settle()
    expected = version_from_if_match(if_match)
    policy = PotentialPolicy(body.medium_from, body.high_from, body.weights)
    version = await service.set_policy(uow, agency_code, policy, expected_version=expected)
    return _policy(response, agency_code, policy, version)


@router.post("/assessments", status_code=status.HTTP_201_CREATED, response_model=AssessmentPublic)
async def assess_potential(body: AssessmentIn, uow: UowDep, principal: PrincipalDep) -> AssessmentPublic:
    """Record an assessment of an employee of the agency: job-person match and other scores give the
    potential and the 9-box."""
    principal.require_role(*RECORDERS)
    check = ReferenceCheck(uow.connection, principal)
    await check.agency("agency_code", body.agency_code)
    await check.employee("nip", body.nip, of_agency=body.agency_code)
    check.settle()
    assessment = await service.assess_potential(uow, **body.model_dump())
    return AssessmentPublic(
        id=str(assessment.id),
        nip=assessment.nip,
        agency_code=assessment.agency_code,
        assessed_on=assessment.assessed_on,
        job_person_match=assessment.job_person_match,
        scores=dict(assessment.scores),
        score=assessment.score,
        potential=assessment.potential,
        source=assessment.source,
    )


@router.get("/employees/{nip}", response_model=TalentPublic)
async def talent_of(nip: str, connection: ConnectionDep, principal: PrincipalDep) -> TalentPublic:
    """An employee's 9-box position and its recommended actions."""
    position = await service.position_of(connection, nip)
    principal.require_employee_access(nip, position.agency_code)
    return TalentPublic.of(position)


@router.get("/grid", response_model=GridPublic)
async def grid(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str, Query(min_length=1)],
    position_type: PositionType | None = None,
) -> GridPublic:
    """How many of the agency's employees sit in each box."""
    principal.require_any(STAFF_ROLES, agency)
    counts = await service.grid(connection, agency, position_type.value if position_type else None)
    return GridPublic(
        agency_code=agency,
        position_type=position_type,
        boxes=[
            BoxPublic(
                box=box,
                performance=BOX_OF[box][0],
                potential=BOX_OF[box][1],
                employees=employees,
                actions=list(BOX_ACTIONS[box]),
            )
            for box, employees in counts.items()
        ],
    )


@router.get("/succession-pool", response_model=Page[TalentPublic])
async def succession_pool(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str, Query(min_length=1)],
    position_type: PositionType | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TalentPublic]:
    """Boxes 7-9 of the agency (optionally of one position type), by NIP."""
    principal.require_any(STAFF_ROLES, agency)
    after = cursor_key(cursor, str)
    found = await service.succession_pool(
        connection,
        agency_code=agency,
        position_type=position_type.value if position_type else None,
        limit=limit + 1,
        after_nip=after[0] if after else None,
    )
    page = found[:limit]
    return Page(
        items=[TalentPublic.of(row) for row in page],
        next_cursor=encode_cursor([page[-1].nip]) if len(found) > limit else None,
    )
