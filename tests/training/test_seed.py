"""`asn seed` for the training service: a catalogue for the positions of the demo province, organised by the
province and some of its kabupaten/kota, the same seed giving the same programmes and sessions and a second
run adding nothing. And what it is for (issue 15): after a demo mutation takes effect, the development plan
recommends seeded programmes for its competency gaps; without a catalogue it listed gaps and no programme."""

import asyncio
import json
import uuid
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from asn.seed import training_input
from services.employee.demo.generator import DemoProvince, generate
from services.employee.domain import competencies
from services.employee.domain.organisation import PositionType
from services.employee.service.employees import snapshot
from services.employee.service.exchange import assessed_event
from services.employee.service.organisation import position_event, unit_event
from services.training.adapters import tables
from services.training.app import create_app
from services.training.demo.catalogue import DemoCatalogue, generate_catalogue
from services.training.service.seeding import seed_catalogue
from shared import clock
from shared.contracts.employee import EmployeeRegistered, PositionDefined, UnitDefined
from shared.contracts.mutation import ProposalEffective
from shared.events.envelope import CloudEvent, new_event
from shared.testing import eventually, serve_in_process
from shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

SEED = 15
AS_OF = date(2026, 1, 1)
WRITE_TIMES = {"created_at", "updated_at"}  # written when the seed runs, not part of the generated data
AT_WORK = {"coaching", "mentoring", "on_the_job"}


@pytest.fixture(scope="module")
def province() -> DemoProvince:
    return generate(seed=SEED, employees=200, as_of=AS_OF)


def catalogue_of(province: DemoProvince, seed: int = SEED) -> DemoCatalogue:
    return generate_catalogue(training_input(province), seed=seed, today=clock.today())


def seeder(app):
    return lambda: UnitOfWork(app.state.runtime.db, tables.outbox)


async def contents(app) -> dict[str, list[str]]:
    """The catalogue's rows, without what only says when they were written."""
    found = {}
    async with app.state.runtime.db.connect() as connection:
        for table in (tables.programmes, tables.sessions):
            rows = await connection.execute(select(table))
            found[table.name] = sorted(
                json.dumps({k: v for k, v in row._mapping.items() if k not in WRITE_TIMES}, default=str)
                for row in rows
            )
    return found


async def every(client, path: str) -> list[dict]:
    """All items of a list, page after page."""
    items: list[dict] = []
    params: dict[str, str | int] = {"limit": 500}
    while True:
        page = (await client.get(path, params=params)).json()
        items.extend(page["items"])
        if not page["next_cursor"]:
            return items
        params["cursor"] = page["next_cursor"]


async def test_the_catalogue_covers_the_demo_positions_competencies_and_a_second_run_adds_nothing(
    make_settings, province
):
    catalogue = catalogue_of(province)
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        added = await seed_catalogue(seeder(app), catalogue)
        assert added == {"programmes": len(catalogue.programmes), "sessions": len(catalogue.sessions)}
        programmes = await every(client, "/api/v1/programmes")
        sessions = await every(client, "/api/v1/sessions")
        assert (len(programmes), len(sessions)) == (added["programmes"], added["sessions"])

        # Organised by the province and several of its kabupaten/kota: agencies the employee seed defines.
        organisers = {p["agency_code"] for p in programmes}
        assert province.province_code in organisers and len(organisers) >= 3
        assert organisers <= {agency.code for agency in province.agencies}

        # Every competency of every position's standard, developed to each level a position requires:
        # the managerial and socio-cultural ones of PermenPANRB 38/2017 and each office's technical one.
        developed: dict[str, set[int]] = defaultdict(set)
        for programme in programmes:
            for target in programme["competencies"]:
                developed[target["competency"]].add(target["level"])
        required: dict[str, set[int]] = defaultdict(set)
        for position in province.positions:
            for name, level in position.competency_standard.items():
                required[name].add(level)
        assert {*competencies.MANAGERIAL, *competencies.SOCIO_CULTURAL} < set(required)
        assert {
            name: levels - developed[name] for name, levels in required.items() if levels - developed[name]
        } == {}
        assert all(
            len(developed[name]) >= 3 for name in (*competencies.MANAGERIAL, *competencies.SOCIO_CULTURAL)
        )

        # Classical and non-classical forms; no certificate from learning at work, some that expire.
        assert {p["classical"] for p in programmes} == {True, False}
        at_work = [p for p in programmes if p["form"] in AT_WORK]
        assert at_work and not any(p["issues_certificate"] for p in at_work)
        assert all(p["issues_certificate"] for p in programmes if p["form"] not in AT_WORK)
        assert any(p["certificate_validity_months"] for p in programmes)

        # Each programme has had a session, and has one to come with free seats.
        today = clock.today()
        held: dict[str, list[dict]] = defaultdict(list)
        for session in sessions:
            held[session["programme_code"]].append(session)
        for programme in programmes:
            own = held[programme["code"]]
            assert any(date.fromisoformat(s["ends_on"]) < today for s in own), programme["code"]
            assert any(date.fromisoformat(s["starts_on"]) > today and s["free_seats"] > 0 for s in own), (
                programme["code"]
            )

        first = await contents(app)
        again = await seed_catalogue(seeder(app), catalogue_of(province, seed=SEED + 1))
        assert again == {"programmes": 0, "sessions": 0}
        assert await contents(app) == first


async def test_the_same_seed_gives_the_same_catalogue(make_settings, province):
    first = create_app(await make_settings("training"))
    second = create_app(await make_settings("training"))
    async with serve_in_process(first), serve_in_process(second):
        for app in (first, second):
            await seed_catalogue(seeder(app), catalogue_of(province))
        one, other = await contents(first), await contents(second)
    assert one == other
    assert one["programmes"] and one["sessions"]


async def test_the_seed_command_seeds_the_catalogue_once(make_settings, monkeypatch, capsys):
    from asn import cli

    settings = await make_settings("training")
    monkeypatch.setenv("ASN_DATABASE_URL", settings.resolved_database_url)
    for run in range(2):
        await asyncio.to_thread(cli.seed, service="training", employees=200, seed_number=3, as_of=None)
        report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert report["service"] == "training"
        assert (report["added"]["programmes"] > 0) is (run == 0), report
    assert report["added"] == {"programmes": 0, "sessions": 0}


async def test_after_a_demo_mutation_the_plan_recommends_seeded_programmes_for_every_gap(
    make_settings, province
):
    # The demo's `pegawai` moves to a functional post of another office of the province government: a
    # technical competency never assessed, and the national ones at that post's level.
    summary = province.summary()
    mover = next(d.employee for d in province.employees if str(d.employee.nip) == summary["employee_nip"])
    positions = {str(p.id): p for p in province.positions}
    held = set(positions[mover.placement.position_id or ""].competency_standard)
    destination = next(
        p
        for p in province.positions
        if p.agency_code == mover.placement.agency_code
        and p.type is PositionType.FUNGSIONAL
        and not set(p.competency_standard) <= held
    )
    unit = next(u for u in province.units if u.id == destination.unit_id)
    assessed = {a.competency: a.level for a in mover.competencies.values()}
    expected_gaps = {c for c, level in destination.competency_standard.items() if assessed.get(c, 0) < level}

    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        catalogue = catalogue_of(province)
        await seed_catalogue(seeder(app), catalogue)
        # What the employee seed announces about them, as its own event builders make it.
        registered = new_event(
            "asn.employee.employee.registered",
            subject=str(mover.nip),
            agency=mover.placement.agency_code,
            data=EmployeeRegistered(**snapshot(mover)),
        )
        for event in (
            unit_event("asn.employee.unit.defined", UnitDefined, unit),
            position_event("asn.employee.position.defined", PositionDefined, destination),
            registered,
            *([assessed_event(mover)] if mover.competencies else []),
        ):
            await publish(app, "asn.employee.events", event)
        for path in (
            f"/api/v1/training/positions/{destination.id}",
            f"/api/v1/training/employees/{mover.nip}",
        ):
            await eventually(lambda path=path: _found(client, path), what=path)

        mutation_id = str(uuid.uuid4())
        effective = ProposalEffective(
            mutation_id=mutation_id,
            nip=str(mover.nip),
            to_agency_code=destination.agency_code,
            to_unit_id=str(unit.id),
            to_position_id=str(destination.id),
            tmt=clock.today(),
            decree_number="800/15/BKD/2026",
        )
        await publish(
            app,
            "asn.mutation.events",
            new_event(
                "asn.mutation.proposal.effective",
                subject=str(mover.nip),
                agency=destination.agency_code,
                data=effective,
            ),
        )

        async def the_plan() -> dict | None:
            found = await client.get("/api/v1/development-plans", params={"mutation": mutation_id})
            items = found.json()["items"]
            # Recomputed while the assessments may still arrive: wait for the gaps they leave.
            if items and {i["competency"] for i in items[0]["items"]} == expected_gaps:
                return items[0]
            return None

        plan = await eventually(the_plan, timeout=30, what="the development plan of the demo mutation")
        codes = {programme.code for programme in catalogue.programmes}
        today = clock.today()
        for item in plan["items"]:
            assert item["recommendations"], f"no programme for {item['competency']}"
            best = item["recommendations"][0]
            assert best["code"] in codes and best["fit"] == "1.0000", best
            assert item["programme_id"] == best["programme_id"]
            assert best["session_id"] and not best["waitlisted"]
            assert date.fromisoformat(best["starts_on"]) > today


async def publish(app, topic: str, event: CloudEvent) -> None:
    """Another service's event, straight onto its topic (as that service's outbox relay would)."""
    await app.state.runtime.bus.publish(topic, event.subject.encode(), event.to_json())


async def _found(client, path: str) -> bool:
    return (await client.get(path)).status_code == 200
