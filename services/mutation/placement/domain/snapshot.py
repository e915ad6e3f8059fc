"""A round's data, as `adapters/snapshot.py` reads it from the mutation service's read models (organisation,
ABK, employees, competencies, predicates, relatives, bonds and proposals in flight), assembled into the
engine's arrays: plain Python over the rows.

What becomes what:
- vacancies: positions of the scope with an ABK (staff needed) above their active holders and the moves
  already under way into them; JPT positions are filled by open selection, not by placement;
- units: need = Σ ABK hours / 1,250 of their positions (a position without an ABK counts its holders as its
  need), present = the active holders of their positions;
- candidates: the pool (domain/rounds.py) minus those with a mutation proposal still open; the mutation
  policy's person-level rules (active PNS, minimum posting, predicates, discipline, study leave and
  service bonds, retirement) mark who is excluded, and why; the pair rules (job class window, job-person
  match floor) come from the same policy;
- job family: the position's name without its functional level for functional and executing positions,
  its type for administrator and supervisor positions (heads rotate among heads);
- conflicts of interest: every vacancy in a unit where a recorded relative works is forbidden.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from services.mutation.domain.eligibility import (
    PREDICATE_ORDER,
    RULES_BY_NAME,
    Facts,
    Move,
    Outcome,
    Person,
    Policy,
    Target,
)
from services.mutation.placement.domain import locations as places
from services.mutation.placement.domain.instance import (
    FEMALE,
    MALE,
    NO_LIMIT,
    UNKNOWN,
    Candidates,
    Locations,
    PlacementInstance,
    Positions,
    Units,
)
from services.mutation.placement.domain.pairs import EligibilityRules
from services.mutation.placement.domain.rounds import (
    Pool,
    PoolMember,
    PoolPerson,
    PoolRule,
    ScopeKind,
    UnitCaps,
    limits_per_unit,
    select_pool,
)

Row = Mapping[str, Any]

EFFECTIVE_HOURS = 1250  # one person's effective working hours a year (PermenPANRB 1/2020)
PERSON_RULES = (
    "active_pns",
    "minimum_posting",
    "appraisal_predicate",
    "disciplinary",
    "study_leave_or_bond",
    "retirement",
)
LEVEL_SUFFIXES = (
    "ahli pertama",
    "ahli muda",
    "ahli madya",
    "ahli utama",
    "terampil",
    "mahir",
    "penyelia",
    "pemula",
)


@dataclass(frozen=True)
class RoundSpec:
    scope_kind: ScopeKind
    scope_code: str
    pool: tuple[PoolRule, ...]
    release_limit: int | None = None
    intake_limit: int | None = None
    unit_limits: tuple[UnitCaps, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """The instance and what its rows are: `keys` holds the NIPs, names, ids and location names per row,
    `summary` the counts and who was left out, `rules` the pair rules taken from the policy."""

    instance: PlacementInstance
    keys: dict[str, list[Any]]
    summary: dict[str, Any]
    rules: EligibilityRules


def job_family(position_type: str, name: str) -> str:
    if position_type in ("administrator", "pengawas"):
        return position_type
    stem = " ".join(name.split()).casefold()
    for suffix in LEVEL_SUFFIXES:
        if stem.endswith(" " + suffix):
            stem = stem[: -len(suffix) - 1]
            break
    return f"{position_type}:{stem}"


def siasn_rank(code: str | None) -> int:
    """'III/c' -> 33 (SIASN's code); 0 for no rank."""
    if not code or "/" not in code:
        return 0
    group, letter = code.split("/", 1)
    groups = {"I": 1, "II": 2, "III": 3, "IV": 4}
    if group not in groups or len(letter) != 1 or not "a" <= letter <= "e":
        return 0
    return groups[group] * 10 + ord(letter) - ord("a") + 1


def _years(start: date | None, end: date) -> int | None:
    if start is None:
        return None
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


@dataclass(frozen=True)
class ScopeRows:
    """The rows of a round's scope: its agencies, their units, positions and employees (each in the order of
    its key), the moves in flight into each position, who has a proposal still open, and the 9-box of those
    assessed."""

    codes: list[str]
    units: list[Row]
    positions: list[Row]
    employees: list[Row]
    incoming: Mapping[str, int]
    busy: set[str]
    boxes: Mapping[str, Row]


@dataclass(frozen=True)
class PeopleRows:
    """What the read models hold of a round's candidates: competency levels, annual predicates, service bonds
    and family ties (both directions)."""

    levels: Mapping[str, dict[str, int]]
    predicates: Mapping[str, dict[int, str]]
    bonds: Mapping[str, date]
    ties: Mapping[str, set[str]]


@dataclass(frozen=True)
class Staffing:
    """Each unit's need and present staff, each position's open seats."""

    need: np.ndarray
    present: np.ndarray
    seats: np.ndarray


def staffing(scope: ScopeRows) -> Staffing:
    unit_rows, position_rows, employee_rows = scope.units, scope.positions, scope.employees
    incoming = scope.incoming
    unit_index = {row["unit_id"]: i for i, row in enumerate(unit_rows)}
    holders: Counter[str] = Counter(
        e["position_id"] for e in employee_rows if e["status"] == "active" and e["position_id"]
    )

    # --- units: need from the ABK of their positions, present from the active holders ------------------
    need = np.zeros(len(unit_rows))
    present = np.zeros(len(unit_rows), np.int64)
    for row in position_rows:
        u = unit_index.get(row["unit_id"])
        if u is None:
            continue
        held = holders[row["position_id"]]
        present[u] += held
        hours = row["workload_hours"]
        need[u] += hours / EFFECTIVE_HOURS if hours is not None else held

    # --- vacancies ----------------------------------------------------------------------------------------
    seats = np.zeros(len(position_rows), np.int64)
    for p, row in enumerate(position_rows):
        if row["staff_needed"] is None or row["type"] == "jpt" or row["unit_id"] not in unit_index:
            continue
        seats[p] = max(
            0, row["staff_needed"] - holders[row["position_id"]] - incoming.get(row["position_id"], 0)
        )
    return Staffing(need, present, seats)


def candidates(
    spec: RoundSpec, scope: ScopeRows, staffed: Staffing, on: date
) -> tuple[Pool, list[PoolMember]]:
    """The round's pool, and its members without a proposal still open: the candidates."""
    unit_rows, employee_rows, boxes = scope.units, scope.employees, scope.boxes
    need, present = staffed.need, staffed.present
    over_staffed = {row["unit_id"] for u, row in enumerate(unit_rows) if present[u] - need[u] >= 1 - 1e-9}
    people = [
        PoolPerson(
            nip=e["nip"],
            posting_years=_years(e["position_tmt"], on),
            unit_over_staffed=e["unit_id"] in over_staffed,
            in_succession_pool=e["nip"] in boxes and boxes[e["nip"]]["in_succession_pool"],
        )
        for e in employee_rows
    ]
    pool = select_pool(spec.pool, people)
    return pool, [m for m in pool.members if m.nip not in scope.busy]


def assemble(
    spec: RoundSpec,
    scope: ScopeRows,
    staffed: Staffing,
    pool: Pool,
    members: Sequence[PoolMember],
    people: PeopleRows,
    *,
    on: date,
    policies: Mapping[str, Policy],
    scope_policy: Policy,
) -> Snapshot:
    """The instance, its keys and its summary. `policies` maps each agency of the scope to its policy in force
    (the person-level rules use the candidate's agency's)."""
    codes, unit_rows, position_rows = scope.codes, scope.units, scope.positions
    need, present, seats, boxes = staffed.need, staffed.present, staffed.seats, scope.boxes
    levels: defaultdict[str, dict[str, int]] = defaultdict(dict, people.levels)
    predicates: defaultdict[str, dict[int, str]] = defaultdict(dict, people.predicates)
    bonds, ties = people.bonds, people.ties
    nips = [m.nip for m in members]
    employee_by_nip = {e["nip"]: e for e in scope.employees}
    unit_index = {row["unit_id"]: i for i, row in enumerate(unit_rows)}
    position_index = {row["position_id"]: i for i, row in enumerate(position_rows)}
    competency_names = sorted(
        {name for p, row in enumerate(position_rows) if seats[p] for name in row["competency_standard"]}
    )
    column = {name: k for k, name in enumerate(competency_names)}
    standard = np.zeros((len(position_rows), len(competency_names)), np.uint8)
    for p, row in enumerate(position_rows):
        for name, level in row["competency_standard"].items():
            if name in column:
                standard[p, column[name]] = min(max(int(level), 0), 5)
    families: dict[str, int] = {}
    position_family = np.array(
        [families.setdefault(job_family(r["type"], r["name"]), len(families)) for r in position_rows],
        np.int64,
    )

    # --- locations ----------------------------------------------------------------------------------------
    location_names: list[str] = []
    location_index: dict[str, int] = {}

    def place(name: str | None) -> int:
        key = places.key_of(name or "-")
        if key not in location_index:
            location_index[key] = len(location_names)
            location_names.append(" ".join((name or "-").split()))
        return location_index[key]

    unit_location = np.array([place(row["location"]) for row in unit_rows], np.int64)

    # --- candidates and the person-level rules ------------------------------------------------------------
    excluded: Counter[str] = Counter()
    excluded_nips: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    n_pref = max([len(m.preferred_locations) for m in members] + [1])
    years = scope_policy.predicate_years
    for member in members:
        e = employee_by_nip[member.nip]
        current = position_index.get(e["position_id"] or "")
        reasons = []
        if current is None or e["unit_id"] not in unit_index:
            reasons.append("no_current_position")
        else:
            policy = policies.get(e["agency_code"], scope_policy)
            facts = Facts(
                person=Person.of(
                    e,
                    competencies=levels[member.nip],
                    predicates=predicates[member.nip],
                    service_bond_until=bonds.get(member.nip),
                    current_job_class=position_rows[current]["job_class"],
                ),
                target=_current_as_target(position_rows[current]),
                move=Move(
                    self_requested=member.self_requested,
                    cross_agency=False,
                    organisational_reason=None,
                    checked_on=on,
                ),
            )
            for name in PERSON_RULES:
                if name in policy.disabled or name in policy.warn_only:
                    continue
                outcome, _, _ = RULES_BY_NAME[name].evaluate(facts, policy)
                if outcome is Outcome.FAIL:
                    reasons.append(name)
        for reason in reasons:
            excluded[reason] += 1
        if reasons:
            excluded_nips[member.nip] = reasons
        bond = e["ten_year_bond_until"]
        unit = unit_index.get(e["unit_id"])
        if e["work_location"]:
            location = place(e["work_location"])
        else:
            location = int(unit_location[unit]) if unit is not None else place(None)
        recent = [
            PREDICATE_ORDER.index(predicates[member.nip][y])
            for y in range(on.year, on.year - years - 1, -1)
            if y in predicates[member.nip] and predicates[member.nip][y] in PREDICATE_ORDER
        ][:years]
        rows.append(
            {
                "unit": unit if unit is not None else 0,  # excluded anyway: no current position
                "location": location,
                "family": int(position_family[current]) if current is not None else UNKNOWN,
                "job_class": position_rows[current]["job_class"] if current is not None else 0,
                "rank": siasn_rank(e["rank_code"]),
                "competency": [min(max(levels[member.nip].get(n, 0), 0), 5) for n in competency_names],
                "predicates": recent + [UNKNOWN] * (years - len(recent)),
                "nine_box": boxes[member.nip]["box"] if member.nip in boxes else 0,  # 0: not assessed
                "preferences": [place(n) for n in member.preferred_locations]
                + [UNKNOWN] * (n_pref - len(member.preferred_locations)),
                "gender": MALE if e["gender"] in ("M", "1") else FEMALE,
                "age": _years(e["birth_date"], on) or 0,
                # the 10-year bond stops a self-requested move to another agency, not the agency's own
                "may_leave_agency": not (member.self_requested and bond is not None and bond > on),
                "eligible": not reasons,
            }
        )

    # --- conflicts of interest: no vacancy in a unit where a relative works --------------------------------
    vacancies_by_unit: dict[str, list[int]] = defaultdict(list)
    for p, row in enumerate(position_rows):
        if seats[p]:
            vacancies_by_unit[row["unit_id"]].append(p)
    forbidden = [
        (c, p)
        for c, member in enumerate(members)
        for relative in sorted(ties.get(member.nip, ()))
        if relative in employee_by_nip
        for p in vacancies_by_unit.get(employee_by_nip[relative]["unit_id"] or "", [])
    ]

    coordinates, unlocated = places.coordinates(location_names)
    n = len(rows)
    unit_ids = [row["unit_id"] for row in unit_rows]
    release_limits = limits_per_unit(
        unit_ids, spec.release_limit, {c.unit_id: c.release_limit for c in spec.unit_limits}, NO_LIMIT
    )
    intake_limits = limits_per_unit(
        unit_ids, spec.intake_limit, {c.unit_id: c.intake_limit for c in spec.unit_limits}, NO_LIMIT
    )
    instance = PlacementInstance(
        locations=Locations(
            np.array([c[0] for c in coordinates], np.float64),
            np.array([c[1] for c in coordinates], np.float64),
        ),
        units=Units(
            need=need,
            present=present,
            location=unit_location,
            agency=np.array([codes.index(row["agency_code"]) for row in unit_rows], np.int64),
            release_limit=np.array(release_limits, np.int64),
            intake_limit=np.array(intake_limits, np.int64),
        ),
        positions=Positions(
            # a position of a unit outside the read model has no seat (above), so its unit does not matter
            unit=np.array([unit_index.get(row["unit_id"], 0) for row in position_rows], np.int64),
            seats=seats,
            job_family=position_family,
            job_class=np.array([row["job_class"] for row in position_rows], np.int64),
            min_rank=np.array([siasn_rank(row["minimum_rank"]) for row in position_rows], np.int64),
            standard=standard,
        ),
        candidates=Candidates(
            unit=np.array([r["unit"] for r in rows], np.int64),
            location=np.array([r["location"] for r in rows], np.int64),
            job_family=np.array([r["family"] for r in rows], np.int64),
            job_class=np.array([r["job_class"] for r in rows], np.int64),
            rank=np.array([r["rank"] for r in rows], np.int64),
            competency=np.array([r["competency"] for r in rows], np.uint8).reshape(n, len(competency_names)),
            predicates=np.array([r["predicates"] for r in rows], np.int8).reshape(n, years),
            nine_box=np.array([r["nine_box"] for r in rows], np.int8),
            preferences=np.array([r["preferences"] for r in rows], np.int64).reshape(n, n_pref),
            gender=np.array([r["gender"] for r in rows], np.int8),
            age=np.array([r["age"] for r in rows], np.int64),
            may_leave_agency=np.array([r["may_leave_agency"] for r in rows], bool),
            eligible=np.array([r["eligible"] for r in rows], bool),
        ),
        forbidden=np.array(forbidden, np.int64).reshape(-1, 2),
    )
    keys = {
        "agencies": codes,
        "units": [row["unit_id"] for row in unit_rows],
        "unit_agencies": [row["agency_code"] for row in unit_rows],
        "positions": [row["position_id"] for row in position_rows],
        "position_names": [row["name"] for row in position_rows],
        "position_units": [row["unit_id"] for row in position_rows],
        "locations": location_names,
        "competencies": competency_names,
        "candidates": nips,
        "candidate_names": [employee_by_nip[nip]["name"] for nip in nips],
        "candidate_positions": [employee_by_nip[nip]["position_id"] for nip in nips],
        "candidate_units": [employee_by_nip[nip]["unit_id"] for nip in nips],
    }
    rules = EligibilityRules(
        job_class_below=scope_policy.job_class_max_decrease,
        job_class_above=scope_policy.job_class_max_increase,
        min_job_person_match=scope_policy.jpm_warn_percent / 100,
    )
    summary = {
        "taken_on": on.isoformat(),
        "agencies": len(codes),
        "units": len(unit_rows),
        "positions": len(position_rows),
        "vacancies": int((seats > 0).sum()),
        "open_seats": int(seats.sum()),
        "pool": len(pool.members),
        "with_open_proposal": len(pool.members) - len(members),
        "candidates": n,
        "eligible_candidates": int(sum(r["eligible"] for r in rows)),
        "excluded_by_rule": dict(sorted(excluded.items())),
        "excluded": excluded_nips,
        "not_in_scope": list(pool.not_in_scope),
        "unlocated": unlocated,
        "forbidden_pairs": len(forbidden),
        "rules": {
            "job_class_below": rules.job_class_below,
            "job_class_above": rules.job_class_above,
            "min_job_person_match": rules.min_job_person_match,
            "policy": [scope_policy.agency_code, scope_policy.version],
        },
    }
    return Snapshot(instance.validate(), keys, summary, rules)


def _current_as_target(row: Mapping[str, Any]) -> Target:
    """The person's own position, standing in for the target in the person-level rules (the retirement age
    of the kind of position they hold)."""
    return Target(
        position_id=row["position_id"],
        unit_id=row["unit_id"],
        agency_code=row["agency_code"],
        job_class=row["job_class"],
        minimum_rank=row["minimum_rank"],
        competency_standard=row["competency_standard"],
        retirement_age=row["retirement_age"],
        staff_needed=row["staff_needed"],
        present=0,
    )
