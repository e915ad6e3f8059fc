"""What the training service derives from its read models of the employee service: who supervises whom."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.readmodels import ReadModels
from services.training.domain.development import supervising_position


async def supervisor_of(
    connection: AsyncConnection, nip: str, unit_id: str | None, position_id: str | None
) -> str | None:
    """The holder of the head position of the person's unit (of the unit above, for a unit's head)."""
    read_models = ReadModels(connection)
    head = supervising_position(unit_id, position_id, await read_models.unit_chain(unit_id))
    if head is None:
        return None
    holder = await read_models.holder_of(head)
    return holder if holder != nip else None
