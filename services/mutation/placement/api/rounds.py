"""HTTP routes of placement rounds and their plans: define a round, solve it (a job), read a plan's moves
with their explanations, run a what-if (a job), compare two plans, read the fairness report, approve a plan
and publish it as mutation proposals."""

import math
from dataclasses import asdict
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from services.mutation.placement.api.schemas import (
    ComparisonPublic,
    FairnessPublic,
    GroupOutcomePublic,
    MovePublic,
    PairOut,
    PlanPublic,
    RoundCreate,
    RoundPublic,
    RoundUpdate,
    UnitComparison,
    WhatIfIn,
    pool_rule,
)
from services.mutation.placement.domain.fairness import FOUR_FIFTHS
from services.mutation.placement.domain.rounds import ScopeKind
from services.mutation.placement.domain.scoring import Weights
from services.mutation.placement.service import plans as plan_service
from services.mutation.placement.service import rounds as round_service
from shared import clock
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, RuntimeDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.jobs import JobPublic, JobsDep, Progress, job_location
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Principal

router = APIRouter(prefix="/api/v1/placement-rounds", tags=["placement"])

Wait = Annotated[bool, Query(description="answer once the job has finished (small rounds)")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RoundPublic,
    responses=created(
        "The placement round opened",
        "round_id",
        "GET /api/v1/placement-rounds/{round_id}",
        "PATCH /api/v1/placement-rounds/{round_id}",
        "POST /api/v1/placement-rounds/{round_id}/solutions",
        "GET /api/v1/placement-rounds/{round_id}/plans",
        if_match=("PATCH /api/v1/placement-rounds/{round_id}",),
    ),
)
async def create_round(
    body: RoundCreate, uow: UowDep, principal: PrincipalDep, response: Response
) -> RoundPublic:
    """Define a placement round: its scope, candidate pool, weights and per-unit move limits."""
    draft = round_service.RoundDraft(
        name=body.name,
        scope_kind=ScopeKind(body.scope.kind),
        scope_code=body.scope.code,
        pool=tuple(pool_rule(p) for p in body.pool),
        weights=Weights().replace(body.weights.changes()),
        reason=body.reason,
        release_limit=body.release_limit,
        intake_limit=body.intake_limit,
        unit_limits=tuple(limits.caps() for limits in body.unit_limits),
    )
    row = await round_service.create_round(uow, principal, draft)
    response.headers["Location"] = f"{router.prefix}/{row['id']}"
    set_etag(response, row["version"])
    return RoundPublic.of(row)


@router.get("", response_model=Page[RoundPublic])
async def list_rounds(
    connection: ConnectionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[RoundPublic]:
    """The placement rounds you may see, newest first."""
    after = cursor_key(cursor, datetime.fromisoformat, UUID)
    rows = await round_service.list_rounds(connection, principal, after, limit + 1)
    items = [RoundPublic.of(r) for r in rows[:limit]]
    next_cursor = (
        encode_cursor([items[-1].created_at.isoformat(), str(items[-1].id)]) if len(rows) > limit else None
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{round_id}", response_model=RoundPublic)
async def get_round(
    round_id: UUID, connection: ConnectionDep, principal: PrincipalDep, response: Response
) -> RoundPublic:
    """One placement round."""
    row = await round_service.read_round(connection, principal, round_id)
    set_etag(response, row["version"])
    return RoundPublic.of(row)


@router.patch("/{round_id}", response_model=RoundPublic)
async def change_round(
    round_id: UUID,
    body: RoundUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> RoundPublic:
    """Change a round's name, reason, pool, weights or limits (plans already made keep theirs)."""
    changes: dict[str, Any] = {
        name: getattr(body, name)
        for name in body.model_fields_set
        if name not in ("pool", "weights", "unit_limits")
    }
    if "unit_limits" in body.model_fields_set:
        changes["unit_limits"] = tuple(limits.caps() for limits in body.unit_limits or ())
    if body.pool is not None:
        changes["pool"] = tuple(pool_rule(p) for p in body.pool)
    if body.weights is not None:
        changes["weights"] = body.weights.changes()
    row = await round_service.change_round(uow, principal, round_id, version_from_if_match(if_match), changes)
    set_etag(response, row["version"])
    return RoundPublic.of(row)


@router.post("/{round_id}/solutions", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic)
async def solve_round(
    round_id: UUID,
    runtime: RuntimeDep,
    jobs: JobsDep,
    connection: ConnectionDep,
    principal: PrincipalDep,
    response: Response,
    wait: Wait = False,
) -> JobPublic:
    """Solve the round now: its data is read into a snapshot and the optimal plan stored (a job)."""
    await plan_service.round_to_solve(connection, principal, round_id)

    async def work(progress: Progress) -> dict[str, Any]:
        return await plan_service.solve_round(runtime, principal, round_id, progress, on=clock.today())

    params = {"round_id": str(round_id)}
    return await _submit(jobs, "placement.solve", work, params, principal, response, wait)


async def _submit(
    jobs: Any,
    kind: str,
    work: Any,
    params: dict[str, Any],
    principal: Principal,
    response: Response,
    wait: bool,
) -> JobPublic:
    # The submitter's agencies: their administrators may read and cancel the job.
    job = await jobs.submit(kind, work, params=params, agencies=principal.agencies)
    response.headers["Location"] = job_location("mutation", job.id)
    if wait:
        response.status_code = status.HTTP_200_OK
        return await jobs.wait(job.id)
    return job


@router.get("/{round_id}/plans", response_model=list[PlanPublic])
async def list_plans(round_id: UUID, connection: ConnectionDep, principal: PrincipalDep) -> list[PlanPublic]:
    """The round's plans, oldest first: each solve's optimal plan and the what-ifs made from them."""
    return [PlanPublic.of(r) for r in await plan_service.list_plans(connection, principal, round_id)]


@router.get("/{round_id}/plans/{plan_id}", response_model=PlanPublic)
async def get_plan(
    round_id: UUID, plan_id: UUID, connection: ConnectionDep, principal: PrincipalDep, response: Response
) -> PlanPublic:
    """One plan: its total score, optimality certificate, summary and state."""
    _, plan = await plan_service.read_plan(connection, principal, round_id, plan_id)
    set_etag(response, plan["version"])
    return PlanPublic.of(plan)


@router.get("/{round_id}/plans/{plan_id}/snapshot")
async def get_snapshot(
    round_id: UUID, plan_id: UUID, connection: ConnectionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """What the plan was solved on: counts, the pair rules taken from the policy, and who was left out of
    the pool and by which rule."""
    return dict(await plan_service.snapshot_summary(connection, principal, round_id, plan_id))


@router.get("/{round_id}/plans/{plan_id}/moves", response_model=Page[MovePublic])
async def list_moves(
    round_id: UUID,
    plan_id: UUID,
    connection: ConnectionDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[MovePublic]:
    """The plan's moves, each with its explanation."""
    key = cursor_key(cursor, int)
    after = key[0] if key else None
    rows = await plan_service.plan_moves(connection, principal, round_id, plan_id, after, limit + 1)
    items = [MovePublic.of(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor([items[-1].seq]) if len(rows) > limit else None)


@router.get("/{round_id}/plans/{plan_id}/fairness", response_model=FairnessPublic)
async def get_fairness(
    round_id: UUID, plan_id: UUID, connection: ConnectionDep, principal: PrincipalDep
) -> FairnessPublic:
    """Moves and outcomes by gender, rank group and age band, with the four-fifths ratio flagged."""
    _, plan = await plan_service.read_plan(connection, principal, round_id, plan_id)
    groups = [GroupOutcomePublic(**g) for g in plan["fairness"]]
    return FairnessPublic(threshold=FOUR_FIFTHS, groups=groups, flagged=[g for g in groups if g.flags])


@router.get("/{round_id}/plans/{plan_id}/comparison", response_model=ComparisonPublic)
async def compare_plans(
    round_id: UUID,
    plan_id: UUID,
    connection: ConnectionDep,
    principal: PrincipalDep,
    other: Annotated[UUID, Query(alias="with", description="the plan to compare with")],
) -> ComparisonPublic:
    """Two plans of one solve side by side: moves, total score, staffing per unit, EJ spread."""
    found = await plan_service.compare_plans(connection, principal, round_id, plan_id, other)
    c, keys = found.comparison, found.keys

    def pairs(rows: Any) -> list[PairOut]:
        return [
            PairOut(nip=keys["candidates"][i], position_id=keys["positions"][j]) for i, j in rows.tolist()
        ]

    ua, ub = c.units_a, c.units_b
    changed = (ua.present_after != ua.present_before) | (ub.present_after != ub.present_before)
    units = [
        UnitComparison(
            unit_id=keys["units"][u],
            need=round(float(ua.need[u]), 3),
            present_before=int(ua.present_before[u]),
            present_after_a=int(ua.present_after[u]),
            present_after_b=int(ub.present_after[u]),
            gap_before=round(float(ua.gap_before[u]), 3),
            gap_after_a=round(float(ua.gap_after[u]), 3),
            gap_after_b=round(float(ub.gap_after[u]), 3),
            ej_before=_finite(ua.ej_before[u]),
            ej_after_a=_finite(ua.ej_after[u]),
            ej_after_b=_finite(ub.ej_after[u]),
        )
        for u in changed.nonzero()[0].tolist()
    ]
    return ComparisonPublic(
        a=plan_id,
        b=other,
        summary_a=asdict(c.a),
        summary_b=asdict(c.b),
        score_difference=round(c.score_difference, 3),
        in_both=c.in_both,
        only_in_a=pairs(c.only_in_a),
        only_in_b=pairs(c.only_in_b),
        units=units,
    )


def _finite(value: float) -> float | None:
    return round(float(value), 4) if math.isfinite(value) else None


@router.post(
    "/{round_id}/plans/{plan_id}/what-ifs", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic
)
async def what_if(
    round_id: UUID,
    plan_id: UUID,
    body: WhatIfIn,
    runtime: RuntimeDep,
    jobs: JobsDep,
    connection: ConnectionDep,
    principal: PrincipalDep,
    response: Response,
    wait: Wait = False,
) -> JobPublic:
    """Re-solve the plan's data with pairs locked or forbidden and other weights: a new plan (a job)."""
    # Bad input is refused now, with nothing started, rather than by a failed job.
    await plan_service.check_what_if(connection, principal, round_id, plan_id, body.changes())
    work = partial(plan_service.what_if, runtime, principal, round_id, plan_id, body.changes())
    params = {"round_id": str(round_id), "plan_id": str(plan_id)}
    return await _submit(jobs, "placement.what-if", work, params, principal, response, wait)


@router.post("/{round_id}/plans/{plan_id}/approval", response_model=PlanPublic)
async def approve_plan(
    round_id: UUID,
    plan_id: UUID,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanPublic:
    """Approve the plan (the PPK or their delegate), the step before publishing it."""
    plan = await plan_service.approve_plan(uow, principal, round_id, plan_id, version_from_if_match(if_match))
    set_etag(response, plan["version"])
    return PlanPublic.of(plan)


@router.post("/{round_id}/plans/{plan_id}/publication", response_model=PlanPublic)
async def publish_plan(
    round_id: UUID,
    plan_id: UUID,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanPublic:
    """Publish the approved plan: one mutation round of proposals, each with its move's explanation."""
    plan = await plan_service.publish_plan(uow, principal, round_id, plan_id, version_from_if_match(if_match))
    set_etag(response, plan["version"])
    return PlanPublic.of(plan)
