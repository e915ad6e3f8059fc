"""What a plan does to the units and how two plans differ: moves, total score, staffing gaps before and
after per unit, under-staffed positions and the spread of unit efficiency EJ (Permendagri 12/2008)."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.instance import PlacementInstance
from shared.errors import InvalidInput


@dataclass(frozen=True)
class MoveSet:
    """A plan's moves as comparisons and reports read them: from a solved `Plan` (`Plan.move_set()`) or
    read back from storage, over the round's instance."""

    instance: PlacementInstance
    candidate: NDArray[np.int32]
    position: NDArray[np.int32]
    locked: NDArray[np.bool_]
    score: NDArray[np.float64]

    @property
    def total_score(self) -> float:
        return round(float(self.score.sum()), 3)

    def __len__(self) -> int:
        return len(self.candidate)


@dataclass(frozen=True)
class UnitStaffing:
    """Per unit: ABK need, staff before and after the plan, gap (need - present) and EJ before and after."""

    need: NDArray[np.float64]
    present_before: NDArray[np.int64]
    present_after: NDArray[np.int64]
    released: NDArray[np.int64]
    received: NDArray[np.int64]

    @property
    def gap_before(self) -> NDArray[np.float64]:
        return self.need - self.present_before

    @property
    def gap_after(self) -> NDArray[np.float64]:
        return self.need - self.present_after

    @property
    def ej_before(self) -> NDArray[np.float64]:
        return _efficiency(self.need, self.present_before)

    @property
    def ej_after(self) -> NDArray[np.float64]:
        return _efficiency(self.need, self.present_after)


def _efficiency(need: NDArray[np.float64], present: NDArray[np.int64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(present > 0, need / np.maximum(present, 1), np.where(need > 0, np.inf, 1.0))


@dataclass(frozen=True)
class Spread:
    """How evenly work is spread: EJ of the staffed units (an empty unit has no EJ), and the units at least
    one whole person short of their need (the mirror of the release rule)."""

    ej_std: float
    ej_min: float
    ej_max: float
    understaffed_units: int
    empty_units: int


def _spread(staffing: UnitStaffing, present: NDArray[np.int64]) -> Spread:
    ej = _efficiency(staffing.need, present)
    staffed = present > 0
    values = ej[staffed]
    return Spread(
        ej_std=float(values.std()) if values.size else 0.0,
        ej_min=float(values.min()) if values.size else 0.0,
        ej_max=float(values.max()) if values.size else 0.0,
        understaffed_units=int((staffing.need - present >= 1 - 1e-9).sum()),
        empty_units=int((~staffed).sum()),
    )


@dataclass(frozen=True)
class PlanSummary:
    moves: int
    locked_moves: int
    total_score: float
    open_seats_before: int
    open_seats_after: int
    understaffed_positions_before: int  # positions with an open seat
    understaffed_positions_after: int
    spread_before: Spread
    spread_after: Spread


def staffing(plan: MoveSet) -> UnitStaffing:
    instance = plan.instance
    n_units = len(instance.units)
    released = np.bincount(instance.candidates.unit[plan.candidate], minlength=n_units)
    received = np.bincount(instance.positions.unit[plan.position], minlength=n_units)
    before = instance.units.present.astype(np.int64)
    return UnitStaffing(
        need=instance.units.need,
        present_before=before,
        present_after=before - released + received,
        released=released,
        received=received,
    )


def summarize(plan: MoveSet) -> PlanSummary:
    positions = plan.instance.positions
    seats = positions.seats.astype(np.int64)
    left = seats - np.bincount(plan.position, minlength=len(positions))
    units = staffing(plan)
    return PlanSummary(
        moves=len(plan),
        locked_moves=int(plan.locked.sum()),
        total_score=plan.total_score,
        open_seats_before=int(seats.sum()),
        open_seats_after=int(left.sum()),
        understaffed_positions_before=int((seats > 0).sum()),
        understaffed_positions_after=int((left > 0).sum()),
        spread_before=_spread(units, units.present_before),
        spread_after=_spread(units, units.present_after),
    )


@dataclass(frozen=True)
class PlanComparison:
    """Plan `a` against plan `b` of the same round. Moves are (candidate, position) rows."""

    a: PlanSummary
    b: PlanSummary
    only_in_a: NDArray[np.int32]
    only_in_b: NDArray[np.int32]
    in_both: int
    score_difference: float  # b - a
    units_a: UnitStaffing
    units_b: UnitStaffing


def compare(a: MoveSet, b: MoveSet) -> PlanComparison:
    if a.instance is not b.instance:
        raise InvalidInput("only plans of the same round data can be compared")
    in_a = set(zip(a.candidate.tolist(), a.position.tolist(), strict=True))
    in_b = set(zip(b.candidate.tolist(), b.position.tolist(), strict=True))

    def rows(moves: set[tuple[int, int]]) -> NDArray[np.int32]:
        return np.array(sorted(moves), dtype=np.int32).reshape(-1, 2)

    return PlanComparison(
        a=summarize(a),
        b=summarize(b),
        only_in_a=rows(in_a - in_b),
        only_in_b=rows(in_b - in_a),
        in_both=len(in_a & in_b),
        score_difference=b.total_score - a.total_score,
        units_a=staffing(a),
        units_b=staffing(b),
    )
