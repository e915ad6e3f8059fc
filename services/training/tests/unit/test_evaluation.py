from datetime import date
from decimal import Decimal

import pytest

from services.training.domain.evaluation import ParticipantOutcome, kirkpatrick
from services.training.domain.sessions import EnrolmentStatus

pytestmark = pytest.mark.unit

TODAY = date(2026, 9, 1)
ALL_FOUR = {"relevance": 4, "content": 4, "trainers": 5, "organisation": 3, "overall": 4}


def outcome(
    status=EnrolmentStatus.COMPLETED,
    jp=24,
    reaction=None,
    pre=None,
    post=None,
    due=None,
    behaviour=None,
    results=None,
):
    def score(value: int | None) -> Decimal | None:
        return Decimal(value) if value is not None else None

    awarded = jp if status is EnrolmentStatus.COMPLETED else None
    return ParticipantOutcome(status, awarded, reaction, score(pre), score(post), due, behaviour, results)


def test_the_four_levels_of_a_programme():
    report = kirkpatrick(
        [
            outcome(reaction=ALL_FOUR, pre=50, post=80, due=date(2026, 8, 1), behaviour=4, results=3),
            outcome(
                reaction={**ALL_FOUR, "overall": 2},
                pre=70,
                post=65,
                due=date(2026, 8, 15),
                behaviour=2,
                results=2,
            ),
            # Follow-up not due yet; no post-test; completed before the programme's JP were revised.
            outcome(jp=18, pre=60, due=date(2026, 10, 1)),
            outcome(EnrolmentStatus.ENROLLED),
            outcome(EnrolmentStatus.CANCELLED, reaction=ALL_FOUR),  # not a participant
            outcome(EnrolmentStatus.WAITLISTED),
        ],
        today=TODAY,
    )
    assert (report.participants, report.completed, report.jp_awarded) == (4, 3, 66)
    assert (report.reaction.responses, report.reaction.response_rate) == (2, Decimal("50.00"))
    assert report.reaction.mean_by_question["overall"] == Decimal("3.00")
    assert report.reaction.mean == Decimal("3.80")
    learning = report.learning
    assert (learning.tested, learning.mean_pre, learning.mean_post) == (2, Decimal("60.00"), Decimal("72.50"))
    assert (learning.mean_gain, learning.improved) == (Decimal("12.50"), 1)
    assert (report.behaviour.due, report.behaviour.evaluated, report.behaviour.mean) == (
        2,
        2,
        Decimal("3.00"),
    )
    assert report.results.mean == Decimal("2.50")


def test_an_empty_programme_has_no_means():
    report = kirkpatrick([], today=TODAY)
    assert report.reaction.mean is None and report.reaction.response_rate is None
    assert report.learning.mean_gain is None and report.behaviour.mean is None
