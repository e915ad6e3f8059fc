"""The demo seed of the catalogue: writes a generated catalogue (`services.training.demo`) through the
catalogue's repositories, in one transaction. Programmes and sessions announce nothing, so the outbox stays as
it is.

Seeding a catalogue in which the province already organises programmes adds nothing, whatever seed was asked
for: the demo does not mix with a catalogue its HR unit keeps.
"""

from collections.abc import Callable

from services.training.adapters.catalogue import ProgrammeFilter, ProgrammeRepository, SessionRepository
from services.training.demo.catalogue import DemoCatalogue
from shared.uow import UnitOfWork


async def seed_catalogue(unit_of_work: Callable[[], UnitOfWork], catalogue: DemoCatalogue) -> dict[str, int]:
    """Write the catalogue unless the province organises programmes already; returns what was added."""
    async with unit_of_work() as uow:
        programmes = ProgrammeRepository(uow.connection)
        where = ProgrammeFilter(agency_code=catalogue.province_code)
        if await programmes.search(where, limit=1, after_code=None):
            return {"programmes": 0, "sessions": 0}
        for programme in catalogue.programmes:
            await programmes.add(programme)
        sessions = SessionRepository(uow.connection)
        for session in catalogue.sessions:
            await sessions.add(session)
        await uow.commit()
    return {"programmes": len(catalogue.programmes), "sessions": len(catalogue.sessions)}
