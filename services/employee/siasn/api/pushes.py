"""HTTP routes for the pushes to SIASN (completed mutations' riwayat jabatan, training completions' riwayat
kursus): each one's SIASN status (waiting, sent, failed with SIASN's message), and HR's retry of a failed
one."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.employee.siasn.adapters.pushes import Push
from services.employee.siasn.domain.pushes import PushKind, PushState, PushStep
from services.employee.siasn.service import pushes as service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.errors import NotFound
from shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Role

router = APIRouter(prefix="/api/v1/siasn", tags=["siasn"])

KEEPERS = (Role.ADMIN, Role.HR_OFFICER)
READERS = (*KEEPERS, Role.BKN_REVIEWER, Role.AUDITOR)


class SiasnPushPublic(BaseModel):
    id: UUID
    kind: PushKind = Field(description="jabatan (a completed mutation) or kursus (a training completion)")
    mutation_id: str | None = Field(description="a jabatan push's mutation")
    enrolment_id: str | None = Field(description="a kursus push's training enrolment")
    nip: str
    agency_code: str = Field(description="the agency the person moved to; a kursus push's: the person's")
    state: PushState = Field(description="waiting, sending, sent or failed")
    step: PushStep = Field(description="how far it got: none, uploaded (the decree PDF), saved, synced")
    rw_jabatan_id: str | None = Field(description="SIASN's id of the riwayat jabatan saved")
    rw_kursus_id: str | None = Field(description="SIASN's id of the riwayat kursus saved")
    attempts: int
    message: str | None = Field(description="SIASN's answer (or what our records lack) when it last failed")
    next_attempt_at: datetime | None
    decree_number: str | None
    tmt: str | None
    title: str | None = Field(description="a kursus push's training")
    certificate_number: str | None = Field(description="a kursus push's certificate, if it has one")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, push: Push) -> "SiasnPushPublic":
        payload: dict[str, Any] = push.payload
        return cls(
            id=push.id,
            kind=push.kind,
            mutation_id=push.mutation_id,
            enrolment_id=push.source_key if push.kind is PushKind.KURSUS else None,
            nip=push.nip,
            agency_code=push.agency_code,
            state=push.state,
            step=push.step,
            rw_jabatan_id=push.rw_jabatan_id,
            rw_kursus_id=push.rw_kursus_id,
            attempts=push.attempts,
            message=push.message,
            next_attempt_at=push.next_attempt_at,
            decree_number=payload.get("decree_number") or None,
            tmt=payload.get("tmt"),
            title=payload.get("title"),
            certificate_number=payload.get("certificate_number"),
            created_at=push.created_at,
            updated_at=push.updated_at,
        )


@router.get("/pushes", response_model=Page[SiasnPushPublic])
async def list_pushes(
    connection: ConnectionDep,
    principal: PrincipalDep,
    kind: Annotated[PushKind | None, Query(description="jabatan or kursus")] = None,
    mutation_id: Annotated[str | None, Query(max_length=64, description="one mutation's push")] = None,
    agency: Annotated[str | None, Query(max_length=20, description="one agency's pushes")] = None,
    state: Annotated[PushState | None, Query(description="waiting, sending, sent or failed")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[SiasnPushPublic]:
    """List pushes to SIASN (of completed mutations and training completions), newest first, within your
    agencies."""
    principal.require_role(*READERS)
    if agency is not None:
        principal.require_agency(agency)
    after = cursor_key(cursor, datetime.fromisoformat, UUID)
    found = await service.list_pushes(
        connection,
        kind=kind,
        mutation_id=mutation_id,
        agency_code=agency,
        state=state,
        scope=principal.agency_filter(),
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[SiasnPushPublic.of(p) for p in page],
        next_cursor=encode_cursor([page[-1].created_at.isoformat(), str(page[-1].id)]) if more else None,
    )


@router.get("/pushes/{push_id}", response_model=SiasnPushPublic)
async def get_push(push_id: UUID, connection: ConnectionDep, principal: PrincipalDep) -> SiasnPushPublic:
    """Read one push to SIASN; outside your agencies it is unknown (404)."""
    push = await service.get_push(connection, push_id)
    if not principal.has_role(*READERS) or not principal.covers_agency(push.agency_code):
        raise NotFound(f"no SIASN push {push_id}")
    return SiasnPushPublic.of(push)


@router.post("/pushes/{push_id}/retry", response_model=SiasnPushPublic)
async def retry_push(push_id: UUID, uow: UowDep, principal: PrincipalDep) -> SiasnPushPublic:
    """Send a failed push again from where it stopped; 409 when it is not failed."""
    push = await service.get_push(uow.connection, push_id)
    principal.require_any(KEEPERS, push.agency_code)
    return SiasnPushPublic.of(await service.retry_push(uow, push))
