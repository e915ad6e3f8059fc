"""SIGKILL a producer and a consumer while events flow: no event is lost and none is applied twice."""

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from services.mutation.adapters.tables import employees as mutation_employees
from services.mutation.adapters.tables import inbox as mutation_inbox
from shared.db import Database
from shared.testing import define_agencies, eventually
from tests.support import employee_payload, internal_headers

pytestmark = pytest.mark.integration

BATCH = 60


async def register(client: httpx.AsyncClient, numbers: range, done: list[str]) -> None:
    async def one(i: int) -> None:
        body = employee_payload(i)
        response = await client.post("/api/v1/employees", json=body)
        assert response.status_code == 201, response.text
        done.append(body["nip"])

    await asyncio.gather(*(one(i) for i in numbers))


async def test_killing_services_mid_stream_loses_nothing_and_applies_nothing_twice(platform):
    registered: list[str] = []
    async with httpx.AsyncClient(
        base_url=platform.url("employee"), headers=internal_headers(), timeout=10
    ) as employee:
        await define_agencies(employee, employee_payload(0)["agency_code"])
        await register(employee, range(0, BATCH), registered)
        # The consumer dies while events of the next batch are being written and published.
        flowing = asyncio.create_task(register(employee, range(BATCH, 2 * BATCH), registered))
        await eventually(lambda: len(registered) >= BATCH + 5, what="the second batch to start")
        platform.kill("mutation")
        await flowing
        # The producer dies right after committing: some outbox rows are not yet published.
        await register(employee, range(2 * BATCH, 3 * BATCH), registered)
        platform.kill("employee")

    await asyncio.to_thread(platform.restart, "employee")
    async with httpx.AsyncClient(
        base_url=platform.url("employee"), headers=internal_headers(), timeout=10
    ) as employee:
        await register(employee, range(3 * BATCH, 4 * BATCH), registered)
    await asyncio.to_thread(platform.restart, "mutation")

    database = Database(platform.database_urls["mutation"])
    try:

        async def all_applied() -> bool:
            async with database.connect() as connection:
                count = await connection.scalar(select(func.count()).select_from(mutation_employees))
            return count == len(registered)

        await eventually(
            all_applied, timeout=60, what=f"{len(registered)} employees in the mutation read model"
        )
        async with database.connect() as connection:
            versions = dict(
                (
                    await connection.execute(select(mutation_employees.c.nip, mutation_employees.c.version))
                ).all()
            )
            inbox_rows = await connection.scalar(
                select(func.count())
                .select_from(mutation_inbox)
                .where(mutation_inbox.c.type == "asn.employee.employee.registered")
            )
    finally:
        await database.dispose()

    assert set(versions) == set(registered)
    assert set(versions.values()) == {1}, "an event was applied twice"
    assert inbox_rows == len(registered)
