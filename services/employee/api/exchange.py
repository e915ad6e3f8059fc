"""HTTP routes of bulk exchange: import employees from a CSV or XLSX file (a job), export them as a file."""

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

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
from services.employee.domain import exchange
from services.employee.domain.exchange import Mapping
from services.employee.domain.model import EmployeeStatus
from services.employee.service import exchange as service
from shared.deps import RuntimeDep
from shared.errors import PROBLEM_MEDIA_TYPE, DomainError, Problem
from shared.jobs import JobPublic, JobsDep, Progress, job_location
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/api/v1/employees", tags=["employee exchange"])

# A 100,000-row CSV is about 20 MB; the file is held in memory while its job runs.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024

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
    mapping: MappingQuery = Mapping.NATIVE,
    file_format: Annotated[
        FileFormat | None,
        Query(alias="format", description="by default from the file's name, type or content"),
    ] = None,
    wait: Annotated[bool, Query(description="answer once the job has finished (for small files)")] = False,
) -> JobPublic:
    """Import employees from a file, all or nothing; answers with the job that does it."""
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"the file has {file.size} bytes; at most {MAX_UPLOAD_BYTES} are accepted")
    content = await file.read()
    chosen = file_format or detect_format(file.filename, file.content_type, content)
    # A file that cannot be imported at all is refused now, with no job.
    sheet = await asyncio.to_thread(open_sheet, content, chosen)
    service.check_header(sheet, mapping)
    job = await jobs.submit(
        "employees.import",
        partial(_run_import, runtime, sheet, mapping),
        params={"file": file.filename, "format": chosen.value, "mapping": mapping.value},
    )
    response.headers["Location"] = job_location("employee", job.id)
    if wait:
        response.status_code = status.HTTP_200_OK
        return await jobs.wait(job.id)
    return job


async def _run_import(
    runtime: ServiceRuntime, sheet: Sheet, mapping: Mapping, progress: Progress
) -> dict[str, Any]:
    return await service.import_employees(runtime.uow, sheet, mapping, progress)


def employee_filter(
    name: Annotated[str | None, Query(description="part of the name, any case")] = None,
    nip: Annotated[str | None, Query(description="the NIP or its beginning")] = None,
    agency: str | None = None,
    unit: str | None = None,
    position: str | None = None,
    rank: Annotated[str | None, Query(examples=["III/a"])] = None,
    employee_status: Annotated[EmployeeStatus | None, Query(alias="status")] = None,
    updated_since: datetime | None = None,
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
    where: Annotated[EmployeeFilter, Depends(employee_filter)],
    file_format: Annotated[FileFormat, Query(alias="format")] = FileFormat.CSV,
    mapping: MappingQuery = Mapping.NATIVE,
) -> Response:
    """Export the employees a search would find, as CSV or XLSX; importing the file gives them back."""
    header = exchange.header(mapping)
    date_format = exchange.DATE_FORMATS[mapping]
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    disposition = {"Content-Disposition": f'attachment; filename="employees-{stamp}.{file_format.value}"'}
    if file_format is FileFormat.CSV:
        return StreamingResponse(
            _csv_body(runtime, where, mapping), media_type=file_format.media_type, headers=disposition
        )
    # A workbook is a zip archive, written whole before its first byte can go out.
    async with runtime.db.connect() as connection:
        rows = [row async for batch in service.export_rows(connection, where, mapping) for row in batch]
    buffer = io.BytesIO()
    await asyncio.to_thread(write_xlsx, header, rows, date_format, buffer)
    return Response(buffer.getvalue(), media_type=file_format.media_type, headers=disposition)


async def _csv_body(runtime: ServiceRuntime, where: EmployeeFilter, mapping: Mapping) -> AsyncIterator[bytes]:
    # Its own connection: the response is sent after the route (and its dependencies) returned.
    yield csv_header(exchange.header(mapping))
    async with runtime.db.connect() as connection:
        async for batch in service.export_rows(connection, where, mapping):
            yield csv_rows(batch, exchange.DATE_FORMATS[mapping])
