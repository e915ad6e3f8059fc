"""HTTP routes of bulk exchange: import employees, units or positions from a CSV or XLSX file (a job), export
them as a file."""

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.repository import EmployeeFilter
from services.employee.adapters.spreadsheets import (
    FileFormat,
    Sheet,
    csv_header,
    csv_rows,
    detect_format,
    open_sheet,
    write_xlsx,
)
from services.employee.api.employees import RECORD_KEEPERS, UpdatedSince, scoped
from services.employee.api.organisation import KEEPERS as ORGANISATION_KEEPERS
from services.employee.domain import exchange
from services.employee.domain.exchange import Cell, ImportLimits, Mapping
from services.employee.domain.model import EmployeeStatus
from services.employee.service import exchange as service
from services.employee.settings import employee_settings
from shared import clock
from shared.auth import PrincipalDep
from shared.deps import RuntimeDep
from shared.errors import DomainError, FieldProblem, Forbidden, NotFound
from shared.jobs import JobPublic, JobRunner, JobsDep, Progress, job_location
from shared.principal import Principal
from shared.problems import PROBLEM_MEDIA_TYPE, Problem
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/api/v1/employees", tags=["employee exchange"])

IMPORT_KIND = "employees.import"

MappingQuery = Annotated[
    Mapping, Query(description="column names: `native` (the API's fields) or `siasn` (SIASN's camelCase)")
]


class UploadTooLarge(DomainError):
    status, code, title = 413, "upload-too-large", "File too large"


_FILE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": title}
    for status, title in ((413, "File too large"), (415, "Neither CSV nor XLSX"))
}


@router.post(
    "/imports", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=_FILE_PROBLEMS
)
async def import_employees(
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX; line 1 names the columns")],
    runtime: RuntimeDep,
    jobs: JobsDep,
    response: Response,
    principal: PrincipalDep,
    mapping: MappingQuery = Mapping.NATIVE,
    file_format: Annotated[
        FileFormat | None,
        Query(alias="format", description="by default from the file's name, type or content"),
    ] = None,
    wait: Annotated[bool, Query(description="answer once the job has finished (for small files)")] = False,
) -> JobPublic:
    """Import employees from a file, all or nothing; answers with the job that does it. A file over the
    import limits (rows, columns, a cell's length: the service's settings) is refused, at once where that
    shows without reading it all, else by its job."""
    principal.require_role(*RECORD_KEEPERS)
    limits = employee_settings(runtime.settings).import_limits
    content = await _content(file, limits)
    chosen = file_format or detect_format(file.filename, file.content_type, content)
    # A file that cannot be imported at all is refused now, with no job.
    sheet = await asyncio.to_thread(open_sheet, content, chosen, limits)
    layout = service.check_header(sheet, mapping)
    agency_cell = layout.cell_of("agency_code")
    if principal.agencies is not None and mapping is Mapping.NATIVE and agency_cell is not None:
        # Refused as the rows are read; a SIASN file names agencies by SIASN id, checked once resolved.
        sheet = _within_scope(sheet, agency_cell, principal)
    job = await jobs.submit(
        IMPORT_KIND,
        partial(_run_import, runtime, sheet, mapping, limits.errors, principal.agencies),
        params={"file": file.filename, "format": chosen.value, "mapping": mapping.value},
        agencies=principal.agencies,
    )
    response.headers["Location"] = job_location("employee", job.id)
    if wait:
        response.status_code = status.HTTP_200_OK
        return await jobs.wait(job.id)
    return job


def _within_scope(sheet: Sheet, agency_column: int, principal: Principal) -> Sheet:
    """The sheet, refusing (when its rows are read, in the job) a file with rows of agencies outside the
    importer's scope: all or nothing, every such row listed."""

    def rows() -> Iterator[tuple[int, list[Any]]]:
        read = sheet.rows()
        outside = [
            FieldProblem(field="agency_code", line=line, message="agency outside your scope", value=agency)
            for line, cells in read
            if not principal.covers_agency(
                agency := (str(cells[agency_column]).strip() if agency_column < len(cells) else None)
            )
        ]
        if outside:
            raise Forbidden(f"{len(outside)} row(s) of agencies outside your scope", errors=outside)
        yield from read

    return Sheet(sheet.header, rows(), stop=sheet.stop)


async def _run_import(
    runtime: ServiceRuntime,
    sheet: Sheet,
    mapping: Mapping,
    max_errors: int,
    agencies: frozenset[str] | None,
    progress: Progress,
) -> dict[str, Any]:
    return await service.import_employees(
        runtime.uow, sheet, mapping, progress, max_errors=max_errors, agencies=agencies
    )


async def _content(file: UploadFile, limits: ImportLimits) -> bytes:
    """The uploaded file, refused (413) over the limit: read no further than one byte past it."""
    if file.size is not None and file.size > limits.upload_bytes:
        raise UploadTooLarge(f"the file has {file.size} bytes; at most {limits.upload_bytes} are accepted")
    content = await file.read(limits.upload_bytes + 1)
    if len(content) > limits.upload_bytes:
        raise UploadTooLarge(f"the file has more than {limits.upload_bytes} bytes, the most accepted")
    return content


@router.delete(
    "/imports/{job_id}",
    response_model=JobPublic,
    responses={
        200: {"description": "The import's job: cancelled, or as it finished before"},
        404: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": "No such import, or not one the caller started or administers",
        },
    },
)
async def cancel_import(job_id: UUID, jobs: JobsDep, principal: PrincipalDep) -> JobPublic:
    """Cancel an employee import: by whoever started it, or an administrator of their agencies (anyone
    else: 404), as `DELETE /api/v1/employee/jobs/{job_id}` does.

    The job turns `cancelled` at once and its work stops at its next batch, importing nothing; a finished
    import is answered as it is."""
    job = await jobs.get(job_id)
    if job is None or job.kind != IMPORT_KIND:
        raise NotFound(f"no employee import {job_id}")
    return await jobs.cancel(job_id, principal)


def employee_filter(
    name: Annotated[str | None, Query(description="part of the name, any case")] = None,
    nip: Annotated[str | None, Query(description="the NIP or its beginning")] = None,
    agency: str | None = None,
    unit: str | None = None,
    position: str | None = None,
    rank: Annotated[str | None, Query(examples=["III/a"])] = None,
    employee_status: Annotated[EmployeeStatus | None, Query(alias="status")] = None,
    updated_since: UpdatedSince = None,
) -> EmployeeFilter:
    """The search's filters, for an export of what a search shows."""
    return EmployeeFilter(
        name=name,
        nip=nip,
        agency_code=agency,
        unit_id=unit,
        position_id=position,
        rank_code=rank,
        status=employee_status.value if employee_status else None,
        updated_since=updated_since,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {FileFormat.CSV.media_type: {}, FileFormat.XLSX.media_type: {}}}},
)
async def export_employees(
    runtime: RuntimeDep,
    requested: Annotated[EmployeeFilter, Depends(employee_filter)],
    principal: PrincipalDep,
    file_format: Annotated[FileFormat, Query(alias="format")] = FileFormat.CSV,
    mapping: MappingQuery = Mapping.NATIVE,
) -> Response:
    """Export the employees a search would find, as CSV or XLSX; importing the file gives them back."""
    principal.require_role(*RECORD_KEEPERS)
    where = scoped(principal, requested) or requested
    header = exchange.header(mapping)
    date_format = exchange.DATE_FORMATS[mapping]
    stamp = clock.now().strftime("%Y%m%d")
    disposition = {"Content-Disposition": f'attachment; filename="employees-{stamp}.{file_format.value}"'}
    if file_format is FileFormat.CSV:
        body = _csv_body(runtime, where, mapping)
        # Its first part is read now, with the first batch's query: a query that fails is answered with a
        # problem instead of a 200 whose body breaks off.
        first = await anext(body)
        return StreamingResponse(
            _chained(first, body), media_type=file_format.media_type, headers=disposition
        )
    # A workbook is a zip archive, written whole before its first byte can go out.
    async with runtime.db.connect() as connection:
        rows = [row async for batch in service.export_rows(connection, where, mapping) for row in batch]
    buffer = io.BytesIO()
    await asyncio.to_thread(write_xlsx, header, rows, date_format, buffer)
    return Response(buffer.getvalue(), media_type=file_format.media_type, headers=disposition)


async def _csv_body(runtime: ServiceRuntime, where: EmployeeFilter, mapping: Mapping) -> AsyncIterator[bytes]:
    """The header line with the first batch's rows, then a batch's rows at a time."""
    # Its own connection: the response is sent after the route (and its dependencies) returned.
    date_format = exchange.DATE_FORMATS[mapping]
    async with runtime.db.connect() as connection:
        batches = service.export_rows(connection, where, mapping)
        first: list[list[Cell]] = await anext(batches, [])
        yield csv_header(exchange.header(mapping)) + csv_rows(first, date_format)
        async for batch in batches:
            yield csv_rows(batch, date_format)


async def _chained(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for part in rest:
        yield part


organisation_router = APIRouter(prefix="/api/v1", tags=["organisation exchange"])

ExportRows = Callable[[AsyncConnection], AsyncIterator[list[list[Cell]]]]


@organisation_router.post(
    "/units/imports", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=_FILE_PROBLEMS
)
async def import_units(
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX; line 1 names the columns")],
    runtime: RuntimeDep,
    jobs: JobsDep,
    response: Response,
    principal: PrincipalDep,
    mapping: MappingQuery = Mapping.NATIVE,
    file_format: Annotated[FileFormat | None, Query(alias="format")] = None,
    wait: Annotated[bool, Query(description="answer once the job has finished (for small files)")] = False,
) -> JobPublic:
    """Import units from a file, all or nothing (parents by id, in the file or defined); answers with the
    job that does it."""
    return await _submit_import(
        "units", service.import_units, exchange.UNIT_COLUMNS, file, runtime, jobs, response, principal,
        mapping, file_format, wait,
    )  # fmt: skip


@organisation_router.post(
    "/positions/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobPublic,
    responses=_FILE_PROBLEMS,
)
async def import_positions(
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX; line 1 names the columns")],
    runtime: RuntimeDep,
    jobs: JobsDep,
    response: Response,
    principal: PrincipalDep,
    mapping: MappingQuery = Mapping.NATIVE,
    file_format: Annotated[FileFormat | None, Query(alias="format")] = None,
    wait: Annotated[bool, Query(description="answer once the job has finished (for small files)")] = False,
) -> JobPublic:
    """Import positions of defined units from a file, all or nothing; answers with the job that does it."""
    return await _submit_import(
        "positions", service.import_positions, exchange.POSITION_COLUMNS, file, runtime, jobs, response,
        principal, mapping, file_format, wait,
    )  # fmt: skip


async def _submit_import(
    kind: str,
    run: Callable[..., Awaitable[dict[str, int]]],
    columns: tuple[exchange.Column, ...],
    file: UploadFile,
    runtime: ServiceRuntime,
    jobs: JobRunner,
    response: Response,
    principal: Principal,
    mapping: Mapping,
    file_format: FileFormat | None,
    wait: bool,
) -> JobPublic:
    # The organisation is kept by the HR unit and the administration, as through its single-record routes.
    principal.require_role(*ORGANISATION_KEEPERS)
    limits = employee_settings(runtime.settings).import_limits
    content = await _content(file, limits)
    chosen = file_format or detect_format(file.filename, file.content_type, content)
    sheet = await asyncio.to_thread(open_sheet, content, chosen, limits)
    exchange.layout_of(sheet.header, mapping, columns)
    scope = principal.agency_filter()

    async def work(progress: Progress) -> dict[str, Any]:
        return await run(runtime.uow, sheet, mapping, progress, agencies=scope, max_errors=limits.errors)

    job = await jobs.submit(
        f"{kind}.import",
        work,
        params={"file": file.filename, "format": chosen.value, "mapping": mapping.value},
        agencies=principal.agencies,
    )
    response.headers["Location"] = job_location("employee", job.id)
    if wait:
        response.status_code = status.HTTP_200_OK
        return await jobs.wait(job.id)
    return job


_FILE_CONTENT = {200: {"content": {FileFormat.CSV.media_type: {}, FileFormat.XLSX.media_type: {}}}}


@organisation_router.get("/units/export", response_class=StreamingResponse, responses=_FILE_CONTENT)
async def export_units(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    agency: Annotated[str | None, Query(description="one agency's units; all you may see by default")] = None,
    file_format: Annotated[FileFormat, Query(alias="format")] = FileFormat.CSV,
    mapping: MappingQuery = Mapping.NATIVE,
) -> Response:
    """Export units (parents first) as CSV or XLSX; importing the file gives them back."""
    principal.require_role(*RECORD_KEEPERS)
    chosen = principal.one_agency(agency)
    return await _export(
        runtime,
        "units",
        exchange.header(mapping, exchange.UNIT_COLUMNS),
        lambda connection: service.export_unit_rows(connection, chosen, mapping),
        mapping,
        file_format,
    )


@organisation_router.get("/positions/export", response_class=StreamingResponse, responses=_FILE_CONTENT)
async def export_positions(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    agency: Annotated[
        str | None, Query(description="one agency's positions; all you may see by default")
    ] = None,
    file_format: Annotated[FileFormat, Query(alias="format")] = FileFormat.CSV,
    mapping: MappingQuery = Mapping.NATIVE,
) -> Response:
    """Export positions as CSV or XLSX, marking each unit's head; importing the file gives them back."""
    principal.require_role(*RECORD_KEEPERS)
    chosen = principal.one_agency(agency)
    return await _export(
        runtime,
        "positions",
        exchange.header(mapping, exchange.POSITION_COLUMNS),
        lambda connection: service.export_position_rows(connection, chosen, mapping),
        mapping,
        file_format,
    )


async def _export(
    runtime: ServiceRuntime,
    name: str,
    header: list[str],
    rows_of: ExportRows,
    mapping: Mapping,
    file_format: FileFormat,
) -> Response:
    date_format = exchange.DATE_FORMATS[mapping]
    stamp = clock.now().strftime("%Y%m%d")
    disposition = {"Content-Disposition": f'attachment; filename="{name}-{stamp}.{file_format.value}"'}
    async with runtime.db.connect() as connection:
        rows = [row async for batch in rows_of(connection) for row in batch]
    if file_format is FileFormat.CSV:
        body = csv_header(header) + csv_rows(rows, date_format)
        return Response(body, media_type=file_format.media_type, headers=disposition)
    buffer = io.BytesIO()
    await asyncio.to_thread(write_xlsx, header, rows, date_format, buffer)
    return Response(buffer.getvalue(), media_type=file_format.media_type, headers=disposition)
