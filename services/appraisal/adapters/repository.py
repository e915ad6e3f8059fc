"""Loads and saves the appraisal service's aggregates and read views (Core SQLAlchemy on the unit of
work's connection)."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.tables import (
    appraisal_periods,
    appraisal_policies,
    employees,
    evaluations,
    functional_levels,
    mutation_baselines,
    objections,
    period_finalisations,
    potential_assessments,
    skp_feedback,
    skp_indicators,
    skp_realisations,
    skps,
    talent_policies,
    talent_positions,
)
from services.appraisal.domain.distribution import (
    Limit,
    OrganisationLevel,
    OrganisationPredicate,
    Violation,
)
from services.appraisal.domain.monitoring import FinalPredicate
from services.appraisal.domain.periods import ANNUAL, AppraisalPeriod, Finalisation, Frequency
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.domain.predicate import BehaviourRule, CoreValue, Predicate, Rating
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
    Verdict,
)
from services.appraisal.domain.talent import Potential, PotentialPolicy
from shared import clock
from shared.db import upsert
from shared.errors import PreconditionFailed


def _now() -> datetime:
    return clock.now()


# --- periods ---------------------------------------------------------------------------------------------


def _violation_json(violation: Violation) -> dict[str, Any]:
    return {
        "rule": violation.rule,
        "organisation_predicate": violation.organisation_predicate.value,
        "wording": violation.wording,
        "limit": violation.limit.value,
        "predicates": [p.value for p in violation.predicates],
        "allowed": violation.allowed,
        "actual": violation.actual,
        "population": violation.population,
        "unit_id": violation.unit_id,
    }


def _violation_of(data: Mapping[str, Any]) -> Violation:
    return Violation(
        rule=data["rule"],
        organisation_predicate=OrganisationPredicate(data["organisation_predicate"]),
        wording=data["wording"],
        limit=Limit(data["limit"]),
        predicates=tuple(Predicate(p) for p in data["predicates"]),
        allowed=data["allowed"],
        actual=data["actual"],
        population=data["population"],
        unit_id=data.get("unit_id"),
    )


def _finalisation_of(row: Row[Any]) -> Finalisation:
    return Finalisation(
        point=row.point,
        population=row.population,
        counts={Predicate(k): v for k, v in row.counts.items()},
        violations=tuple(_violation_of(v) for v in row.violations),
        overridden_by=row.overridden_by,
        override_reason=row.override_reason,
        finalised_at=row.finalised_at,
    )


def _period_of(row: Row[Any], finalisations: list[Finalisation]) -> AppraisalPeriod:
    return AppraisalPeriod(
        id=row.id,
        agency_code=row.agency_code,
        year=row.year,
        frequency=Frequency(row.frequency),
        approver_nip=row.approver_nip,
        behaviour_rule=BehaviourRule(row.behaviour_rule),
        objection_window_days=row.objection_window_days,
        organisation_predicate=(
            OrganisationPredicate(row.organisation_predicate) if row.organisation_predicate else None
        ),
        unit_predicates={unit: OrganisationPredicate(p) for unit, p in row.unit_predicates.items()},
        finalisations={f.point: f for f in finalisations},
        version=row.version,
    )


def _period_values(period: AppraisalPeriod) -> dict[str, Any]:
    return {
        "approver_nip": period.approver_nip,
        "objection_window_days": period.objection_window_days,
        "organisation_predicate": period.organisation_predicate.value
        if period.organisation_predicate
        else None,
        "unit_predicates": {unit: p.value for unit, p in period.unit_predicates.items()},
    }


async def known_employee(connection: AsyncConnection, nip: str) -> Row[Any] | None:
    """The employee read model's row of `nip` (its agency, its position...); None for a NIP no event named."""
    return (await connection.execute(select(employees).where(employees.c.nip == nip))).first()


async def known_units(connection: AsyncConnection, agency_code: str, unit_ids: Collection[str]) -> set[str]:
    """The units among `unit_ids` where the employee read model places someone of the agency."""
    found = await connection.scalars(
        select(employees.c.unit_id)
        .where(employees.c.agency_code == agency_code, employees.c.unit_id.in_(unit_ids))
        .distinct()
    )
    return set(found)


async def functional_level(connection: AsyncConnection, code: str) -> Row[Any] | None:
    """A level of functional position with its yearly credit coefficient (reference data); None if unknown."""
    query = select(functional_levels).where(functional_levels.c.code == code)
    return (await connection.execute(query)).first()


async def functional_levels_all(connection: AsyncConnection) -> list[Row[Any]]:
    levels = functional_levels.c
    return list(
        await connection.execute(select(functional_levels).order_by(levels.yearly_coefficient, levels.code))
    )


class PolicyRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, agency_code: str) -> tuple[AppraisalPolicy, int]:
        """The agency's policy and its version; the regulation's defaults are version 0."""
        query = select(appraisal_policies).where(appraisal_policies.c.agency_code == agency_code)
        row = (await self.connection.execute(query)).first()
        if row is None:
            return AppraisalPolicy(), 0
        policy = AppraisalPolicy(
            annual_rating_grace_days=row.annual_rating_grace_days,
            distribution_level=OrganisationLevel(row.distribution_level),
            distribution_shares={code: Fraction(share) for code, share in row.distribution_shares.items()},
        )
        return policy, row.version

    async def put(self, agency_code: str, policy: AppraisalPolicy, *, expected_version: int) -> int:
        values = {
            "annual_rating_grace_days": policy.annual_rating_grace_days,
            "distribution_level": policy.distribution_level.value,
            "distribution_shares": {code: str(share) for code, share in policy.distribution_shares.items()},
            "version": expected_version + 1,
            "updated_at": _now(),
        }
        if expected_version == 0:
            try:
                await self.connection.execute(
                    insert(appraisal_policies).values(agency_code=agency_code, **values)
                )
            except IntegrityError:
                raise PreconditionFailed(
                    f"the appraisal policy of {agency_code} was set by someone else"
                ) from None
            return 1
        result = await self.connection.execute(
            update(appraisal_policies)
            .where(
                appraisal_policies.c.agency_code == agency_code,
                appraisal_policies.c.version == expected_version,
            )
            .values(values)
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"the appraisal policy of {agency_code} was changed by someone else")
        return expected_version + 1


class PeriodRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, period: AppraisalPeriod) -> None:
        now = _now()
        await self.connection.execute(
            insert(appraisal_periods).values(
                id=period.id,
                agency_code=period.agency_code,
                year=period.year,
                frequency=period.frequency.value,
                behaviour_rule=period.behaviour_rule.value,
                version=period.version,
                created_at=now,
                updated_at=now,
                **_period_values(period),
            )
        )

    async def get(self, period_id: UUID) -> AppraisalPeriod | None:
        row = (
            await self.connection.execute(
                select(appraisal_periods).where(appraisal_periods.c.id == period_id)
            )
        ).first()
        if row is None:
            return None
        finalised = await self.connection.execute(
            select(period_finalisations).where(period_finalisations.c.period_id == period_id)
        )
        return _period_of(row, [_finalisation_of(f) for f in finalised])

    async def save(self, period: AppraisalPeriod, *, expected_version: int) -> None:
        """Write the changed period; a concurrent change since `expected_version` refuses the save."""
        result = await self.connection.execute(
            update(appraisal_periods)
            .where(appraisal_periods.c.id == period.id, appraisal_periods.c.version == expected_version)
            .values(version=expected_version + 1, updated_at=_now(), **_period_values(period))
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"period {period.id} was changed by someone else; reload it")
        period.version = expected_version + 1

    async def add_finalisation(self, period_id: UUID, finalisation: Finalisation) -> None:
        await self.connection.execute(
            insert(period_finalisations).values(
                period_id=period_id,
                point=finalisation.point,
                population=finalisation.population,
                counts={p.value: n for p, n in finalisation.counts.items()},
                violations=[_violation_json(v) for v in finalisation.violations],
                overridden_by=finalisation.overridden_by,
                override_reason=finalisation.override_reason,
                finalised_at=finalisation.finalised_at,
            )
        )

    async def search(
        self, *, agency_code: str | None, year: int | None, limit: int, after: tuple[str, int] | None
    ) -> list[AppraisalPeriod]:
        """A page of periods ordered by agency and year (unique together, so the order is stable)."""
        c = appraisal_periods.c
        query = select(appraisal_periods)
        if agency_code is not None:
            query = query.where(c.agency_code == agency_code)
        if year is not None:
            query = query.where(c.year == year)
        if after is not None:
            query = query.where(
                (c.agency_code > after[0]) | ((c.agency_code == after[0]) & (c.year > after[1]))
            )
        rows = list(await self.connection.execute(query.order_by(c.agency_code, c.year).limit(limit)))
        if not rows:
            return []
        finalised = await self.connection.execute(
            select(period_finalisations).where(period_finalisations.c.period_id.in_([r.id for r in rows]))
        )
        by_period: dict[UUID, list[Finalisation]] = {}
        for f in finalised:
            by_period.setdefault(f.period_id, []).append(_finalisation_of(f))
        return [_period_of(row, by_period.get(row.id, [])) for row in rows]


# --- SKP -------------------------------------------------------------------------------------------------


def _verdict_of(results: str, behaviour: str, predicate: str, credit: Decimal | None) -> Verdict:
    return Verdict(Rating(results), Rating(behaviour), Predicate(predicate), credit)


def _on_behalf_of(row: Row[Any]) -> OnBehalf | None:
    return OnBehalf(row.entered_by, row.on_behalf_reason) if row.entered_by else None


def _on_behalf_values(on_behalf: OnBehalf | None) -> dict[str, str | None]:
    return {
        "entered_by": on_behalf.entered_by if on_behalf else None,
        "on_behalf_reason": on_behalf.reason if on_behalf else None,
    }


def _evaluation_of(row: Row[Any]) -> Evaluation:
    return Evaluation(
        point=row.point,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        verdict=_verdict_of(row.results, row.behaviour, row.predicate, row.credit_points),
        behaviour_values={CoreValue(k): Rating(v) for k, v in row.behaviour_values.items()},
        rated_by=row.rated_by,
        rated_at=row.rated_at,
        finalised_at=row.finalised_at,
        on_behalf=_on_behalf_of(row),
    )


def _objection_of(row: Row[Any]) -> Objection:
    revised = (
        _verdict_of(
            row.revised_results, row.revised_behaviour, row.revised_predicate, row.revised_credit_points
        )
        if row.revised_predicate
        else None
    )
    return Objection(
        id=row.id,
        point=row.point,
        filed_by=row.filed_by,
        reason=row.reason,
        filed_at=row.filed_at,
        original=_verdict_of(
            row.original_results, row.original_behaviour, row.original_predicate, row.original_credit_points
        ),
        decision=ObjectionDecision(row.decision) if row.decision else None,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        revised=revised,
        on_behalf=_on_behalf_of(row),
    )


def _verdict_values(prefix: str, verdict: Verdict | None) -> dict[str, Any]:
    return {
        f"{prefix}results": verdict.results.value if verdict else None,
        f"{prefix}behaviour": verdict.behaviour.value if verdict else None,
        f"{prefix}predicate": verdict.predicate.value if verdict else None,
        f"{prefix}credit_points": verdict.credit_points if verdict else None,
    }


def _skp_of(row: Row[Any]) -> Skp:
    return Skp(
        id=row.id,
        period_id=row.period_id,
        year=row.year,
        nip=row.nip,
        agency_code=row.agency_code,
        appraiser_nip=row.appraiser_nip,
        reviewer_nip=row.reviewer_nip,
        position_type=PositionType(row.position_type),
        position_id=row.position_id,
        unit_id=row.unit_id,
        functional_level=row.functional_level,
        credit_coefficient=row.credit_coefficient,
        version=row.version,
    )


@dataclass(frozen=True)
class SkpFilter:
    period_id: UUID | None = None
    nip: str | None = None
    appraiser_nip: str | None = None
    agency_code: str | None = None


@dataclass(frozen=True)
class PointRating:
    """One SKP of a period and its evaluation of one point (None when not rated)."""

    skp_id: UUID
    nip: str
    agency_code: str
    unit_id: str | None
    position_type: str
    evaluation: Evaluation | None


class SkpRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, skp: Skp) -> None:
        now = _now()
        await self.connection.execute(
            insert(skps).values(
                id=skp.id,
                period_id=skp.period_id,
                year=skp.year,
                nip=skp.nip,
                agency_code=skp.agency_code,
                appraiser_nip=skp.appraiser_nip,
                reviewer_nip=skp.reviewer_nip,
                position_id=skp.position_id,
                unit_id=skp.unit_id,
                position_type=skp.position_type.value,
                functional_level=skp.functional_level,
                credit_coefficient=skp.credit_coefficient,
                version=skp.version,
                created_at=now,
                updated_at=now,
            )
        )
        for ordinal, indicator in enumerate(skp.indicators, start=1):
            await self.add_indicator(skp.id, indicator, ordinal)

    async def get(self, skp_id: UUID) -> Skp | None:
        row = (await self.connection.execute(select(skps).where(skps.c.id == skp_id))).first()
        if row is None:
            return None
        skp = _skp_of(row)
        for i in await self.connection.execute(
            select(skp_indicators).where(skp_indicators.c.skp_id == skp_id).order_by(skp_indicators.c.ordinal)
        ):
            target = Target(i.quantity, i.quantity_unit, i.quality_percent, i.time_months, i.cost)
            skp.indicators.append(Indicator(i.id, i.description, target))
        for r in await self.connection.execute(
            select(skp_realisations)
            .where(skp_realisations.c.skp_id == skp_id)
            .order_by(skp_realisations.c.point)
        ):
            skp.realisations[(r.indicator_id, r.point)] = Realisation(
                r.indicator_id,
                r.point,
                r.quantity,
                r.quality_percent,
                r.time_months,
                r.cost,
                r.evidence,
                r.recorded_by,
                r.recorded_at,
                _on_behalf_of(r),
            )
        for f in await self.connection.execute(
            select(skp_feedback).where(skp_feedback.c.skp_id == skp_id).order_by(skp_feedback.c.given_at)
        ):
            skp.feedback.append(
                Feedback(f.id, f.author_nip, f.note, f.indicator_id, f.given_at, _on_behalf_of(f))
            )
        for e in await self.connection.execute(select(evaluations).where(evaluations.c.skp_id == skp_id)):
            skp.evaluations[e.point] = _evaluation_of(e)
        for o in await self.connection.execute(
            select(objections).where(objections.c.skp_id == skp_id).order_by(objections.c.filed_at)
        ):
            skp.objections.append(_objection_of(o))
        return skp

    async def save(self, skp: Skp, *, expected_version: int) -> None:
        """Bump the SKP's version (every change does); refused if it moved on since `expected_version`."""
        result = await self.connection.execute(
            update(skps)
            .where(skps.c.id == skp.id, skps.c.version == expected_version)
            .values(
                version=expected_version + 1,
                updated_at=_now(),
                appraiser_nip=skp.appraiser_nip,
                reviewer_nip=skp.reviewer_nip,
            )
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"SKP {skp.id} was changed by someone else; reload it and try again")
        skp.version = expected_version + 1

    async def add_indicator(self, skp_id: UUID, indicator: Indicator, ordinal: int) -> None:
        t = indicator.target
        await self.connection.execute(
            insert(skp_indicators).values(
                id=indicator.id,
                skp_id=skp_id,
                ordinal=ordinal,
                description=indicator.description,
                quantity=t.quantity,
                quantity_unit=t.quantity_unit,
                quality_percent=t.quality_percent,
                time_months=t.time_months,
                cost=t.cost,
            )
        )

    async def put_realisation(self, skp_id: UUID, r: Realisation) -> None:
        await upsert(
            self.connection,
            skp_realisations,
            {"indicator_id": r.indicator_id, "point": r.point},
            {
                "skp_id": skp_id,
                "quantity": r.quantity,
                "quality_percent": r.quality_percent,
                "time_months": r.time_months,
                "cost": r.cost,
                "evidence": r.evidence,
                "recorded_by": r.recorded_by,
                "recorded_at": r.recorded_at,
                **_on_behalf_values(r.on_behalf),
            },
        )

    async def add_feedback(self, skp_id: UUID, f: Feedback) -> None:
        await self.connection.execute(
            insert(skp_feedback).values(
                id=f.id,
                skp_id=skp_id,
                author_nip=f.author_nip,
                indicator_id=f.indicator_id,
                note=f.note,
                given_at=f.given_at,
                **_on_behalf_values(f.on_behalf),
            )
        )

    async def put_evaluation(self, skp_id: UUID, e: Evaluation) -> None:
        await upsert(
            self.connection,
            evaluations,
            {"skp_id": skp_id, "point": e.point},
            {
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
                "behaviour_values": {k.value: v.value for k, v in e.behaviour_values.items()},
                "rated_by": e.rated_by,
                "rated_at": e.rated_at,
                "finalised_at": e.finalised_at,
                **_verdict_values("", e.verdict),
                **_on_behalf_values(e.on_behalf),
            },
        )

    async def put_objection(self, skp_id: UUID, o: Objection) -> None:
        await upsert(
            self.connection,
            objections,
            {"id": o.id},
            {
                "skp_id": skp_id,
                "point": o.point,
                "filed_by": o.filed_by,
                "reason": o.reason,
                "filed_at": o.filed_at,
                "decision": o.decision.value if o.decision else None,
                "decided_by": o.decided_by,
                "decided_at": o.decided_at,
                "decision_note": o.decision_note,
                **_verdict_values("original_", o.original),
                **_verdict_values("revised_", o.revised),
                **_on_behalf_values(o.on_behalf),
            },
        )

    async def search(self, where: SkpFilter, *, limit: int, after_id: UUID | None) -> list[Skp]:
        """A page of SKPs (without their details) in id order."""
        c = skps.c
        conditions = [
            column == value
            for column, value in (
                (c.period_id, where.period_id),
                (c.nip, where.nip),
                (c.appraiser_nip, where.appraiser_nip),
                (c.agency_code, where.agency_code),
            )
            if value is not None
        ]
        if after_id is not None:
            conditions.append(c.id > after_id)
        rows = await self.connection.execute(select(skps).where(*conditions).order_by(c.id).limit(limit))
        return [_skp_of(row) for row in rows]

    async def point_ratings(self, period_id: UUID, point: str) -> list[PointRating]:
        """Every SKP of the period with its evaluation of `point`."""
        e = evaluations.alias("e")
        rows = await self.connection.execute(
            select(
                skps.c.id.label("skp_id"),
                skps.c.nip,
                skps.c.agency_code,
                skps.c.unit_id,
                skps.c.position_type,
                *(column for column in e.c if column.name != "skp_id"),
            )
            .select_from(skps.outerjoin(e, and_(e.c.skp_id == skps.c.id, e.c.point == point)))
            .where(skps.c.period_id == period_id)
            .order_by(skps.c.nip)
        )
        return [
            PointRating(
                row.skp_id,
                row.nip,
                row.agency_code,
                row.unit_id,
                row.position_type,
                _evaluation_of(row) if row.point is not None else None,
            )
            for row in rows
        ]

    async def finalise_point(self, period_id: UUID, point: str, at: datetime) -> None:
        of_period = select(skps.c.id).where(skps.c.period_id == period_id).scalar_subquery()
        await self.connection.execute(
            update(evaluations)
            .where(evaluations.c.point == point, evaluations.c.skp_id.in_(of_period))
            .values(finalised_at=at)
        )


# --- talent ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualStanding:
    """The latest final annual predicate of an employee and the SKP it came from."""

    year: int
    predicate: Predicate
    agency_code: str
    position_type: str


@dataclass(frozen=True)
class AssessedPotential:
    potential: Potential
    agency_code: str


class TalentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def policy(self, agency_code: str) -> tuple[PotentialPolicy, int]:
        """The agency's policy and its version; the default policy is version 0."""
        row = (
            await self.connection.execute(
                select(talent_policies).where(talent_policies.c.agency_code == agency_code)
            )
        ).first()
        if row is None:
            return PotentialPolicy(), 0
        weights = {name: Decimal(str(weight)) for name, weight in row.weights.items()}
        return PotentialPolicy(row.medium_from, row.high_from, weights), row.version

    async def put_policy(self, agency_code: str, policy: PotentialPolicy, *, expected_version: int) -> int:
        values = {
            "medium_from": policy.medium_from,
            "high_from": policy.high_from,
            "weights": {name: str(weight) for name, weight in policy.weights.items()},
            "version": expected_version + 1,
            "updated_at": _now(),
        }
        if expected_version == 0:
            await self.connection.execute(insert(talent_policies).values(agency_code=agency_code, **values))
            return 1
        result = await self.connection.execute(
            update(talent_policies)
            .where(
                talent_policies.c.agency_code == agency_code, talent_policies.c.version == expected_version
            )
            .values(values)
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"the talent policy of {agency_code} was changed by someone else")
        return expected_version + 1

    async def add_assessment(self, values: dict[str, Any]) -> None:
        await self.connection.execute(insert(potential_assessments).values(recorded_at=_now(), **values))

    async def latest_potentials(self, nips: Collection[str]) -> dict[str, AssessedPotential]:
        a = potential_assessments.c
        rows = await self.connection.execute(
            select(a.nip, a.potential, a.agency_code)
            .where(a.nip.in_(nips))
            .order_by(a.nip, a.assessed_on, a.recorded_at)
        )
        # Ordered oldest first: the last row of each NIP wins.
        return {row.nip: AssessedPotential(Potential(row.potential), row.agency_code) for row in rows}

    async def latest_annual(self, nips: Collection[str]) -> dict[str, AnnualStanding]:
        rows = await self.connection.execute(
            select(skps.c.nip, skps.c.year, skps.c.agency_code, skps.c.position_type, evaluations.c.predicate)
            .join(evaluations, evaluations.c.skp_id == skps.c.id)
            .where(
                skps.c.nip.in_(nips),
                evaluations.c.point == ANNUAL,
                evaluations.c.finalised_at.is_not(None),
            )
            .order_by(skps.c.nip, skps.c.year, evaluations.c.finalised_at)
        )
        # Ordered oldest first: the last row of each NIP wins.
        return {
            row.nip: AnnualStanding(row.year, Predicate(row.predicate), row.agency_code, row.position_type)
            for row in rows
        }

    async def current_agencies(self, nips: Collection[str]) -> dict[str, str]:
        """Agencies the employee read model knows (it follows mutations)."""
        rows = await self.connection.execute(
            select(employees.c.nip, employees.c.agency_code).where(employees.c.nip.in_(nips))
        )
        return {row.nip: row.agency_code for row in rows}

    async def positions(self, nips: Collection[str]) -> dict[str, Row[Any]]:
        rows = await self.connection.execute(select(talent_positions).where(talent_positions.c.nip.in_(nips)))
        return {row.nip: row for row in rows}

    async def put_position(self, nip: str, values: dict[str, Any]) -> None:
        await upsert(self.connection, talent_positions, {"nip": nip}, {**values, "updated_at": _now()})

    async def position(self, nip: str) -> Row[Any] | None:
        return (
            await self.connection.execute(select(talent_positions).where(talent_positions.c.nip == nip))
        ).first()

    async def grid(self, agency_code: str, position_type: str | None) -> dict[int, int]:
        c = talent_positions.c
        query = (
            select(c.box, func.count().label("employees"))
            .where(c.agency_code == agency_code, c.box.is_not(None))
            .group_by(c.box)
        )
        if position_type is not None:
            query = query.where(c.position_type == position_type)
        return {row.box: row.employees for row in await self.connection.execute(query)}

    async def boxed(
        self,
        *,
        agency_code: str,
        boxes: Collection[int],
        position_type: str | None,
        limit: int,
        after_nip: str | None,
    ) -> list[Row[Any]]:
        c = talent_positions.c
        query = select(talent_positions).where(c.agency_code == agency_code, c.box.in_(boxes))
        if position_type is not None:
            query = query.where(c.position_type == position_type)
        if after_nip is not None:
            query = query.where(c.nip > after_nip)
        return list(await self.connection.execute(query.order_by(c.nip).limit(limit)))


# --- post-mutation monitoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveFilter:
    agency_code: str | None = None
    nip: str | None = None
    moved_in: int | None = None


class MonitoringRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add_baseline(self, values: dict[str, Any]) -> None:
        await self.connection.execute(insert(mutation_baselines).values(recorded_at=_now(), **values))

    async def baselines_of(self, nips: Collection[str]) -> list[Row[Any]]:
        return list(
            await self.connection.execute(
                select(mutation_baselines)
                .where(mutation_baselines.c.nip.in_(nips))
                .order_by(mutation_baselines.c.id)
            )
        )

    async def update_baseline(self, baseline_id: int, values: dict[str, Any]) -> None:
        await self.connection.execute(
            update(mutation_baselines).where(mutation_baselines.c.id == baseline_id).values(values)
        )

    async def final_predicates(self, nips: Collection[str]) -> dict[str, list[FinalPredicate]]:
        """Every final evaluation of the employees, periodic and annual."""
        rows = await self.connection.execute(
            select(
                skps.c.nip,
                skps.c.year,
                evaluations.c.point,
                evaluations.c.starts_on,
                evaluations.c.ends_on,
                evaluations.c.predicate,
            )
            .join(evaluations, evaluations.c.skp_id == skps.c.id)
            .where(skps.c.nip.in_(nips), evaluations.c.finalised_at.is_not(None))
        )
        found: dict[str, list[FinalPredicate]] = {nip: [] for nip in nips}
        for row in rows:
            found[row.nip].append(
                FinalPredicate(row.year, row.point, row.starts_on, row.ends_on, Predicate(row.predicate))
            )
        return found

    async def moves(self, where: MoveFilter, *, limit: int | None, after_id: int | None) -> list[Row[Any]]:
        c = mutation_baselines.c
        conditions = []
        if where.agency_code is not None:
            conditions.append(c.to_agency_code == where.agency_code)
        if where.nip is not None:
            conditions.append(c.nip == where.nip)
        if where.moved_in is not None:
            conditions.append(c.tmt.between(date(where.moved_in, 1, 1), date(where.moved_in, 12, 31)))
        if after_id is not None:
            conditions.append(c.id > after_id)
        query = select(mutation_baselines).where(*conditions).order_by(c.id)
        if limit is not None:
            query = query.limit(limit)
        return list(await self.connection.execute(query))
