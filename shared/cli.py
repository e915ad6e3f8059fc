"""The `asn` command line: run the platform, one service, migrations, event replay, bulk import/export, and
the demo seed."""

import asyncio
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from services.gateway import cli as gateway_cli
from shared import clock
from shared.settings import SERVICE_PORTS, Settings, with_async_driver

app = typer.Typer(help="ASN Mutation Platform", no_args_is_help=True, add_completion=False)
import_app = typer.Typer(help="Import records from CSV or XLSX files, all or nothing.", no_args_is_help=True)
export_app = typer.Typer(help="Export records to CSV or XLSX files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(gateway_cli.users_app, name="users")
app.add_typer(gateway_cli.clients_app, name="clients")


@app.callback()
def _business_clock() -> None:
    """Every command reads business dates from the clock the settings pin (tests, demonstrations)."""
    start = Settings().clock_start
    if start is not None:
        clock.pin(start)


ServiceOption = Annotated[str | None, typer.Option("--service", "-s", help="one service; all when omitted")]


def _services(service: str | None) -> list[str]:
    if service is None:
        return list(SERVICE_PORTS)
    if service not in SERVICE_PORTS:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICE_PORTS)}")
    return [service]


@app.command()
def dev(
    seed: Annotated[bool, typer.Option(help="seed demo data into an empty database")] = True,
    var_dir: Annotated[Path, typer.Option(help="where databases and logs live")] = Path("var"),
) -> None:
    """Run the whole platform locally: broker, migrations, five services; Ctrl-C stops all."""
    from shared.dev import run_dev

    raise typer.Exit(run_dev(seed=seed, var_dir=var_dir))


@app.command()
def migrate(service: ServiceOption = None) -> None:
    """Bring service databases to the latest schema (ASN_DATABASE_URL, or the SQLite default per service)."""
    from shared.migrations import upgrade

    for name in _services(service):
        settings = Settings(service=name)  # type: ignore[arg-type]
        upgrade(name, settings.resolved_database_url)
        typer.echo(f"{name}: migrated")


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="which service to run")],
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Run one service alone (it expects the broker at ASN_KAFKA_BOOTSTRAP_SERVERS)."""
    import uvicorn

    from shared.migrations import upgrade

    (name,) = _services(service)
    settings = Settings(service=name)  # type: ignore[arg-type]
    if migrate_first:
        upgrade(name, settings.resolved_database_url)
    os.environ["ASN_SERVICE"] = name
    uvicorn.run(
        f"services.{name}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.listen_port,
        access_log=False,
    )


@app.command()
def replay(
    service: Annotated[str, typer.Option("--service", "-s", help="whose outbox to republish")],
    since: Annotated[datetime, typer.Option(help="republish events created at or after this time (UTC)")],
) -> None:
    """Republish a service's outbox events since a time, in their original order; consumers deduplicate."""
    (name,) = _services(service)
    count = asyncio.run(_replay(name, since))
    typer.echo(f"{name}: {count} events republished")


async def _replay(service: str, since: datetime) -> int:
    from datetime import UTC

    from shared.db import Database
    from shared.events.bus import KafkaBus
    from shared.events.catalogue import topic_of_service
    from shared.events.outbox import OutboxRelay, mark_for_replay
    from shared.migrations import metadata_of

    settings = Settings(service=service)  # type: ignore[arg-type]
    outbox = metadata_of(service).tables["outbox"]
    db = Database(settings.resolved_database_url)
    bus = KafkaBus(settings)
    try:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        await mark_for_replay(db, outbox, since)
        await bus.start([topic_of_service(service)])
        return await OutboxRelay(db, bus, outbox, batch_size=settings.outbox_batch_size).drain()
    finally:
        await bus.stop()
        await db.dispose()


MappingOption = Annotated[
    Literal["native", "siasn"],
    typer.Option(help="column names: native (the API's fields) or siasn (SIASN's camelCase names)"),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(help="the employee service's database; default ASN_DATABASE_URL, else its SQLite file"),
]


def _employee_database(database_url: str | None) -> str:
    if database_url is not None:
        return with_async_driver(database_url)
    return Settings(service="employee").resolved_database_url


@import_app.command("employees")
def import_employees(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a .csv (UTF-8) or .xlsx file")],
    mapping: MappingOption = "native",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Register every employee of a file, or none: a bad row refuses the file and every bad row is listed."""
    from services.employee import cli
    from services.employee.domain.exchange import Mapping

    raise typer.Exit(cli.import_employees(file, Mapping(mapping), _employee_database(database_url)))


@import_app.command("units")
def import_units(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a .csv (UTF-8) or .xlsx file")],
    mapping: MappingOption = "native",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Define every unit of a file, or none (parents by id, in the file or defined); lists every bad row."""
    from services.employee import cli
    from services.employee.domain.exchange import Mapping

    raise typer.Exit(cli.import_file("units", file, Mapping(mapping), _employee_database(database_url)))


@import_app.command("positions")
def import_positions(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a .csv (UTF-8) or .xlsx file")],
    mapping: MappingOption = "native",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Define every position of a file, or none (of defined units); lists every bad row."""
    from services.employee import cli
    from services.employee.domain.exchange import Mapping

    raise typer.Exit(cli.import_file("positions", file, Mapping(mapping), _employee_database(database_url)))


@export_app.command("units")
def export_units(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="a .csv or .xlsx file to write")],
    mapping: MappingOption = "native",
    agency: Annotated[str | None, typer.Option(help="only this agency's units")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write units (parents first) to a file that `asn import units` reads back."""
    from services.employee import cli
    from services.employee.domain.exchange import Mapping

    url = _employee_database(database_url)
    raise typer.Exit(cli.export_organisation("units", file, Mapping(mapping), agency, url))


@export_app.command("positions")
def export_positions(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="a .csv or .xlsx file to write")],
    mapping: MappingOption = "native",
    agency: Annotated[str | None, typer.Option(help="only this agency's positions")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write positions (marking each unit's head) to a file that `asn import positions` reads back."""
    from services.employee import cli
    from services.employee.domain.exchange import Mapping

    url = _employee_database(database_url)
    raise typer.Exit(cli.export_organisation("positions", file, Mapping(mapping), agency, url))


@export_app.command("employees")
def export_employees(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="a .csv or .xlsx file to write")],
    mapping: MappingOption = "native",
    agency: Annotated[str | None, typer.Option(help="only this agency's employees")] = None,
    unit: Annotated[str | None, typer.Option(help="only this unit's employees")] = None,
    status: Annotated[str | None, typer.Option(help="only employees with this status, e.g. active")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write employees to a file that `asn import employees` (or the import API) reads back."""
    from services.employee import cli
    from services.employee.adapters.repository import EmployeeFilter
    from services.employee.domain.exchange import Mapping

    where = EmployeeFilter(agency_code=agency, unit_id=unit, status=status)
    raise typer.Exit(cli.export_employees(file, Mapping(mapping), where, _employee_database(database_url)))


if TYPE_CHECKING:
    from services.appraisal.service.seeding import Appraisee
    from services.employee.demo.generator import DemoProvince
    from services.training.demo.catalogue import Demand

SEEDED_SERVICES = ("employee", "appraisal", "training", "gateway")
# The level of a functional position as its name says it, for the demo's SKPs: the appraisal service keeps
# each level's yearly credit coefficient (PermenPANRB 1/2023).
FUNCTIONAL_LEVELS = {
    "Pemula": "pemula",
    "Terampil": "terampil",
    "Mahir": "mahir",
    "Penyelia": "penyelia",
    "Ahli Pertama": "ahli_pertama",
    "Ahli Muda": "ahli_muda",
    "Ahli Madya": "ahli_madya",
    "Ahli Utama": "ahli_utama",
}


@app.command()
def seed(
    service: Annotated[
        str | None,
        typer.Option(
            "--service", "-s", help="one of employee, appraisal, training, gateway; all when omitted"
        ),
    ] = None,
    employees: Annotated[
        int, typer.Option(min=1, max=100_000, help="how many employees the demo province has")
    ] = 5_000,
    seed_number: Annotated[int, typer.Option("--seed", help="the same number gives the same data")] = 2026,
    as_of: Annotated[
        datetime | None, typer.Option(help="the date the demo stands on; default 1 January of this year")
    ] = None,
) -> None:
    """Seed a demo province (Sulawesi Tengah) into empty databases; adds nothing where it is there already.

    Prints one JSON line per service: what it added and, for the employee service, the summary demo users
    are made from (agency codes, a sample employee and their supervisor)."""
    from services.employee.demo.generator import generate

    names = list(SEEDED_SERVICES) if service is None else [service]
    unknown = [name for name in names if name not in SEEDED_SERVICES]
    if unknown:
        choices = ", ".join(SEEDED_SERVICES)
        raise typer.BadParameter(f"no demo data for {', '.join(unknown)}; one of {choices}")
    day = as_of.date() if as_of else date(clock.today().year, 1, 1)
    province = generate(seed=seed_number, employees=employees, as_of=day)
    for name in names:
        url = Settings(service=name).resolved_database_url  # type: ignore[arg-type]
        report: dict[str, Any] = {"service": name}
        if name == "employee":
            from services.employee import cli as employee_cli

            report["added"] = employee_cli.seed_demo(province, url)
            report["summary"] = province.summary()
        elif name == "gateway":
            from services.gateway.service.demo import DEMO_PASSWORD, ensure_demo_users

            summary = province.summary()
            created = asyncio.run(
                ensure_demo_users(
                    province_code=summary["province_agency_code"],
                    employee_nip=summary["employee_nip"],
                    supervisor_nip=summary["supervisor_nip"],
                    approver_nip=summary.get("approver_nip"),
                    database_url=url,
                )
            )
            report["added"] = {"users": created, "password": DEMO_PASSWORD}
        elif name == "training":
            from services.training import cli as training_cli

            report["added"] = training_cli.seed_demo(
                training_input(province), seed=seed_number, database_url=url
            )
        else:
            from services.appraisal import cli as appraisal_cli

            appraisees, approvers = appraisal_input(province)
            report["added"] = appraisal_cli.seed_demo(
                appraisees,
                years=(day.year - 2, day.year - 1),
                approvers=approvers,
                seed=seed_number,
                database_url=url,
            )
        typer.echo(json.dumps(report))


def appraisal_input(province: "DemoProvince") -> tuple[list["Appraisee"], dict[str, str]]:
    """The demo province's employees as the appraisal seed takes them (the same NIPs, supervisors and
    positions), and each agency's approver: its regional secretary."""
    from services.appraisal.service.seeding import Appraisee

    positions = {str(p.id): p for p in province.positions}
    supervisors = {str(d.employee.nip): d.supervisor_nip for d in province.employees}
    appraisees, approvers = [], {}
    for demo in province.employees:
        employee = demo.employee
        nip = str(employee.nip)
        position = positions[employee.placement.position_id or ""]
        if demo.supervisor_nip is None:
            approvers[employee.placement.agency_code] = nip
            continue
        reviewer = supervisors.get(demo.supervisor_nip)
        level = next((code for name, code in FUNCTIONAL_LEVELS.items() if name in position.name), None)
        appraisees.append(
            Appraisee(
                nip=nip,
                agency_code=employee.placement.agency_code,
                position_type=position.type.value,
                position_id=str(position.id),
                unit_id=employee.placement.unit_id,
                appraiser_nip=demo.supervisor_nip,
                reviewer_nip=reviewer if reviewer not in (nip, demo.supervisor_nip) else None,
                employed_since=employee.tmt_cpns or employee.birth_date,
                in_service=not employee.status.is_final,
                sanctioned=employee.disciplinary_status.value == "sanctioned",
                functional_level=level if position.type.value == "fungsional" else None,
                actual={name: a.level for name, a in employee.competencies.items()},
                required=dict(position.competency_standard),
            )
        )
    return appraisees, approvers


def training_input(province: "DemoProvince") -> "Demand":
    """The demo province as the training catalogue is drawn for: each agency with the town its classes meet in
    (its capital) and the levels its positions require each competency at; the national competencies."""
    from collections import defaultdict

    from services.employee.domain import competencies
    from services.training.demo.catalogue import Demand, DemoAgency

    required: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for position in province.positions:
        for competency, level in position.competency_standard.items():
            required[position.agency_code][competency].add(level)
    seats: dict[str, str] = {}
    for unit in province.units:
        seats.setdefault(unit.agency_code, unit.location or "")
    agencies = tuple(
        DemoAgency(
            code=agency.code,
            name=agency.name,
            kind=agency.kind.value,
            seat=seats[agency.code],
            required={name: frozenset(levels) for name, levels in required[agency.code].items()},
        )
        for agency in province.agencies
    )
    return Demand(agencies, competencies.MANAGERIAL, competencies.SOCIO_CULTURAL)


if __name__ == "__main__":
    app()
