"""The placement engine: build the model of a round once (eligible pairs and their score components), then
solve it, and re-solve it for every what-if (locked or forbidden pairs, other weights) without rebuilding.

    model = build_model(instance)
    plan = solve(model)                                   # default weights
    other = solve(model, Weights(preference=30), Edits(locks=[(12, 40)], forbids=[(7, 3)]))

A locked pair is placed before the solve (its seat, release and intake are taken off the caps), so the
flow itself has no lower bounds; a forbidden pair is left out. The plan carries the LP duals of its solve,
from which `explain` derives every explanation and which certify that the plan is optimal.

Ties between plans of equal score are common (people with the same grades and wishes, positions with the
same standard) and are settled by one rule, TIE_BREAK = "seniority": of the optimal plans, the engine takes
the one whose moves add up to the least tie-break cost, a move costing its person's place on the seniority
list times the number of positions, plus the position's row, plus one. So of two people equally good for a
seat the more senior takes it, of two seats equally good for a person the one listed first is taken, and a
move that adds nothing to the score is not made.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.compare import MoveSet
from services.mutation.placement.domain.instance import Candidates, PlacementInstance, pairs_array
from services.mutation.placement.domain.network import FlowProblem, FlowSolution, solve_flow
from services.mutation.placement.domain.pairs import EligibilityRules, EligiblePairs, eligible_pairs
from services.mutation.placement.domain.scoring import (
    COST_SCALE,
    PairComponents,
    ScoringRules,
    Weights,
    pair_components,
)
from shared.errors import Conflict, FieldProblem, InvalidInput

TIE_BREAK = "seniority"


class LocksInfeasible(Conflict):
    """The locked pairs alone break a hard constraint (two locks on a one-seat position, more locks out of
    a unit than it may release); nothing can be solved until a lock is lifted."""

    code = "placement-locks-infeasible"


@dataclass(frozen=True)
class PlacementModel:
    """A round ready to solve: its instance, eligible pairs, their score components and tie-break costs,
    and the unit caps."""

    instance: PlacementInstance
    eligibility: EligibilityRules
    scoring: ScoringRules
    pairs: EligiblePairs
    components: PairComponents
    tie_break: NDArray[np.int64]
    release_cap: NDArray[np.int64]
    intake_cap: NDArray[np.int64]


def seniority_places(candidates: Candidates) -> NDArray[np.int64]:
    """Each candidate's place on the seniority list, 0 the most senior: higher rank first, then the older,
    then the one the round lists first (by NIP, which begins with the birth date) — the first criteria of
    the Daftar Urut Kepangkatan (PP 15/1979) that a round knows."""
    n = len(candidates)
    order = np.lexsort((np.arange(n), -candidates.age.astype(np.int64), -candidates.rank.astype(np.int64)))
    places = np.empty(n, np.int64)
    places[order] = np.arange(n)
    return places


def tie_break_costs(instance: PlacementInstance, pairs: EligiblePairs) -> NDArray[np.int64]:
    """The TIE_BREAK cost of each pair: place on the seniority list x positions + position row + 1."""
    places = seniority_places(instance.candidates)
    return places[pairs.candidate] * len(instance.positions) + pairs.position + 1


def build_model(
    instance: PlacementInstance,
    eligibility: EligibilityRules | None = None,
    scoring: ScoringRules | None = None,
) -> PlacementModel:
    instance.validate()
    eligibility, scoring = eligibility or EligibilityRules(), scoring or ScoringRules()
    pairs = eligible_pairs(instance, eligibility)
    components = pair_components(instance, pairs, scoring)
    if eligibility.min_job_person_match > 0:
        # float32 components: a match of exactly the floor must not fall just under it
        floor = eligibility.min_job_person_match - 1e-6
        has_standard = instance.positions.standard.sum(axis=1) > 0
        keep = (components.values[0] >= floor) | ~has_standard[pairs.position]
        if not keep.all():
            pairs, components = pairs.subset(keep), components.subset(keep)
    seats = instance.positions.seats
    return PlacementModel(
        instance=instance,
        eligibility=eligibility,
        scoring=scoring,
        pairs=pairs,
        components=components,
        tie_break=tie_break_costs(instance, pairs),
        release_cap=instance.units.release_caps(),
        intake_cap=instance.units.intake_caps(unlimited=int(seats[seats > 0].sum()) + 1),
    )


@dataclass(frozen=True)
class Edits:
    """A what-if: pairs that must be in the plan and pairs that may not, as (candidate, position) rows."""

    locks: NDArray[np.int32] = field(default_factory=lambda: np.empty((0, 2), np.int32))
    forbids: NDArray[np.int32] = field(default_factory=lambda: np.empty((0, 2), np.int32))

    def __post_init__(self) -> None:
        object.__setattr__(self, "locks", pairs_array(self.locks))
        object.__setattr__(self, "forbids", pairs_array(self.forbids))

    @classmethod
    def of(cls, locks: Sequence[tuple[int, int]] = (), forbids: Sequence[tuple[int, int]] = ()) -> "Edits":
        return cls(pairs_array(locks), pairs_array(forbids))


@dataclass(frozen=True)
class Plan:
    """The optimal plan of a model under some weights and edits. `moves` are rows of `model.pairs`,
    ordered by candidate; `locked` marks the moves placed by a lock. `objective` is the total score in
    thousandths of a point; `optimality_gap` is the dual objective minus it (0 for a proven optimum)."""

    model: PlacementModel
    weights: Weights
    edits: Edits
    moves: NDArray[np.int64]
    locked: NDArray[np.bool_]
    objective: int
    optimality_gap: int
    problem: FlowProblem
    solution: FlowSolution
    active: NDArray[np.int64]  # model pair row of each row of `problem`
    costs: NDArray[np.int64]  # cost of every model pair under `weights`
    seats_left: NDArray[np.int64]  # seats of each position after the locks
    release_left: NDArray[np.int64]  # release caps after the locks
    intake_left: NDArray[np.int64]  # intake caps after the locks

    @property
    def candidate(self) -> NDArray[np.int32]:
        return self.model.pairs.candidate[self.moves]

    @property
    def position(self) -> NDArray[np.int32]:
        return self.model.pairs.position[self.moves]

    @property
    def total_score(self) -> float:
        return self.objective / COST_SCALE

    def scores(self) -> NDArray[np.float64]:
        return -self.costs[self.moves] / COST_SCALE

    def move_set(self) -> MoveSet:
        return MoveSet(self.model.instance, self.candidate, self.position, self.locked, self.scores())

    def eligible_candidates(self) -> NDArray[np.bool_]:
        """Candidates with at least one eligible pair in the round."""
        return np.diff(self.model.pairs.offsets) > 0

    def forbid_loss(self, move: int) -> float | None:
        """Exactly how many points the best plan without move `move` (an index into `moves`) scores less;
        None for a locked move, which only lifting the lock can remove."""
        loss = self.forbid_losses(np.array([move]))[0]
        return None if np.isnan(loss) else float(loss)

    def forbid_losses(self, moves: NDArray[np.int64] | None = None) -> NDArray[np.float64]:
        """`forbid_loss` of several moves (default: all) at once; NaN for the locked ones."""
        which = np.arange(len(self.moves)) if moves is None else np.asarray(moves, np.int64)
        out = np.full(which.size, np.nan)
        free = ~self.locked[which]
        rows = np.searchsorted(self.active, self.moves[which[free]])
        out[free] = self.solution.forbid_losses(self.problem, rows) / COST_SCALE
        return out


def solve(model: PlacementModel, weights: Weights | None = None, edits: Edits | None = None) -> Plan:
    weights, edits = weights or Weights(), edits or Edits()
    pairs, instance = model.pairs, model.instance
    positions, candidates = instance.positions, instance.candidates
    costs = model.components.costs(weights)

    lock_rows = _eligible_rows(pairs, edits.locks, "locks")
    forbid_rows = _eligible_rows(pairs, edits.forbids, "forbids")
    if np.intersect1d(lock_rows, forbid_rows).size:
        raise InvalidInput("a pair cannot be both locked and forbidden")
    seats_left, release_left, intake_left = _after_locks(model, lock_rows)

    keep = np.ones(len(pairs), bool)
    keep[forbid_rows] = False
    locked_candidates = pairs.candidate[lock_rows]
    if lock_rows.size:
        keep &= ~np.isin(pairs.candidate, locked_candidates)
    active = np.flatnonzero(keep) if not keep.all() else np.arange(len(pairs), dtype=np.int64)
    every = active.size == len(pairs)
    problem = FlowProblem(
        candidate=pairs.candidate if every else pairs.candidate[active],
        position=pairs.position if every else pairs.position[active],
        cost=costs if every else costs[active],
        origin_unit=candidates.unit,
        position_unit=positions.unit,
        seats=seats_left,
        release_cap=release_left,
        intake_cap=intake_left,
        tie_break=model.tie_break if every else model.tie_break[active],
    )
    solution = solve_flow(problem)
    moves = np.concatenate([active[solution.chosen], lock_rows])
    locked = np.concatenate([np.zeros(solution.chosen.size, bool), np.ones(lock_rows.size, bool)])
    order = np.argsort(pairs.candidate[moves], kind="stable")
    moves, locked = moves[order], locked[order]
    objective = -int(costs[moves].sum())
    gap = solution.dual_objective(problem) + solution.cost  # dual objective - flow score
    return Plan(
        model=model,
        weights=weights,
        edits=edits,
        moves=moves,
        locked=locked,
        objective=objective,
        optimality_gap=gap,
        problem=problem,
        solution=solution,
        active=active,
        costs=costs,
        seats_left=seats_left,
        release_left=release_left,
        intake_left=intake_left,
    )


def _eligible_rows(pairs: EligiblePairs, edited: NDArray[np.int32], name: str) -> NDArray[np.int64]:
    rows = pairs.rows(edited)
    bad = np.flatnonzero(rows < 0)
    if bad.size:
        raise InvalidInput(
            f"{bad.size} {name} name a pair that is not eligible",
            errors=[
                FieldProblem(field=f"{name}.{i}", message="not an eligible pair", value=edited[i].tolist())
                for i in bad
            ],
        )
    return np.unique(rows)


def _after_locks(
    model: PlacementModel, lock_rows: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    instance, pairs = model.instance, model.pairs
    n_units = len(instance.units)
    c, p = pairs.candidate[lock_rows], pairs.position[lock_rows]
    seats = instance.positions.seats.astype(np.int64) - np.bincount(p, minlength=len(instance.positions))
    release = model.release_cap - np.bincount(instance.candidates.unit[c], minlength=n_units)
    intake = model.intake_cap - np.bincount(instance.positions.unit[p], minlength=n_units)
    problems = [
        FieldProblem(field="locks", message=message, value=int(i))
        for message, over in (
            ("candidate locked to more than one position", np.flatnonzero(np.bincount(c) > 1)),
            ("position locked beyond its open seats", np.flatnonzero(seats < 0)),
            ("unit would release more than its release cap", np.flatnonzero(release < 0)),
            ("unit would receive more than its intake cap", np.flatnonzero(intake < 0)),
        )
        for i in over
    ]
    if problems:
        raise LocksInfeasible("the locked pairs alone break a hard constraint", errors=problems)
    return seats, release, intake
