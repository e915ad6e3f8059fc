"""The SKP (Sasaran Kinerja Pegawai): one employee's performance plan, its realisations, the supervisor's
feedback and ratings, and objections to final evaluations (PermenPANRB 6/2022).

Pure Python. Who may do what is checked against the NIPs the SKP names: the appraiser (pejabat penilai)
rates, the employee objects, the appraiser's own supervisor decides an objection. The acting NIP comes with
the request; the API checks it is the caller's, or that a record keeper enters the act for that person from
their own signed form, which the entry keeps (`OnBehalf`) beside the person it names.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from services.appraisal.domain.credit import credit_points
from services.appraisal.domain.periods import ANNUAL, EvaluationPoint
from services.appraisal.domain.predicate import (
    BehaviourRule,
    CoreValue,
    Predicate,
    Rating,
    behaviour_rating,
    predicate_of,
)
from shared.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound


class PositionType(StrEnum):
    JPT = "jpt"
    ADMINISTRATOR = "administrator"
    PENGAWAS = "pengawas"
    FUNGSIONAL = "fungsional"
    PELAKSANA = "pelaksana"


class ObjectionDecision(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"


@dataclass(frozen=True)
class OnBehalf:
    """An entry a record keeper made for the person it names (an absent appraiser's signed paper form), and
    why: `entered_by` is the account that entered it."""

    entered_by: str
    reason: str


@dataclass(frozen=True)
class Target:
    """What an indicator aims at: quantity (with its unit), quality (%), time (months), cost where used."""

    quantity: Decimal
    quantity_unit: str
    quality_percent: Decimal
    time_months: int
    cost: Decimal | None = None


@dataclass(frozen=True)
class Indicator:
    id: UUID
    description: str
    target: Target


@dataclass(frozen=True)
class Realisation:
    indicator_id: UUID
    point: str
    quantity: Decimal | None
    quality_percent: Decimal | None
    time_months: int | None
    cost: Decimal | None
    evidence: str
    recorded_by: str
    recorded_at: datetime
    on_behalf: OnBehalf | None = None


@dataclass(frozen=True)
class Feedback:
    id: UUID
    author_nip: str
    note: str
    indicator_id: UUID | None
    given_at: datetime
    on_behalf: OnBehalf | None = None


@dataclass(frozen=True)
class Verdict:
    """The two ratings, the predicate they give and the credit points it earns."""

    results: Rating
    behaviour: Rating
    predicate: Predicate
    credit_points: Decimal | None


@dataclass(frozen=True)
class Evaluation:
    point: str
    starts_on: date
    ends_on: date
    verdict: Verdict
    behaviour_values: Mapping[CoreValue, Rating]
    rated_by: str
    rated_at: datetime
    finalised_at: datetime | None = None
    on_behalf: OnBehalf | None = None

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None


@dataclass(frozen=True)
class Objection:
    id: UUID
    point: str
    filed_by: str
    reason: str
    filed_at: datetime
    original: Verdict
    decision: ObjectionDecision | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    revised: Verdict | None = None
    on_behalf: OnBehalf | None = None  # of the filing


@dataclass
class Skp:
    id: UUID
    period_id: UUID
    year: int
    nip: str
    agency_code: str
    appraiser_nip: str
    position_type: PositionType
    position_id: str | None = None
    unit_id: str | None = None
    reviewer_nip: str | None = None
    functional_level: str | None = None
    credit_coefficient: Decimal | None = None
    indicators: list[Indicator] = field(default_factory=list)
    realisations: dict[tuple[UUID, str], Realisation] = field(default_factory=dict)
    feedback: list[Feedback] = field(default_factory=list)
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    objections: list[Objection] = field(default_factory=list)
    version: int = 1

    @property
    def is_closed(self) -> bool:
        """The annual evaluation is final: the plan and its realisations no longer change."""
        annual = self.evaluations.get(ANNUAL)
        return annual is not None and annual.is_final

    def add_indicator(self, indicator: Indicator) -> None:
        self._require_open()
        self.indicators.append(indicator)

    def assign(self, *, appraiser_nip: str, reviewer_nip: str | None) -> bool:
        """Name another appraiser (or their supervisor, who decides objections); False when both were so."""
        self._require_open()
        _check_people(self.nip, appraiser_nip, reviewer_nip)
        if (self.appraiser_nip, self.reviewer_nip) == (appraiser_nip, reviewer_nip):
            return False
        self.appraiser_nip, self.reviewer_nip = appraiser_nip, reviewer_nip
        return True

    def record_realisation(self, point: EvaluationPoint, realisation: Realisation) -> None:
        """What was achieved on an indicator in one evaluation period, with the evidence for it."""
        self._require_party(realisation.recorded_by, "record realisations")
        self._indicator(realisation.indicator_id)
        self._require_not_final(point.key)
        self.realisations[(realisation.indicator_id, point.key)] = realisation

    def give_feedback(self, feedback: Feedback) -> None:
        self._require_party(feedback.author_nip, "give feedback")
        if feedback.indicator_id is not None:
            self._indicator(feedback.indicator_id)
        self.feedback.append(feedback)

    def rate(
        self,
        point: EvaluationPoint,
        *,
        appraiser_nip: str,
        results: Rating,
        behaviour_values: Mapping[CoreValue, Rating],
        behaviour: Rating | None,
        rule: BehaviourRule,
        at: datetime,
        on_behalf: OnBehalf | None = None,
    ) -> Evaluation:
        """The appraiser's rating of results and behaviour for one point; it can change until final."""
        if appraiser_nip != self.appraiser_nip:
            raise Forbidden(
                f"only the SKP's appraiser ({self.appraiser_nip}) may rate it", code="not-the-appraiser"
            )
        self._require_not_final(point.key)
        overall = behaviour_rating(rule, behaviour_values, behaviour)
        evaluation = Evaluation(
            point=point.key,
            starts_on=point.starts_on,
            ends_on=point.ends_on,
            verdict=self.verdict(results, overall, point.months),
            behaviour_values=dict(behaviour_values),
            rated_by=appraiser_nip,
            rated_at=at,
            on_behalf=on_behalf,
        )
        self.evaluations[point.key] = evaluation
        return evaluation

    def verdict(self, results: Rating, behaviour: Rating, months: int) -> Verdict:
        predicate = predicate_of(results, behaviour)
        points = (
            credit_points(predicate, self.credit_coefficient, months)
            if self.credit_coefficient is not None
            else None
        )
        return Verdict(results, behaviour, predicate, points)

    def file_objection(
        self,
        point: str,
        *,
        by_nip: str,
        reason: str,
        objection_id: UUID,
        window_days: int,
        at: datetime,
        on_behalf: OnBehalf | None = None,
    ) -> Objection:
        """The employee's objection to a final evaluation, within the agency's window after finalising."""
        if by_nip != self.nip:
            raise Forbidden(f"only the appraised employee ({self.nip}) may object", code="not-the-employee")
        evaluation = self.evaluations.get(point)
        if evaluation is None or evaluation.finalised_at is None:
            raise Conflict(f"the {point} evaluation is not final; only a final one can be objected to")
        closes_on = evaluation.finalised_at.date() + timedelta(days=window_days)
        if at.date() > closes_on:
            raise Conflict(
                f"objections to the {point} evaluation closed on {closes_on}", code="objection-window-closed"
            )
        if any(o.point == point for o in self.objections):
            raise Conflict(f"the {point} evaluation was already objected to", code="already-objected")
        objection = Objection(
            objection_id, point, by_nip, reason, at, original=evaluation.verdict, on_behalf=on_behalf
        )
        self.objections.append(objection)
        return objection

    def decide_objection(
        self,
        objection_id: UUID,
        *,
        by_nip: str,
        decision: ObjectionDecision,
        note: str,
        results: Rating | None,
        behaviour: Rating | None,
        at: datetime,
    ) -> tuple[Objection, Evaluation | None]:
        """The appraiser's supervisor decides; upholding sets new ratings directly. Returns the objection
        and, when upheld, the revised evaluation (the objection keeps the original verdict)."""
        if self.reviewer_nip is None or by_nip != self.reviewer_nip:
            raise Forbidden(
                "only the appraiser's supervisor named on the SKP may decide objections",
                code="not-the-reviewer",
            )
        index, objection = self._objection(objection_id)
        if objection.decision is not None:
            raise Conflict(f"objection {objection_id} was already decided ({objection.decision})")
        revised_evaluation = None
        revised = None
        if decision is ObjectionDecision.UPHELD:
            if results is None or behaviour is None:
                raise InvalidInput(
                    "upholding an objection sets the revised ratings",
                    errors=[
                        FieldProblem(field=name, message="required when upheld")
                        for name, given in (("results", results), ("behaviour", behaviour))
                        if given is None
                    ],
                )
            evaluation = self.evaluations[objection.point]
            months = EvaluationPoint(evaluation.point, evaluation.starts_on, evaluation.ends_on).months
            revised = self.verdict(results, behaviour, months)
            revised_evaluation = replace(evaluation, verdict=revised)
            self.evaluations[objection.point] = revised_evaluation
        elif results is not None or behaviour is not None:
            raise InvalidInput(
                "a rejected objection leaves the ratings as they are",
                errors=[FieldProblem(field="results", message="only with upheld")],
            )
        decided = replace(
            objection,
            decision=decision,
            decided_by=by_nip,
            decided_at=at,
            decision_note=note,
            revised=revised,
        )
        self.objections[index] = decided
        return decided, revised_evaluation

    def _objection(self, objection_id: UUID) -> tuple[int, Objection]:
        for index, objection in enumerate(self.objections):
            if objection.id == objection_id:
                return index, objection
        raise NotFound(f"SKP {self.id} has no objection {objection_id}")

    def _indicator(self, indicator_id: UUID) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise NotFound(f"SKP {self.id} has no indicator {indicator_id}")

    def _require_party(self, nip: str, action: str) -> None:
        if nip not in (self.nip, self.appraiser_nip):
            raise Forbidden(
                f"only the employee or the appraiser may {action} on this SKP", code="not-a-party"
            )

    def _require_not_final(self, point: str) -> None:
        evaluation = self.evaluations.get(point)
        if evaluation is not None and evaluation.is_final:
            raise Conflict(f"the {point} evaluation of SKP {self.id} is final", code="point-final")

    def _require_open(self) -> None:
        if self.is_closed:
            raise Conflict(f"the annual evaluation of SKP {self.id} is final", code="skp-closed")


def plan_skp(
    *,
    skp_id: UUID,
    period_id: UUID,
    year: int,
    nip: str,
    agency_code: str,
    appraiser_nip: str,
    reviewer_nip: str | None,
    position_type: PositionType,
    position_id: str | None,
    unit_id: str | None,
    functional_level: str | None,
    credit_coefficient: Decimal | None,
    indicators: list[Indicator],
) -> Skp:
    """A new SKP; a functional position names its level, whose yearly credit coefficient (reference data,
    PermenPANRB 1/2023) earns its credit points; other positions have neither."""
    _check_people(nip, appraiser_nip, reviewer_nip)
    if not indicators:
        raise InvalidInput(
            "an SKP needs at least one result indicator",
            errors=[FieldProblem(field="indicators", message="at least one")],
        )
    is_functional = position_type is PositionType.FUNGSIONAL
    if is_functional and (functional_level is None or credit_coefficient is None):
        raise InvalidInput(
            "a functional position earns credit points: name its level",
            errors=[FieldProblem(field="functional_level", message="required for fungsional")],
        )
    if not is_functional and functional_level is not None:
        raise InvalidInput(
            "only functional positions have a level that earns credit points",
            errors=[FieldProblem(field="functional_level", message="only for fungsional")],
        )
    return Skp(
        id=skp_id,
        period_id=period_id,
        year=year,
        nip=nip,
        agency_code=agency_code,
        appraiser_nip=appraiser_nip,
        reviewer_nip=reviewer_nip,
        position_type=position_type,
        position_id=position_id,
        unit_id=unit_id,
        functional_level=functional_level,
        credit_coefficient=credit_coefficient if is_functional else None,
        indicators=list(indicators),
    )


def _check_people(nip: str, appraiser_nip: str, reviewer_nip: str | None) -> None:
    problems = []
    if appraiser_nip == nip:
        problems.append(FieldProblem(field="appraiser_nip", message="an employee cannot appraise themself"))
    if reviewer_nip is not None and reviewer_nip in (nip, appraiser_nip):
        problems.append(
            FieldProblem(field="reviewer_nip", message="the appraiser's supervisor is a third person")
        )
    if problems:
        raise InvalidInput("the SKP names the same person twice", errors=problems)
