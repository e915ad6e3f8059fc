"""Why each move is in the plan, from the plan's own LP duals — computed for all moves at once, one row per
move, and turned into a readable record per move only when someone asks.

For every move: the score component by component; the runner-up candidates for the position with their
reduced cost, the points the plan loses *at least* if that runner-up takes the seat instead (dual
bound; `Plan.forbid_loss` gives the exact loss of dropping a move); the candidate's own next-best
position; and which constraints are tight, with their shadow price (points one more seat / release /
intake would gain). The same runner-up lists exist for every position, so an unfilled vacancy is
explained too: nobody eligible, or the best candidate and what taking them would cost.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.engine import Plan
from services.mutation.placement.domain.network import SolverFailed
from services.mutation.placement.domain.scoring import COMPONENTS, COST_SCALE

RUNNERS_UP = 3
_ROW_BITS = 36  # a runner-up key packs (reduced cost, pair row) into one int64 for a scatter-min
_ROW_MASK = (1 << _ROW_BITS) - 1
_RC_CLIP = (1 << (62 - _ROW_BITS)) - 1
_NONE = np.iinfo(np.int64).max


@dataclass(frozen=True)
class RunnersUp:
    """Per position, its best RUNNERS_UP alternative candidates by reduced cost (-1 where fewer exist),
    the reduced cost in points, and per candidate their best position outside the plan."""

    candidate: NDArray[np.int32]  # (positions, RUNNERS_UP)
    row: NDArray[np.int64]  # the model pair row of each, 0 where none
    reduced_cost: NDArray[np.float64]  # (positions, RUNNERS_UP), NaN where no candidate
    next_position: NDArray[np.int32]  # (candidates,)
    next_position_reduced_cost: NDArray[np.float64]  # (candidates,)


@dataclass(frozen=True)
class Explanations:
    """Columns over the plan's moves (row k explains `plan.moves[k]`)."""

    values: NDArray[np.float32]  # (moves, components)
    points: NDArray[np.float64]  # (moves, components): weight x value
    runner_up: NDArray[np.int32]  # (moves, RUNNERS_UP)
    runner_up_reduced_cost: NDArray[np.float64]
    runner_up_score: NDArray[np.float64]
    runner_up_moved_to: NDArray[np.int32]  # position the runner-up takes in this plan, -1: stays
    next_position: NDArray[np.int32]
    next_position_reduced_cost: NDArray[np.float64]
    seat_bound: NDArray[np.bool_]
    seat_price: NDArray[np.float64]
    release_bound: NDArray[np.bool_]
    release_price: NDArray[np.float64]
    release_by_limit: NDArray[np.bool_]  # the round's move limit, not the ABK surplus, set the cap
    intake_bound: NDArray[np.bool_]
    intake_price: NDArray[np.float64]
    runners_up: RunnersUp

    def __len__(self) -> int:
        return len(self.values)


def explain(plan: Plan) -> Explanations:
    model, solution, problem = plan.model, plan.solution, plan.problem
    instance = model.instance
    n_pos, n_cand = len(instance.positions), len(instance.candidates)

    reduced = solution.reduced_costs(problem)
    if reduced.size and reduced.min() < 0:
        raise SolverFailed("a pair has a negative reduced cost: the duals are not feasible")
    runners_up = _runners_up(plan, reduced, n_pos, n_cand)

    moves = plan.moves
    c, p = plan.candidate, plan.position
    values = model.components.values[:, moves].T
    points = values.astype(np.float64) * plan.weights.vector()

    moved_to = np.full(n_cand, -1, np.int32)
    moved_to[c] = p
    runner_up = runners_up.candidate[p]
    has_runner_up = runner_up >= 0
    runner_up_score = np.full(runner_up.shape, np.nan)
    runner_up_score[has_runner_up] = -plan.costs[runners_up.row[p][has_runner_up]] / COST_SCALE

    origin, target = instance.candidates.unit[c], instance.positions.unit[p]
    limit = instance.units.release_limit
    by_limit = (limit >= 0) & (limit < instance.units.abk_surplus())
    return Explanations(
        values=values,
        points=points,
        runner_up=runner_up,
        runner_up_reduced_cost=runners_up.reduced_cost[p],
        runner_up_score=runner_up_score,
        runner_up_moved_to=_take(moved_to, runner_up.astype(np.int64), has_runner_up),
        next_position=runners_up.next_position[c],
        next_position_reduced_cost=runners_up.next_position_reduced_cost[c],
        seat_bound=(solution.seats_used + (instance.positions.seats - plan.seats_left))[p]
        >= instance.positions.seats[p],
        seat_price=solution.seat_price[p] / COST_SCALE,
        release_bound=(solution.release_used >= plan.release_left)[origin],
        release_price=solution.release_price[origin] / COST_SCALE,
        release_by_limit=by_limit[origin],
        intake_bound=(solution.intake_used >= plan.intake_left)[target],
        intake_price=solution.intake_price[target] / COST_SCALE,
        runners_up=runners_up,
    )


def _runners_up(plan: Plan, reduced: NDArray[np.int64], n_pos: int, n_cand: int) -> RunnersUp:
    problem, solution, active = plan.problem, plan.solution, plan.active
    key = (np.minimum(reduced, _RC_CLIP) << _ROW_BITS) | active
    key[solution.chosen] = _NONE  # a move is not its own alternative

    best = np.full((RUNNERS_UP, n_pos), _NONE, np.int64)
    remaining = key.copy()
    for rank in range(RUNNERS_UP):
        np.minimum.at(best[rank], problem.position, remaining)
        remaining[remaining == best[rank][problem.position]] = _NONE
    found = best != _NONE
    rows = np.where(found, best & _ROW_MASK, 0)
    runner_reduced = np.where(found, (best >> _ROW_BITS) / COST_SCALE, np.nan)

    nearest = np.full(n_cand, _NONE, np.int64)
    np.minimum.at(nearest, problem.candidate, key)
    has_next = nearest != _NONE
    return RunnersUp(
        candidate=np.ascontiguousarray(_take(plan.model.pairs.candidate, rows, found).T),
        row=np.ascontiguousarray(rows.T),
        reduced_cost=np.ascontiguousarray(runner_reduced.T),
        next_position=_take(plan.model.pairs.position, nearest & _ROW_MASK, has_next),
        next_position_reduced_cost=np.where(has_next, (nearest >> _ROW_BITS) / COST_SCALE, np.nan),
    )


def _take(values: NDArray[np.int32], rows: NDArray[np.int64], found: NDArray[np.bool_]) -> NDArray[np.int32]:
    """values[rows] where found, -1 elsewhere (without touching `values` at rows that were not found)."""
    out = np.full(rows.shape, -1, np.int32)
    out[found] = values[rows[found]]
    return out


@dataclass(frozen=True)
class MoveExplanation:
    """One move explained, in plain values ready to be stored or served."""

    candidate: int
    position: int
    score: float
    locked: bool
    components: dict[str, dict[str, float]]
    runners_up: list[dict[str, Any]]
    next_best_position: dict[str, Any] | None
    bound: list[dict[str, Any]]


def move_explanations(plan: Plan, explanations: Explanations) -> list[MoveExplanation]:
    """Every move's record; the columns are turned into Python values once, not element by element."""
    e = explanations
    candidate, position, locked = plan.candidate.tolist(), plan.position.tolist(), plan.locked.tolist()
    values, points = np.round(e.values.astype(np.float64), 4).tolist(), np.round(e.points, 3).tolist()
    score = np.round(e.points.sum(axis=1), 3).tolist()
    runner_up, moved_to = e.runner_up.tolist(), e.runner_up_moved_to.tolist()
    runner_score = np.round(e.runner_up_score, 3).tolist()
    runner_reduced = np.round(e.runner_up_reduced_cost, 3).tolist()
    next_position = e.next_position.tolist()
    next_reduced = np.round(e.next_position_reduced_cost, 3).tolist()
    tight = {
        "seats": (e.seat_bound.tolist(), np.round(e.seat_price, 3).tolist()),
        "release_cap": (e.release_bound.tolist(), np.round(e.release_price, 3).tolist()),
        "intake_cap": (e.intake_bound.tolist(), np.round(e.intake_price, 3).tolist()),
    }
    by_limit = e.release_by_limit.tolist()
    records = []
    for k in range(len(e)):
        bound = []
        for name, (is_tight, price) in tight.items():
            if is_tight[k]:
                entry: dict[str, Any] = {"constraint": name, "shadow_price": price[k]}
                if name == "release_cap":
                    entry["by_limit"] = by_limit[k]
                bound.append(entry)
        records.append(
            MoveExplanation(
                candidate=candidate[k],
                position=position[k],
                score=score[k],
                locked=locked[k],
                components={
                    name: {"value": values[k][i], "points": points[k][i]} for i, name in enumerate(COMPONENTS)
                },
                runners_up=[
                    {
                        "candidate": runner_up[k][r],
                        "score": runner_score[k][r],
                        "reduced_cost": runner_reduced[k][r],
                        "moved_to": moved_to[k][r] if moved_to[k][r] >= 0 else None,
                    }
                    for r in range(RUNNERS_UP)
                    if runner_up[k][r] >= 0
                ],
                next_best_position=(
                    {"position": next_position[k], "reduced_cost": next_reduced[k]}
                    if next_position[k] >= 0
                    else None
                ),
                bound=bound,
            )
        )
    return records
