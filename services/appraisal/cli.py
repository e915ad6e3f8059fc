"""`asn seed --service appraisal`: the demo appraisals written to the service's database without the service
running; the events wait in the outbox until the service's relay publishes them."""

import asyncio
from collections.abc import Mapping, Sequence

from services.appraisal.adapters.tables import outbox
from services.appraisal.service.seeding import Appraisee, seed_appraisals
from shared.db import Database
from shared.uow import UnitOfWork


def seed_demo(
    appraisees: Sequence[Appraisee],
    *,
    years: Sequence[int],
    approvers: Mapping[str, str],
    seed: int,
    database_url: str,
) -> dict[str, int]:
    """Appraise the demo province's years unless they are there; returns how many records were added."""
    return asyncio.run(_seed(appraisees, years, approvers, seed, database_url))


async def _seed(
    appraisees: Sequence[Appraisee],
    years: Sequence[int],
    approvers: Mapping[str, str],
    seed: int,
    database_url: str,
) -> dict[str, int]:
    db = Database(database_url)
    try:
        return await seed_appraisals(
            lambda: UnitOfWork(db, outbox), appraisees, years=years, approvers=approvers, seed=seed
        )
    finally:
        await db.dispose()
