"""Evaluation of a programme on the four Kirkpatrick levels (Peraturan LAN 10/2018 asks to evaluate beyond
satisfaction): 1 reaction (the participants' form), 2 learning (pre- and post-test), 3 behaviour on the job
and 4 results (the supervisor's follow-up some weeks after completion). Pure Python.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.training.domain.sessions import REACTION_QUESTIONS, EnrolmentStatus


@dataclass(frozen=True)
class ParticipantOutcome:
    """What one enrolment of the programme contributes to its evaluation."""

    status: EnrolmentStatus
    jp_awarded: int | None  # what the completion awarded, whatever the programme awards now
    reaction: Mapping[str, int] | None
    pre_test: Decimal | None
    post_test: Decimal | None
    follow_up_due_on: date | None
    behaviour: int | None
    results: int | None


@dataclass(frozen=True)
class ReactionLevel:
    responses: int
    response_rate: Decimal | None  # % of the participants who held a seat
    mean_by_question: dict[str, Decimal | None]
    mean: Decimal | None


@dataclass(frozen=True)
class LearningLevel:
    tested: int  # with both a pre- and a post-test score
    mean_pre: Decimal | None
    mean_post: Decimal | None
    mean_gain: Decimal | None
    improved: int


@dataclass(frozen=True)
class FollowUpLevel:
    due: int  # completions whose follow-up date has come
    evaluated: int
    mean: Decimal | None  # 1-5


@dataclass(frozen=True)
class KirkpatrickReport:
    participants: int  # held a seat (enrolled or completed)
    completed: int
    jp_awarded: int  # the sum of what each completion awarded
    reaction: ReactionLevel
    learning: LearningLevel
    behaviour: FollowUpLevel
    results: FollowUpLevel


def _mean(values: Iterable[Decimal | int]) -> Decimal | None:
    found = [Decimal(v) for v in values]
    return (sum(found, Decimal(0)) / len(found)).quantize(Decimal("0.01")) if found else None


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01")) if whole else None


def kirkpatrick(outcomes: Sequence[ParticipantOutcome], *, today: date) -> KirkpatrickReport:
    seated = [o for o in outcomes if o.status.holds_seat]
    completed = [o for o in seated if o.status is EnrolmentStatus.COMPLETED]
    reactions = [o.reaction for o in seated if o.reaction is not None]
    tested = [o for o in seated if o.pre_test is not None and o.post_test is not None]
    due = [o for o in completed if o.follow_up_due_on is not None and o.follow_up_due_on <= today]
    followed = [o for o in completed if o.behaviour is not None and o.results is not None]
    return KirkpatrickReport(
        participants=len(seated),
        completed=len(completed),
        jp_awarded=sum(o.jp_awarded or 0 for o in completed),
        reaction=ReactionLevel(
            responses=len(reactions),
            response_rate=_percent(len(reactions), len(seated)),
            mean_by_question={q: _mean(r[q] for r in reactions if q in r) for q in REACTION_QUESTIONS},
            mean=_mean(v for r in reactions for v in r.values()),
        ),
        learning=LearningLevel(
            tested=len(tested),
            mean_pre=_mean(o.pre_test for o in tested if o.pre_test is not None),
            mean_post=_mean(o.post_test for o in tested if o.post_test is not None),
            mean_gain=_mean(
                o.post_test - o.pre_test for o in tested if o.post_test is not None and o.pre_test is not None
            ),
            improved=sum(1 for o in tested if (o.post_test or 0) > (o.pre_test or 0)),
        ),
        behaviour=FollowUpLevel(
            due=len(due), evaluated=len(followed), mean=_mean(o.behaviour for o in followed if o.behaviour)
        ),
        results=FollowUpLevel(
            due=len(due), evaluated=len(followed), mean=_mean(o.results for o in followed if o.results)
        ),
    )
