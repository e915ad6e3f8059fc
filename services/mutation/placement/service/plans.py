"""Use cases of placement plans: solve a round (a job: read the round's data into a snapshot, run the engine,
store the plan with every move's explanation), run a what-if on a plan (locks, forbids, other weights;
same snapshot), compare two plans, approve a plan, and publish it as a batch of mutation proposals through
the proposal use cases, in the same transaction.

The engine runs in a worker thread: NumPy and OR-Tools release the interpreter lock for their heavy parts,
and the service keeps answering meanwhile.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import audit_log
from services.mutation.adapters.policies import policy_in_force
from services.mutation.domain.eligibility import REGULATION_DEFAULTS
from services.mutation.placement.adapters import repository
from services.mutation.placement.adapters.snapshot import (
    RoundSpec,
    Snapshot,
    pack,
    read_snapshot,
    rules_of,
    scope_agencies,
    unpack,
)
from services.mutation.placement.domain.compare import MoveSet, PlanComparison, compare, summarize
from services.mutation.placement.domain.engine import Edits, build_model, solve
from services.mutation.placement.domain.explain import explain, move_explanations
from services.mutation.placement.domain.fairness import fairness_report
from services.mutation.placement.domain.instance import PlacementInstance
from services.mutation.placement.domain.pairs import EligibilityRules
from services.mutation.placement.domain.rounds import PlanState, RoundState, ScopeKind, edit_allowed
from services.mutation.placement.domain.rounds import approve as approve_state
from services.mutation.placement.domain.rounds import publish as publish_state
from services.mutation.placement.domain.scoring import Weights
from services.mutation.placement.service.rounds import (
    authorise,
    pool_rules,
    read_round,
    round_to_change,
    unit_limits,
)
from services.mutation.service import proposals as proposal_service
from services.mutation.service.common import now
from shared.errors import FieldProblem, InvalidInput, NotFound
from shared.etag import check_version
from shared.jobs import Progress
from shared.principal import Principal, Role
from shared.references import References
from shared.uow import UnitOfWork

# Exact "best plan without this move" for every move while it stays cheap (moves x pairs); beyond, the
# runner-ups' reduced costs (a lower bound) explain the move alone.
EXACT_ALTERNATIVES_BUDGET = 20_000_000
PLAN_REF = "placement-plan:{}"


@dataclass(frozen=True)
class Solved:
    """An engine run made ready to store: the plan's figures and one record per move, by row index."""

    objective: int
    total_score: float
    optimality_gap: int
    pairs: int
    summary: dict[str, Any]
    fairness: list[dict[str, Any]]
    moves: list[dict[str, Any]]


def run_engine(
    instance: PlacementInstance, rules: EligibilityRules, weights: Weights, edits: Edits
) -> Solved:
    """Pairs, scores, the optimal solve, explanations, summary and fairness: the whole engine (sync)."""
    model = build_model(instance, rules)
    plan = solve(model, weights, edits)
    explanations = explain(plan)
    records = move_explanations(plan, explanations)
    exact = len(plan.moves) * max(len(model.pairs), 1) <= EXACT_ALTERNATIVES_BUDGET
    losses = plan.forbid_losses() if exact else np.full(len(plan.moves), np.nan)
    moves = []
    for record, loss in zip(records, losses.tolist(), strict=True):
        entry = asdict(record)
        entry["forbid_loss"] = None if np.isnan(loss) else loss
        moves.append(entry)
    summary = asdict(summarize(plan.move_set()))
    summary["pairs"] = len(model.pairs)
    report = fairness_report(plan.move_set(), plan.eligible_candidates())
    return Solved(
        objective=plan.objective,
        total_score=plan.total_score,
        optimality_gap=plan.optimality_gap,
        pairs=len(model.pairs),
        summary=summary,
        fairness=[{**asdict(g), "flags": g.flags} for g in report.groups],
        moves=moves,
    )


def _move_rows(
    plan_id: UUID, keys: Mapping[str, list[Any]], solved: Solved, context: dict[str, Any]
) -> list[dict]:
    """The moves with rows turned into NIPs and position ids, explanations included."""
    nips, names = keys["candidates"], keys["candidate_names"]
    position_ids, position_names, position_units = (
        keys["positions"],
        keys["position_names"],
        keys["position_units"],
    )
    rows = []
    for seq, move in enumerate(solved.moves, start=1):
        c, p = move["candidate"], move["position"]
        explanation = {
            **context,
            "score": move["score"],
            "locked": move["locked"],
            "components": move["components"],
            "runners_up": [
                {
                    "nip": nips[r["candidate"]],
                    "name": names[r["candidate"]],
                    "score": r["score"],
                    "reduced_cost": r["reduced_cost"],
                    "moved_to": position_ids[r["moved_to"]] if r["moved_to"] is not None else None,
                }
                for r in move["runners_up"]
            ],
            "next_best_position": (
                {
                    "position_id": position_ids[move["next_best_position"]["position"]],
                    "name": position_names[move["next_best_position"]["position"]],
                    "reduced_cost": move["next_best_position"]["reduced_cost"],
                }
                if move["next_best_position"]
                else None
            ),
            "bound": move["bound"],
            "forbid_loss": None if move["forbid_loss"] is None else round(move["forbid_loss"], 3),
            "best_other_candidate": (
                {
                    "nip": nips[other["candidate"]],
                    "name": names[other["candidate"]],
                    "score": other["score"],
                    "margin": other["margin"],
                }
                if (other := move["best_other_candidate"])
                else None
            ),
            "best_other_position": (
                {
                    "position_id": position_ids[other["position"]],
                    "name": position_names[other["position"]],
                    "score": other["score"],
                    "margin": other["margin"],
                }
                if (other := move["best_other_position"])
                else None
            ),
            "tie": move["tie"],
            "tie_break": move["tie_break"],
            "reason": move["reason"],
        }
        rows.append(
            {
                "plan_id": plan_id,
                "seq": seq,
                "nip": nips[c],
                "employee_name": names[c],
                "origin_unit_id": keys["candidate_units"][c],
                "origin_position_id": keys["candidate_positions"][c],
                "target_position_id": position_ids[p],
                "target_unit_id": position_units[p],
                "score": move["score"],
                "locked": move["locked"],
                "explanation": explanation,
            }
        )
    return rows


def _edits_to_rows(keys: Mapping[str, list[Any]], edits: Mapping[str, Sequence[Mapping[str, str]]]) -> Edits:
    candidate = {nip: i for i, nip in enumerate(keys["candidates"])}
    position = {pid: i for i, pid in enumerate(keys["positions"])}
    problems: list[FieldProblem] = []
    rows: dict[str, list[tuple[int, int]]] = {}
    for name in ("locks", "forbids"):
        rows[name] = []
        for i, pair in enumerate(edits.get(name, ())):
            c, p = candidate.get(pair["nip"]), position.get(pair["position_id"])
            if c is None:
                problems.append(
                    FieldProblem(
                        field=f"{name}.{i}.nip", message="not a candidate of the round", value=pair["nip"]
                    )
                )
            if p is None:
                problems.append(
                    FieldProblem(
                        field=f"{name}.{i}.position_id",
                        message="not a position of the round",
                        value=pair["position_id"],
                    )
                )
            if c is not None and p is not None:
                rows[name].append((c, p))
    if problems:
        raise InvalidInput("the what-if names pairs outside the round", errors=problems)
    return Edits.of(locks=rows["locks"], forbids=rows["forbids"])


async def _store_plan(
    uow: UnitOfWork,
    principal: Principal,
    round_row: Mapping[str, Any],
    snapshot_id: UUID,
    keys: Mapping[str, list[Any]],
    solved: Solved,
    *,
    kind: str,
    weights: Weights,
    edits: Mapping[str, Any],
    parent_id: UUID | None,
) -> UUID:
    plan_id = uuid4()
    context = {"plan_id": str(plan_id), "round_id": str(round_row["id"])}
    await repository.add_plan(
        uow.connection,
        {
            "id": plan_id,
            "round_id": round_row["id"],
            "snapshot_id": snapshot_id,
            "parent_id": parent_id,
            "kind": kind,
            "weights": weights.as_dict(),
            "edits": dict(edits),
            "objective": solved.objective,
            "total_score": solved.total_score,
            "optimality_gap": solved.optimality_gap,
            "moves": len(solved.moves),
            "summary": solved.summary,
            "fairness": solved.fairness,
            "state": PlanState.PROPOSED.value,
            "created_by": principal.subject,
            "created_at": now(),
            "version": 1,
        },
        _move_rows(plan_id, keys, solved, context),
    )
    if round_row["state"] == RoundState.DRAFT.value:
        await repository.update_round(
            uow.connection,
            round_row["id"],
            round_row["version"],
            {"state": RoundState.SOLVED.value, "updated_at": now()},
        )
    return plan_id


def check_may_solve(principal: Principal, round_row: Mapping[str, Any]) -> None:
    authorise(principal, round_row["scope_kind"], round_row["scope_code"])
    edit_allowed(RoundState(round_row["state"]))


async def round_to_solve(connection: AsyncConnection, principal: Principal, round_id: UUID) -> None:
    """Refuse a solve before it starts: another's round (403), a published one (409)."""
    check_may_solve(principal, await round_to_change(connection, principal, round_id))


async def solve_round(
    runtime: Any, principal: Principal, round_id: UUID, progress: Progress, *, on: date
) -> dict[str, Any]:
    """The job of `POST .../solutions`: snapshot, engine, store. Reports `step` of `steps`."""
    await progress(step=1, steps=4)
    async with runtime.db.connect() as connection:
        round_row = await read_round(connection, principal, round_id)
        check_may_solve(principal, round_row)
        codes = await scope_agencies(connection, ScopeKind(round_row["scope_kind"]), round_row["scope_code"])
        policies = {code: await policy_in_force(connection, code) for code in codes}
        spec = RoundSpec(
            ScopeKind(round_row["scope_kind"]),
            round_row["scope_code"],
            pool_rules(round_row),
            round_row["release_limit"],
            round_row["intake_limit"],
            unit_limits(round_row),
        )
        snapshot: Snapshot = await read_snapshot(
            connection,
            spec,
            on=on,
            policies=policies,
            scope_policy=policies.get(round_row["scope_code"], REGULATION_DEFAULTS),
        )
    await progress(
        step=2, candidates=len(snapshot.instance.candidates), vacancies=snapshot.summary["vacancies"]
    )
    weights = Weights(**round_row["weights"])
    solved = await asyncio.to_thread(run_engine, snapshot.instance, snapshot.rules, weights, Edits())
    await progress(step=3, pairs=solved.pairs, moves=len(solved.moves))
    async with runtime.uow() as uow:
        fresh = await read_round(uow.connection, principal, round_id)
        snapshot_id = uuid4()
        await repository.add_snapshot(
            uow.connection,
            {
                "id": snapshot_id,
                "round_id": round_id,
                "taken_at": now(),
                "arrays": pack(snapshot.instance),
                "identities": snapshot.keys,
                "summary": snapshot.summary,
            },
        )
        plan_id = await _store_plan(
            uow,
            principal,
            fresh,
            snapshot_id,
            snapshot.keys,
            solved,
            kind="optimal",
            weights=weights,
            edits={},
            parent_id=None,
        )
        await uow.commit()
    await progress(step=4)
    return _job_result(plan_id, snapshot_id, solved)


def _job_result(plan_id: UUID, snapshot_id: UUID, solved: Solved) -> dict[str, Any]:
    return {
        "plan_id": str(plan_id),
        "snapshot_id": str(snapshot_id),
        "moves": len(solved.moves),
        "total_score": solved.total_score,
        "optimality_gap": solved.optimality_gap,
    }


async def what_if(
    runtime: Any,
    principal: Principal,
    round_id: UUID,
    plan_id: UUID,
    changes: Mapping[str, Any],
    progress: Progress,
) -> dict[str, Any]:
    """The job of `POST .../what-ifs`: the base plan's snapshot re-solved with its locks and forbids plus
    the new ones, and its weights with the changes."""
    await progress(step=1, steps=3)
    async with runtime.db.connect() as connection:
        round_row, base = await read_plan(connection, principal, round_id, plan_id)
        check_may_solve(principal, round_row)
        stored = await repository.get_snapshot(connection, base["snapshot_id"])
    assert stored is not None  # a plan's snapshot is never deleted
    keys, summary = stored["identities"], stored["summary"]
    merged = {name: [*base["edits"].get(name, ()), *changes.get(name, ())] for name in ("locks", "forbids")}
    edits = _edits_to_rows(keys, merged)
    weights = Weights(**base["weights"]).replace(changes.get("weights", {}))
    instance = unpack(stored["arrays"])
    await progress(step=2, candidates=len(instance.candidates))
    solved = await asyncio.to_thread(run_engine, instance, rules_of(summary), weights, edits)
    async with runtime.uow() as uow:
        fresh = await read_round(uow.connection, principal, round_id)
        new_id = await _store_plan(
            uow,
            principal,
            fresh,
            stored["id"],
            keys,
            solved,
            kind="what_if",
            weights=weights,
            edits=merged,
            parent_id=plan_id,
        )
        await uow.commit()
    await progress(step=3)
    return _job_result(new_id, stored["id"], solved)


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {name: [*base["edits"].get(name, ()), *changes.get(name, ())] for name in ("locks", "forbids")}


async def check_what_if(
    connection: AsyncConnection,
    principal: Principal,
    round_id: UUID,
    plan_id: UUID,
    changes: Mapping[str, Any],
) -> None:
    """Refuse a what-if that cannot run: another's round, a published one, pairs naming people or positions
    unknown or outside the caller's agencies, or outside the round, bad weights."""
    round_row, base = await plan_to_change(connection, principal, round_id, plan_id)
    edit_allowed(RoundState(round_row["state"]))
    await _check_pairs(connection, principal, changes)
    Weights(**base["weights"]).replace(changes.get("weights", {}))
    _edits_to_rows(await repository.snapshot_keys(connection, base["snapshot_id"]), _merged(base, changes))


async def _check_pairs(
    connection: AsyncConnection, principal: Principal, edits: Mapping[str, Sequence[Mapping[str, str]]]
) -> None:
    pairs = [(name, i, pair) for name in ("locks", "forbids") for i, pair in enumerate(edits.get(name, ()))]
    people = await repository.employee_agencies(connection, [pair["nip"] for _, _, pair in pairs])
    posts = await repository.position_agencies(connection, [pair["position_id"] for _, _, pair in pairs])
    references = References(principal)
    for name, i, pair in pairs:
        for key, what, found in (("nip", "employee", people), ("position_id", "position", posts)):
            field = f"{name}.{i}.{key}"
            if pair[key] in found:
                references.in_scope(field, found[pair[key]])
            else:
                references.unknown(field, what, pair[key])
    references.settle()


async def read_plan(
    connection: AsyncConnection, principal: Principal, round_id: UUID, plan_id: UUID
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    return await _plan_of(connection, await read_round(connection, principal, round_id), plan_id)


async def plan_to_change(
    connection: AsyncConnection, principal: Principal, round_id: UUID, plan_id: UUID, *roles: Role
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The plan a write names, refused (403) unless the caller plans for its round's scope (`roles`: who
    may, where not every planner)."""
    return await _plan_of(connection, await round_to_change(connection, principal, round_id, *roles), plan_id)


async def _plan_of(
    connection: AsyncConnection, round_row: Mapping[str, Any], plan_id: UUID
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    plan = await repository.get_plan(connection, plan_id)
    if plan is None or plan["round_id"] != round_row["id"]:
        raise NotFound(f"no plan {plan_id} in placement round {round_row['id']}")
    return round_row, plan


async def list_plans(
    connection: AsyncConnection, principal: Principal, round_id: UUID
) -> list[Mapping[str, Any]]:
    await read_round(connection, principal, round_id)
    return await repository.list_plans(connection, round_id)


async def plan_moves(
    connection: AsyncConnection,
    principal: Principal,
    round_id: UUID,
    plan_id: UUID,
    after: int | None,
    limit: int,
) -> list[Mapping[str, Any]]:
    await read_plan(connection, principal, round_id, plan_id)
    return await repository.moves_of(connection, plan_id, after=after, limit=limit)


async def snapshot_summary(
    connection: AsyncConnection, principal: Principal, round_id: UUID, plan_id: UUID
) -> Mapping[str, Any]:
    _, plan = await read_plan(connection, principal, round_id, plan_id)
    stored = await repository.get_snapshot(connection, plan["snapshot_id"])
    assert stored is not None
    return stored["summary"]


def _move_set(
    instance: PlacementInstance, keys: Mapping[str, list[Any]], moves: Sequence[Mapping[str, Any]]
) -> MoveSet:
    candidate = {nip: i for i, nip in enumerate(keys["candidates"])}
    position = {pid: i for i, pid in enumerate(keys["positions"])}
    return MoveSet(
        instance,
        np.array([candidate[m["nip"]] for m in moves], np.int32),
        np.array([position[m["target_position_id"]] for m in moves], np.int32),
        np.array([bool(m["locked"]) for m in moves], bool),
        np.array([m["score"] for m in moves], np.float64),
    )


@dataclass(frozen=True)
class Comparison:
    comparison: PlanComparison
    keys: Mapping[str, list[Any]]


async def compare_plans(
    connection: AsyncConnection, principal: Principal, round_id: UUID, plan_id: UUID, other_id: UUID
) -> Comparison:
    _, a = await read_plan(connection, principal, round_id, plan_id)
    _, b = await read_plan(connection, principal, round_id, other_id)
    if a["snapshot_id"] != b["snapshot_id"]:
        raise InvalidInput(
            "the plans were solved on different snapshots of the round's data: compare what-ifs of one solve",
            errors=[FieldProblem(field="with", message="another snapshot", value=str(other_id))],
        )
    stored = await repository.get_snapshot(connection, a["snapshot_id"])
    assert stored is not None
    instance, keys = unpack(stored["arrays"]), stored["identities"]
    first = _move_set(instance, keys, await repository.moves_of(connection, plan_id))
    second = _move_set(instance, keys, await repository.moves_of(connection, other_id))
    return Comparison(compare(first, second), keys)


async def approve_plan(
    uow: UnitOfWork, principal: Principal, round_id: UUID, plan_id: UUID, expected_version: int
) -> Mapping[str, Any]:
    """The PPK's (or delegate's) approval of the plan, the step before it is published."""
    round_row, plan = await plan_to_change(
        uow.connection, principal, round_id, plan_id, Role.APPROVER, Role.ADMIN
    )
    check_version(plan["version"], expected_version, "the placement plan")
    state = approve_state(PlanState(plan["state"]), RoundState(round_row["state"]))
    at = now()
    await repository.update_plan(
        uow.connection,
        plan_id,
        expected_version,
        {"state": state.value, "approved_by": principal.subject, "approved_at": at},
    )
    await audit_log.append(uow.connection, [_audit(principal, "placement.approve", round_row, plan)], at=at)
    await uow.commit()
    return (await read_plan(uow.connection, principal, round_id, plan_id))[1]


async def publish_plan(
    uow: UnitOfWork, principal: Principal, round_id: UUID, plan_id: UUID, expected_version: int
) -> Mapping[str, Any]:
    """The approved plan becomes one mutation round of proposals (all or none), each carrying its move's
    explanation; the plan and the round are marked published in the same transaction."""
    round_row, plan = await plan_to_change(uow.connection, principal, round_id, plan_id)
    check_version(plan["version"], expected_version, "the placement plan")
    state = publish_state(PlanState(plan["state"]), RoundState(round_row["state"]))
    moves = await repository.moves_of(uow.connection, plan_id)
    if not moves:
        raise InvalidInput("the plan moves nobody: there is nothing to publish", code="empty-plan")
    reason = f"Penempatan hasil rencana {round_row['name']}"
    drafts = [
        proposal_service.ProposalDraft(
            nip=m["nip"],
            target_position_id=m["target_position_id"],
            reason=reason,
            organisational_reason=round_row["reason"],
            explanation=m["explanation"],
        )
        for m in moves
    ]
    mutation_round = await proposal_service.create_batch(
        uow, principal, drafts, round_row["name"], PLAN_REF.format(plan_id), commit=False
    )
    at = now()
    await repository.update_plan(
        uow.connection,
        plan_id,
        expected_version,
        {"state": state.value, "mutation_round_id": mutation_round.id},
    )
    await repository.update_round(
        uow.connection,
        round_id,
        round_row["version"],
        {"state": RoundState.PUBLISHED.value, "updated_at": at},
    )
    await audit_log.append(
        uow.connection,
        [_audit(principal, "placement.publish", round_row, plan, mutation_round_id=str(mutation_round.id))],
        at=at,
    )
    await uow.commit()
    return (await read_plan(uow.connection, principal, round_id, plan_id))[1]


def _audit(
    principal: Principal, action: str, round_row: Mapping[str, Any], plan: Mapping[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "actor": principal.subject,
        "action": action,
        "subject_type": "placement_plan",
        "subject_id": str(plan["id"]),
        "agency_code": round_row["scope_code"],
        "data": {
            "round_id": str(round_row["id"]),
            "moves": plan["moves"],
            "total_score": plan["total_score"],
            **extra,
        },
    }
