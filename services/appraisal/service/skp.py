"""Use cases of an employee's SKP: plan it, record realisations and feedback, rate it, object to a final
evaluation and decide the objection (PermenPANRB 6/2022). An act a record keeper entered on someone's
behalf, and every decision on an objection, lands in the audit chain in the same transaction.

Each change bumps the SKP's version before writing its parts: a concurrent change of the same SKP then
waits on that row and is refused (412) instead of colliding on the parts' keys."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import PolicyRepository, SkpFilter, SkpRepository
from services.appraisal.domain import skp as model
from services.appraisal.domain.periods import ANNUAL, AppraisalPeriod
from services.appraisal.domain.predicate import CoreValue, Rating
from services.appraisal.domain.skp import (
    Evaluation,
    Feedback,
    Indicator,
    Objection,
    ObjectionDecision,
    OnBehalf,
    PositionType,
    Realisation,
    Skp,
    Target,
)
from services.appraisal.service import audit, outcomes
from services.appraisal.service.outcomes import FinalEvaluation
from services.appraisal.service.periods import get_period
from shared import clock
from shared.errors import Conflict, NotFound
from shared.etag import check_version
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class IndicatorPlan:
    description: str
    target: Target


def _now() -> datetime:
    return clock.now()


async def get_skp(connection: AsyncConnection, skp_id: UUID) -> Skp:
    skp = await SkpRepository(connection).get(skp_id)
    if skp is None:
        raise NotFound(f"no SKP {skp_id}")
    return skp


async def _open_period(connection: AsyncConnection, period_id: UUID) -> AppraisalPeriod:
    period = await get_period(connection, period_id)
    if period.is_final(ANNUAL):
        raise Conflict(f"the appraisal year {period.year} is closed", code="period-closed")
    return period


async def plan_skp(
    uow: UnitOfWork,
    *,
    period_id: UUID,
    nip: str,
    appraiser_nip: str,
    reviewer_nip: str | None,
    position_type: PositionType,
    position_id: str | None,
    unit_id: str | None,
    functional_level: str | None,
    credit_coefficient: Decimal | None,
    indicators: list[IndicatorPlan],
) -> Skp:
    period = await _open_period(uow.connection, period_id)
    skp = model.plan_skp(
        skp_id=uuid4(),
        period_id=period_id,
        year=period.year,
        nip=nip,
        agency_code=period.agency_code,
        appraiser_nip=appraiser_nip,
        reviewer_nip=reviewer_nip,
        position_type=position_type,
        position_id=position_id,
        unit_id=unit_id,
        functional_level=functional_level,
        credit_coefficient=credit_coefficient,
        indicators=[Indicator(uuid4(), plan.description, plan.target) for plan in indicators],
    )
    try:
        await SkpRepository(uow.connection).add(skp)
    except IntegrityError:
        raise Conflict(f"{nip} already has an SKP for {period.year}", code="duplicate-skp") from None
    await uow.commit()
    return skp


async def search_skps(
    connection: AsyncConnection, where: SkpFilter, *, limit: int, after_id: UUID | None
) -> list[Skp]:
    return await SkpRepository(connection).search(where, limit=limit, after_id=after_id)


async def assign(
    uow: UnitOfWork, skp_id: UUID, *, expected_version: int, changes: Mapping[str, str | None]
) -> Skp:
    """Name another appraiser or appraiser's supervisor; what `changes` leaves out stays, and a request that
    changes nothing leaves the SKP (and its version) as it is."""
    skp = await get_skp(uow.connection, skp_id)
    check_version(skp.version, expected_version, f"SKP {skp_id}")
    appraiser_nip = changes.get("appraiser_nip") or skp.appraiser_nip
    reviewer_nip = changes["reviewer_nip"] if "reviewer_nip" in changes else skp.reviewer_nip
    if not skp.assign(appraiser_nip=appraiser_nip, reviewer_nip=reviewer_nip):
        return skp
    await SkpRepository(uow.connection).save(skp, expected_version=expected_version)
    await uow.commit()
    return skp


async def add_indicator(uow: UnitOfWork, skp_id: UUID, plan: IndicatorPlan) -> tuple[Skp, Indicator]:
    repository = SkpRepository(uow.connection)
    skp = await get_skp(uow.connection, skp_id)
    version = skp.version
    indicator = Indicator(uuid4(), plan.description, plan.target)
    skp.add_indicator(indicator)
    await repository.save(skp, expected_version=version)
    await repository.add_indicator(skp_id, indicator, ordinal=len(skp.indicators))
    await uow.commit()
    return skp, indicator


async def record_realisation(
    uow: UnitOfWork,
    skp_id: UUID,
    *,
    expected_version: int,
    indicator_id: UUID,
    point: str,
    quantity: Decimal | None,
    quality_percent: Decimal | None,
    time_months: int | None,
    cost: Decimal | None,
    evidence: str,
    recorded_by: str,
    on_behalf: OnBehalf | None,
) -> Skp:
    repository = SkpRepository(uow.connection)
    skp = await get_skp(uow.connection, skp_id)
    check_version(skp.version, expected_version, f"SKP {skp_id}")
    period = await get_period(uow.connection, skp.period_id)
    at = _now()
    realisation = Realisation(
        indicator_id,
        point,
        quantity,
        quality_percent,
        time_months,
        cost,
        evidence,
        recorded_by,
        at,
        on_behalf,
    )
    skp.record_realisation(period.require_open(point), realisation)
    await repository.save(skp, expected_version=expected_version)
    await repository.put_realisation(skp_id, realisation)
    if on_behalf is not None:
        await audit.on_behalf(
            uow,
            skp,
            on_behalf,
            act="realisation",
            of=recorded_by,
            at=at,
            point=point,
            indicator_id=str(indicator_id),
        )
    await uow.commit()
    return skp


async def give_feedback(
    uow: UnitOfWork,
    skp_id: UUID,
    *,
    author_nip: str,
    note: str,
    indicator_id: UUID | None,
    on_behalf: OnBehalf | None,
) -> tuple[Skp, Feedback]:
    """Continuous feedback between the appraiser and the employee during the year."""
    repository = SkpRepository(uow.connection)
    skp = await get_skp(uow.connection, skp_id)
    version = skp.version
    feedback = Feedback(uuid4(), author_nip, note, indicator_id, _now(), on_behalf)
    skp.give_feedback(feedback)
    await repository.save(skp, expected_version=version)
    await repository.add_feedback(skp_id, feedback)
    if on_behalf is not None:
        await audit.on_behalf(
            uow,
            skp,
            on_behalf,
            act="feedback",
            of=author_nip,
            at=feedback.given_at,
            feedback_id=str(feedback.id),
        )
    await uow.commit()
    return skp, feedback


async def rate(
    uow: UnitOfWork,
    skp_id: UUID,
    point: str,
    *,
    expected_version: int,
    appraiser_nip: str,
    results: Rating,
    behaviour_values: Mapping[CoreValue, Rating],
    behaviour: Rating | None,
    on_behalf: OnBehalf | None,
) -> tuple[Skp, Evaluation]:
    """The appraiser rates results and behaviour for a point, from its end (the agency's policy); the
    period's rule combines behaviour."""
    repository = SkpRepository(uow.connection)
    skp = await get_skp(uow.connection, skp_id)
    check_version(skp.version, expected_version, f"SKP {skp_id}")
    period = await get_period(uow.connection, skp.period_id)
    policy, _ = await PolicyRepository(uow.connection).get(period.agency_code)
    evaluation = skp.rate(
        period.ratable(point, clock.today(), policy),
        appraiser_nip=appraiser_nip,
        results=results,
        behaviour_values=behaviour_values,
        behaviour=behaviour,
        rule=period.behaviour_rule,
        at=_now(),
        on_behalf=on_behalf,
    )
    await repository.save(skp, expected_version=expected_version)
    await repository.put_evaluation(skp_id, evaluation)
    if on_behalf is not None:
        await audit.on_behalf(
            uow,
            skp,
            on_behalf,
            act="rated",
            of=appraiser_nip,
            at=evaluation.rated_at,
            point=point,
            predicate=evaluation.verdict.predicate.value,
        )
    await uow.commit()
    return skp, evaluation


async def file_objection(
    uow: UnitOfWork, skp_id: UUID, point: str, *, by_nip: str, reason: str, on_behalf: OnBehalf | None
) -> tuple[Skp, Objection]:
    repository = SkpRepository(uow.connection)
    skp = await get_skp(uow.connection, skp_id)
    version = skp.version
    period = await get_period(uow.connection, skp.period_id)
    period.point(point)
    objection = skp.file_objection(
        point,
        by_nip=by_nip,
        reason=reason,
        objection_id=uuid4(),
        window_days=period.objection_window_days,
        at=_now(),
        on_behalf=on_behalf,
    )
    await repository.save(skp, expected_version=version)
    await repository.put_objection(skp_id, objection)
    if on_behalf is not None:
        await audit.on_behalf(
            uow,
            skp,
            on_behalf,
            act="objection",
            of=by_nip,
            at=objection.filed_at,
            point=point,
            objection_id=str(objection.id),
        )
    await uow.commit()
    return skp, objection


async def decide_objection(
    uow: UnitOfWork,
    skp_id: UUID,
    objection_id: UUID,
    *,
    by_nip: str,
    decision: ObjectionDecision,
    note: str,
    results: Rating | None,
    behaviour: Rating | None,
    actor: str,
) -> tuple[Skp, Objection]:
    """The appraiser's supervisor decides; an upheld objection makes the revised evaluation the final one
    and announces it again."""
    repository = SkpRepository(uow.connection)
    skp = await get_skp(uow.connection, skp_id)
    version = skp.version
    at = _now()
    objection, revised = skp.decide_objection(
        objection_id,
        by_nip=by_nip,
        decision=decision,
        note=note,
        results=results,
        behaviour=behaviour,
        at=at,
    )
    await repository.save(skp, expected_version=version)
    await repository.put_objection(skp_id, objection)
    await audit.decided(
        uow,
        skp,
        actor,
        at=at,
        point=objection.point,
        objection_id=str(objection.id),
        decision=decision.value,
        decided_by=by_nip,
        note=note,
        original=objection.original.predicate.value,
        revised=objection.revised.predicate.value if objection.revised else None,
    )
    if revised is not None:
        await repository.put_evaluation(skp_id, revised)
        await outcomes.announce(
            uow,
            [
                FinalEvaluation(
                    skp_id=skp.id,
                    period_id=skp.period_id,
                    nip=skp.nip,
                    agency_code=skp.agency_code,
                    year=skp.year,
                    position_type=skp.position_type.value,
                    evaluation=revised,
                    objection_id=objection.id,
                )
            ],
        )
    await uow.commit()
    return skp, objection
