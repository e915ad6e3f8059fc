"""Why each move is in the plan, from the plan's scores and its own LP duals — computed for all moves at
once, one row per move, and turned into a readable record per move only when someone asks.

For every move: the score component by component; its margins, in points, over the best other candidate
for the position and over the best other position for the person (among the pairs the plan could take);
whether a tie decided it (a plan without the move scores the same), settled by the engine's TIE_BREAK
rule; the runner-up candidates for the position with their reduced cost, the points the plan loses *at
least* if that runner-up takes the seat instead (dual bound; `Plan.forbid_loss` gives the exact loss of
dropping a move); the candidate's own next-best position by reduced cost; which constraints are tight, with
their shadow price (points one more seat / release / intake would gain); and the reason in one code with
its figures, which the web app turns into one sentence. The same runner-up lists exist for every position,
so an unfilled vacancy is explained too: nobody eligible, or the best candidate and what taking them would
cost.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.engine import TIE_BREAK, Plan
from services.mutation.placement.domain.network import SolverFailed, expand_ranges
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
    other_candidate: NDArray[np.int32]  # the best other candidate for the position, -1: none
    other_candidate_score: NDArray[np.float64]  # their score for the position; NaN: none
    other_candidate_margin: NDArray[np.float64]  # the move's score - theirs
    other_position: NDArray[np.int32]  # the best other position for the candidate, -1: none
    other_position_score: NDArray[np.float64]  # the candidate's score there; NaN: none
    other_position_margin: NDArray[np.float64]  # the move's score - that one
    tie: NDArray[np.bool_]  # a plan without this move scores the same: TIE_BREAK decided
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
    pairs = model.pairs
    allowed = np.zeros(len(pairs), bool)  # the pairs this plan could take: not forbidden, not locked away
    allowed[plan.active] = True
    allowed[moves[plan.locked]] = True
    of_movers = expand_ranges(pairs.offsets[c], pairs.offsets[c + 1])
    other_candidate, other_candidate_score, other_candidate_margin = _best_other(
        plan, np.flatnonzero(allowed), pairs.position, pairs.candidate
    )
    other_position, other_position_score, other_position_margin = _best_other(
        plan, of_movers[allowed[of_movers]], pairs.candidate, pairs.position
    )
    tie = np.zeros(len(moves), bool)
    free = np.flatnonzero(~plan.locked)
    tie[free] = solution.ties(problem, np.searchsorted(plan.active, moves[free]))
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
        other_candidate=other_candidate,
        other_candidate_score=other_candidate_score,
        other_candidate_margin=other_candidate_margin,
        other_position=other_position,
        other_position_score=other_position_score,
        other_position_margin=other_position_margin,
        tie=tie,
        runners_up=runners_up,
    )


def _best_other(
    plan: Plan, rows: NDArray[np.int64], group: NDArray[np.int32], other: NDArray[np.int32]
) -> tuple[NDArray[np.int32], NDArray[np.float64], NDArray[np.float64]]:
    """For each move, the best-scoring pair among `rows` (model pair rows, the moves' own among them) of
    its `group` (its position, or its candidate) with another `other` (candidate, or position): that other
    (-1: none), that pair's score and the move's score minus it, in points from the integer costs the
    solver used (NaN: none). The two best pairs of every group by one scatter-min each, over keys packing
    (cost, row)."""
    moves = plan.moves
    if moves.size == 0:
        return np.zeros(0, np.int32), np.zeros(0), np.zeros(0)
    costs, grouped = plan.costs[rows], group[rows]
    key = ((costs - costs.min()) << _ROW_BITS) | rows
    n_groups = int(group.max()) + 1
    best = np.full(n_groups, _NONE, np.int64)
    np.minimum.at(best, grouped, key)
    key[key == best[grouped]] = _NONE
    second = np.full(n_groups, _NONE, np.int64)
    np.minimum.at(second, grouped, key)
    mine = group[moves]
    found = np.where((best[mine] & _ROW_MASK) == moves, second[mine], best[mine])
    has = found != _NONE
    alternative = np.where(has, found & _ROW_MASK, 0)
    score = np.where(has, -plan.costs[alternative] / COST_SCALE, np.nan)
    margin = np.where(has, (plan.costs[alternative] - plan.costs[moves]) / COST_SCALE, np.nan)
    return _take(other, alternative, has), score, margin


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
    """One move explained, in plain values ready to be stored or served. `best_other_candidate` is the
    best other candidate for the position and `best_other_position` the best other position for the
    person, each with its score and the move's `margin` over it in points (None: there is none);
    `tie_break` names the rule that decided a `tie`; `reason` is a code of REASONS with its figures."""

    candidate: int
    position: int
    score: float
    locked: bool
    components: dict[str, dict[str, float]]
    runners_up: list[dict[str, Any]]
    next_best_position: dict[str, Any] | None
    bound: list[dict[str, Any]]
    best_other_candidate: dict[str, Any] | None
    best_other_position: dict[str, Any] | None
    tie: bool
    tie_break: str | None
    reason: dict[str, Any]


# Why a move is in the plan, first that applies: each a sentence of the web app's catalogue, with the
# figures of `reason_of` (points).
REASONS = (
    "locked",  # the planner locked it
    f"tie_{TIE_BREAK}",  # a plan without it scores the same: the tie-break rule chose it
    "only_pair",  # nobody else for the position, nowhere else for the person
    "outscored_for_position",  # another scores at least as much here; the plan is better with them elsewhere
    "second_choice",  # another position scores at least as much for the person; it does better with another
    "best_both",  # better than the best other candidate, and than the person's best other position
    "sole_candidate",  # nobody else for the position; better than the person's best other position
    "sole_position",  # nowhere else for the person; better than the best other candidate
)


def reason_of(
    score: float, locked: bool, tie: bool, candidate_margin: float | None, position_margin: float | None
) -> dict[str, Any]:
    """The reason code of a move and its figures; margins are None where there is no other."""
    figures: dict[str, float] = {"score": score}
    if locked:
        return {"code": "locked", "params": figures}
    if tie:
        return {"code": f"tie_{TIE_BREAK}", "params": figures}
    if candidate_margin is None and position_margin is None:
        return {"code": "only_pair", "params": figures}
    if candidate_margin is not None and candidate_margin <= 0:
        return {"code": "outscored_for_position", "params": {**figures, "gap": _plain(-candidate_margin)}}
    if position_margin is not None and position_margin <= 0:
        return {"code": "second_choice", "params": {**figures, "gap": _plain(-position_margin)}}
    if candidate_margin is None:
        return {"code": "sole_candidate", "params": {**figures, "position_margin": position_margin}}
    if position_margin is None:
        return {"code": "sole_position", "params": {**figures, "candidate_margin": candidate_margin}}
    return {
        "code": "best_both",
        "params": {**figures, "candidate_margin": candidate_margin, "position_margin": position_margin},
    }


def _plain(value: float) -> float:
    """A figure for people: never -0.0, which would print as a negative zero."""
    return value + 0.0


def _rounded(values: NDArray[np.floating], digits: int = 3) -> list[Any]:
    """Rounded Python floats without negative zeros (NaN stays NaN)."""
    return (np.round(np.asarray(values, np.float64), digits) + 0.0).tolist()


def move_explanations(plan: Plan, explanations: Explanations) -> list[MoveExplanation]:
    """Every move's record; the columns are turned into Python values once, not element by element."""
    e = explanations
    candidate, position, locked = plan.candidate.tolist(), plan.position.tolist(), plan.locked.tolist()
    values, points = _rounded(e.values, 4), _rounded(e.points)
    score = _rounded(e.points.sum(axis=1))
    runner_up, moved_to = e.runner_up.tolist(), e.runner_up_moved_to.tolist()
    runner_score = _rounded(e.runner_up_score)
    runner_reduced = _rounded(e.runner_up_reduced_cost)
    next_position = e.next_position.tolist()
    next_reduced = _rounded(e.next_position_reduced_cost)
    tight = {
        "seats": (e.seat_bound.tolist(), _rounded(e.seat_price)),
        "release_cap": (e.release_bound.tolist(), _rounded(e.release_price)),
        "intake_cap": (e.intake_bound.tolist(), _rounded(e.intake_price)),
    }
    by_limit = e.release_by_limit.tolist()
    others = {
        "candidate": (
            e.other_candidate.tolist(),
            _rounded(e.other_candidate_score),
            _rounded(e.other_candidate_margin),
        ),
        "position": (
            e.other_position.tolist(),
            _rounded(e.other_position_score),
            _rounded(e.other_position_margin),
        ),
    }
    tie = e.tie.tolist()
    records = []
    for k in range(len(e)):
        bound = []
        for name, (is_tight, price) in tight.items():
            if is_tight[k]:
                entry: dict[str, Any] = {"constraint": name, "shadow_price": price[k]}
                if name == "release_cap":
                    entry["by_limit"] = by_limit[k]
                bound.append(entry)
        best_other = {
            kind: {kind: who[k], "score": their_score[k], "margin": margin[k]} if who[k] >= 0 else None
            for kind, (who, their_score, margin) in others.items()
        }
        margins = {kind: other["margin"] if other else None for kind, other in best_other.items()}
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
                best_other_candidate=best_other["candidate"],
                best_other_position=best_other["position"],
                tie=tie[k],
                tie_break=TIE_BREAK if tie[k] else None,
                reason=reason_of(score[k], locked[k], tie[k], margins["candidate"], margins["position"]),
            )
        )
    return records
