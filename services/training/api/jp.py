"""HTTP routes of JP tracking: an employee's JP per year against what applies to them (a PNS's right to at
least 20 JP, a PPPK's ceiling of 24: both settings), external records (one, or a CSV file as a job) and the
compliance report of an agency or a unit, which counts PPPK apart."""

import asyncio
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from services.training.adapters.csv_files import read_csv
from services.training.api.common import JpRulesDep, Text200
from services.training.domain.jp import ExternalRecord, JpSource, check_header
from services.training.service import jp as service
from services.training.service.access import MANAGERS
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, RuntimeDep, UowDep
from shared.errors import DomainError
from shared.inputs import Nip, RequestModel
from shared.jobs import JobPublic, JobsDep, Progress, job_location
from shared.principal import Principal
from shared.problems import PROBLEM_MEDIA_TYPE, Problem
from shared.runtime import ServiceRuntime
from shared.uploads import JP_IMPORT_BYTES

router = APIRouter(prefix="/api/v1/jp", tags=["JP"])

# A file of 100,000 records is about 10 MB.
MAX_UPLOAD_BYTES = JP_IMPORT_BYTES
Year = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]


class UploadTooLarge(DomainError):
    status, code, title = 413, "upload-too-large", "File too large"


class EntryPublic(BaseModel):
    completed_on: date
    jp: int
    title: str
    source: JpSource
    reference: str = Field(description="the enrolment or the external record")


_RIGHT = "a PNS's (and a CPNS's) yearly right: at least 20 JP by default (PP 11/2017 Pasal 203 as amended)"
_CEILING = (
    "a PPPK's development is granted up to 24 JP per contract year by default (PP 49/2018 Pasal 39, to "
    "confirm): a ceiling, not a right; counted by calendar year"
)


class EmployeeJpPublic(BaseModel):
    nip: str
    name: str
    agency_code: str
    employment_type: str = Field(description="PNS, CPNS or PPPK: what the year's JP are measured against")
    year: int
    required: int | None = Field(description=f"{_RIGHT}; none for a PPPK, who has a ceiling instead")
    ceiling: int | None = Field(description=f"{_CEILING}; none for a PNS")
    total: int
    shortfall: int | None = Field(description="JP short of the right; none without a right")
    meets_right: bool | None = Field(description="none without a right: a PPPK is never below it")
    excess: int | None = Field(description="JP above the ceiling; none without a ceiling")
    entries: list[EntryPublic] = Field(description="the year's completions and external records")
    by_year: dict[int, int] = Field(description="JP of every year with any")


class BelowPublic(BaseModel):
    nip: str
    name: str
    unit_id: str | None
    jp: int
    shortfall: int


class AbovePublic(BaseModel):
    nip: str
    name: str
    unit_id: str | None
    jp: int
    excess: int


class PppkPublic(BaseModel):
    employees: int = Field(description="active PPPK")
    ceiling: int = Field(description=_CEILING)
    within_ceiling: int
    above_ceiling: list[AbovePublic] = Field(description="who had more than the ceiling, most JP first")


class CompliancePublic(BaseModel):
    agency_code: str
    unit_id: str | None = Field(description="the unit, with its sub-units; none: the whole agency")
    year: int
    required: int = Field(description=_RIGHT)
    employees: int = Field(description="active employees with the right: PNS and CPNS")
    compliant: int
    compliance_percent: float | None
    below: list[BelowPublic] = Field(description="everyone below the right, fewest JP first")
    pppk: PppkPublic = Field(
        description="PPPK, counted apart: they have a ceiling, never a right to fall below"
    )


class ExternalRecordIn(RequestModel):
    nip: Nip
    title: Text200 = Field(examples=["Diklat Teknis Pengadaan Barang/Jasa"])
    provider: Text200 | None = Field(default=None, examples=["LKPP"])
    completed_on: date
    jp: int = Field(ge=1, le=1000)
    certificate_number: Annotated[str, Field(min_length=1, max_length=100)] | None = None


_FILE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": title}
    for status, title in ((413, "File too large"), (415, "Not a CSV file"))
}


@router.get("/compliance", response_model=CompliancePublic)
async def compliance_report(
    connection: ConnectionDep,
    principal: PrincipalDep,
    rules: JpRulesDep,
    agency: str | None = None,
    unit: Annotated[str | None, Query(description="a unit, with its sub-units")] = None,
    year: Year = None,
) -> CompliancePublic:
    """Who of an agency's or unit's PNS is below the year's right; its PPPK apart, against their ceiling."""
    chosen = year or service.current_year()
    agency_code, report = await service.compliance_report(
        connection, principal, agency_code=agency, unit_id=unit, year=chosen, rules=rules
    )
    return CompliancePublic(
        agency_code=agency_code,
        unit_id=unit,
        year=report.year,
        required=report.required,
        employees=report.employees,
        compliant=report.compliant,
        compliance_percent=report.compliance_percent,
        below=[
            BelowPublic(
                nip=b.person.nip,
                name=b.person.name,
                unit_id=b.person.unit_id,
                jp=b.standing.total,
                shortfall=report.required - b.standing.total,
            )
            for b in report.below
        ],
        pppk=PppkPublic(
            employees=report.pppk.employees,
            ceiling=report.pppk.ceiling,
            within_ceiling=report.pppk.within,
            above_ceiling=[
                AbovePublic(
                    nip=a.person.nip,
                    name=a.person.name,
                    unit_id=a.person.unit_id,
                    jp=a.standing.total,
                    excess=a.standing.total - report.pppk.ceiling,
                )
                for a in report.pppk.above
            ],
        ),
    )


@router.post("/external-records", status_code=status.HTTP_201_CREATED, response_model=ExternalRecordIn)
async def record_external(body: ExternalRecordIn, uow: UowDep, principal: PrincipalDep) -> ExternalRecordIn:
    """Record a training done elsewhere (HR of the employee's agency); it counts toward the JP."""
    await service.record_external(uow, principal, ExternalRecord(**body.model_dump()))
    return body


@router.post(
    "/imports", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=_FILE_PROBLEMS
)
async def import_external(
    file: Annotated[
        UploadFile,
        File(description="CSV (UTF-8); line 1: nip, title, completed_on, jp[, provider, certificate_number]"),
    ],
    runtime: RuntimeDep,
    jobs: JobsDep,
    principal: PrincipalDep,
    response: Response,
    wait: Annotated[bool, Query(description="answer once the job has finished (for small files)")] = False,
) -> JobPublic:
    """Import external records, all or nothing; a failed job lists every bad row with its line number. A file
    naming people outside your agencies is refused at once (403), with those lines."""
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"the file has {file.size} bytes; at most {MAX_UPLOAD_BYTES} are accepted")
    principal.require_role(*MANAGERS)
    header, rows = await asyncio.to_thread(read_csv, await file.read())
    # A file that cannot be imported at all, or not by this caller, is refused now, with no job.
    check_header(header)
    async with runtime.db.connect() as connection:
        agency_of = await service.import_scope(connection, principal, rows)
    job = await jobs.submit(
        "jp.import",
        partial(_run_import, runtime, principal, rows, agency_of),
        params={"file": file.filename, "rows": len(rows)},
        agencies=principal.agencies,
    )
    response.headers["Location"] = job_location("training", job.id)
    if wait:
        response.status_code = status.HTTP_200_OK
        return await jobs.wait(job.id)
    return job


async def _run_import(
    runtime: ServiceRuntime,
    principal: Principal,
    rows: list[Any],
    agency_of: dict[str, str],
    progress: Progress,
) -> dict[str, Any]:
    return await service.import_external(runtime.uow, principal, rows, agency_of, progress)


@router.get("/{nip}", response_model=EmployeeJpPublic)
async def employee_jp(
    nip: Annotated[str, Path(pattern=r"^\d{18}$")],
    connection: ConnectionDep,
    principal: PrincipalDep,
    rules: JpRulesDep,
    year: Year = None,
) -> EmployeeJpPublic:
    """An employee's JP of a year against their right (PNS) or ceiling (PPPK), with what they came from."""
    found = await service.employee_jp(connection, principal, nip, year or service.current_year(), rules)
    s = found.standing
    return EmployeeJpPublic(
        nip=found.nip,
        name=found.name,
        agency_code=found.agency_code,
        employment_type=found.employment_type,
        year=s.year,
        required=s.required,
        ceiling=s.ceiling,
        total=s.total,
        shortfall=s.shortfall,
        meets_right=s.meets_right,
        excess=s.excess,
        entries=[
            EntryPublic(
                completed_on=e.completed_on, jp=e.jp, title=e.title, source=e.source, reference=e.reference
            )
            for e in found.entries
        ],
        by_year=found.by_year,
    )
