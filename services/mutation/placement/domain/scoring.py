"""The score of every eligible pair, kept component by component so each move can be explained.

A pair's score, in points, is the weighted sum of seven components, each on a fixed scale:

| component          | scale   | meaning                                                                 |
|--------------------|---------|-------------------------------------------------------------------------|
| job_person_match   | 0..1    | Σ min(level, required) ÷ Σ required against the target's standard       |
|                    |         | (PermenPANRB 38/2017); 0.5 where the position has no standard            |
| performance        | 0..1    | mean value of the recent annual predicates (PermenPANRB 6/2022)          |
| talent             | 0..1    | the 9-box (PermenPANRB 3/2020): (box - 1) ÷ 8; 0.5 where unknown         |
| preference         | 0..1    | 1 for the first preferred location, then 0.75, 0.5, 0.25; 0 elsewhere    |
| distance           | -1..0   | -(relocation distance ÷ `distance_scale_km`), at most -1                 |
| origin_workload    | -1..1   | 1 - EJ of the origin unit: releasing from an over-staffed unit helps     |
| target_workload    | -1..1   | EJ - 1 of the target unit: staffing an over-loaded unit helps            |

The default weights are points at a component's full scale: a perfect move scores 100 before up to 10
points of travel; fit to the job counts most, then performance and the person's wishes, then talent,
travel and the workload of the two units. Staying put scores 0, so a move is made only when it is worth
more than staying. The solver works on integer costs: -round(score x COST_SCALE), a thousandth of a point.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.instance import UNKNOWN, PlacementInstance
from services.mutation.placement.domain.pairs import EligiblePairs
from shared.errors import FieldProblem, InvalidInput

COST_SCALE = 1000
CHUNK = 1 << 20  # pairs scored at a time: bounds the (pairs x competencies) temporaries
EARTH_RADIUS_KM = 6371.0088

COMPONENTS = (
    "job_person_match",
    "performance",
    "talent",
    "preference",
    "distance",
    "origin_workload",
    "target_workload",
)


@dataclass(frozen=True)
class Weights:
    """Points a component adds at its full scale; 0 switches a component off."""

    job_person_match: float = 40.0
    performance: float = 15.0
    talent: float = 10.0
    preference: float = 15.0
    distance: float = 10.0
    origin_workload: float = 10.0
    target_workload: float = 10.0

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(field=f"weights.{f.name}", message="must be a number from 0 to 1000", value=value)
            for f in fields(self)
            if not (np.isfinite(value := getattr(self, f.name)) and 0 <= value <= 1000)
        ]
        if problems:
            raise InvalidInput("weights out of range", errors=problems)

    def vector(self) -> NDArray[np.float64]:
        return np.array([getattr(self, name) for name in COMPONENTS], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def replace(self, changes: Mapping[str, float]) -> "Weights":
        unknown = sorted(set(changes) - set(COMPONENTS))
        if unknown:
            raise InvalidInput(
                "unknown weights",
                errors=[FieldProblem(field=f"weights.{n}", message="unknown") for n in unknown],
            )
        return Weights(**{**self.as_dict(), **changes})


@dataclass(frozen=True)
class ScoringRules:
    """Scales of the components. Predicate values run Sangat Kurang, Kurang, Butuh Perbaikan, Baik,
    Sangat Baik; unknown predicates, 9-box or standard score the neutral `unknown`."""

    distance_scale_km: float = 300.0
    preference_steps: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25)
    predicate_values: tuple[float, float, float, float, float] = (0.0, 0.1, 0.3, 0.7, 1.0)
    unknown: float = 0.5


@dataclass(frozen=True)
class PairComponents:
    """Component values of every pair: row k of `values` is component COMPONENTS[k], float32 to halve the
    memory of a province-wide round (the costs are rounded to a thousandth of a point anyway)."""

    values: NDArray[np.float32]

    def __len__(self) -> int:
        return self.values.shape[1]

    def subset(self, keep: NDArray[np.bool_]) -> "PairComponents":
        return PairComponents(np.ascontiguousarray(self.values[:, keep]))

    def scores(self, weights: Weights, rows: NDArray[np.int64] | slice = slice(None)) -> NDArray[np.float64]:
        return weights.vector() @ self.values[:, rows].astype(np.float64)

    def costs(self, weights: Weights) -> NDArray[np.int64]:
        """Integer min-cost-flow costs, -score in thousandths of a point. The weighted sum runs in float32
        like the components themselves: the same inputs always round to the same integers, and the
        solver, the duals and every check work on those integers alone."""
        out = np.empty(len(self), np.int64)
        w = (weights.vector() * COST_SCALE).astype(np.float32)
        for low in range(0, len(self), CHUNK):
            block = slice(low, low + CHUNK)
            out[block] = -np.rint(w @ self.values[:, block])
        return out


def haversine_km(lat1: NDArray, lon1: NDArray, lat2: NDArray, lon2: NDArray) -> NDArray[np.float64]:
    lat1, lon1, lat2, lon2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def candidate_performance(instance: PlacementInstance, rules: ScoringRules) -> NDArray[np.float64]:
    """Mean value of each candidate's known recent predicates; `unknown` for someone without any."""
    codes = instance.candidates.predicates
    known = codes != UNKNOWN
    values = np.asarray(rules.predicate_values)[np.where(known, codes, 0)]
    count = known.sum(axis=1)
    total = np.where(known, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), rules.unknown)


def candidate_talent(instance: PlacementInstance, rules: ScoringRules) -> NDArray[np.float64]:
    box = instance.candidates.nine_box.astype(np.float64)
    return np.where(box > 0, (box - 1) / 8, rules.unknown)


def unit_workload_effects(instance: PlacementInstance) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(origin, target) workload component of each unit: how much releasing a person from it, and adding
    one to it, moves its efficiency EJ toward 1 (Permendagri 12/2008)."""
    ej = instance.units.efficiency()
    return np.clip(1 - ej, -1, 1), np.clip(ej - 1, -1, 1)


def pair_components(
    instance: PlacementInstance, pairs: EligiblePairs, rules: ScoringRules | None = None
) -> PairComponents:
    rules = rules or ScoringRules()
    cand, pos, loc = instance.candidates, instance.positions, instance.locations
    n = len(pairs)
    values = np.empty((len(COMPONENTS), n), np.float32)

    required = pos.standard.sum(axis=1, dtype=np.int32)
    performance = candidate_performance(instance, rules)
    talent = candidate_talent(instance, rules)
    origin_effect, target_effect = unit_workload_effects(instance)
    position_location = instance.position_location()
    steps = np.asarray(rules.preference_steps, dtype=np.float64)
    slot_value = (
        steps[np.minimum(np.arange(cand.preferences.shape[1]), len(steps) - 1)] if len(steps) else np.zeros(0)
    )
    # Locations are few (kabupaten/kota): a distance table beats a trigonometric call per pair.
    n_loc = len(loc)
    table = (
        haversine_km(
            loc.latitude[:, None], loc.longitude[:, None], loc.latitude[None, :], loc.longitude[None, :]
        ).ravel()
        if n_loc <= 4096
        else None
    )

    for low in range(0, n, CHUNK):
        block = slice(low, min(low + CHUNK, n))
        c, p = pairs.candidate[block], pairs.position[block]
        if cand.competency.shape[1]:
            met = np.minimum(cand.competency[c], pos.standard[p]).sum(axis=1, dtype=np.int32)
            need = required[p]
            values[0, block] = np.where(need > 0, met / np.maximum(need, 1), rules.unknown)
        else:
            values[0, block] = rules.unknown
        values[1, block] = performance[c]
        values[2, block] = talent[c]
        target_location = position_location[p]
        if cand.preferences.shape[1] and len(slot_value):
            hit = cand.preferences[c] == target_location[:, None]
            values[3, block] = np.where(hit.any(axis=1), slot_value[hit.argmax(axis=1)], 0.0)
        else:
            values[3, block] = 0.0
        origin_location = cand.location[c]
        if table is not None:
            km = table[origin_location.astype(np.int64) * n_loc + target_location]
        else:
            km = haversine_km(
                loc.latitude[origin_location],
                loc.longitude[origin_location],
                loc.latitude[target_location],
                loc.longitude[target_location],
            )
        values[4, block] = -np.minimum(km / rules.distance_scale_km, 1.0)
        values[5, block] = origin_effect[cand.unit[c]]
        values[6, block] = target_effect[pos.unit[p]]
    return PairComponents(values)


def pair_distance_km(instance: PlacementInstance, candidate: NDArray, position: NDArray) -> NDArray:
    loc = instance.locations
    a, b = instance.candidates.location[candidate], instance.position_location()[position]
    return haversine_km(loc.latitude[a], loc.longitude[a], loc.latitude[b], loc.longitude[b])
