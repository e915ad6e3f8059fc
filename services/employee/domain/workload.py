"""Workload analysis (ABK, analisis beban kerja; PermenPANRB 1/2020, Permendagri 12/2008) of positions,
and of units and agencies by summing their positions. Pure Python: no I/O, no framework.

A position's tasks each have a yearly volume and a time norm (minutes per unit of output); the workload
in hours is their sum of volume x norm / 60, and 1,250 effective working hours make one person. Figures
are exact fractions so a band boundary is never missed by a rounding error; round only to show them.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar
from uuid import UUID

from services.employee.domain.organisation import lineage
from shared.errors import FieldProblem, InvalidInput

Key = TypeVar("Key")

EFFECTIVE_HOURS = 1250  # effective working hours of one person in a year
MINUTES_PER_HOUR = 60


@dataclass(frozen=True)
class Task:
    name: str
    yearly_volume: Decimal
    output_unit: str  # satuan hasil: what one unit of volume is, e.g. "dokumen", "laporan"
    time_norm_minutes: Decimal  # norma waktu: minutes one unit of output takes

    @property
    def minutes(self) -> Decimal:
        return self.yearly_volume * self.time_norm_minutes


@dataclass(frozen=True)
class TaskList:
    """A position's tasks as last put. Version 0 is a position whose ABK was never made."""

    position_id: UUID
    tasks: tuple[Task, ...]
    version: int
    assessed_at: datetime | None


def replace_tasks(current: TaskList, tasks: Sequence[Task], *, at: datetime) -> TaskList:
    """The position's new task list, replacing the whole of the current one.

    Every volume is zero or more (a task may produce nothing this year) and every norm more than zero.
    """
    problems = []
    for line, task in enumerate(tasks):
        if task.yearly_volume < 0:
            problems.append(_problem(line, "yearly_volume", "cannot be negative", task.yearly_volume))
        if task.time_norm_minutes <= 0:
            problems.append(
                _problem(line, "time_norm_minutes", "must be more than zero", task.time_norm_minutes)
            )
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems)
    return TaskList(current.position_id, tuple(tasks), current.version + 1, at)


def _problem(line: int, field: str, message: str, value: Decimal) -> FieldProblem:
    return FieldProblem(field=f"tasks.{line}.{field}", message=message, value=str(value))


def workload_minutes(tasks: Iterable[Task]) -> Decimal:
    return sum((task.minutes for task in tasks), Decimal(0))


class EfficiencyBand(StrEnum):
    """Prestasi jabatan/unit (PJ/PU) by efficiency EJ/EU, as Permendagri 12/2008 bands it. A is an
    over-loaded position (more work than its staff's hours), E an under-loaded one."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def label(self) -> str:
        return _BAND_LABELS[self]


_BAND_LABELS = {
    EfficiencyBand.A: "Sangat Baik",
    EfficiencyBand.B: "Baik",
    EfficiencyBand.C: "Cukup",
    EfficiencyBand.D: "Sedang",
    EfficiencyBand.E: "Kurang",
}


def band_of(efficiency: Fraction) -> EfficiencyBand:
    """A > 1.00; B 0.90-1.00; C 0.70-0.89; D 0.50-0.69; E < 0.50. The regulation writes two decimals;
    on exact values C ends just below 0.90 and D just below 0.70, so no value falls between bands."""
    if efficiency > 1:
        return EfficiencyBand.A
    if efficiency >= Fraction(90, 100):
        return EfficiencyBand.B
    if efficiency >= Fraction(70, 100):
        return EfficiencyBand.C
    if efficiency >= Fraction(50, 100):
        return EfficiencyBand.D
    return EfficiencyBand.E


def whole_persons(exact_need: Fraction) -> int:
    """The documented rounding rule: half up, so 1.50 persons of work needs 2 people and 1.49 needs 1."""
    return math.floor(exact_need + Fraction(1, 2))


class Staffing(StrEnum):
    OVER = "over"  # more people than the work needs (gap < 0): staff can be released
    UNDER = "under"  # fewer people than the work needs (gap > 0): staff are needed
    BALANCED = "balanced"


@dataclass(frozen=True)
class Workload:
    """The ABK figures of one position, or the sum over positions (a unit with its sub-units, an agency).

    `staff_needed` of a sum is the sum of each position's whole persons, since people fill positions.
    """

    hours: Fraction = Fraction(0)
    staff_needed: int = 0
    present: int = 0  # bezetting: active employees holding the position(s)

    def __add__(self, other: "Workload") -> "Workload":
        return Workload(
            self.hours + other.hours, self.staff_needed + other.staff_needed, self.present + other.present
        )

    @property
    def staff_needed_exact(self) -> Fraction:
        return self.hours / EFFECTIVE_HOURS

    @property
    def gap(self) -> int:
        return self.staff_needed - self.present

    @property
    def unstaffed(self) -> bool:
        return self.present == 0

    @property
    def efficiency(self) -> Fraction | None:
        """EJ (of a position) or EU (of a unit): workload / (present x 1,250); none without staff."""
        return None if self.unstaffed else self.hours / (self.present * EFFECTIVE_HOURS)

    @property
    def band(self) -> EfficiencyBand | None:
        efficiency = self.efficiency
        return None if efficiency is None else band_of(efficiency)

    @property
    def staffing(self) -> Staffing:
        if self.gap > 0:
            return Staffing.UNDER
        if self.gap < 0:
            return Staffing.OVER
        return Staffing.BALANCED


def position_workload(minutes: Decimal, present: int) -> Workload:
    """The figures of a position whose tasks take `minutes` a year and which `present` people hold."""
    hours = Fraction(minutes) / MINUTES_PER_HOUR
    return Workload(hours=hours, staff_needed=whole_persons(hours / EFFECTIVE_HOURS), present=present)


def totals_by(keyed: Iterable[tuple[Key, Workload]]) -> dict[Key, Workload]:
    """Figures summed per key, e.g. positions' figures per agency."""
    totals: dict[Key, Workload] = defaultdict(Workload)
    for key, workload in keyed:
        totals[key] += workload
    return dict(totals)


def unit_workloads(
    tree: Mapping[UUID, UUID | None], positions: Iterable[tuple[UUID, Workload]]
) -> dict[UUID, Workload]:
    """Each unit's figures over its own positions and those of all its sub-units, from each position's
    unit and figures; `tree` maps every unit to its parent. Units without positions are left out."""
    return totals_by((unit, workload) for unit_id, workload in positions for unit in lineage(unit_id, tree))


def rounded(value: Fraction, places: int) -> Decimal:
    """A figure to show, rounded half up."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
