"""The Kirkpatrick evaluation of a programme, over all its sessions."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.enrolments import EnrolmentRepository
from services.training.domain.catalogue import Programme
from services.training.domain.evaluation import KirkpatrickReport, kirkpatrick
from services.training.service.access import today
from services.training.service.catalogue import get_programme


async def programme_evaluation(
    connection: AsyncConnection, programme_id: UUID
) -> tuple[Programme, KirkpatrickReport]:
    programme = await get_programme(connection, programme_id)
    outcomes = await EnrolmentRepository(connection).outcomes(programme_id)
    return programme, kirkpatrick(outcomes, today=today())
