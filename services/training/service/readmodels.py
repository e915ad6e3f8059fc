"""Keeping the read models of the employee service's positions, units and assessments, and the open
development plans that depend on them."""

from services.training.adapters.readmodels import ReadModels
from services.training.service import plans
from shared.contracts.employee import CompetenciesAssessed, PositionState, UnitState
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


async def position_changed(uow: UnitOfWork, position: PositionState, *, caused_by: CloudEvent) -> None:
    """A new or revised standard: plans toward the position nobody accepted yet follow it."""
    await ReadModels(uow.connection).put_position(position)
    await plans.refresh_open_plans(uow, position_id=position.position_id, caused_by=caused_by)
    await uow.commit()


async def unit_changed(uow: UnitOfWork, unit: UnitState) -> None:
    await ReadModels(uow.connection).put_unit(unit)
    await uow.commit()


async def competencies_assessed(
    uow: UnitOfWork, assessed: CompetenciesAssessed, *, caused_by: CloudEvent
) -> None:
    """New levels narrow or close gaps: the person's open plans follow them."""
    await ReadModels(uow.connection).put_competencies(assessed.nip, assessed.assessments)
    await plans.refresh_open_plans(uow, nip=assessed.nip, caused_by=caused_by)
    await uow.commit()
