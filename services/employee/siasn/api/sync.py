"""HTTP routes of the SIASN sync: SIASN's reference data (refreshed, read by name for the mapping page), pulls
of people from SIASN (jobs), and the reconciliation queue HR decides, per difference or in bulk.

Routes that call SIASN answer 409 `siasn-disabled`, naming the settings to set, while the connector is off;
the queue stays readable and decidable (what was pulled before is still ours to decide).
"""

from datetime import datetime
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints

from services.employee.settings import EmployeeSettings, employee_settings
from services.employee.siasn.adapters.differences import Difference
from services.employee.siasn.adapters.references import Reference
from services.employee.siasn.domain.reconcile import FIELDS, RECORD, Decision, DifferenceState
from services.employee.siasn.service import reconcile as decisions
from services.employee.siasn.service import references as references_service
from services.employee.siasn.service.connection import connect, require_enabled
from services.employee.siasn.service.pull import PULL_KIND, Pull, PullScope, check_scope
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, RuntimeDep, UowDep
from shared.errors import DomainError, FieldProblem, Forbidden, NotFound
from shared.inputs import RequestModel
from shared.jobs import JobPublic, JobsDep, Progress, job_location
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Role
from shared.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, Problem
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/siasn", tags=["siasn"])

KEEPERS = (Role.ADMIN, Role.HR_OFFICER)
READERS = (*KEEPERS, Role.BKN_REVIEWER, Role.AUDITOR)

Nip = Annotated[str, StringConstraints(pattern=r"^\d{18}$")]
ReferenceList = Annotated[str, StringConstraints(pattern="^(" + "|".join(references_service.LISTS) + ")$")]
_DISABLED: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {}},
        "description": "SIASN is not enabled (`siasn-disabled`, naming the settings to set)",
    },
    502: {
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {}},
        "description": "SIASN rejects our credentials (naming them) or refuses",
    },
    503: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "SIASN is unavailable"},
}


def _settings(runtime: ServiceRuntime) -> EmployeeSettings:
    return employee_settings(runtime.settings)


def _enclosed(runtime: ServiceRuntime) -> UnitOfWork:
    """A unit of work whose commands' commits only stage: the decision ends it with the queue's row."""
    return UnitOfWork(runtime.db, runtime.outbox, runtime.relay.wake, enclosed=True)


# --- reference data ---------------------------------------------------------------------------------------


class ReferencesRefreshed(BaseModel):
    lists: dict[str, int] = Field(description="entries kept per list, as SIASN answered now")


class ReferencePublic(BaseModel):
    list: str
    id: str = Field(description="SIASN's id of the entry")
    name: str
    parent_id: str | None = Field(description="ref-unor: the unor above")
    data: dict[str, Any] = Field(description="the entry as SIASN answered it")
    fetched_at: datetime

    @classmethod
    def of(cls, reference: Reference) -> "ReferencePublic":
        return cls(**reference.__dict__)


@router.post("/references/refresh", response_model=ReferencesRefreshed, responses=_DISABLED)
async def refresh_references(
    runtime: RuntimeDep, uow: UowDep, principal: PrincipalDep
) -> ReferencesRefreshed:
    """Fetch SIASN's ref-unor of the agency and the referensi lists golongan, jenis-jabatan, eselon,
    jabatan-fungsional, jabatan-fungsional-umum and pendidikan; keep them as fetched now."""
    principal.require_role(*KEEPERS)
    async with connect(_settings(runtime)) as siasn:
        return ReferencesRefreshed(lists=await references_service.refresh(uow, siasn))


@router.get("/references/{list_name}", response_model=Page[ReferencePublic])
async def list_references(
    list_name: Annotated[ReferenceList, Path(description="ref-unor, golongan, jenis-jabatan, eselon, ...")],
    connection: ConnectionDep,
    principal: PrincipalDep,
    name: Annotated[str | None, Query(max_length=100, description="part of the name, any case")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ReferencePublic]:
    """One SIASN reference list as last fetched, by name: what the mapping page offers."""
    principal.require_role(*READERS)
    after = cursor_key(cursor, str, str)
    found = await references_service.search(
        connection, list_name, contains=name, limit=limit + 1, after=(after[0], after[1]) if after else None
    )
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[ReferencePublic.of(r) for r in page],
        next_cursor=encode_cursor([page[-1].name, page[-1].id]) if more else None,
    )


# --- pulls ------------------------------------------------------------------------------------------------


class PullCreate(RequestModel):
    agency_code: str = Field(min_length=1, max_length=20, description="our agency whose people to pull")
    unit_id: UUID | None = Field(default=None, description="only this unit's people (and the NIPs given)")
    nips: list[Nip] = Field(
        default=[],
        max_length=10_000,
        description="these people; without `unit_id`, only them. A NIP SIASN holds and we do not is queued "
        "as a `record` difference (registrable)",
    )


@router.post("/pulls", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=_DISABLED)
async def pull(
    body: PullCreate,
    runtime: RuntimeDep,
    connection: ConnectionDep,
    jobs: JobsDep,
    response: Response,
    principal: PrincipalDep,
    wait: Annotated[bool, Query(description="answer once the job has finished")] = False,
) -> JobPublic:
    """Pull people from SIASN (a job): data-utama and riwayat jabatan, golongan, pendidikan, diklat and skp22
    of each, compared with our records; the differences join the reconciliation queue, nothing of our
    records changes but an unlinked person's SIASN id. Without `unit_id` and `nips`: the agency's people
    we hold (SIASN offers no list of an agency's people; give the NIPs of those only SIASN holds)."""
    principal.require_role(*KEEPERS)
    settings = _settings(runtime)
    require_enabled(settings)
    scope = PullScope(body.agency_code, body.unit_id, tuple(dict.fromkeys(body.nips)))
    await check_scope(connection, scope, principal)
    await connection.close()  # the job reads and writes through its own connections
    job = await jobs.submit(
        PULL_KIND,
        partial(_run_pull, runtime, settings, scope),
        params=scope.params(),
        agencies=principal.agencies,
    )
    response.headers["Location"] = job_location("employee", job.id)
    if wait:
        response.status_code = status.HTTP_200_OK
        return await jobs.wait(job.id)
    return job


async def _run_pull(
    runtime: ServiceRuntime, settings: EmployeeSettings, scope: PullScope, progress: Progress
) -> dict[str, Any]:
    async with connect(settings) as siasn:
        return await Pull(runtime.db, runtime.uow, siasn, scope).run(progress)


# --- the reconciliation queue -----------------------------------------------------------------------------


class DifferencePublic(BaseModel):
    id: UUID
    nip: str
    agency_code: str
    field: str = Field(description=f"one of {', '.join(FIELDS)}; `{RECORD}`: a person only SIASN holds")
    ours: Any = Field(description="our value when last compared")
    theirs: Any = Field(description="SIASN's value when last compared")
    state: DifferenceState
    since: datetime = Field(description="first seen differing (this time)")
    seen_at: datetime = Field(description="last compared")
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, difference: Difference) -> "DifferencePublic":
        values = {k: v for k, v in difference.__dict__.items() if k != "version"}
        return cls(**values)


@router.get("/differences", response_model=Page[DifferencePublic])
async def list_differences(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str | None, Query(max_length=20, description="one agency's differences")] = None,
    state: Annotated[DifferenceState | None, Query(description="e.g. open: those to decide")] = None,
    nip: Annotated[Nip | None, Query(description="one person's")] = None,
    field: Annotated[str | None, Query(max_length=50, description="one field's")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[DifferencePublic]:
    """The reconciliation queue within your agencies, by NIP and field."""
    principal.require_role(*READERS)
    if agency is not None:
        principal.require_agency(agency, field="agency")
    after = cursor_key(cursor, str, str)
    found = await decisions.list_differences(
        connection,
        agency_code=agency,
        scope=principal.agency_filter(),
        state=state,
        nip=nip,
        field=field,
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[DifferencePublic.of(d) for d in page],
        next_cursor=encode_cursor([page[-1].nip, page[-1].field]) if more else None,
    )


@router.get("/differences/{difference_id}", response_model=DifferencePublic)
async def get_difference(
    difference_id: UUID, connection: ConnectionDep, principal: PrincipalDep
) -> DifferencePublic:
    """One difference of your agencies."""
    principal.require_role(*READERS)
    return DifferencePublic.of(await decisions.get_difference(connection, difference_id, principal))


async def _decide_one(
    runtime: ServiceRuntime, connection: Any, difference_id: UUID, decision: Decision, principal: Any
) -> DifferencePublic:
    principal.require_role(*KEEPERS)
    difference = await decisions.get_difference(connection, difference_id, principal)
    await connection.close()
    decided = await decisions.decide(partial(_enclosed, runtime), difference, decision, principal)
    return DifferencePublic.of(decided)


@router.post("/differences/{difference_id}/accept", response_model=DifferencePublic)
async def accept_difference(
    difference_id: UUID, runtime: RuntimeDep, connection: ConnectionDep, principal: PrincipalDep
) -> DifferencePublic:
    """Take SIASN's value: our record changes through its ordinary command (a correction, a rank change, a
    move, a status change, a registration for `record`), whose own event follows. 409 when the field has no
    such command or the difference is decided."""
    return await _decide_one(runtime, connection, difference_id, Decision.ACCEPT, principal)


@router.post("/differences/{difference_id}/reject", response_model=DifferencePublic)
async def reject_difference(
    difference_id: UUID, runtime: RuntimeDep, connection: ConnectionDep, principal: PrincipalDep
) -> DifferencePublic:
    """Keep our value: the difference stays rejected while SIASN holds the same value."""
    return await _decide_one(runtime, connection, difference_id, Decision.REJECT, principal)


class DecisionsCreate(RequestModel):
    ids: list[UUID] = Field(min_length=1, max_length=MAX_LIMIT, description="the differences to decide")
    decision: Decision


class DecisionOutcome(BaseModel):
    id: UUID
    state: DifferenceState = Field(description="the difference's state after the decision (or as it was)")
    problem: Problem | None = Field(default=None, description="why this one was not decided")


class DecisionsMade(BaseModel):
    items: list[DecisionOutcome]
    decided: int


@router.post("/differences/decisions", response_model=DecisionsMade)
async def decide_differences(
    body: DecisionsCreate, runtime: RuntimeDep, connection: ConnectionDep, principal: PrincipalDep
) -> DecisionsMade:
    """Accept or reject many differences: each its own decision (its command, its event); one refused (no
    command for its field, a rule of the command) leaves the others decided and says why. Every id must be
    of your agencies, or nothing is decided."""
    principal.require_role(*KEEPERS)
    ids = list(dict.fromkeys(body.ids))
    found = {d.id: d for d in await decisions.differences_of(connection, ids)}
    await connection.close()
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"{len(missing)} of the differences do not exist",
            errors=[FieldProblem(field="ids", message="no such difference", value=str(i)) for i in missing],
        )
    outside = [d for d in found.values() if not principal.covers_agency(d.agency_code)]
    if outside:
        raise Forbidden(
            f"{len(outside)} of the differences are of agencies outside your scope",
            code="agency-scope",
            errors=[
                FieldProblem(field="ids", message="outside your scope", value=str(d.id)) for d in outside
            ],
        )
    outcomes = []
    for difference_id in ids:
        difference = found[difference_id]
        try:
            decided = await decisions.decide(
                partial(_enclosed, runtime), difference, body.decision, principal
            )
        except DomainError as refused:
            outcomes.append(
                DecisionOutcome(id=difference_id, state=difference.state, problem=_problem(refused))
            )
        else:
            outcomes.append(DecisionOutcome(id=difference_id, state=decided.state))
    return DecisionsMade(items=outcomes, decided=sum(1 for o in outcomes if o.problem is None))


def _problem(refused: DomainError) -> Problem:
    return Problem(
        type=PROBLEM_BASE + refused.code,
        title=refused.title,
        status=refused.status,
        detail=refused.detail,
        errors=refused.errors,
    )
