"""The broker restarts empty (the embedded one keeps everything in memory) while services run and a consumer
is down: every event reaches every read model, none twice, and nobody has to do anything."""

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import outbox as employee_outbox
from services.mutation.adapters.tables import employees as mutation_employees
from services.training.adapters.tables import employees as training_employees
from shared.db import Database
from shared.testing import define_agencies, eventually
from tests.support import employee_payload, internal_headers

pytestmark = pytest.mark.integration

BATCH = 15


async def _count(url: str, statement) -> int:
    database = Database(url)
    try:
        async with database.connect() as connection:
            return int(await connection.scalar(statement))
    finally:
        await database.dispose()


async def test_events_survive_a_broker_that_restarts_empty_while_a_consumer_is_down(platform):
    urls = platform.database_urls
    registered: list[str] = []

    async def register(employee: httpx.AsyncClient, numbers: range) -> None:
        for i in numbers:
            body = employee_payload(i)
            answer = await employee.post("/api/v1/employees", json=body)
            assert answer.status_code == 201, answer.text
            registered.append(body["nip"])

    def in_read_model(url: str, table, count: int):
        async def holds() -> bool:
            return await _count(url, select(func.count()).select_from(table)) == count

        return holds

    async with httpx.AsyncClient(
        base_url=platform.url("employee"), headers=internal_headers(), timeout=10
    ) as employee:
        await define_agencies(employee, "7601")
        await register(employee, range(BATCH))
        await eventually(in_read_model(urls["mutation"], mutation_employees, BATCH), what="the first batch")

        # These reach the broker but not the mutation service, which is down: the broker alone holds them.
        platform.kill("mutation")
        await register(employee, range(BATCH, 2 * BATCH))
        unpublished = (
            select(func.count()).select_from(employee_outbox).where(employee_outbox.c.published_at.is_(None))
        )

        async def all_published() -> bool:
            return await _count(urls["employee"], unpublished) == 0

        await eventually(all_published, what="the second batch published")

        await asyncio.to_thread(platform.restart_broker)
        # Written while the services may not yet have noticed the loss.
        await register(employee, range(2 * BATCH, 3 * BATCH))

        async def ready() -> bool:
            return (await employee.get("/ready")).status_code == 200

        await eventually(ready, timeout=30, what="the employee service ready again")

    await asyncio.to_thread(platform.restart, "mutation")
    total = len(registered)
    await eventually(in_read_model(urls["mutation"], mutation_employees, total), timeout=60, what="mutation")
    await eventually(in_read_model(urls["training"], training_employees, total), timeout=60, what="training")
    versions = select(func.count()).select_from(mutation_employees).where(mutation_employees.c.version != 1)
    assert await _count(urls["mutation"], versions) == 0, "an event was applied twice"
    async with httpx.AsyncClient(timeout=10) as client:
        for name in platform.service_ports:
            answer = await client.get(platform.url(name) + "/ready")
            assert answer.status_code == 200, (name, answer.text)
            assert answer.json()["checks"]["topics"] is True
