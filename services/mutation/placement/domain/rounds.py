"""A placement round as HR defines it: its scope (one agency, or a whole province for moves between its
agencies), the candidate pool as a union of pool definitions, the weights, and per-unit move limits; and
the states a round and its plans go through. Pure Python."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from shared.errors import Conflict


class ScopeKind(StrEnum):
    AGENCY = "agency"
    PROVINCE = "province"


class PoolKind(StrEnum):
    LONG_POSTING = "long_posting"  # in the same position for more than `min_years` (PP 11/2017 Pasal 190: 5)
    OVER_STAFFED_UNITS = "over_staffed_units"  # in a unit at least one whole person above its ABK need
    SELF_REQUESTS = "self_requests"  # asked to move (atas permintaan sendiri), with preferred locations
    EXPLICIT = "explicit"  # named by HR
    SUCCESSION_POOL = "succession_pool"  # in boxes 7-9 of the talent grid, ready for strategic positions


@dataclass(frozen=True)
class SelfRequest:
    nip: str
    preferred_locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class PoolRule:
    kind: PoolKind
    min_years: int = 5
    nips: tuple[str, ...] = ()
    requests: tuple[SelfRequest, ...] = ()


@dataclass(frozen=True)
class UnitCaps:
    """One unit's own move limits, overriding the round-wide ones; None keeps the round's."""

    unit_id: str
    release_limit: int | None = None
    intake_limit: int | None = None


def unit_caps_as_json(caps: Iterable[UnitCaps]) -> list[dict[str, object]]:
    return [
        {"unit_id": c.unit_id, "release_limit": c.release_limit, "intake_limit": c.intake_limit} for c in caps
    ]


def unit_caps_of_json(stored: Sequence[Mapping[str, object]] | None) -> tuple[UnitCaps, ...]:
    return tuple(
        UnitCaps(
            str(c["unit_id"]),
            None if c.get("release_limit") is None else int(c["release_limit"]),  # type: ignore[call-overload]
            None if c.get("intake_limit") is None else int(c["intake_limit"]),  # type: ignore[call-overload]
        )
        for c in stored or ()
    )


def limits_per_unit(
    unit_ids: Sequence[str], default: int | None, overrides: Mapping[str, int | None], no_limit: int
) -> list[int]:
    """Each unit's limit in `unit_ids` order: its own where set, else the round's, else `no_limit`."""
    fallback = no_limit if default is None else default
    return [fallback if overrides.get(u) is None else overrides[u] for u in unit_ids]  # type: ignore[misc]


@dataclass(frozen=True)
class PoolPerson:
    """What the pool rules look at: the years in the current position, whether the unit is over-staffed and
    whether the person is in the talent grid's succession pool."""

    nip: str
    posting_years: int | None
    unit_over_staffed: bool
    in_succession_pool: bool = False


@dataclass(frozen=True)
class PoolMember:
    nip: str
    why: tuple[PoolKind, ...]
    preferred_locations: tuple[str, ...] = ()

    @property
    def self_requested(self) -> bool:
        return PoolKind.SELF_REQUESTS in self.why


@dataclass(frozen=True)
class Pool:
    members: tuple[PoolMember, ...]
    not_in_scope: tuple[str, ...] = field(default_factory=tuple)  # named NIPs the scope does not hold


def select_pool(rules: Sequence[PoolRule], people: Iterable[PoolPerson]) -> Pool:
    """The union of the pool definitions over the people of the scope, in the order the people come."""
    people = list(people)
    known = {p.nip for p in people}
    named: dict[str, list[PoolKind]] = {}
    preferences: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        if rule.kind is PoolKind.EXPLICIT:
            for nip in rule.nips:
                named.setdefault(nip, []).append(rule.kind)
        elif rule.kind is PoolKind.SELF_REQUESTS:
            for request in rule.requests:
                named.setdefault(request.nip, []).append(rule.kind)
                preferences[request.nip] = request.preferred_locations
    members = []
    for person in people:
        why = list(dict.fromkeys(named.get(person.nip, [])))
        for rule in rules:
            if rule.kind is PoolKind.LONG_POSTING and (person.posting_years or 0) > rule.min_years:
                why.append(rule.kind)
            elif rule.kind is PoolKind.OVER_STAFFED_UNITS and person.unit_over_staffed:
                why.append(rule.kind)
            elif rule.kind is PoolKind.SUCCESSION_POOL and person.in_succession_pool:
                why.append(rule.kind)
        if why:
            members.append(PoolMember(person.nip, tuple(dict.fromkeys(why)), preferences.get(person.nip, ())))
    return Pool(tuple(members), tuple(sorted(set(named) - known)))


class RoundState(StrEnum):
    DRAFT = "draft"  # defined, never solved
    SOLVED = "solved"  # has at least one plan
    PUBLISHED = "published"  # one of its plans became mutation proposals


class PlanState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    PUBLISHED = "published"


def approve(state: PlanState, round_state: RoundState) -> PlanState:
    if round_state is RoundState.PUBLISHED:
        raise Conflict("the round has already been published", code="round-published")
    if state is not PlanState.PROPOSED:
        raise Conflict(f"a plan that is {state.value} cannot be approved", code="plan-state")
    return PlanState.APPROVED


def publish(state: PlanState, round_state: RoundState) -> PlanState:
    if round_state is RoundState.PUBLISHED:
        raise Conflict("the round has already been published", code="round-published")
    if state is not PlanState.APPROVED:
        raise Conflict("only an approved plan can be published", code="plan-state")
    return PlanState.PUBLISHED


def edit_allowed(round_state: RoundState) -> None:
    if round_state is RoundState.PUBLISHED:
        raise Conflict("the round has already been published", code="round-published")


def pool_as_json(rules: Sequence[PoolRule]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for rule in rules:
        entry: dict[str, object] = {"kind": rule.kind.value}
        if rule.kind is PoolKind.LONG_POSTING:
            entry["min_years"] = rule.min_years
        if rule.kind is PoolKind.EXPLICIT:
            entry["nips"] = list(rule.nips)
        if rule.kind is PoolKind.SELF_REQUESTS:
            entry["requests"] = [
                {"nip": r.nip, "preferred_locations": list(r.preferred_locations)} for r in rule.requests
            ]
        out.append(entry)
    return out


def pool_of_json(raw: Sequence[Mapping[str, object]]) -> tuple[PoolRule, ...]:
    rules = []
    for entry in raw:
        kind = PoolKind(str(entry["kind"]))
        requests = tuple(
            SelfRequest(str(r["nip"]), tuple(str(x) for x in r.get("preferred_locations", ())))
            for r in entry.get("requests", ())  # type: ignore[attr-defined]
        )
        rules.append(
            PoolRule(
                kind=kind,
                min_years=int(entry.get("min_years", 5)),  # type: ignore[call-overload]
                nips=tuple(str(n) for n in entry.get("nips", ())),  # type: ignore[attr-defined]
                requests=requests,
            )
        )
    return tuple(rules)
