"""Development plans: the gap between a person's assessed competencies and a position's standard, the
programmes that close each gap, a mentor, and the plan the employee and the supervisor accept or adjust
(PermenPANRB 38/2017; PP 11/2017 as amended by PP 17/2020; Peraturan LAN 10/2018). Pure Python.

- Gap: for each competency of the standard, required level minus the assessed one (a competency never
  assessed counts from 0); competencies at or above standard have no gap. Biggest gap first.
- Recommendations per gap, best first: fit (the share of the gap the programme closes; at equal fit, a
  programme whose prerequisites are done before one that needs others first), then the soonest session
  (with a free seat, else with room on its waiting list; none at all last), then fewer JP (the same result
  for less time away from the job). Programmes already completed are not recommended again.
- Mentor: a senior colleague (higher golongan, or the same one and longer in service) of the destination
  unit, assessed at or above the required level of the most gaps.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from services.training.domain.catalogue import Form, Programme, missing_prerequisites
from services.training.domain.competencies import competency_key, rank_index
from shared.errors import Conflict, FieldProblem, Forbidden, InvalidInput

RECOMMENDATIONS_PER_GAP = 3
# PermenPANRB 6/2022: these predicates call for coaching (pembinaan) of the employee.
COACHING_PREDICATES = frozenset({"butuh_perbaikan", "kurang", "sangat_kurang"})


@dataclass(frozen=True)
class Gap:
    competency: str
    required: int
    current: int | None  # None: never assessed

    @property
    def size(self) -> int:
        return self.required - (self.current or 0)


def competency_gaps(standard: Mapping[str, int], assessed: Mapping[str, int]) -> list[Gap]:
    """The competencies of `standard` the person is below, biggest gap first (then by name)."""
    levels = {competency_key(name): level for name, level in assessed.items()}
    gaps = [
        Gap(name, required, levels.get(competency_key(name)))
        for name, required in standard.items()
        if levels.get(competency_key(name), 0) < required
    ]
    return sorted(gaps, key=lambda g: (-g.size, g.competency.casefold()))


def job_person_match(standard: Mapping[str, int], assessed: Mapping[str, int]) -> Decimal | None:
    """Σ min(actual, required) ÷ Σ required, in % (PermenPANRB 38/2017); None for an empty standard."""
    required = sum(standard.values())
    if not required:
        return None
    levels = {competency_key(name): level for name, level in assessed.items()}
    met = sum(min(levels.get(competency_key(name), 0), level) for name, level in standard.items())
    return (Decimal(100 * met) / required).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class SessionOption:
    """An upcoming session one could join: with a free seat, or on its waiting list."""

    session_id: UUID
    starts_on: date
    ends_on: date
    free_seats: int
    waiting_list_room: int

    @property
    def joinable(self) -> bool:
        return self.free_seats > 0 or self.waiting_list_room > 0


def soonest_session(options: Sequence[SessionOption]) -> SessionOption | None:
    """The first session with a free seat; failing that, the first whose waiting list has room."""
    ordered = sorted(options, key=lambda o: (o.starts_on, str(o.session_id)))
    return next((o for o in ordered if o.free_seats > 0), None) or next(
        (o for o in ordered if o.waiting_list_room > 0), None
    )


@dataclass(frozen=True)
class Recommendation:
    programme_id: UUID
    code: str
    title: str
    form: Form
    jp: int
    target_level: int | None  # the level the programme develops the gap's competency to
    fit: Decimal  # 0-1: the share of the gap it closes
    session_id: UUID | None
    starts_on: date | None
    ends_on: date | None
    waitlisted: bool  # the soonest session has no free seat, only room on its waiting list
    prerequisites_missing: tuple[UUID, ...] = ()


def fit(gap: Gap, level: int) -> Decimal:
    closed = min(level, gap.required) - (gap.current or 0)
    return (Decimal(max(closed, 0)) / gap.size).quantize(Decimal("0.0001"))


def _ranked(
    scored: Sequence[tuple[Decimal, Programme, int | None]],
    sessions: Mapping[UUID, Sequence[SessionOption]],
    completed: set[UUID],
    limit: int,
) -> list[Recommendation]:
    found = []
    for score, programme, level in scored:
        session = soonest_session(sessions.get(programme.id, ()))
        found.append(
            Recommendation(
                programme_id=programme.id,
                code=programme.code,
                title=programme.title,
                form=programme.form,
                jp=programme.jp,
                target_level=level,
                fit=score,
                session_id=session.session_id if session else None,
                starts_on=session.starts_on if session else None,
                ends_on=session.ends_on if session else None,
                waitlisted=session is not None and session.free_seats == 0,
                prerequisites_missing=missing_prerequisites(programme, completed),
            )
        )
    found.sort(
        key=lambda r: (
            -r.fit,
            bool(r.prerequisites_missing),
            r.starts_on or date.max,
            r.jp,
            r.code,
        )
    )
    return found[:limit]


def recommend(
    gap: Gap,
    programmes: Sequence[Programme],
    sessions: Mapping[UUID, Sequence[SessionOption]],
    completed: set[UUID],
    *,
    limit: int = RECOMMENDATIONS_PER_GAP,
) -> list[Recommendation]:
    """The programmes that develop the gap's competency above the current level, best first."""
    scored = []
    for programme in programmes:
        level = programme.level_developed(gap.competency)
        if not programme.active or programme.id in completed or level is None:
            continue
        score = fit(gap, level)
        if score > 0:
            scored.append((score, programme, level))
    return _ranked(scored, sessions, completed, limit)


COACHING_FORMS = (Form.COACHING, Form.MENTORING, Form.ON_THE_JOB)


def recommend_coaching(
    gaps: Sequence[Gap],
    programmes: Sequence[Programme],
    sessions: Mapping[UUID, Sequence[SessionOption]],
    completed: set[UUID],
    *,
    limit: int = RECOMMENDATIONS_PER_GAP,
) -> list[Recommendation]:
    """Coaching, mentoring and on-the-job programmes; fit is the share of the gaps they address (every one
    fits fully when there is no known gap)."""
    keys = {competency_key(g.competency) for g in gaps}
    scored = []
    for programme in programmes:
        if not programme.active or programme.form not in COACHING_FORMS or programme.id in completed:
            continue
        covered = {competency_key(t.competency) for t in programme.competencies} & keys
        score = (Decimal(len(covered)) / len(keys)).quantize(Decimal("0.0001")) if keys else Decimal(1)
        scored.append((score, programme, None))
    return _ranked(scored, sessions, completed, limit)


# --- mentor and supervisor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colleague:
    nip: str
    name: str
    rank_code: str | None
    tmt_cpns: date | None
    competencies: Mapping[str, int] = field(default_factory=dict)

    def level(self, competency: str) -> int:
        key = competency_key(competency)
        return next((lvl for name, lvl in self.competencies.items() if competency_key(name) == key), 0)

    @property
    def seniority(self) -> tuple[int, int]:
        # An earlier TMT CPNS is more senior: negate its ordinal so that bigger is more senior.
        return rank_index(self.rank_code), -(
            self.tmt_cpns.toordinal() if self.tmt_cpns else date.max.toordinal()
        )


@dataclass(frozen=True)
class Mentor:
    nip: str
    name: str
    rank_code: str | None
    competencies: tuple[str, ...]  # the gaps the mentor is assessed at the required level in


def choose_mentor(
    mentee: Colleague | None, gaps: Sequence[Gap], colleagues: Sequence[Colleague]
) -> Mentor | None:
    """The senior colleague covering the most gaps (then the most senior, then the smallest NIP); with no
    gap, the most senior. Seniors only: a mentee of unknown rank and service takes anyone senior to that."""
    threshold = mentee.seniority if mentee else (-1, -date.max.toordinal())
    candidates = []
    for colleague in colleagues:
        if (mentee is not None and colleague.nip == mentee.nip) or colleague.seniority <= threshold:
            continue
        covers = tuple(g.competency for g in gaps if colleague.level(g.competency) >= g.required)
        if gaps and not covers:
            continue
        rank, service = colleague.seniority
        candidates.append(((-len(covers), -rank, -service, colleague.nip), colleague, covers))
    if not candidates:
        return None
    _, chosen, covers = min(candidates, key=lambda c: c[0])
    return Mentor(chosen.nip, chosen.name, chosen.rank_code, covers)


@dataclass(frozen=True)
class UnitNode:
    unit_id: str
    parent_id: str | None
    head_position_id: str | None


def supervising_position(
    unit_id: str | None, own_position_id: str | None, units: Mapping[str, UnitNode]
) -> str | None:
    """The head position of the person's unit; the head of a unit reports to the head of the unit above."""
    seen: set[str] = set()
    current = units.get(unit_id) if unit_id else None
    while current is not None and current.unit_id not in seen:
        seen.add(current.unit_id)
        if current.head_position_id and current.head_position_id != own_position_id:
            return current.head_position_id
        current = units.get(current.parent_id) if current.parent_id else None
    return None


# --- the plan ----------------------------------------------------------------------------------------------


class PlanSource(StrEnum):
    MUTATION = "mutation"
    REQUEST = "request"
    APPRAISAL = "appraisal"


class PlanStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the employee and the supervisor
    ACCEPTED = "accepted"  # both accepted it
    WITHDRAWN = "withdrawn"  # its reason went away (an appraisal revised on objection)


class ItemKind(StrEnum):
    COMPETENCY_GAP = "competency_gap"
    COACHING = "coaching"


class Side(StrEnum):
    EMPLOYEE = "employee"
    SUPERVISOR = "supervisor"


COACHING_ITEM = "coaching"


@dataclass(frozen=True)
class PlanItem:
    kind: ItemKind
    competency: str | None
    required_level: int | None
    current_level: int | None
    recommendations: tuple[Recommendation, ...]
    programme_id: UUID | None  # the chosen programme: the best recommendation until someone adjusts it
    session_id: UUID | None
    target_date: date | None
    note: str | None = None

    @property
    def key(self) -> str:
        """How an adjustment names the item: its competency, or `coaching`."""
        return competency_key(self.competency) if self.competency else COACHING_ITEM


def gap_item(gap: Gap, recommendations: Sequence[Recommendation]) -> PlanItem:
    first = recommendations[0] if recommendations else None
    return PlanItem(
        kind=ItemKind.COMPETENCY_GAP,
        competency=gap.competency,
        required_level=gap.required,
        current_level=gap.current,
        recommendations=tuple(recommendations),
        programme_id=first.programme_id if first else None,
        session_id=first.session_id if first else None,
        target_date=first.ends_on if first else None,
    )


def coaching_item(recommendations: Sequence[Recommendation]) -> PlanItem:
    first = recommendations[0] if recommendations else None
    return PlanItem(
        kind=ItemKind.COACHING,
        competency=None,
        required_level=None,
        current_level=None,
        recommendations=tuple(recommendations),
        programme_id=first.programme_id if first else None,
        session_id=first.session_id if first else None,
        target_date=first.ends_on if first else None,
    )


@dataclass(frozen=True)
class Choice:
    """An adjustment of one item: another programme (or none: mentoring only), session, date or note."""

    item: str
    programme_id: UUID | None
    session_id: UUID | None
    target_date: date | None
    note: str | None


@dataclass(frozen=True)
class Acceptance:
    """A side's acceptance: the person's own, or entered for them (an acceptance given on paper) with why."""

    by: str  # the account that entered it
    at: datetime
    nip: str | None = None  # whose acceptance it is: the plan's employee or supervisor (None: not known)
    on_behalf_reason: str | None = None  # set when `by` entered it for `nip`


@dataclass
class DevelopmentPlan:
    id: UUID
    nip: str
    agency_code: str
    unit_id: str | None
    position_id: str | None
    position_name: str | None
    source: PlanSource
    items: list[PlanItem]
    job_person_match: Decimal | None
    supervisor_nip: str | None
    mentor: Mentor | None
    standard_known: bool  # False while the position's standard has not reached this service
    mutation_id: str | None = None
    appraisal_reference: str | None = None
    reason: str | None = None
    status: PlanStatus = PlanStatus.PROPOSED
    employee_acceptance: Acceptance | None = None
    supervisor_acceptance: Acceptance | None = None
    created_at: datetime | None = None
    version: int = 1

    @property
    def is_open(self) -> bool:
        """Still a proposal nobody has accepted: the service may recompute it."""
        return (
            self.status is PlanStatus.PROPOSED
            and self.employee_acceptance is None
            and self.supervisor_acceptance is None
        )

    def recompute(
        self,
        *,
        items: list[PlanItem],
        job_person_match: Decimal | None,
        mentor: Mentor | None,
        supervisor_nip: str | None,
        position_name: str | None,
        standard_known: bool,
    ) -> bool:
        """Refresh an open plan from newer facts (the standard arrived, a new assessment); True if changed."""
        if not self.is_open:
            return False
        before = (self.items, self.job_person_match, self.mentor, self.supervisor_nip, self.standard_known)
        after = (items, job_person_match, mentor, supervisor_nip, standard_known)
        if before == after:
            return False
        self.items, self.job_person_match, self.mentor = items, job_person_match, mentor
        self.supervisor_nip, self.standard_known = supervisor_nip, standard_known
        self.position_name = position_name or self.position_name
        return True

    def adjust(self, choices: Sequence[Choice], *, mentor: Mentor | None, keep_mentor: bool) -> bool:
        """Change the chosen programmes, sessions, dates or the mentor; the other side must accept again.
        False, and the plan as it was, when the choices are those already made."""
        self._require_not_withdrawn()
        by_key = {item.key: i for i, item in enumerate(self.items)}
        problems = [
            FieldProblem(field=f"items.{n}.item", message="no such item in the plan", value=c.item)
            for n, c in enumerate(choices)
            if _choice_key(c.item) not in by_key
        ]
        if problems:
            raise InvalidInput("the adjustment names items the plan does not have", errors=problems)
        items = list(self.items)
        for choice in choices:
            index = by_key[_choice_key(choice.item)]
            items[index] = replace(
                items[index],
                programme_id=choice.programme_id,
                session_id=choice.session_id,
                target_date=choice.target_date,
                note=choice.note,
            )
        # The same mentor named again is no change, even if what they cover was computed anew.
        new_mentor = not keep_mentor and _nip_of(mentor) != _nip_of(self.mentor)
        if items == self.items and not new_mentor:
            return False
        self.items = items
        if new_mentor:
            self.mentor = mentor
        self.employee_acceptance = self.supervisor_acceptance = None
        self.status = PlanStatus.PROPOSED
        return True

    def person_of(self, side: Side) -> str | None:
        """Whose acceptance a side's is."""
        return self.nip if side is Side.EMPLOYEE else self.supervisor_nip

    def accept(self, side: Side, acceptance: Acceptance) -> None:
        self._require_not_withdrawn()
        current = self.employee_acceptance if side is Side.EMPLOYEE else self.supervisor_acceptance
        if current is not None:
            raise Conflict(f"the {side.value} has already accepted this plan", code="already-accepted")
        if side is Side.EMPLOYEE:
            self.employee_acceptance = acceptance
        else:
            self.supervisor_acceptance = acceptance
        if self.employee_acceptance and self.supervisor_acceptance:
            self.status = PlanStatus.ACCEPTED

    def withdraw(self) -> bool:
        if not self.is_open:
            return False
        self.status = PlanStatus.WITHDRAWN
        return True

    def _require_not_withdrawn(self) -> None:
        if self.status is PlanStatus.WITHDRAWN:
            raise Conflict("the plan was withdrawn", code="plan-withdrawn")


def _nip_of(mentor: Mentor | None) -> str | None:
    return mentor.nip if mentor else None


def _choice_key(item: str) -> str:
    return COACHING_ITEM if item.strip().casefold() == COACHING_ITEM else competency_key(item)


def own_sides(plan: DevelopmentPlan, *, nip: str | None, is_supervisor: bool) -> list[Side]:
    """The sides the caller is themself: the plan's employee, its supervisor."""
    sides = []
    if nip is not None and nip == plan.nip:
        sides.append(Side.EMPLOYEE)
    if is_supervisor and nip is not None and nip == plan.supervisor_nip:
        sides.append(Side.SUPERVISOR)
    return sides


def require_party(own: Sequence[Side], *, manages_agency: bool) -> None:
    """Who works on a plan: its employee, its supervisor, or the agency's HR unit."""
    if not own and not manages_agency:
        raise Forbidden("only the employee, their supervisor or the agency's HR unit act on this plan")
