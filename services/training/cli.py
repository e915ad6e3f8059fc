"""`asn seed --service training`: the demo catalogue written to the service's database without the service
running, its sessions scheduled around today's business date."""

import asyncio

from services.training.adapters.tables import outbox
from services.training.demo.catalogue import Demand, generate_catalogue
from services.training.service.seeding import seed_catalogue
from shared import clock
from shared.db import Database
from shared.uow import UnitOfWork


def seed_demo(demand: Demand, *, seed: int, database_url: str) -> dict[str, int]:
    """Write the demo catalogue unless it is there; returns how many programmes and sessions were added."""
    return asyncio.run(_seed(demand, seed, database_url))


async def _seed(demand: Demand, seed: int, database_url: str) -> dict[str, int]:
    catalogue = generate_catalogue(demand, seed=seed, today=clock.today())
    db = Database(database_url)
    try:
        return await seed_catalogue(lambda: UnitOfWork(db, outbox), catalogue)
    finally:
        await db.dispose()
