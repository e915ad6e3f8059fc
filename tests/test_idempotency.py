"""`Idempotency-Key` (shared.idempotency) on a real service and database: a retry gets the first answer and
causes no second effect, another request under the same key is refused, a key belongs to its caller, two
replicas on one database share the keys, and a refused request leaves its key free. Through the gateway the
key reaches the service that answers."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from services.employee.adapters.tables import employees
from services.employee.app import create_app as employee_app
from services.gateway.app import create_app as gateway_app
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import serve_gateway
from shared import clock
from shared.idempotency import CLAIM_LEASE
from shared.testing import auth_headers, define_agencies, principal, serve_in_process, serving
from tests.support import employee_payload

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]


async def _count(app: Any) -> int:
    async with app.state.runtime.db.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(employees)))


async def _outbox(app: Any) -> int:
    runtime = app.state.runtime
    async with runtime.db.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(runtime.outbox)))


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing(make_settings):
    app = employee_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        person = employee_payload(1)
        key = {"Idempotency-Key": "simpeg-7601-000001"}
        first = await client.post("/api/v1/employees", json=person, headers=key)
        assert first.status_code == 201, first.text
        events = await _outbox(app)

        again = await client.post("/api/v1/employees", json=person, headers=key)
        assert again.status_code == 201
        assert again.content == first.content
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["idempotent-replayed"] == "true"
        assert await _count(app) == 1 and await _outbox(app) == events

        other_body = await client.post("/api/v1/employees", json=employee_payload(2), headers=key)
        assert other_body.status_code == 422
        assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
        assert await _count(app) == 1

        # Without a key the same request is a second request: the register refuses the duplicate NIP.
        assert (await client.post("/api/v1/employees", json=person)).status_code == 409

        # A key is the caller's own: another caller's identical key is another request.
        someone_else = auth_headers(
            app.state.runtime.settings, principal("admin", agencies=None, subject="b")
        )
        theirs = await client.post(
            "/api/v1/employees", json=employee_payload(3), headers={**key, **someone_else}
        )
        assert theirs.status_code == 201 and await _count(app) == 2


async def test_a_refused_request_leaves_its_key_free_and_bad_keys_are_refused(make_settings):
    app = employee_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        key = {"Idempotency-Key": "retry-after-fix"}
        broken = {**employee_payload(4), "gender": "X"}
        assert (await client.post("/api/v1/employees", json=broken, headers=key)).status_code == 422
        # The caller fixed the body and retries under the same key: nothing was kept of the refusal.
        fixed = await client.post("/api/v1/employees", json=employee_payload(4), headers=key)
        assert fixed.status_code == 201, fixed.text

        for bad in ("", "x" * 201, "tab\there"):
            answer = await client.post(
                "/api/v1/employees", json=employee_payload(5), headers={"Idempotency-Key": bad}
            )
            assert answer.status_code == 422, (bad, answer.text)
        assert await _count(app) == 1


async def test_concurrent_requests_with_one_key_have_one_effect(make_settings):
    app = employee_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        key = {"Idempotency-Key": "burst"}
        person = employee_payload(6)
        answers = await asyncio.gather(
            *(client.post("/api/v1/employees", json=person, headers=key) for _ in range(8))
        )
        statuses = sorted(a.status_code for a in answers)
        # One ran; the others got its answer or were told it is still running (409, retry).
        assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
        assert await _count(app) == 1
        created = [a for a in answers if a.status_code == 201]
        assert len({a.content for a in created}) == 1


async def test_two_replicas_on_one_database_share_the_keys(make_settings):
    settings = await make_settings("employee")
    first, second = employee_app(settings), employee_app(settings)
    async with serve_in_process(first) as one, serve_in_process(second) as two:
        await define_agencies(one, "7601")
        key = {"Idempotency-Key": "across-replicas"}
        person = employee_payload(7)
        created = await one.post("/api/v1/employees", json=person, headers=key)
        replayed = await two.post("/api/v1/employees", json=person, headers=key)
        assert created.status_code == replayed.status_code == 201
        assert replayed.content == created.content
        assert await _count(first) == 1


async def test_a_lapsed_claim_is_taken_over_only_when_its_effect_was_not_saved(make_settings):
    app = employee_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, "7601")
        runtime = app.state.runtime
        table = runtime.metadata.tables["idempotency_keys"]
        key = {"Idempotency-Key": "crashed"}
        person = employee_payload(8)
        assert (await client.post("/api/v1/employees", json=person, headers=key)).status_code == 201

        # As if the process had died after committing the effect but before keeping the answer.
        async with runtime.db.connect() as connection:
            await connection.execute(
                update(table).values(status=None, claimed_at=clock.now() - CLAIM_LEASE * 2)
            )
            await connection.commit()
        lost = await client.post("/api/v1/employees", json=person, headers=key)
        assert lost.status_code == 409 and lost.json()["type"].endswith("idempotency-answer-lost")
        assert await _count(app) == 1

        # As if it had died before any effect: the retry runs.
        async with runtime.db.connect() as connection:
            await connection.execute(update(table).values(effect_committed=0))
            await connection.execute(employees.delete())
            await connection.commit()
        taken_over = await client.post("/api/v1/employees", json=person, headers=key)
        assert taken_over.status_code == 201, taken_over.text
        assert await _count(app) == 1


async def test_the_key_passes_the_gateway_to_the_service_that_answers(make_settings):
    employee = employee_app(await make_settings("employee"))
    async with serving(employee, lifespan="on") as employee_url:
        gateway = gateway_app(gateway_settings(await make_settings("gateway", employee_url=employee_url)))
        async with serve_gateway(gateway) as door:
            await define_agencies(door, "7601")
            key = {"Idempotency-Key": "through-the-door"}
            person = employee_payload(9)
            answers: list[httpx.Response] = [
                await door.post("/api/v1/employees", json=person, headers=key) for _ in range(2)
            ]
            assert [a.status_code for a in answers] == [201, 201], answers[0].text
            assert answers[1].headers["idempotent-replayed"] == "true"
            assert await _count(employee) == 1
