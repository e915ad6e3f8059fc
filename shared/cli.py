"""The `asn` command line: run the platform, one service, migrations, event replay, and bulk import/export."""

import asyncio
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from shared.settings import SERVICE_PORTS, Settings, with_async_driver

app = typer.Typer(help="ASN Mutation Platform", no_args_is_help=True, add_completion=False)
import_app = typer.Typer(help="Import records from CSV or XLSX files, all or nothing.", no_args_is_help=True)
export_app = typer.Typer(help="Export records to CSV or XLSX files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

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


if __name__ == "__main__":
    app()
