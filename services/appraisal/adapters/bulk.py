"""Many appraisal records at once (the demo seed): periods with their finalisations, SKPs with indicators and
evaluations, and potential assessments, by the database's bulk path (`shared.db.bulk_insert`)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import _violation_json
from services.appraisal.adapters.tables import (
    appraisal_periods,
    evaluations,
    period_finalisations,
    potential_assessments,
    skp_indicators,
    skps,
)
from services.appraisal.domain.periods import AppraisalPeriod
from services.appraisal.domain.skp import Skp
from shared import clock
from shared.db import bulk_insert


async def periods_of(connection: AsyncConnection, agency_codes: Sequence[str], years: Sequence[int]) -> int:
    """How many appraisal years of these agencies are open."""
    found = await connection.scalars(
        select(appraisal_periods.c.id).where(
            appraisal_periods.c.agency_code.in_(agency_codes), appraisal_periods.c.year.in_(years)
        )
    )
    return len(list(found))


async def add_periods(connection: AsyncConnection, periods: Sequence[AppraisalPeriod]) -> None:
    now = clock.now()
    await bulk_insert(
        connection,
        appraisal_periods,
        (
            "id",
            "agency_code",
            "year",
            "frequency",
            "approver_nip",
            "behaviour_rule",
            "objection_window_days",
            "organisation_predicate",
            "unit_predicates",
            "version",
            "created_at",
            "updated_at",
        ),
        [
            (
                p.id,
                p.agency_code,
                p.year,
                p.frequency.value,
                p.approver_nip,
                p.behaviour_rule.value,
                p.objection_window_days,
                p.organisation_predicate.value if p.organisation_predicate else None,
                {unit: predicate.value for unit, predicate in p.unit_predicates.items()},
                p.version,
                now,
                now,
            )
            for p in periods
        ],
    )
    await bulk_insert(
        connection,
        period_finalisations,
        (
            "period_id",
            "point",
            "population",
            "counts",
            "violations",
            "overridden_by",
            "override_reason",
            "finalised_at",
        ),
        [
            (
                p.id,
                f.point,
                f.population,
                {k.value: n for k, n in f.counts.items()},
                [_violation_json(v) for v in f.violations],
                f.overridden_by,
                f.override_reason,
                f.finalised_at,
            )
            for p in periods
            for f in p.finalisations.values()
        ],
    )


async def add_skps(connection: AsyncConnection, planned: Sequence[Skp]) -> None:
    """SKPs with their indicators and evaluations, as planned and rated (and finalised)."""
    now = clock.now()
    await bulk_insert(
        connection,
        skps,
        (
            "id",
            "period_id",
            "year",
            "nip",
            "agency_code",
            "appraiser_nip",
            "reviewer_nip",
            "position_id",
            "unit_id",
            "position_type",
            "functional_level",
            "credit_coefficient",
            "version",
            "created_at",
            "updated_at",
        ),
        [
            (
                s.id,
                s.period_id,
                s.year,
                s.nip,
                s.agency_code,
                s.appraiser_nip,
                s.reviewer_nip,
                s.position_id,
                s.unit_id,
                s.position_type.value,
                s.functional_level,
                s.credit_coefficient,
                s.version,
                now,
                now,
            )
            for s in planned
        ],
    )
    await bulk_insert(
        connection,
        skp_indicators,
        (
            "id",
            "skp_id",
            "ordinal",
            "description",
            "quantity",
            "quantity_unit",
            "quality_percent",
            "time_months",
            "cost",
        ),
        [
            (
                i.id,
                s.id,
                ordinal,
                i.description,
                i.target.quantity,
                i.target.quantity_unit,
                i.target.quality_percent,
                i.target.time_months,
                i.target.cost,
            )
            for s in planned
            for ordinal, i in enumerate(s.indicators, start=1)
        ],
    )
    await bulk_insert(
        connection,
        evaluations,
        (
            "skp_id",
            "point",
            "starts_on",
            "ends_on",
            "results",
            "behaviour",
            "behaviour_values",
            "predicate",
            "credit_points",
            "rated_by",
            "rated_at",
            "finalised_at",
        ),
        [
            (
                s.id,
                e.point,
                e.starts_on,
                e.ends_on,
                e.verdict.results.value,
                e.verdict.behaviour.value,
                {k.value: v.value for k, v in e.behaviour_values.items()},
                e.verdict.predicate.value,
                e.verdict.credit_points,
                e.rated_by,
                e.rated_at,
                e.finalised_at,
            )
            for s in planned
            for e in s.evaluations.values()
        ],
    )


async def add_potential_assessments(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    now = clock.now()
    columns = (*rows[0], "recorded_at")
    await bulk_insert(connection, potential_assessments, columns, [(*r.values(), now) for r in rows])
