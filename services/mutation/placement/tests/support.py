"""Small hand-written placement rounds for the tests: units, positions and candidates written row by row,
turned into the engine's arrays, plus an independent LP of the same model (scipy's HiGHS)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array

from services.mutation.placement.domain.instance import (
    NO_LIMIT,
    UNKNOWN,
    Candidates,
    Locations,
    PlacementInstance,
    Positions,
    Units,
)
from services.mutation.placement.domain.pairs import EligibilityRules
from services.mutation.placement.domain.scoring import Weights

# Mamuju, Majene, Polewali (Sulawesi Barat kabupaten capitals, rounded)
MAMUJU, MAJENE, POLEWALI = 0, 1, 2
COORDINATES = ((-2.68, 118.89), (-3.54, 118.97), (-3.42, 119.34))

ONLY_MATCH = Weights(
    job_person_match=100,
    performance=0,
    talent=0,
    preference=0,
    distance=0,
    origin_workload=0,
    target_workload=0,
)


@dataclass
class U:
    need: float
    present: int
    location: int = MAMUJU
    agency: int = 0
    release_limit: int = NO_LIMIT
    intake_limit: int = NO_LIMIT


@dataclass
class P:
    unit: int
    seats: int = 1
    family: int = 0
    job_class: int = 8
    min_rank: int = 31
    standard: tuple[int, ...] = (3, 3)


@dataclass
class C:
    unit: int
    competency: tuple[int, ...] = (3, 3)
    family: int = 0
    job_class: int = 8
    rank: int = 32
    predicates: tuple[int, ...] = (3, 3)
    nine_box: int = 5
    preferences: tuple[int, ...] = ()
    gender: int = 1
    age: int = 40
    may_leave_agency: bool = True
    eligible: bool = True
    location: int | None = None


@dataclass
class Round:
    units: list[U]
    positions: list[P]
    candidates: list[C]
    forbidden: list[tuple[int, int]] = field(default_factory=list)
    coordinates: Sequence[tuple[float, float]] = COORDINATES

    def instance(self) -> PlacementInstance:
        n_comp = max(
            [len(p.standard) for p in self.positions] + [len(c.competency) for c in self.candidates] + [0]
        )
        n_pref = max([len(c.preferences) for c in self.candidates] + [1])

        def padded(values: tuple[int, ...], width: int, fill: int) -> list[int]:
            return [*values, *([fill] * (width - len(values)))]

        units, positions, candidates = self.units, self.positions, self.candidates
        return PlacementInstance(
            locations=Locations(
                np.array(self.coordinates).reshape(-1, 2)[:, 0],
                np.array(self.coordinates).reshape(-1, 2)[:, 1],
            ),
            units=Units(
                need=np.array([u.need for u in units]),
                present=np.array([u.present for u in units]),
                location=np.array([u.location for u in units]),
                agency=np.array([u.agency for u in units]),
                release_limit=np.array([u.release_limit for u in units]),
                intake_limit=np.array([u.intake_limit for u in units]),
            ),
            positions=Positions(
                unit=np.array([p.unit for p in positions]),
                seats=np.array([p.seats for p in positions]),
                job_family=np.array([p.family for p in positions]),
                job_class=np.array([p.job_class for p in positions]),
                min_rank=np.array([p.min_rank for p in positions]),
                standard=np.array([padded(p.standard, n_comp, 0) for p in positions], dtype=np.uint8).reshape(
                    len(positions), n_comp
                ),
            ),
            candidates=Candidates(
                unit=np.array([c.unit for c in candidates]),
                location=np.array(
                    [units[c.unit].location if c.location is None else c.location for c in candidates]
                ),
                job_family=np.array([c.family for c in candidates]),
                job_class=np.array([c.job_class for c in candidates]),
                rank=np.array([c.rank for c in candidates]),
                competency=np.array([padded(c.competency, n_comp, 0) for c in candidates], np.uint8).reshape(
                    len(candidates), n_comp
                ),
                predicates=np.array([list(c.predicates) for c in candidates], np.int8).reshape(
                    len(candidates), -1
                )
                if candidates
                else np.empty((0, 2), np.int8),
                nine_box=np.array([c.nine_box for c in candidates]),
                preferences=np.array(
                    [padded(c.preferences, n_pref, UNKNOWN) for c in candidates], np.int32
                ).reshape(len(candidates), n_pref),
                gender=np.array([c.gender for c in candidates]),
                age=np.array([c.age for c in candidates]),
                may_leave_agency=np.array([c.may_leave_agency for c in candidates]),
                eligible=np.array([c.eligible for c in candidates]),
            ),
            forbidden=np.array(self.forbidden, np.int32).reshape(-1, 2),
        )


def eligible_by_brute_force(instance: PlacementInstance, rules: EligibilityRules) -> set[tuple[int, int]]:
    """The pair rules written out pair by pair, as a reference for the vectorised version."""
    cand, pos, units = instance.candidates, instance.positions, instance.units
    forbidden = {(int(c), int(p)) for c, p in instance.forbidden}
    found = set()
    for c in range(len(cand)):
        for p in range(len(pos)):
            target, origin = int(pos.unit[p]), int(cand.unit[c])
            if (
                cand.eligible[c]
                and pos.seats[p] > 0
                and (pos.job_family[p] == UNKNOWN or pos.job_family[p] == cand.job_family[c])
                and -rules.job_class_below <= pos.job_class[p] - cand.job_class[c] <= rules.job_class_above
                and cand.rank[c] >= pos.min_rank[p]
                and target != origin
                and (units.agency[target] == units.agency[origin] or cand.may_leave_agency[c])
                and (c, p) not in forbidden
            ):
                found.add((c, p))
    return found


def release_caps_by_hand(instance: PlacementInstance) -> list[int]:
    caps = []
    for need, present, limit in zip(
        instance.units.need, instance.units.present, instance.units.release_limit, strict=True
    ):
        surplus = 0
        while present - (surplus + 1) >= need - 1e-9:
            surplus += 1
        caps.append(surplus if limit < 0 else min(surplus, int(limit)))
    return caps


def lp_optimum(
    instance: PlacementInstance,
    pairs: Sequence[tuple[int, int]],
    cost_of: dict[tuple[int, int], int],
    locks: Sequence[tuple[int, int]] = (),
) -> float | None:
    """The placement LP written directly (not as a flow) and solved by HiGHS through scipy: min Σ cost·x,
    0 <= x <= 1 (locks: x = 1), one move per candidate, seats per position, release cap per origin unit,
    intake limit per target unit. None when infeasible."""
    cand, pos, units = instance.candidates, instance.positions, instance.units
    n_c, n_p, n_u = len(cand), len(pos), len(units)
    if not pairs:
        return 0.0 if not locks else None
    rows, cols = [], []
    for k, (c, p) in enumerate(pairs):
        for row in (c, n_c + p, n_c + n_p + int(cand.unit[c]), n_c + n_p + n_u + int(pos.unit[p])):
            rows.append(row)
            cols.append(k)
    matrix = coo_array((np.ones(len(rows)), (rows, cols)), shape=(n_c + n_p + 2 * n_u, len(pairs)))
    intake = [float(limit) if limit >= 0 else 1e9 for limit in units.intake_limit]
    upper = (
        [1.0] * n_c
        + [float(s) for s in pos.seats]
        + [float(r) for r in release_caps_by_hand(instance)]
        + intake
    )
    locked = set(locks)
    bounds = [(1.0 if pair in locked else 0.0, 1.0) for pair in pairs]
    result = linprog(
        [cost_of[pair] for pair in pairs], A_ub=matrix.tocsr(), b_ub=upper, bounds=bounds, method="highs"
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return float(result.fun)
