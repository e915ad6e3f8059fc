"""`asn seed` for the employee service: the demo province goes in through the service's bulk paths with
every event in the outbox, the same seed gives the same records, and a second run adds nothing."""

import asyncio
import json
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from services.employee.adapters import tables
from services.employee.app import create_app
from services.employee.demo import siasn as siasn_demo
from services.employee.demo.generator import generate
from services.employee.service.seeding import seed_province
from shared.testing import serve_in_process
from shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

AS_OF = date(2026, 1, 1)
# Written when the seed runs, not part of the generated data.
WRITE_TIMES = {"created_at", "updated_at", "recorded_at", "id"}


def seeder(app):
    runtime = app.state.runtime
    return lambda: UnitOfWork(runtime.db, tables.outbox, runtime.relay.wake, enclosed=True)


async def contents(app) -> dict[str, list]:
    """Every seeded table's rows, without what only says when they were written."""
    found = {}
    async with app.state.runtime.db.connect() as connection:
        for table in (
            tables.agencies, tables.units, tables.positions, tables.position_tasks, tables.employees,
            tables.rank_history, tables.position_history, tables.education_history,
            tables.competency_assessments,
        ):  # fmt: skip
            rows = await connection.execute(select(table))
            found[table.name] = sorted(
                json.dumps({k: v for k, v in row._mapping.items() if k not in WRITE_TIMES}, default=str)
                for row in rows
            )
        events = await connection.execute(select(tables.outbox.c.type, tables.outbox.c.key))
        found["events"] = sorted(f"{row.type} {row.key}" for row in events)
    return found


async def test_the_demo_province_is_seeded_with_its_events_and_a_second_run_adds_nothing(make_settings):
    province = generate(seed=11, employees=900, as_of=AS_OF)
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        added = await seed_province(seeder(app), province)
        assert added == {
            "agencies": 14,
            "units": len(province.units),
            "positions": len(province.positions),
            "employees": 900,
            "siasn_links": len(list(siasn_demo.links(province))),
        }
        first = await contents(app)
        assert len(first["employees"]) == 900
        events = Counter(event.split()[0] for event in first["events"])
        assessed = sum(1 for d in province.employees if d.employee.competencies)
        assert events == {
            "asn.employee.agency.defined": 14,
            "asn.employee.unit.defined": len(province.units),
            "asn.employee.unit.updated": len(province.heads),
            "asn.employee.position.defined": len(province.positions),
            "asn.employee.employee.registered": 900,
            "asn.employee.employee.competencies-assessed": assessed,
            "asn.employee.workload.assessed": len(province.positions),
            "asn.employee.siasn.identity-changed": added["siasn_links"],
        }

        again = await seed_province(seeder(app), generate(seed=12, employees=300, as_of=AS_OF))
        assert again == {"agencies": 0, "units": 0, "positions": 0, "employees": 0, "siasn_links": 0}
        assert await contents(app) == first

        summary = province.summary()
        sample = (await client.get(f"/api/v1/employees/{summary['employee_nip']}")).json()
        assert sample["agency_code"] == "7200" and sample["status"] == "active"
        history = (await client.get(f"/api/v1/employees/{summary['employee_nip']}/history")).json()
        assert history["ranks"][-1]["rank_code"] == sample["rank_code"]

        listed = await client.get("/api/v1/workload", params={"province": "7200", "level": "unit"})
        staffing = {row["staffing"] for row in listed.json()["items"]}
        assert {"over", "under"} <= staffing or listed.json()["next_cursor"]
        for status in ("over", "under"):
            page = await client.get(
                "/api/v1/workload", params={"province": "7200", "level": "unit", "status": status}
            )
            assert page.json()["items"], status


async def test_the_same_seed_gives_the_same_records(make_settings):
    first = create_app(await make_settings("employee"))
    second = create_app(await make_settings("employee"))
    async with serve_in_process(first), serve_in_process(second):
        for app in (first, second):
            await seed_province(seeder(app), generate(seed=5, employees=400, as_of=AS_OF))
        one, other = await contents(first), await contents(second)
    assert one == other
    assert len(one["employees"]) == 400


async def test_the_seed_command_seeds_each_service_once(make_settings, monkeypatch, capsys):
    from asn import cli

    employee, appraisal = await make_settings("employee"), await make_settings("appraisal")
    for name, settings in (("employee", employee), ("appraisal", appraisal)):
        monkeypatch.setenv("ASN_DATABASE_URL", settings.resolved_database_url)
        for run in range(2):
            await _in_thread(cli.seed, service=name, employees=300, seed_number=3, as_of=None)
            report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
            assert report["service"] == name
            assert (sum(report["added"].values()) > 0) is (run == 0), report
    assert report["added"] == {"periods": 0, "skps": 0, "potential_assessments": 0}


async def _in_thread(function, **arguments):
    # The command runs its own event loop.
    await asyncio.to_thread(function, **arguments)
