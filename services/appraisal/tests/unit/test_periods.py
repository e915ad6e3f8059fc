from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from uuid import uuid4

import pytest

from services.appraisal.domain.distribution import OrganisationLevel, OrganisationPredicate
from services.appraisal.domain.periods import (
    AppraisalPeriod,
    DistributionViolated,
    Frequency,
    Override,
    Rated,
    evaluation_points,
)
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.domain.predicate import Predicate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound

pytestmark = pytest.mark.unit

APPROVER = "1" * 18
NOW = datetime(2027, 1, 5, tzinfo=UTC)
TODAY = date(2027, 1, 5)
REGULATION = AppraisalPolicy()
SB, B, BP = Predicate.SANGAT_BAIK, Predicate.BAIK, Predicate.BUTUH_PERBAIKAN


@pytest.mark.parametrize(
    ("frequency", "keys", "months"),
    [
        (Frequency.MONTHLY, [f"M{m:02d}" for m in range(1, 13)], 1),
        (Frequency.QUARTERLY, ["Q1", "Q2", "Q3", "Q4"], 3),
        (Frequency.SEMESTER, ["S1", "S2"], 6),
    ],
)
def test_the_agency_cadence_sets_the_periodic_points_and_every_year_ends_annually(frequency, keys, months):
    points = evaluation_points(2024, frequency)
    assert [p.key for p in points] == [*keys, "annual"]
    assert {p.months for p in points[:-1]} == {months}
    assert (points[-1].key, points[-1].months) == ("annual", 12)
    assert (points[0].starts_on, points[-2].ends_on) == (date(2024, 1, 1), date(2024, 12, 31))


def test_points_end_on_the_last_day_of_their_month():
    february = evaluation_points(2024, Frequency.MONTHLY)[1]
    assert (february.starts_on, february.ends_on) == (date(2024, 2, 1), date(2024, 2, 29))


def period(organisation: OrganisationPredicate | None = OrganisationPredicate.BAIK) -> AppraisalPeriod:
    return AppraisalPeriod(
        uuid4(), "7601", 2026, Frequency.SEMESTER, APPROVER, organisation_predicate=organisation
    )


def rated(predicates: dict[str, Predicate | None], unit: str | None = None) -> dict[str, Rated]:
    return {nip: Rated(unit, predicate) for nip, predicate in predicates.items()}


ALLOWED = rated({"a": B, "b": B, "c": BP})
FORBIDDEN = rated({"a": B, "b": B, "c": B})


def finalise(
    opened: AppraisalPeriod,
    key: str,
    ratings: dict[str, Rated],
    override: Override | None = None,
    *,
    today: date = TODAY,
    policy: AppraisalPolicy = REGULATION,
):
    return opened.finalise(key, ratings, override, NOW, today=today, policy=policy)


def test_a_point_with_an_allowed_distribution_finalises_without_override():
    opened = period()
    finalisation = finalise(opened, "S1", ALLOWED)
    assert (finalisation.population, finalisation.counts[B], finalisation.overridden_by) == (3, 2, None)
    assert opened.is_final("S1") and not opened.is_final("S2")


def test_finalising_lists_every_violation_with_its_counts_and_changes_nothing():
    opened = period()
    with pytest.raises(DistributionViolated) as refused:
        finalise(opened, "S1", FORBIDDEN)
    assert [(e.field, e.value["allowed"], e.value["actual"]) for e in refused.value.errors] == [
        ("distribution.baik-max-baik", 2, 3),
        ("distribution.baik-some-butuh-perbaikan-kurang", 1, 0),
    ]
    assert not opened.is_final("S1")


def test_only_the_periods_approver_overrides_and_the_override_is_recorded():
    opened = period()
    with pytest.raises(Forbidden):
        finalise(opened, "S1", FORBIDDEN, Override("9" * 18, "x"))
    finalisation = finalise(opened, "S1", FORBIDDEN, Override(APPROVER, "kebijakan PPK"))
    assert (finalisation.overridden_by, finalisation.override_reason) == (APPROVER, "kebijakan PPK")
    assert [v.rule for v in finalisation.violations] == ["baik-max-baik", "baik-some-butuh-perbaikan-kurang"]


def test_an_override_without_violations_is_not_recorded():
    finalisation = finalise(period(), "S1", ALLOWED, Override(APPROVER, "x"))
    assert finalisation.overridden_by is None and finalisation.violations == ()


@pytest.mark.parametrize(
    ("opened", "predicates", "code"),
    [
        (period(), rated({"a": B, "b": None}), "ratings-missing"),
        (period(), {}, "no-skp"),
        (period(None), ALLOWED, "organisation-predicate-missing"),
    ],
)
def test_finalising_needs_every_rating_some_skp_and_the_organisation_predicate(opened, predicates, code):
    with pytest.raises(Conflict) as refused:
        finalise(opened, "S1", predicates)
    assert refused.value.code == code


def test_a_point_is_finalised_once_and_unknown_points_are_not_found():
    opened = period()
    finalise(opened, "S1", ALLOWED)
    with pytest.raises(Conflict):
        finalise(opened, "S1", ALLOWED)
    with pytest.raises(NotFound):
        finalise(opened, "Q1", ALLOWED)


def test_the_cadence_and_rule_stay_and_a_closed_period_changes_no_more():
    opened = period()
    with pytest.raises(InvalidInput):
        opened.revise({"frequency": Frequency.MONTHLY})
    opened.revise({"organisation_predicate": OrganisationPredicate.ISTIMEWA, "objection_window_days": 7})
    assert (opened.organisation_predicate, opened.objection_window_days) == (
        OrganisationPredicate.ISTIMEWA,
        7,
    )
    finalise(opened, "annual", rated({"a": SB, "b": SB, "c": B}))
    with pytest.raises(Conflict):
        opened.revise({"objection_window_days": 30})


def test_a_point_is_rated_from_its_last_day_and_finalised_only_after_it():
    opened = AppraisalPeriod(uuid4(), "7601", 2026, Frequency.QUARTERLY, APPROVER)
    opened.organisation_predicate = OrganisationPredicate.BAIK
    december_7 = date(2026, 12, 7)
    with pytest.raises(Conflict) as early:
        opened.ratable("Q4", december_7, REGULATION)
    assert early.value.code == "point-not-ended" and "2026-12-31" in early.value.detail
    assert opened.ratable("Q3", december_7, REGULATION).key == "Q3"
    assert opened.ratable("Q4", date(2026, 12, 31), REGULATION).key == "Q4"
    with pytest.raises(Conflict) as before_over:
        finalise(opened, "Q4", ALLOWED, today=date(2026, 12, 31))
    assert before_over.value.code == "point-not-over"
    assert not opened.is_final("Q4")
    assert finalise(opened, "Q4", ALLOWED, today=date(2027, 1, 1)).point == "Q4"


def test_a_year_to_come_is_neither_rated_nor_finalised():
    next_year = AppraisalPeriod(
        uuid4(),
        "7601",
        2027,
        Frequency.QUARTERLY,
        APPROVER,
        organisation_predicate=OrganisationPredicate.BAIK,
    )
    december_7 = date(2026, 12, 7)
    for point in ("Q1", "annual"):
        with pytest.raises(Conflict) as rated_early:
            next_year.ratable(point, december_7, REGULATION)
        assert rated_early.value.code == "point-not-ended"
        with pytest.raises(Conflict) as finalised_early:
            finalise(next_year, point, ALLOWED, today=december_7)
        assert finalised_early.value.code == "point-not-over"


def test_the_annual_point_may_open_for_rating_by_the_agencys_grace_but_finalises_after_the_year():
    opened = period()
    december = AppraisalPolicy(annual_rating_grace_days=30)
    assert opened.ratable("annual", date(2026, 12, 1), december).key == "annual"
    with pytest.raises(Conflict):
        opened.ratable("annual", date(2026, 11, 30), december)
    # The grace is the annual point's only: a periodic point still waits for its last day.
    with pytest.raises(Conflict):
        opened.ratable("S2", date(2026, 12, 1), december)
    with pytest.raises(Conflict) as not_over:
        finalise(opened, "annual", ALLOWED, today=date(2026, 12, 31), policy=december)
    assert not_over.value.code == "point-not-over"


def test_caps_per_work_unit_check_each_unit_against_its_own_predicate():
    opened = period(OrganisationPredicate.ISTIMEWA)
    opened.unit_predicates = {"bidang-b": OrganisationPredicate.BAIK}
    ratings = {
        **rated({"a1": SB, "a2": SB, "a3": B}, unit="bidang-a"),
        **rated({"b1": SB, "b2": B, "b3": B}, unit="bidang-b"),
    }
    # Over the agency: 3 of 6 Sangat Baik is no majority.
    assert [v.rule for v in opened.check("S1", ratings, REGULATION)] == ["istimewa-majority-sangat-baik"]
    per_unit = AppraisalPolicy(distribution_level=OrganisationLevel.UNIT)
    violations = opened.check("S1", ratings, per_unit)
    # Bidang A (Istimewa, the agency's predicate) keeps its caps; Bidang B (Baik) has nobody below Baik.
    assert [(v.unit_id, v.rule) for v in violations] == [("bidang-b", "baik-some-butuh-perbaikan-kurang")]
    with pytest.raises(DistributionViolated) as refused:
        finalise(opened, "S1", ratings, policy=per_unit)
    assert [e.field for e in refused.value.errors] == [
        "distribution.bidang-b.baik-some-butuh-perbaikan-kurang"
    ]


def test_an_agency_may_set_its_own_shares_for_the_caps():
    opened = period(OrganisationPredicate.ISTIMEWA)
    seven_of_ten = rated({f"p{i}": SB if i < 7 else B for i in range(10)})
    assert opened.check("S1", seven_of_ten, REGULATION) == []
    stricter = AppraisalPolicy(distribution_shares={"istimewa-max-sangat-baik": Fraction(6, 10)})
    (violation,) = opened.check("S1", seven_of_ten, stricter)
    assert (violation.rule, violation.allowed, violation.actual) == ("istimewa-max-sangat-baik", 6, 7)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"annual_rating_grace_days": 93}, "annual_rating_grace_days"),
        ({"distribution_shares": {"no-such-rule": Fraction(1, 2)}}, "distribution_shares.no-such-rule"),
        ({"distribution_shares": {"baik-max-baik": Fraction(11, 10)}}, "distribution_shares.baik-max-baik"),
        (
            {"distribution_shares": {"istimewa-majority-sangat-baik": Fraction(7, 10)}},
            "distribution_shares.istimewa-majority-sangat-baik",
        ),
    ],
)
def test_a_policy_refuses_what_the_rules_cannot_mean(values, field):
    with pytest.raises(InvalidInput) as refused:
        AppraisalPolicy(**values)
    assert [e.field for e in refused.value.errors] == [field]


def test_the_regulation_opens_no_grace_before_the_year_ends():
    assert REGULATION.rating_opens_on(date(2026, 12, 31), annual=True) == date(2026, 12, 31)
    assert REGULATION.finalisation_opens_on(date(2026, 12, 31)) == date(2026, 12, 31) + timedelta(days=1)
