"""Who a plan moves, by gender, rank group and age band, and whether any group fares worse than four
fifths of the best-faring group of its dimension — the adverse-impact rule of thumb (the "four-fifths
rule" of the US Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D)), a screening flag
for a human to look into, not a verdict.

Two outcomes are compared: being moved, out of the pool (the selection rate), and, among the people who
stated preferred locations, being moved to one of them.
"""

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.compare import MoveSet
from services.mutation.placement.domain.instance import FEMALE, MALE, UNKNOWN
from services.mutation.placement.domain.scoring import pair_distance_km

FOUR_FIFTHS = 0.8
AGE_BANDS = ((0, 30, "<30"), (30, 40, "30-39"), (40, 50, "40-49"), (50, 200, "50+"))
RANK_GROUPS = {1: "I", 2: "II", 3: "III", 4: "IV"}  # golongan: the tens digit of the SIASN rank code
GENDERS = {MALE: "male", FEMALE: "female"}


@dataclass(frozen=True)
class GroupOutcome:
    dimension: str
    group: str
    pool: int
    eligible: int
    moved: int
    move_rate: float | None
    move_ratio: float | None  # move_rate / the highest move rate of the dimension
    with_preferences: int
    preference_met: int
    preference_rate: float | None
    preference_ratio: float | None
    mean_score: float | None
    mean_distance_km: float | None

    @property
    def flags(self) -> list[str]:
        return [
            name
            for name, ratio in (("move_rate", self.move_ratio), ("preference_rate", self.preference_ratio))
            if ratio is not None and ratio < FOUR_FIFTHS
        ]


@dataclass(frozen=True)
class FairnessReport:
    groups: list[GroupOutcome]
    threshold: float = FOUR_FIFTHS

    @property
    def flagged(self) -> list[GroupOutcome]:
        return [g for g in self.groups if g.flags]


def _dimensions(plan: MoveSet) -> list[tuple[str, NDArray[np.int64], dict[int, str]]]:
    candidates = plan.instance.candidates
    age = candidates.age
    band = np.full(len(age), -1, np.int64)
    for i, (low, high, _) in enumerate(AGE_BANDS):
        band[(age >= low) & (age < high)] = i
    return [
        ("gender", candidates.gender.astype(np.int64), GENDERS),
        ("rank_group", candidates.rank.astype(np.int64) // 10, RANK_GROUPS),
        ("age_band", band, {i: label for i, (_, _, label) in enumerate(AGE_BANDS)}),
    ]


def fairness_report(plan: MoveSet, eligible: NDArray[np.bool_]) -> FairnessReport:
    """`eligible` marks the candidates with at least one eligible pair (`Plan.eligible_candidates()`)."""
    instance = plan.instance
    candidates, n = instance.candidates, len(instance.candidates)
    moved = np.zeros(n, bool)
    moved[plan.candidate] = True
    stated = (candidates.preferences != UNKNOWN).any(axis=1)
    target_location = instance.position_location()[plan.position]
    met = np.zeros(n, bool)
    met[plan.candidate] = (candidates.preferences[plan.candidate] == target_location[:, None]).any(axis=1)
    score = np.full(n, np.nan)
    score[plan.candidate] = plan.score
    distance = np.full(n, np.nan)
    distance[plan.candidate] = pair_distance_km(instance, plan.candidate, plan.position)

    groups: list[GroupOutcome] = []
    for dimension, codes, labels in _dimensions(plan):
        rows = []
        for code, label in labels.items():
            member = codes == code
            size = int(member.sum())
            if size == 0:
                continue
            count_moved = int((member & moved).sum())
            with_pref = int((member & stated).sum())
            count_met = int((member & moved & met).sum())
            rows.append(
                GroupOutcome(
                    dimension=dimension,
                    group=label,
                    pool=size,
                    eligible=int((member & eligible).sum()),
                    moved=count_moved,
                    move_rate=count_moved / size,
                    move_ratio=None,
                    with_preferences=with_pref,
                    preference_met=count_met,
                    preference_rate=count_met / with_pref if with_pref else None,
                    preference_ratio=None,
                    mean_score=_mean(score, member & moved),
                    mean_distance_km=_mean(distance, member & moved),
                )
            )
        move_ratio = _ratios([r.move_rate for r in rows])
        preference_ratio = _ratios([r.preference_rate for r in rows])
        groups.extend(
            replace(r, move_ratio=m, preference_ratio=p)
            for r, m, p in zip(rows, move_ratio, preference_ratio, strict=True)
        )
    return FairnessReport(groups)


def _mean(values: NDArray[np.float64], where: NDArray[np.bool_]) -> float | None:
    return round(float(values[where].mean()), 3) if where.any() else None


def _ratios(rates: list[float | None]) -> list[float | None]:
    top = max((r for r in rates if r is not None), default=0.0)
    return [round(r / top, 4) if r is not None and top > 0 else None for r in rates]
