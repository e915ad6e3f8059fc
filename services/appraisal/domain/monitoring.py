"""Post-mutation monitoring: performance before and after an employee moved (ARCHITECTURE.md §5, step 4).

An evaluation counts as *before* a move when its period ended before the TMT and as *after* it when its
period started on or after the TMT; a year the person spent partly in each position counts for neither.
The comparison is made on annual predicates: the last one before the move (the baseline) against the
first one after it. Periodic predicates are shown beside them as the earlier signal.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from services.appraisal.domain.distribution import distribution
from services.appraisal.domain.predicate import Predicate

MEAN_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class FinalPredicate:
    """A final evaluation's predicate and the period it covers."""

    year: int
    point: str
    starts_on: date
    ends_on: date
    predicate: Predicate


def before(tmt: date, evaluations: Sequence[FinalPredicate]) -> FinalPredicate | None:
    """The latest evaluation whose period ended before the move."""
    earlier = [e for e in evaluations if e.ends_on < tmt]
    return max(earlier, key=lambda e: (e.ends_on, e.starts_on), default=None)


def first_after(tmt: date, evaluations: Sequence[FinalPredicate]) -> FinalPredicate | None:
    later = [e for e in evaluations if e.starts_on >= tmt]
    return min(later, key=lambda e: (e.starts_on, e.ends_on), default=None)


def latest_after(tmt: date, evaluations: Sequence[FinalPredicate]) -> FinalPredicate | None:
    later = [e for e in evaluations if e.starts_on >= tmt]
    return max(later, key=lambda e: (e.ends_on, e.starts_on), default=None)


class Change(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    DECLINED = "declined"


def change(before: Predicate | None, after: Predicate | None) -> Change | None:
    if before is None or after is None:
        return None
    if after.score > before.score:
        return Change.IMPROVED
    return Change.DECLINED if after.score < before.score else Change.UNCHANGED


@dataclass(frozen=True)
class CohortFigures:
    """A cohort of moves compared on annual predicates; means are of predicate scores (Sangat Baik 5 ...
    Sangat Kurang 1) over the moves that have both a before and an after predicate."""

    moves: int
    compared: int
    improved: int
    unchanged: int
    declined: int
    mean_before: Decimal | None
    mean_after: Decimal | None
    before: dict[Predicate, int]
    after: dict[Predicate, int]


def cohort_figures(pairs: Sequence[tuple[Predicate | None, Predicate | None]]) -> CohortFigures:
    """Figures of a cohort from each move's (annual predicate before, annual predicate after)."""
    compared = [(b, a) for b, a in pairs if b is not None and a is not None]
    changes = [change(b, a) for b, a in compared]
    return CohortFigures(
        moves=len(pairs),
        compared=len(compared),
        improved=changes.count(Change.IMPROVED),
        unchanged=changes.count(Change.UNCHANGED),
        declined=changes.count(Change.DECLINED),
        mean_before=_mean([b.score for b, _ in compared]),
        mean_after=_mean([a.score for _, a in compared]),
        before=distribution(b for b, _ in compared),
        after=distribution(a for _, a in compared),
    )


def _mean(scores: Sequence[int]) -> Decimal | None:
    if not scores:
        return None
    return (Decimal(sum(scores)) / len(scores)).quantize(MEAN_PLACES, rounding=ROUND_HALF_UP)
