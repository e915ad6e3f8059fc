"""The `asn` command line: run the platform, one service, migrations, event replay, the demo seed, and each
declared service's own commands (bulk import/export, users and clients)."""

import asyncio
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from asn.seed import SEEDED_SERVICES, demo_province, seed_service
from asn.services import BY_NAME, SERVICES
from shared import clock
from shared.settings import Settings, forwarded_header_options

app = typer.Typer(help="ASN Mutation Platform", no_args_is_help=True, add_completion=False)
# Each service's own commands (`asn import`, `asn export`, `asn users`, `asn clients`).
for _service in SERVICES:
    for _group, _commands in _service.command_groups().items():
        app.add_typer(_commands, name=_group)


@app.callback()
def _business_clock() -> None:
    """Every command reads business dates from the clock the settings pin (tests, demonstrations)."""
    start = Settings().clock_start
    if start is not None:
        clock.pin(start)


ServiceOption = Annotated[str | None, typer.Option("--service", "-s", help="one service; all when omitted")]


def _services(service: str | None) -> list[str]:
    if service is None:
        return list(BY_NAME)
    if service not in BY_NAME:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(BY_NAME)}")
    return [service]


@app.command()
def dev(
    seed: Annotated[bool, typer.Option(help="seed demo data into an empty database")] = True,
    var_dir: Annotated[Path, typer.Option(help="where databases and logs live")] = Path("var"),
) -> None:
    """Run the whole platform locally: broker, migrations, five services; Ctrl-C stops all."""
    from asn.dev import run_dev

    raise typer.Exit(run_dev(seed=seed, var_dir=var_dir))


@app.command()
def migrate(service: ServiceOption = None) -> None:
    """Bring service databases to the latest schema (ASN_DATABASE_URL, or the SQLite default per service)."""
    from asn.migrations import upgrade

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

    from asn.migrations import upgrade

    (name,) = _services(service)
    settings = Settings(service=name)  # type: ignore[arg-type]
    if migrate_first:
        upgrade(name, settings.resolved_database_url)
    os.environ["ASN_SERVICE"] = name
    uvicorn.run(
        BY_NAME[name].app,
        factory=True,
        host=settings.host,
        port=settings.listen_port,
        access_log=False,
        **forwarded_header_options(settings),
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

    settings = Settings(service=service)  # type: ignore[arg-type]
    outbox = BY_NAME[service].metadata().tables["outbox"]
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
    names = list(SEEDED_SERVICES) if service is None else [service]
    unknown = [name for name in names if name not in SEEDED_SERVICES]
    if unknown:
        choices = ", ".join(SEEDED_SERVICES)
        raise typer.BadParameter(f"no demo data for {', '.join(unknown)}; one of {choices}")
    day = as_of.date() if as_of else date(clock.today().year, 1, 1)
    province = demo_province(seed_number=seed_number, employees=employees, day=day)
    for name in names:
        url = Settings(service=name).resolved_database_url  # type: ignore[arg-type]
        report = seed_service(name, province, day=day, seed_number=seed_number, database_url=url)
        typer.echo(json.dumps(report))


if __name__ == "__main__":
    app()
