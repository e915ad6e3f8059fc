"""The work of `asn siasn ...` (services/employee/commands.py): refresh SIASN's reference lists, pull people
and reconcile, see where the sync stands, and send failed pushes again, on the employee service's database
and SIASN settings (ASN_*), as the API's jobs do. What the commands write leaves its events in the outbox,
which the running service's relay publishes."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from services.employee.adapters.tables import outbox
from services.employee.settings import employee_settings
from services.employee.siasn.adapters import pushes as push_repository
from services.employee.siasn.adapters.client import SiasnError
from services.employee.siasn.adapters.tables import siasn_differences, siasn_pushes
from services.employee.siasn.service import references
from services.employee.siasn.service.connection import connect, problem_of, require_enabled
from services.employee.siasn.service.pull import Pull, PullScope
from shared import clock
from shared.db import Database
from shared.errors import DomainError
from shared.uow import UnitOfWork

Result = TypeVar("Result")


def refresh_references(database_url: str) -> int:
    """Fetch and keep SIASN's reference lists; prints how many entries each has."""

    async def work(db: Database) -> dict[str, int]:
        async with connect(employee_settings()) as siasn, UnitOfWork(db, outbox) as uow:
            return await references.refresh(uow, siasn)

    return _report(database_url, work, lambda counts: "\n".join(f"{n}: {c}" for n, c in counts.items()))


def pull(agency_code: str, nips: list[str], unit_id: UUID | None, database_url: str) -> int:
    """Pull people from SIASN and bring the reconciliation queue up to date; prints the pull's result."""
    console = Console()

    async def progress(**counters: int) -> None:
        console.print(", ".join(f"{name} {value}" for name, value in counters.items()), end="\r")

    async def work(db: Database) -> dict[str, Any]:
        scope = PullScope(agency_code, unit_id, tuple(nips))
        async with connect(employee_settings()) as siasn:
            return await Pull(db, lambda: UnitOfWork(db, outbox), siasn, scope).run(progress)

    return _report(database_url, work, lambda result: "\n".join(f"{k}: {v}" for k, v in result.items()))


def status(agency_code: str | None, database_url: str) -> int:
    """The reconciliation queue and the pushes, counted by state."""

    async def work(db: Database) -> tuple[Counter[str], Counter[str]]:
        async with db.connect() as connection:
            counts = []
            for table in (siasn_differences, siasn_pushes):
                query = select(table.c.state, func.count()).group_by(table.c.state)
                if agency_code is not None:
                    query = query.where(table.c.agency_code == agency_code)
                counts.append(Counter({state: n for state, n in await connection.execute(query)}))
            return counts[0], counts[1]

    def shown(counts: tuple[Counter[str], Counter[str]]) -> Table:
        table = Table("", "state", "count")
        for what, counter in zip(("differences", "pushes"), counts, strict=True):
            for state, n in sorted(counter.items()):
                table.add_row(what, state, str(n))
        return table

    return _report(database_url, work, shown, needs_siasn=False)


def retry_pushes(push_ids: list[UUID], agency_code: str | None, database_url: str) -> int:
    """Send failed pushes again (the running service's loop sends them): the ones named, else every failed
    push of the agency (or of all agencies)."""

    async def work(db: Database) -> int:
        async with UnitOfWork(db, outbox) as uow:
            wanted = push_ids or await _failed(uow, agency_code)
            reopened = [await push_repository.reopen(uow.connection, i, clock.now()) for i in wanted]
            await uow.commit()
        return sum(reopened)

    return _report(database_url, work, lambda n: f"{n} failed push(es) will be sent again by the service")


async def _failed(uow: UnitOfWork, agency_code: str | None) -> list[UUID]:
    query = select(siasn_pushes.c.id).where(siasn_pushes.c.state == "failed")
    if agency_code is not None:
        query = query.where(siasn_pushes.c.agency_code == agency_code)
    return list(await uow.connection.scalars(query))


def _report(
    database_url: str,
    work: Callable[[Database], Awaitable[Result]],
    shown: Callable[[Result], Any],
    *,
    needs_siasn: bool = True,
) -> int:
    console = Console()
    try:
        if needs_siasn:
            require_enabled(employee_settings())
        result = asyncio.run(_with_database(database_url, work))
    except SiasnError as error:
        problem = problem_of(error)
        console.print(f"[red]{problem.title}[/red]: {problem.detail}")
        return 1
    except DomainError as refusal:
        console.print(f"[red]{refusal.title}[/red]: {refusal.detail}")
        return 1
    console.print(shown(result))
    return 0


async def _with_database(database_url: str, work: Callable[[Database], Awaitable[Result]]) -> Result:
    db = Database(database_url)
    try:
        return await work(db)
    finally:
        await db.dispose()
