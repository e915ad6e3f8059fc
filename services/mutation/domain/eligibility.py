"""Eligibility checks of a mutation: each rule returns pass / warn / fail with its reason, the regulation it
follows and the data it used. Thresholds and which failures block come from a versioned policy per agency,
whose defaults are the regulations' (DOMAIN.md). Pure Python: the service layer gathers the facts.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from services.mutation.domain.ranks import rank_order
from shared.errors import FieldProblem, InvalidInput


class Outcome(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    @property
    def severity(self) -> int:
        return {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.FAIL: 2}[self]


PREDICATE_ORDER = ("sangat_kurang", "kurang", "butuh_perbaikan", "baik", "sangat_baik")


@dataclass(frozen=True)
class Person:
    """The employee as the mutation service knows them (from employee and appraisal events and its own
    records of relatives and service bonds)."""

    nip: str
    employment_type: str
    status: str
    birth_date: date
    rank_code: str | None
    position_tmt: date | None
    ten_year_bond_until: date | None
    disciplinary_status: str
    competencies: Mapping[str, int] = field(default_factory=dict)
    predicates: Mapping[int, str] = field(default_factory=dict)
    service_bond_until: date | None = None
    current_job_class: int | None = None

    @classmethod
    def of(cls, employee: Mapping[str, Any], **records: Any) -> "Person":
        """The person from their row in the employees read model; `records` adds what other read models
        hold of them (competencies, predicates, service bond, current job class)."""
        return cls(
            nip=employee["nip"],
            employment_type=employee["employment_type"],
            status=employee["status"],
            birth_date=employee["birth_date"],
            rank_code=employee["rank_code"],
            position_tmt=employee["position_tmt"],
            ten_year_bond_until=employee["ten_year_bond_until"],
            disciplinary_status=employee["disciplinary_status"],
            **records,
        )


@dataclass(frozen=True)
class Target:
    """The position the person would move to, with its ABK figures and the staff moving in and out."""

    position_id: str
    unit_id: str
    agency_code: str
    job_class: int
    minimum_rank: str | None
    competency_standard: Mapping[str, int]
    retirement_age: int
    staff_needed: int | None
    present: int
    incoming: int = 0
    outgoing: int = 0
    relatives_in_unit: tuple[str, ...] = ()
    relative_heads_unit: bool = False
    relatives_in_agency: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move:
    self_requested: bool
    cross_agency: bool
    organisational_reason: str | None
    checked_on: date
    tmt: date | None = None

    @property
    def effective_on(self) -> date:
        return self.tmt or self.checked_on


@dataclass(frozen=True)
class Facts:
    person: Person
    target: Target
    move: Move


@dataclass(frozen=True)
class Policy:
    """One version of an agency's mutation policy. Version 0 with no agency is the regulation default."""

    agency_code: str | None = None
    version: int = 0
    min_posting_years: int = 2
    max_posting_years: int = 5
    retirement_margin_months: int = 12
    retirement_warn_months: int = 24
    jpm_pass_percent: float = 80.0
    jpm_warn_percent: float = 68.0
    minimum_predicate: str = "baik"
    predicate_years: int = 2
    job_class_max_increase: int = 0
    job_class_max_decrease: int = 3
    sla_days: int = 15
    # Rules whose failure only warns under this policy, and rules switched off altogether.
    warn_only: frozenset[str] = frozenset()
    disabled: frozenset[str] = frozenset()

    SETTINGS = (
        "min_posting_years",
        "max_posting_years",
        "retirement_margin_months",
        "retirement_warn_months",
        "jpm_pass_percent",
        "jpm_warn_percent",
        "minimum_predicate",
        "predicate_years",
        "job_class_max_increase",
        "job_class_max_decrease",
        "sla_days",
        "warn_only",
        "disabled",
    )

    def settings(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self.SETTINGS}
        values["warn_only"] = sorted(self.warn_only)
        values["disabled"] = sorted(self.disabled)
        return values

    def revised(self, agency_code: str, version: int, changes: Mapping[str, Any]) -> "Policy":
        """A new version with `changes` applied, checked as a whole."""
        unknown = sorted(set(changes) - set(self.SETTINGS))
        if unknown:
            raise InvalidInput(
                f"unknown policy settings: {', '.join(unknown)}",
                errors=[FieldProblem(field=name, message="unknown setting") for name in unknown],
            )
        values = dict(changes)
        for name in ("warn_only", "disabled"):
            if name in values:
                values[name] = frozenset(values[name])
        policy = replace(self, agency_code=agency_code, version=version, **values)
        policy.check()
        return policy

    def check(self) -> None:
        problems = []
        names = set(RULES_BY_NAME)
        for listed in ("warn_only", "disabled"):
            for name in sorted(getattr(self, listed) - names):
                problems.append(FieldProblem(field=listed, message=f"no rule {name}", value=name))
        if not 0 <= self.min_posting_years <= self.max_posting_years:
            problems.append(FieldProblem(field="min_posting_years", message="0 <= min <= max_posting_years"))
        if not 0 <= self.jpm_warn_percent <= self.jpm_pass_percent <= 100:
            problems.append(FieldProblem(field="jpm_warn_percent", message="0 <= warn <= pass <= 100"))
        if self.minimum_predicate not in PREDICATE_ORDER:
            problems.append(FieldProblem(field="minimum_predicate", message="not a predicate"))
        if not 1 <= self.predicate_years <= 5:
            problems.append(FieldProblem(field="predicate_years", message="1 to 5"))
        if not 0 <= self.retirement_margin_months <= self.retirement_warn_months:
            problems.append(FieldProblem(field="retirement_margin_months", message="0 <= margin <= warn"))
        if self.sla_days < 1 or self.job_class_max_increase < 0 or self.job_class_max_decrease < 0:
            problems.append(FieldProblem(field="sla_days", message="days and class steps cannot be negative"))
        if problems:
            raise InvalidInput("the policy is not consistent", errors=problems)


REGULATION_DEFAULTS = Policy()


@dataclass(frozen=True)
class CheckResult:
    rule: str
    title: str
    regulation: str
    outcome: Outcome
    reason: str
    data: Mapping[str, Any]
    blocking: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "regulation": self.regulation,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "data": _plain(self.data),
            "blocking": self.blocking,
        }

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> "CheckResult":
        return cls(
            rule=raw["rule"],
            title=raw["title"],
            regulation=raw["regulation"],
            outcome=Outcome(raw["outcome"]),
            reason=raw["reason"],
            data=raw.get("data", {}),
            blocking=raw.get("blocking", False),
        )


@dataclass(frozen=True)
class Report:
    policy_agency_code: str | None
    policy_version: int
    results: tuple[CheckResult, ...]

    @property
    def outcome(self) -> Outcome:
        return max((r.outcome for r in self.results), key=lambda o: o.severity, default=Outcome.PASS)

    @property
    def blocking_failures(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.blocking)

    def result(self, rule: str) -> CheckResult:
        return next(r for r in self.results if r.rule == rule)


Verdict = tuple[Outcome, str, dict[str, Any]]


def _plain(value: Any) -> Any:
    """The data as JSON keeps it (dates as ISO strings), so a stored result reads back the same."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    regulation: str
    evaluate: Callable[[Facts, Policy], Verdict]


def _years_between(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, 1)


def retirement_date(birth_date: date, retirement_age: int) -> date:
    """Pension starts on the first day of the month after the person reaches the retirement age (BUP)."""
    return _add_months(date(birth_date.year + retirement_age, birth_date.month, 1), 1)


def _active_pns(facts: Facts, policy: Policy) -> Verdict:
    person = facts.person
    data = {"employment_type": person.employment_type, "status": person.status}
    if person.employment_type != "PNS":
        return Outcome.FAIL, f"{person.employment_type} employees are not moved by a PNS mutation", data
    if person.status != "active":
        return Outcome.FAIL, f"the employee is {person.status}, not active", data
    return Outcome.PASS, "an active PNS", data


def _posting_years(facts: Facts) -> int | None:
    tmt = facts.person.position_tmt
    return None if tmt is None else _years_between(tmt, facts.move.checked_on)


def _minimum_posting(facts: Facts, policy: Policy) -> Verdict:
    years = _posting_years(facts)
    data = {
        "position_tmt": facts.person.position_tmt,
        "years": years,
        "minimum": policy.min_posting_years,
        "organisational_reason": facts.move.organisational_reason,
    }
    if years is None:
        return Outcome.WARN, "the start of the current posting is not known", data
    if years >= policy.min_posting_years:
        return Outcome.PASS, f"{years} years in the current posting", data
    if facts.move.organisational_reason:
        return (
            Outcome.WARN,
            f"only {years} years in the current posting, justified by an organisational reason",
            data,
        )
    return (
        Outcome.FAIL,
        f"only {years} years in the current posting (at least {policy.min_posting_years}) and no "
        "organisational reason recorded",
        data,
    )


def _maximum_posting(facts: Facts, policy: Policy) -> Verdict:
    years = _posting_years(facts)
    data = {"position_tmt": facts.person.position_tmt, "years": years, "maximum": policy.max_posting_years}
    if years is None:
        return Outcome.WARN, "the start of the current posting is not known", data
    if years > policy.max_posting_years:
        return (
            Outcome.WARN,
            f"{years} years in the current posting, more than {policy.max_posting_years}: due for rotation",
            data,
        )
    return Outcome.PASS, f"{years} years in the current posting", data


def _target_room(facts: Facts, policy: Policy) -> Verdict:
    target = facts.target
    data: dict[str, Any] = {
        "staff_needed": target.staff_needed,
        "present": target.present,
        "incoming": target.incoming,
        "outgoing": target.outgoing,
    }
    if target.staff_needed is None:
        return Outcome.WARN, "the target position has no workload analysis (ABK) yet", data
    gap = target.staff_needed - target.present
    room = gap - target.incoming
    data.update(gap=gap, room=room)
    if room > 0:
        return Outcome.PASS, f"the target position needs {room} more (ABK gap {gap})", data
    if room + target.outgoing > 0:
        return (
            Outcome.PASS,
            "the target position is full but a holder moves out at the same time (swap)",
            data,
        )
    return (
        Outcome.FAIL,
        f"the target position has no room: ABK gap {gap}, {target.incoming} already coming",
        data,
    )


def _rank_fit(facts: Facts, policy: Policy) -> Verdict:
    have, need = facts.person.rank_code, facts.target.minimum_rank
    data = {"rank_code": have, "minimum_rank": need}
    if need is None:
        return Outcome.PASS, "the target position sets no minimum rank", data
    if rank_order(have) is None:
        return Outcome.WARN, "the employee's rank is not known", data
    if rank_order(have) < rank_order(need):  # type: ignore[operator]
        return Outcome.FAIL, f"rank {have} is below the position's minimum {need}", data
    return Outcome.PASS, f"rank {have} meets the minimum {need}", data


def _job_class_fit(facts: Facts, policy: Policy) -> Verdict:
    current, target = facts.person.current_job_class, facts.target.job_class
    data = {
        "current_job_class": current,
        "target_job_class": target,
        "max_increase": policy.job_class_max_increase,
        "max_decrease": policy.job_class_max_decrease,
    }
    if current is None:
        return Outcome.WARN, "the job class of the current position is not known", data
    if target > current + policy.job_class_max_increase:
        # A move up the classes is a promotion with its own procedure (unconfirmed default, see DOMAIN.md).
        return Outcome.FAIL, f"job class {target} is above the current {current}: that is a promotion", data
    if target < current - policy.job_class_max_decrease:
        return Outcome.WARN, f"job class {target} is far below the current {current}", data
    return Outcome.PASS, f"job class {target} fits the current {current}", data


def job_person_match(actual: Mapping[str, int], standard: Mapping[str, int]) -> tuple[float, dict[str, Any]]:
    """PermenPANRB 38/2017: sum of min(actual, required) / sum of required, in percent, with the gap per
    competency (required - actual where the person falls short)."""
    required = sum(standard.values())
    met = sum(min(actual.get(name, 0), level) for name, level in standard.items())
    gaps = {
        name: {"required": level, "actual": actual.get(name, 0), "gap": level - actual.get(name, 0)}
        for name, level in sorted(standard.items())
        if actual.get(name, 0) < level
    }
    return (100.0 * met / required if required else 100.0), gaps


class CompetencyBand(StrEnum):
    """The selection bands of the job-person match (assessment-centre practice, DOMAIN.md "Competency"),
    from the agency's thresholds: 80% and 68% by default."""

    MEMENUHI_SYARAT = "memenuhi_syarat"
    MASIH_MEMENUHI_SYARAT = "masih_memenuhi_syarat"
    KURANG_MEMENUHI_SYARAT = "kurang_memenuhi_syarat"

    @classmethod
    def of(cls, percent: float, policy: Policy) -> "CompetencyBand":
        if percent >= policy.jpm_pass_percent:
            return cls.MEMENUHI_SYARAT
        if percent >= policy.jpm_warn_percent:
            return cls.MASIH_MEMENUHI_SYARAT
        return cls.KURANG_MEMENUHI_SYARAT

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


_BAND_OUTCOMES = {
    CompetencyBand.MEMENUHI_SYARAT: Outcome.PASS,
    CompetencyBand.MASIH_MEMENUHI_SYARAT: Outcome.WARN,
    CompetencyBand.KURANG_MEMENUHI_SYARAT: Outcome.FAIL,
}


def _competency_match(facts: Facts, policy: Policy) -> Verdict:
    standard = facts.target.competency_standard
    if not standard:
        return Outcome.WARN, "the target position has no competency standard to match against", {}
    percent, gaps = job_person_match(facts.person.competencies, standard)
    band = CompetencyBand.of(percent, policy)
    data = {
        "job_person_match": round(percent, 2),
        "band": band,
        "pass_percent": policy.jpm_pass_percent,
        "warn_percent": policy.jpm_warn_percent,
        "gaps": gaps,
    }
    limits = {
        CompetencyBand.MEMENUHI_SYARAT: f"at least {policy.jpm_pass_percent:g}%",
        CompetencyBand.MASIH_MEMENUHI_SYARAT: f"below {policy.jpm_pass_percent:g}%, "
        f"at least {policy.jpm_warn_percent:g}%",
        CompetencyBand.KURANG_MEMENUHI_SYARAT: f"below {policy.jpm_warn_percent:g}%",
    }
    return _BAND_OUTCOMES[band], f"job-person match {percent:.1f}%: {band.words} ({limits[band]})", data


def _appraisal_predicate(facts: Facts, policy: Policy) -> Verdict:
    year = facts.move.checked_on.year
    # The newest years first; the current year counts once its annual appraisal is final.
    window = range(year, year - policy.predicate_years - 1, -1)
    found = [(y, facts.person.predicates[y]) for y in window if y in facts.person.predicates]
    latest = found[: policy.predicate_years]
    data = {
        "predicates": {str(y): p for y, p in latest},
        "minimum": policy.minimum_predicate,
        "years": policy.predicate_years,
    }
    floor = PREDICATE_ORDER.index(policy.minimum_predicate)
    below = [(y, p) for y, p in latest if PREDICATE_ORDER.index(p) < floor]
    if below:
        listed = ", ".join(f"{p} in {y}" for y, p in below)
        return Outcome.FAIL, f"predicate below {policy.minimum_predicate}: {listed}", data
    if len(latest) < policy.predicate_years:
        return (
            Outcome.WARN,
            f"only {len(latest)} of the last {policy.predicate_years} annual predicates are known",
            data,
        )
    return Outcome.PASS, f"at least {policy.minimum_predicate} in each of the last {len(latest)} years", data


def _disciplinary(facts: Facts, policy: Policy) -> Verdict:
    status = facts.person.disciplinary_status
    data = {"disciplinary_status": status}
    if status == "under_process":
        return Outcome.FAIL, "a disciplinary process is under way", data
    if status == "sanctioned":
        return Outcome.WARN, "a disciplinary sanction is on record", data
    return Outcome.PASS, "no disciplinary process", data


def _study_leave_or_bond(facts: Facts, policy: Policy) -> Verdict:
    person, on = facts.person, facts.move.effective_on
    data = {"status": person.status, "service_bond_until": person.service_bond_until}
    if person.status == "study_leave":
        return Outcome.FAIL, "the employee is on study leave", data
    if person.service_bond_until is not None and person.service_bond_until > on:
        return Outcome.FAIL, f"a service bond runs until {person.service_bond_until}", data
    if person.status == "leave":
        return Outcome.WARN, "the employee is on leave", data
    return Outcome.PASS, "neither on study leave nor under a service bond", data


def _ten_year_bond(facts: Facts, policy: Policy) -> Verdict:
    until, move = facts.person.ten_year_bond_until, facts.move
    data = {
        "ten_year_bond_until": until,
        "self_requested": move.self_requested,
        "cross_agency": move.cross_agency,
    }
    bound = until is not None and until > move.effective_on
    if not move.cross_agency:
        return Outcome.PASS, "a move within the agency", data
    if bound and move.self_requested:
        return (
            Outcome.FAIL,
            f"the 10-year bond runs until {until}: no self-requested move to another agency",
            data,
        )
    if bound:
        return Outcome.PASS, f"the 10-year bond runs until {until}, but the agency initiated the move", data
    return Outcome.PASS, "no 10-year bond in force", data


def _retirement(facts: Facts, policy: Policy) -> Verdict:
    retires = retirement_date(facts.person.birth_date, facts.target.retirement_age)
    on = facts.move.effective_on
    data = {"retirement_date": retires, "retirement_age": facts.target.retirement_age, "effective_on": on}
    if retires <= _add_months(on, policy.retirement_margin_months):
        return Outcome.FAIL, f"retires on {retires}, within {policy.retirement_margin_months} months", data
    if retires <= _add_months(on, policy.retirement_warn_months):
        return Outcome.WARN, f"retires on {retires}, within {policy.retirement_warn_months} months", data
    return Outcome.PASS, f"retires on {retires}", data


def _conflict_of_interest(facts: Facts, policy: Policy) -> Verdict:
    target = facts.target
    data = {
        "relatives_in_unit": list(target.relatives_in_unit),
        "relative_heads_unit": target.relative_heads_unit,
        "relatives_in_agency": list(target.relatives_in_agency),
    }
    if target.relative_heads_unit:
        return Outcome.FAIL, "a recorded relative heads the target unit (direct superior)", data
    if target.relatives_in_unit:
        return Outcome.FAIL, "a recorded relative works in the target unit", data
    if target.relatives_in_agency:
        return Outcome.WARN, "a recorded relative works elsewhere in the target agency", data
    return Outcome.PASS, "no recorded relative in the target unit", data


RULES: tuple[Rule, ...] = (
    Rule("active_pns", "PNS aktif", "PP 11/2017 Pasal 190", _active_pns),
    Rule("minimum_posting", "Masa jabatan minimal", "PP 11/2017 Pasal 190 ayat (2)", _minimum_posting),
    Rule("maximum_posting", "Masa jabatan maksimal", "PP 11/2017 Pasal 190 ayat (2)", _maximum_posting),
    Rule("target_room", "Kebutuhan jabatan tujuan (ABK)", "Peraturan BKN 5/2019 Pasal 3", _target_room),
    Rule("rank_fit", "Kesesuaian pangkat", "PP 11/2017 Pasal 190 ayat (1)", _rank_fit),
    Rule("job_class_fit", "Kesesuaian kelas jabatan", "PP 11/2017 Pasal 190 ayat (1)", _job_class_fit),
    Rule(
        "competency_match",
        "Kesesuaian kompetensi (job-person match)",
        "PermenPANRB 38/2017",
        _competency_match,
    ),
    Rule(
        "appraisal_predicate",
        "Predikat kinerja 2 tahun terakhir",
        "Peraturan BKN 5/2019 Pasal 3",
        _appraisal_predicate,
    ),
    Rule("disciplinary", "Tidak sedang proses disiplin", "Peraturan BKN 5/2019 Pasal 3", _disciplinary),
    Rule(
        "study_leave_or_bond",
        "Tidak tugas belajar / ikatan dinas",
        "Peraturan BKN 5/2019 Pasal 3",
        _study_leave_or_bond,
    ),
    Rule(
        "ten_year_bond",
        "Ikatan 10 tahun",
        "PermenPANRB 27/2021 Pasal 52 (kini 6/2024 Pasal 59)",
        _ten_year_bond,
    ),
    Rule(
        "retirement",
        "Tidak mendekati BUP",
        "PP 11/2017 Pasal 239 (BUP); batas 1 tahun: kebijakan",
        _retirement,
    ),
    Rule(
        "conflict_of_interest",
        "Tidak ada konflik kepentingan",
        "PP 11/2017 Pasal 190 ayat (1)",
        _conflict_of_interest,
    ),
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def run_checks(facts: Facts, policy: Policy, *, overridden: frozenset[str] = frozenset()) -> Report:
    """Every enabled rule's verdict. A failure blocks a decision unless the policy makes the rule warn-only
    (then it reads as a warning) or an approver overrode it (then it stays a failure, not blocking)."""
    results = []
    for rule in RULES:
        if rule.name in policy.disabled:
            continue
        outcome, reason, data = rule.evaluate(facts, policy)
        if outcome is Outcome.FAIL and rule.name in policy.warn_only:
            outcome, reason = Outcome.WARN, f"{reason} (policy: warning only)"
        blocking = outcome is Outcome.FAIL and rule.name not in overridden
        if outcome is Outcome.FAIL and not blocking:
            reason = f"{reason} (overridden)"
        results.append(CheckResult(rule.name, rule.title, rule.regulation, outcome, reason, data, blocking))
    return Report(policy.agency_code, policy.version, tuple(results))


def policy_from_settings(agency_code: str | None, version: int, settings: Mapping[str, Any]) -> Policy:
    known = {f.name for f in fields(Policy)}
    values = {k: v for k, v in settings.items() if k in known}
    for name in ("warn_only", "disabled"):
        values[name] = frozenset(values.get(name, ()))
    return Policy(agency_code=agency_code, version=version, **values)
