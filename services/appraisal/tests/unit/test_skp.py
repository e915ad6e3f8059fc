from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.appraisal.domain.periods import Frequency, evaluation_points
from services.appraisal.domain.predicate import BehaviourRule, CoreValue, Predicate, Rating
from services.appraisal.domain.skp import (
    Feedback,
    Indicator,
    ObjectionDecision,
    PositionType,
    Realisation,
    Skp,
    Target,
    plan_skp,
)
from shared.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.unit

EMPLOYEE, APPRAISER, REVIEWER, OUTSIDER = "1" * 18, "2" * 18, "3" * 18, "4" * 18
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
POINTS = {p.key: p for p in evaluation_points(2026, Frequency.SEMESTER)}
ALL_MEET = dict.fromkeys(CoreValue, Rating.MEETS)


def skp(**overrides: Any) -> Skp:
    values: dict[str, Any] = dict(
        skp_id=uuid4(),
        period_id=uuid4(),
        year=2026,
        nip=EMPLOYEE,
        agency_code="7601",
        appraiser_nip=APPRAISER,
        reviewer_nip=REVIEWER,
        position_type=PositionType.PELAKSANA,
        position_id="pos-1",
        unit_id="unit-1",
        functional_level=None,
        credit_coefficient=None,
        indicators=[Indicator(uuid4(), "Laporan", Target(Decimal(12), "laporan", Decimal(90), 12))],
    )
    values.update(overrides)
    return plan_skp(**values)


def rate(plan: Skp, point: str, results: Rating = Rating.MEETS, *, by: str = APPRAISER, at: datetime = NOW):
    return plan.rate(
        POINTS[point],
        appraiser_nip=by,
        results=results,
        behaviour_values=ALL_MEET,
        behaviour=Rating.MEETS,
        rule=BehaviourRule.SUPERVISOR_OVERALL,
        at=at,
    )


def final(plan: Skp, point: str, results: Rating = Rating.MEETS, at: datetime = NOW) -> Skp:
    """Rated and finalised (what the period's finalisation does to every SKP of the point)."""
    plan.evaluations[point] = replace(rate(plan, point, results), finalised_at=at)
    return plan


def test_only_the_appraiser_rates():
    plan = skp()
    with pytest.raises(Forbidden) as refused:
        rate(plan, "S1", by=OUTSIDER)
    assert refused.value.code == "not-the-appraiser"
    with pytest.raises(Forbidden):
        rate(plan, "S1", by=EMPLOYEE)
    assert plan.evaluations == {}
    assert rate(plan, "S1").verdict.predicate is Predicate.BAIK


def test_a_final_evaluation_cannot_be_rated_again():
    plan = final(skp(), "S1")
    with pytest.raises(Conflict) as refused:
        rate(plan, "S1", Rating.ABOVE)
    assert refused.value.code == "point-final"


def test_a_new_appraiser_takes_over_the_rating():
    plan = skp()
    plan.assign(appraiser_nip=OUTSIDER, reviewer_nip=REVIEWER)
    with pytest.raises(Forbidden):
        rate(plan, "S1", by=APPRAISER)
    assert rate(plan, "S1", by=OUTSIDER).rated_by == OUTSIDER


def test_realisations_and_feedback_come_from_the_employee_or_the_appraiser():
    plan = skp()
    indicator = plan.indicators[0].id

    def realisation(by: str) -> Realisation:
        return Realisation(indicator, "S1", Decimal(6), Decimal(92), 6, None, "arsip", by, NOW)

    with pytest.raises(Forbidden) as refused:
        plan.record_realisation(POINTS["S1"], realisation(OUTSIDER))
    assert refused.value.code == "not-a-party"
    plan.record_realisation(POINTS["S1"], realisation(EMPLOYEE))
    with pytest.raises(Forbidden):
        plan.give_feedback(Feedback(uuid4(), OUTSIDER, "x", None, NOW))
    plan.give_feedback(Feedback(uuid4(), APPRAISER, "Bagus", indicator, NOW))
    assert len(plan.realisations) == 1 and len(plan.feedback) == 1


def test_planning_refuses_the_same_person_twice_and_a_plan_without_indicators():
    with pytest.raises(InvalidInput) as self_appraisal:
        skp(appraiser_nip=EMPLOYEE)
    assert self_appraisal.value.errors[0].field == "appraiser_nip"
    with pytest.raises(InvalidInput):
        skp(reviewer_nip=APPRAISER)
    with pytest.raises(InvalidInput):
        skp(indicators=[])


def test_only_functional_positions_carry_a_level_whose_coefficient_earns_credit_points():
    with pytest.raises(InvalidInput) as without_level:
        skp(position_type=PositionType.FUNGSIONAL)
    assert without_level.value.errors[0].field == "functional_level"
    with pytest.raises(InvalidInput) as level_of_pelaksana:
        skp(functional_level="ahli_pertama", credit_coefficient=Decimal("12.5"))
    assert level_of_pelaksana.value.errors[0].field == "functional_level"
    functional = skp(
        position_type=PositionType.FUNGSIONAL,
        functional_level="ahli_pertama",
        credit_coefficient=Decimal("12.5"),
    )
    assert rate(functional, "S2", Rating.ABOVE).verdict.credit_points == Decimal("6.25")
    assert rate(skp(), "S2").verdict.credit_points is None


def object_to(plan: Skp, *, by: str = EMPLOYEE, at: datetime = NOW, window: int = 14):
    return plan.file_objection(
        "annual", by_nip=by, reason="keberatan", objection_id=uuid4(), window_days=window, at=at
    )


def test_only_the_employee_objects_and_only_to_a_final_evaluation():
    plan = skp()
    rate(plan, "annual")
    with pytest.raises(Conflict):
        object_to(plan)
    final(plan, "annual")
    with pytest.raises(Forbidden) as refused:
        object_to(plan, by=APPRAISER)
    assert refused.value.code == "not-the-employee"
    assert object_to(plan).original.predicate is Predicate.BAIK
    with pytest.raises(Conflict) as twice:
        object_to(plan)
    assert twice.value.code == "already-objected"


def test_an_objection_comes_within_the_window_after_finalising():
    finalised = NOW
    assert object_to(final(skp(), "annual", at=finalised), at=finalised + timedelta(days=14), window=14)
    with pytest.raises(Conflict) as late:
        object_to(final(skp(), "annual", at=finalised), at=finalised + timedelta(days=15), window=14)
    assert late.value.code == "objection-window-closed"


def test_only_the_appraisers_supervisor_decides_and_upholding_revises_the_evaluation():
    plan = final(skp(), "annual", Rating.BELOW)
    objection = object_to(plan)
    decide = plan.decide_objection
    for who in (APPRAISER, EMPLOYEE, OUTSIDER):
        with pytest.raises(Forbidden):
            decide(
                objection.id,
                by_nip=who,
                decision=ObjectionDecision.UPHELD,
                note="x",
                results=Rating.MEETS,
                behaviour=Rating.MEETS,
                at=NOW,
            )
    with pytest.raises(InvalidInput):
        decide(
            objection.id,
            by_nip=REVIEWER,
            decision=ObjectionDecision.UPHELD,
            note="x",
            results=None,
            behaviour=None,
            at=NOW,
        )

    decided, revised = decide(
        objection.id,
        by_nip=REVIEWER,
        decision=ObjectionDecision.UPHELD,
        note="bukti lengkap",
        results=Rating.ABOVE,
        behaviour=Rating.ABOVE,
        at=NOW,
    )
    assert decided.original.predicate is Predicate.BUTUH_PERBAIKAN
    assert decided.revised is not None and decided.revised.predicate is Predicate.SANGAT_BAIK
    assert revised is not None and revised.finalised_at == NOW
    assert plan.evaluations["annual"].verdict.predicate is Predicate.SANGAT_BAIK
    with pytest.raises(Conflict):
        decide(
            objection.id,
            by_nip=REVIEWER,
            decision=ObjectionDecision.REJECTED,
            note="x",
            results=None,
            behaviour=None,
            at=NOW,
        )


def test_a_skp_without_a_named_supervisor_cannot_have_objections_decided():
    plan = final(skp(reviewer_nip=None), "annual")
    objection = object_to(plan)
    with pytest.raises(Forbidden):
        plan.decide_objection(
            objection.id,
            by_nip=REVIEWER,
            decision=ObjectionDecision.REJECTED,
            note="x",
            results=None,
            behaviour=None,
            at=NOW,
        )


def test_a_closed_skp_takes_no_new_indicator():
    plan = final(skp(), "annual")
    with pytest.raises(Conflict) as refused:
        plan.add_indicator(Indicator(uuid4(), "Baru", Target(Decimal(1), "x", Decimal(100), 1)))
    assert refused.value.code == "skp-closed"
