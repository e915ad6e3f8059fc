"""Post-mutation monitoring: the baseline recorded when an employee moves (ARCHITECTURE.md §5, step 4) and
the before/after report per person and per cohort of an agency."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import MonitoringRepository, MoveFilter
from services.appraisal.domain.monitoring import (
    Change,
    CohortFigures,
    FinalPredicate,
    before,
    change,
    cohort_figures,
    first_after,
    latest_after,
)
from services.appraisal.domain.periods import ANNUAL
from services.appraisal.domain.predicate import Predicate
from services.appraisal.service import talent
from shared.contracts.employee import EmployeePositionChanged
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


async def open_monitoring(uow: UnitOfWork, moved: EmployeePositionChanged, *, caused_by: CloudEvent) -> None:
    """Record the move with the employee's last predicates before it; the 9-box position follows the
    employee to the new agency."""
    previous, current = moved.previous, moved.current
    await MonitoringRepository(uow.connection).add_baseline(
        {
            "nip": moved.nip,
            "mutation_id": moved.mutation_id,
            "tmt": moved.tmt,
            "from_agency_code": previous.agency_code,
            "from_unit_id": previous.unit_id,
            "from_position_id": previous.position_id,
            "to_agency_code": current.agency_code,
            "to_unit_id": current.unit_id,
            "to_position_id": current.position_id,
        }
    )
    await refresh_baselines(uow, [moved.nip])
    await talent.refresh_positions(uow, [moved.nip], caused_by=caused_by)
    await uow.commit()


def _baseline_values(tmt: date, finals: Sequence[FinalPredicate]) -> dict[str, Any]:
    annual = before(tmt, [f for f in finals if f.point == ANNUAL])
    periodic = before(tmt, [f for f in finals if f.point != ANNUAL])
    return {
        "annual_year": annual.year if annual else None,
        "annual_predicate": annual.predicate.value if annual else None,
        "periodic_year": periodic.year if periodic else None,
        "periodic_point": periodic.point if periodic else None,
        "periodic_predicate": periodic.predicate.value if periodic else None,
    }


async def refresh_baselines(uow: UnitOfWork, nips: Sequence[str]) -> None:
    """Keep each move's baseline the last final predicates before it, also when an evaluation of the old
    position becomes final (or is revised on objection) after the move; the caller commits."""
    repository = MonitoringRepository(uow.connection)
    baselines = await repository.baselines_of(nips)
    if not baselines:
        return
    finals = await repository.final_predicates(sorted({b.nip for b in baselines}))
    for baseline in baselines:
        values = _baseline_values(baseline.tmt, finals[baseline.nip])
        if any(getattr(baseline, name) != value for name, value in values.items()):
            await repository.update_baseline(baseline.id, values)


@dataclass(frozen=True)
class Standing:
    year: int
    period: str
    predicate: Predicate


@dataclass(frozen=True)
class MoveComparison:
    """One move with the annual and periodic predicates before it and after it."""

    id: int
    nip: str
    mutation_id: str | None
    tmt: date
    from_agency_code: str
    from_position_id: str | None
    to_agency_code: str
    to_position_id: str | None
    annual_before: Standing | None
    annual_after: Standing | None
    periodic_before: Standing | None
    periodic_after: Standing | None

    @property
    def change(self) -> Change | None:
        return change(
            self.annual_before.predicate if self.annual_before else None,
            self.annual_after.predicate if self.annual_after else None,
        )


def _standing(year: int | None, period: str | None, predicate: str | None) -> Standing | None:
    if year is None or period is None or predicate is None:
        return None
    return Standing(year, period, Predicate(predicate))


def _of(final: FinalPredicate | None) -> Standing | None:
    return Standing(final.year, final.point, final.predicate) if final else None


def _compare(baseline: Row[Any], finals: Sequence[FinalPredicate]) -> MoveComparison:
    """Before is the recorded baseline; after is the first annual evaluation of a year that started on or
    after the TMT (the first full year in the new position) and the latest periodic one since the TMT."""
    annual = [f for f in finals if f.point == ANNUAL]
    periodic = [f for f in finals if f.point != ANNUAL]
    return MoveComparison(
        id=baseline.id,
        nip=baseline.nip,
        mutation_id=baseline.mutation_id,
        tmt=baseline.tmt,
        from_agency_code=baseline.from_agency_code,
        from_position_id=baseline.from_position_id,
        to_agency_code=baseline.to_agency_code,
        to_position_id=baseline.to_position_id,
        annual_before=_standing(baseline.annual_year, ANNUAL, baseline.annual_predicate),
        annual_after=_of(first_after(baseline.tmt, annual)),
        periodic_before=_standing(
            baseline.periodic_year, baseline.periodic_point, baseline.periodic_predicate
        ),
        periodic_after=_of(latest_after(baseline.tmt, periodic)),
    )


async def _comparisons(connection: AsyncConnection, baselines: Sequence[Row[Any]]) -> list[MoveComparison]:
    if not baselines:
        return []
    finals = await MonitoringRepository(connection).final_predicates(sorted({b.nip for b in baselines}))
    return [_compare(baseline, finals[baseline.nip]) for baseline in baselines]


async def moves(
    connection: AsyncConnection, where: MoveFilter, *, limit: int, after_id: int | None
) -> list[MoveComparison]:
    """A page of moves (by a person, into an agency, in a year) with performance before and after."""
    baselines = await MonitoringRepository(connection).moves(where, limit=limit, after_id=after_id)
    return await _comparisons(connection, baselines)


async def cohort(connection: AsyncConnection, *, agency_code: str, moved_in: int | None) -> CohortFigures:
    """Figures of everyone who moved into the agency (in one year, if given)."""
    baselines = await MonitoringRepository(connection).moves(
        MoveFilter(agency_code=agency_code, moved_in=moved_in), limit=None, after_id=None
    )
    comparisons = await _comparisons(connection, baselines)
    return cohort_figures(
        [
            (
                c.annual_before.predicate if c.annual_before else None,
                c.annual_after.predicate if c.annual_after else None,
            )
            for c in comparisons
        ]
    )
