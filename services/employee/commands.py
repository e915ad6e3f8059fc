"""The employee service's `asn` commands: `asn import employees|units|positions` and `asn export ...`,
all or nothing, with the rows at fault listed. The work is in `services.employee.cli`, imported when a
command runs, so `asn` starts quickly."""

from pathlib import Path
from typing import Annotated, Literal

import typer

from shared.settings import Settings, with_async_driver

import_app = typer.Typer(help="Import records from CSV or XLSX files, all or nothing.", no_args_is_help=True)
export_app = typer.Typer(help="Export records to CSV or XLSX files.", no_args_is_help=True)
siasn_app = typer.Typer(
    help="Sync with SIASN (BKN): reference lists, pulls into the reconciliation queue, pushes, status.",
    no_args_is_help=True,
)


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


@siasn_app.command("refs")
def siasn_refs(database_url: DatabaseUrlOption = None) -> None:
    """Fetch SIASN's reference lists (the agency's unors, golongan, jabatan, pendidikan, ...) to keep."""
    from services.employee.siasn import cli

    raise typer.Exit(cli.refresh_references(_employee_database(database_url)))


@siasn_app.command("pull")
def siasn_pull(
    agency: Annotated[str, typer.Option(help="the agency whose people are pulled")],
    nip: Annotated[list[str] | None, typer.Option(help="only this NIP (repeatable)")] = None,
    unit: Annotated[str | None, typer.Option(help="only this unit's people (its id)")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Pull people from SIASN and compare them with our records: differences wait for HR's decision."""
    from uuid import UUID

    from services.employee.siasn import cli

    unit_id = UUID(unit) if unit else None
    raise typer.Exit(cli.pull(agency, nip or [], unit_id, _employee_database(database_url)))


@siasn_app.command("status")
def siasn_status(
    agency: Annotated[str | None, typer.Option(help="one agency; all when omitted")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """The reconciliation queue and the pushes of completed mutations, counted by state."""
    from services.employee.siasn import cli

    raise typer.Exit(cli.status(agency, _employee_database(database_url)))


@siasn_app.command("push")
def siasn_push(
    push_id: Annotated[
        list[str] | None, typer.Argument(help="pushes to send again; default every failed one")
    ] = None,
    agency: Annotated[str | None, typer.Option(help="only this agency's failed pushes")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Send failed pushes of completed mutations to SIASN again (the running employee service sends them)."""
    from uuid import UUID

    from services.employee.siasn import cli

    ids = [UUID(i) for i in push_id or []]
    raise typer.Exit(cli.retry_pushes(ids, agency, _employee_database(database_url)))
