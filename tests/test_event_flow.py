"""The event backbone end to end inside one test process: employee registered -> outbox -> real broker ->
mutation and training inboxes -> their read models; replays change nothing."""

import pytest
from sqlalchemy import func, select, update

from services.employee.app import create_app as create_employee_app
from services.mutation.app import create_app as create_mutation_app
from services.training.app import create_app as create_training_app
from shared.testing import define_agencies, eventually, serve_in_process

pytestmark = pytest.mark.integration

EMPLOYEE = {
    "nip": "198503122010011001",
    "name": "Andi Mappaseng",
    "birth_date": "1985-03-12",
    "gender": "M",
    "agency_code": "7601",
}


async def test_registered_employee_reaches_mutation_and_training_read_models(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    mutation_app = create_mutation_app(await make_settings("mutation"))
    training_app = create_training_app(await make_settings("training"))
    async with (
        serve_in_process(employee_app) as employee,
        serve_in_process(mutation_app) as mutation,
        serve_in_process(training_app) as training,
    ):
        await define_agencies(employee, "7601")
        created = await employee.post("/api/v1/employees", json=EMPLOYEE)
        assert created.status_code == 201, created.text

        for client, path in (
            (mutation, "/api/v1/mutation/employees/"),
            (training, "/api/v1/training/employees/"),
        ):
            response = await eventually(
                lambda c=client, p=path: _ok(c.get(p + EMPLOYEE["nip"])), what=f"{path} to have the employee"
            )
            view = response.json()
            assert view["name"] == "Andi Mappaseng"
            assert view["agency_code"] == "7601"
            assert view["version"] == 1


async def test_replaying_the_outbox_twice_changes_nothing(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    mutation_app = create_mutation_app(await make_settings("mutation"))
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        await define_agencies(employee, "7601")
        assert (await employee.post("/api/v1/employees", json=EMPLOYEE)).status_code == 201
        await eventually(lambda: _ok(mutation.get("/api/v1/mutation/employees/" + EMPLOYEE["nip"])))

        employee_runtime = employee_app.state.runtime
        mutation_runtime = mutation_app.state.runtime
        outbox = employee_runtime.outbox
        for _ in range(2):
            async with employee_runtime.db.connect() as connection:
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.type == "asn.employee.employee.registered")
                    .values(published_at=None)
                )
                await connection.commit()
            assert await employee_runtime.relay.drain() == 1

        consumer = mutation_runtime.consumer
        await eventually(
            lambda: _at_least(consumer.counts, "duplicate", 2), what="both replays to be consumed"
        )
        view = (await mutation.get("/api/v1/mutation/employees/" + EMPLOYEE["nip"])).json()
        assert view["version"] == 1
        async with mutation_runtime.db.connect() as connection:
            inbox = mutation_runtime.inbox
            inbox_rows = await connection.scalar(
                select(func.count())
                .select_from(inbox)
                .where(inbox.c.type == "asn.employee.employee.registered")
            )
        assert inbox_rows == 1


async def _ok(request):
    response = await request
    return response if response.status_code == 200 else None


async def _at_least(counts, outcome_name, n):
    return sum(v for k, v in counts.items() if k.value == outcome_name) >= n
