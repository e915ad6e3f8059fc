"""Use cases of an agency's appraisal year: open it, change its settings, check and finalise its
evaluation points (PermenPANRB 6/2022), under the agency's appraisal policy."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import (
    PeriodRepository,
    PointRating,
    PolicyRepository,
    SkpRepository,
)
from services.appraisal.domain.distribution import OrganisationPredicate, Violation, distribution
from services.appraisal.domain.periods import AppraisalPeriod, Finalisation, Frequency, Override, Rated
from services.appraisal.domain.predicate import BehaviourRule, Predicate
from services.appraisal.service import audit, outcomes
from services.appraisal.service.outcomes import FinalEvaluation
from shared import clock
from shared.contracts.appraisal import PeriodFinalised, PeriodViolation
from shared.errors import Conflict, NotFound
from shared.etag import check_version
from shared.events.envelope import new_event
from shared.uow import UnitOfWork


async def open_period(
    uow: UnitOfWork,
    *,
    agency_code: str,
    year: int,
    frequency: Frequency,
    approver_nip: str,
    behaviour_rule: BehaviourRule,
    objection_window_days: int,
    organisation_predicate: OrganisationPredicate | None,
    unit_predicates: dict[str, OrganisationPredicate],
) -> AppraisalPeriod:
    period = AppraisalPeriod(
        id=uuid4(),
        agency_code=agency_code,
        year=year,
        frequency=frequency,
        approver_nip=approver_nip,
        behaviour_rule=behaviour_rule,
        objection_window_days=objection_window_days,
        organisation_predicate=organisation_predicate,
        unit_predicates=unit_predicates,
    )
    try:
        await PeriodRepository(uow.connection).add(period)
    except IntegrityError:
        raise Conflict(
            f"{agency_code} has already opened its appraisal year {year}", code="duplicate-period"
        ) from None
    await uow.commit()
    return period


async def get_period(connection: AsyncConnection, period_id: UUID) -> AppraisalPeriod:
    period = await PeriodRepository(connection).get(period_id)
    if period is None:
        raise NotFound(f"no appraisal period {period_id}")
    return period


async def search_periods(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    year: int | None,
    limit: int,
    after: tuple[str, int] | None,
) -> list[AppraisalPeriod]:
    return await PeriodRepository(connection).search(
        agency_code=agency_code, year=year, limit=limit, after=after
    )


async def revise_period(
    uow: UnitOfWork, period_id: UUID, *, expected_version: int, changes: Mapping[str, object]
) -> AppraisalPeriod:
    """Change the organisation predicate, the approver or the objection window; a request that changes
    nothing leaves the period (and its version) as it is."""
    period = await get_period(uow.connection, period_id)
    check_version(period.version, expected_version, f"period {period_id}")
    if not period.revise(changes):
        return period
    await PeriodRepository(uow.connection).save(period, expected_version=expected_version)
    await uow.commit()
    return period


@dataclass(frozen=True)
class PointDistribution:
    """A point's predicates as they stand: counts, unrated SKPs and, once the organisation's predicate is
    set, the rules they break."""

    period: AppraisalPeriod
    point: str
    population: int
    counts: dict[Predicate, int]
    unrated: list[str]
    violations: list[Violation] | None


def _rated(ratings: list[PointRating]) -> dict[str, Rated]:
    return {
        r.nip: Rated(r.unit_id, r.evaluation.verdict.predicate if r.evaluation else None) for r in ratings
    }


async def point_distribution(connection: AsyncConnection, period_id: UUID, point: str) -> PointDistribution:
    period = await get_period(connection, period_id)
    period.point(point)
    policy, _ = await PolicyRepository(connection).get(period.agency_code)
    rated = _rated(await SkpRepository(connection).point_ratings(period_id, point))
    return PointDistribution(
        period=period,
        point=point,
        population=len(rated),
        counts=distribution(r.predicate for r in rated.values() if r.predicate is not None),
        unrated=sorted(nip for nip, r in rated.items() if r.predicate is None),
        violations=period.check(point, rated, policy) if period.organisation_predicate else None,
    )


async def finalise_point(
    uow: UnitOfWork, period_id: UUID, point: str, *, override: Override | None, actor: str
) -> Finalisation:
    """Fix every evaluation of the point once it is over, or refuse with every violation while the
    distribution is not allowed and no approver overrode it; the audit chain records the finalisation."""
    periods, skps = PeriodRepository(uow.connection), SkpRepository(uow.connection)
    period = await get_period(uow.connection, period_id)
    version = period.version
    policy, _ = await PolicyRepository(uow.connection).get(period.agency_code)
    ratings = await skps.point_ratings(period_id, point)
    at = clock.now()
    finalisation = period.finalise(point, _rated(ratings), override, at, today=clock.today(), policy=policy)
    await periods.save(period, expected_version=version)
    await periods.add_finalisation(period_id, finalisation)
    await skps.finalise_point(period_id, point, at)
    await audit.finalised(uow, actor, period, finalisation)
    uow.publish(
        new_event(
            "asn.appraisal.period.finalised",
            subject=str(period_id),
            agency=period.agency_code,
            data=period_finalised(period, finalisation),
        )
    )
    await outcomes.announce(
        uow,
        [
            FinalEvaluation(
                skp_id=r.skp_id,
                period_id=period_id,
                nip=r.nip,
                agency_code=r.agency_code,
                year=period.year,
                position_type=r.position_type,
                evaluation=replace(r.evaluation, finalised_at=at),
            )
            for r in ratings
            if r.evaluation is not None
        ],
    )
    await uow.commit()
    return finalisation


def period_finalised(period: AppraisalPeriod, finalisation: Finalisation) -> PeriodFinalised:
    assert period.organisation_predicate is not None
    return PeriodFinalised(
        period_id=str(period.id),
        agency_code=period.agency_code,
        year=period.year,
        period=finalisation.point,
        organisation_predicate=period.organisation_predicate.value,
        population=finalisation.population,
        counts={p.value: n for p, n in finalisation.counts.items()},
        violations=[
            PeriodViolation(rule=v.rule, message=v.message, allowed=v.allowed, actual=v.actual)
            for v in finalisation.violations
        ],
        overridden_by=finalisation.overridden_by,
        override_reason=finalisation.override_reason,
        finalised_at=finalisation.finalised_at,
    )
