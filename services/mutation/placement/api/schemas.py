"""Request and response bodies of the placement API."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from services.mutation.placement.domain.engine import TIE_BREAK
from services.mutation.placement.domain.explain import REASONS
from services.mutation.placement.domain.rounds import (
    PlanState,
    PoolKind,
    PoolRule,
    RoundState,
    ScopeKind,
    SelfRequest,
    UnitCaps,
)
from shared.inputs import Nip, RequestModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Weight = Annotated[float, Field(ge=0, le=1000)]


class WeightsIn(RequestModel):
    """Points a component adds at its full scale (0 switches it off); omitted ones keep their value."""

    job_person_match: Weight | None = None
    performance: Weight | None = None
    talent: Weight | None = None
    preference: Weight | None = None
    distance: Weight | None = None
    origin_workload: Weight | None = None
    target_workload: Weight | None = None

    def changes(self) -> dict[str, float]:
        return self.model_dump(exclude_none=True)


class LongPosting(RequestModel):
    kind: Literal["long_posting"]
    min_years: int = Field(5, ge=0, le=40, description="more years than this in the same position")


class OverStaffedUnits(RequestModel):
    kind: Literal["over_staffed_units"]


class SuccessionPool(RequestModel):
    kind: Literal["succession_pool"]


class SelfRequestIn(RequestModel):
    nip: Nip
    preferred_locations: list[Name] = Field(
        default_factory=list, max_length=5, description="first choice first"
    )


class SelfRequests(RequestModel):
    kind: Literal["self_requests"]
    requests: list[SelfRequestIn] = Field(min_length=1, max_length=20_000)


class Explicit(RequestModel):
    kind: Literal["explicit"]
    nips: list[Nip] = Field(min_length=1, max_length=200_000)


PoolDefinition = Annotated[
    LongPosting | OverStaffedUnits | SuccessionPool | SelfRequests | Explicit, Field(discriminator="kind")
]


def pool_rule(
    definition: LongPosting | OverStaffedUnits | SuccessionPool | SelfRequests | Explicit,
) -> PoolRule:
    kind = PoolKind(definition.kind)
    if isinstance(definition, LongPosting):
        return PoolRule(kind, min_years=definition.min_years)
    if isinstance(definition, SelfRequests):
        return PoolRule(
            kind,
            requests=tuple(SelfRequest(r.nip, tuple(r.preferred_locations)) for r in definition.requests),
        )
    if isinstance(definition, Explicit):
        return PoolRule(kind, nips=tuple(definition.nips))
    return PoolRule(kind)


class Scope(RequestModel):
    kind: ScopeKind
    code: Code = Field(description="the agency's code, or the province's (e.g. 7200)")


UnitLimit = Annotated[int, Field(ge=0, le=100_000)]


class UnitLimits(RequestModel):
    """A unit's own move limits; a limit left out is the round's."""

    unit_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    release_limit: UnitLimit | None = Field(None, description="most moves out of this unit")
    intake_limit: UnitLimit | None = Field(None, description="most moves into this unit")

    def caps(self) -> UnitCaps:
        return UnitCaps(self.unit_id, self.release_limit, self.intake_limit)


def _each_unit_once(items: list[UnitLimits]) -> list[UnitLimits]:
    seen: set[str] = set()
    for item in items:
        if item.unit_id in seen:
            raise ValueError(f"unit {item.unit_id} is listed twice")
        seen.add(item.unit_id)
    return items


UnitLimitList = Annotated[
    list[UnitLimits],
    Field(max_length=20_000, description="units with limits of their own, overriding the round-wide ones"),
    AfterValidator(_each_unit_once),
]


class RoundCreate(RequestModel):
    name: Name
    scope: Scope
    pool: list[PoolDefinition] = Field(min_length=1, max_length=20)
    weights: WeightsIn = Field(default_factory=WeightsIn)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="the organisational reason the proposals will carry"
    )
    release_limit: UnitLimit | None = Field(None, description="most moves out of any one unit")
    intake_limit: UnitLimit | None = Field(None, description="most moves into any one unit")
    unit_limits: UnitLimitList = Field(default_factory=list)


class RoundUpdate(RequestModel):
    name: Name | None = None
    pool: list[PoolDefinition] | None = Field(None, min_length=1, max_length=20)
    weights: WeightsIn | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    release_limit: UnitLimit | None = None
    intake_limit: UnitLimit | None = None
    unit_limits: UnitLimitList | None = None


class RoundPublic(BaseModel):
    id: UUID
    name: str
    scope: Scope
    reason: str | None
    pool: list[dict[str, Any]]
    weights: dict[str, float]
    release_limit: int | None
    intake_limit: int | None
    unit_limits: list[UnitLimits]
    state: RoundState
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: Any) -> "RoundPublic":
        return cls(
            **{k: row[k] for k in cls.model_fields if k in row and k not in ("scope", "unit_limits")},
            scope=Scope(kind=row["scope_kind"], code=row["scope_code"]),
            unit_limits=row["unit_limits"] or [],
        )


class PlanPublic(BaseModel):
    id: UUID
    round_id: UUID
    snapshot_id: UUID
    parent_id: UUID | None = Field(description="the plan a what-if started from")
    kind: Literal["optimal", "what_if"]
    weights: dict[str, float]
    edits: dict[str, Any]
    total_score: float
    optimality_gap: int = Field(
        description="dual minus primal objective in thousandths of a point: 0 proves it"
    )
    moves: int
    summary: dict[str, Any] = Field(
        description="open seats, under-staffed positions, EJ spread before and after"
    )
    state: PlanState
    approved_by: str | None
    approved_at: datetime | None
    mutation_round_id: UUID | None = Field(description="the mutation round of proposals, once published")
    created_by: str
    created_at: datetime
    version: int

    @classmethod
    def of(cls, row: Any) -> "PlanPublic":
        return cls(**{k: row[k] for k in cls.model_fields})


class MovePublic(BaseModel):
    seq: int
    nip: str
    employee_name: str
    origin_unit_id: str | None
    origin_position_id: str | None
    target_position_id: str
    target_unit_id: str
    score: float
    locked: bool
    explanation: dict[str, Any] = Field(
        description="components (value, points), runners_up (reduced_cost: points lost at least), "
        "next_best_position, bound constraints with shadow prices, forbid_loss (exact, when computed); "
        "best_other_candidate (nip, name, score, margin) for the position and best_other_position "
        "(position_id, name, score, margin) for the person, margin being this move's score minus theirs "
        "in points (null: there is none); tie (a plan without this move scores the same) and tie_break "
        f"(the rule that settled it: {TIE_BREAK}); reason {{code, params}}: the code of the sentence that "
        f"says why, with its figures in points (codes: {', '.join(REASONS)})"
    )

    @classmethod
    def of(cls, row: Any) -> "MovePublic":
        return cls(**{k: row[k] for k in cls.model_fields})


class PairIn(RequestModel):
    nip: Nip
    position_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class WhatIfIn(RequestModel):
    """Added to the base plan's own locks and forbids; weight changes apply to its weights."""

    locks: list[PairIn] = Field(default_factory=list, max_length=5000)
    forbids: list[PairIn] = Field(default_factory=list, max_length=5000)
    weights: WeightsIn = Field(default_factory=WeightsIn)

    def changes(self) -> dict[str, Any]:
        return {
            "locks": [p.model_dump() for p in self.locks],
            "forbids": [p.model_dump() for p in self.forbids],
            "weights": self.weights.changes(),
        }


class GroupOutcomePublic(BaseModel):
    dimension: str
    group: str
    pool: int
    eligible: int
    moved: int
    move_rate: float | None
    move_ratio: float | None = Field(description="move rate / the dimension's highest; flagged below 0.8")
    with_preferences: int
    preference_met: int
    preference_rate: float | None
    preference_ratio: float | None
    mean_score: float | None
    mean_distance_km: float | None
    flags: list[str]


class FairnessPublic(BaseModel):
    threshold: float
    groups: list[GroupOutcomePublic]
    flagged: list[GroupOutcomePublic]


class UnitComparison(BaseModel):
    unit_id: str
    need: float
    present_before: int
    present_after_a: int
    present_after_b: int
    gap_before: float
    gap_after_a: float
    gap_after_b: float
    ej_before: float | None
    ej_after_a: float | None
    ej_after_b: float | None


class PairOut(BaseModel):
    nip: str
    position_id: str


class ComparisonPublic(BaseModel):
    a: UUID
    b: UUID
    summary_a: dict[str, Any]
    summary_b: dict[str, Any]
    score_difference: float = Field(description="b - a")
    in_both: int
    only_in_a: list[PairOut]
    only_in_b: list[PairOut]
    units: list[UnitComparison] = Field(description="units whose staff differ before/after either plan")
