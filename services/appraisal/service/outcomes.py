"""What a final evaluation leads to, whether a period's point was finalised or an objection revised it:
the `evaluation.finalised` event, the 9-box position (annual evaluations) and the post-mutation baselines
of people who moved."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from services.appraisal.domain.periods import ANNUAL
from services.appraisal.domain.skp import Evaluation
from services.appraisal.service import monitoring, talent
from shared.contracts.appraisal import EvaluationFinalised
from shared.events.envelope import new_event
from shared.uow import UnitOfWork

# Keeps IN lists well below the bind-parameter limits of SQLite and asyncpg for large agencies.
CHUNK = 1000


@dataclass(frozen=True)
class FinalEvaluation:
    skp_id: UUID
    period_id: UUID
    nip: str
    agency_code: str
    year: int
    position_type: str
    evaluation: Evaluation
    objection_id: UUID | None = None


def in_chunks(nips: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(nips), CHUNK):
        yield nips[start : start + CHUNK]


def _event_data(final: FinalEvaluation) -> EvaluationFinalised:
    evaluation = final.evaluation
    assert evaluation.finalised_at is not None
    verdict = evaluation.verdict
    return EvaluationFinalised(
        nip=final.nip,
        skp_id=str(final.skp_id),
        period_id=str(final.period_id),
        agency_code=final.agency_code,
        year=final.year,
        period=evaluation.point,
        starts_on=evaluation.starts_on,
        ends_on=evaluation.ends_on,
        results=verdict.results.value,
        behaviour=verdict.behaviour.value,
        behaviour_values={value.value: rating.value for value, rating in evaluation.behaviour_values.items()},
        predicate=verdict.predicate.value,
        position_type=final.position_type,
        credit_points=verdict.credit_points,
        finalised_at=evaluation.finalised_at,
        objection_id=str(final.objection_id) if final.objection_id else None,
    )


async def announce(uow: UnitOfWork, finals: Sequence[FinalEvaluation]) -> None:
    """Publish each final evaluation and bring the talent grid and the mutation baselines up to date;
    the caller commits."""
    for final in finals:
        uow.publish(
            new_event(
                "asn.appraisal.evaluation.finalised",
                subject=final.nip,
                agency=final.agency_code,
                data=_event_data(final),
            )
        )
    nips = sorted({final.nip for final in finals})
    annual = sorted({final.nip for final in finals if final.evaluation.point == ANNUAL})
    for chunk in in_chunks(annual):
        await talent.refresh_positions(uow, chunk)
    for chunk in in_chunks(nips):
        await monitoring.refresh_baselines(uow, chunk)
