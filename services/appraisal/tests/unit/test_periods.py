from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.appraisal.domain.distribution import OrganisationPredicate
from services.appraisal.domain.periods import (
    AppraisalPeriod,
    DistributionViolated,
    Frequency,
    Override,
    evaluation_points,
)
from services.appraisal.domain.predicate import Predicate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound

pytestmark = pytest.mark.unit

APPROVER = "1" * 18
NOW = datetime(2027, 1, 5, tzinfo=UTC)
B, BP = Predicate.BAIK, Predicate.BUTUH_PERBAIKAN


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


ALLOWED = {"a": B, "b": B, "c": BP}
FORBIDDEN = {"a": B, "b": B, "c": B}


def test_a_point_with_an_allowed_distribution_finalises_without_override():
    opened = period()
    finalisation = opened.finalise("S1", ALLOWED, None, NOW)
    assert (finalisation.population, finalisation.counts[B], finalisation.overridden_by) == (3, 2, None)
    assert opened.is_final("S1") and not opened.is_final("S2")


def test_finalising_lists_every_violation_with_its_counts_and_changes_nothing():
    opened = period()
    with pytest.raises(DistributionViolated) as refused:
        opened.finalise("S1", FORBIDDEN, None, NOW)
    assert [(e.field, e.value["allowed"], e.value["actual"]) for e in refused.value.errors] == [
        ("distribution.baik-max-baik", 2, 3),
        ("distribution.baik-some-butuh-perbaikan-kurang", 1, 0),
    ]
    assert not opened.is_final("S1")


def test_only_the_periods_approver_overrides_and_the_override_is_recorded():
    opened = period()
    with pytest.raises(Forbidden):
        opened.finalise("S1", FORBIDDEN, Override("9" * 18, "x"), NOW)
    finalisation = opened.finalise("S1", FORBIDDEN, Override(APPROVER, "kebijakan PPK"), NOW)
    assert (finalisation.overridden_by, finalisation.override_reason) == (APPROVER, "kebijakan PPK")
    assert [v.rule for v in finalisation.violations] == ["baik-max-baik", "baik-some-butuh-perbaikan-kurang"]


def test_an_override_without_violations_is_not_recorded():
    finalisation = period().finalise("S1", ALLOWED, Override(APPROVER, "x"), NOW)
    assert finalisation.overridden_by is None and finalisation.violations == ()


@pytest.mark.parametrize(
    ("opened", "predicates", "code"),
    [
        (period(), {"a": B, "b": None}, "ratings-missing"),
        (period(), {}, "no-skp"),
        (period(None), ALLOWED, "organisation-predicate-missing"),
    ],
)
def test_finalising_needs_every_rating_some_skp_and_the_organisation_predicate(opened, predicates, code):
    with pytest.raises(Conflict) as refused:
        opened.finalise("S1", predicates, None, NOW)
    assert refused.value.code == code


def test_a_point_is_finalised_once_and_unknown_points_are_not_found():
    opened = period()
    opened.finalise("S1", ALLOWED, None, NOW)
    with pytest.raises(Conflict):
        opened.finalise("S1", ALLOWED, None, NOW)
    with pytest.raises(NotFound):
        opened.finalise("Q1", ALLOWED, None, NOW)


def test_the_cadence_and_rule_stay_and_a_closed_period_changes_no_more():
    opened = period()
    with pytest.raises(InvalidInput):
        opened.revise({"frequency": Frequency.MONTHLY})
    opened.revise({"organisation_predicate": OrganisationPredicate.ISTIMEWA, "objection_window_days": 7})
    assert (opened.organisation_predicate, opened.objection_window_days) == (
        OrganisationPredicate.ISTIMEWA,
        7,
    )
    opened.finalise("annual", ALLOWED, None, NOW)
    with pytest.raises(Conflict):
        opened.revise({"objection_window_days": 30})
