"""HTTP routes for the audit log: read it and verify its hash chain (auditors, administrators)."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.mutation.service import audit as service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep
from shared.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    agency_code: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class VerificationPublic(BaseModel):
    valid: bool
    checked: int = Field(description="rows verified before the first bad one (all of them when valid)")
    first_bad_seq: int | None = Field(description="the first row that was altered, deleted or unlinked")
    problem: str | None
    head_seq: int = Field(description="the number of the last entry written")
    head_hash: str


@router.get("/verify", response_model=VerificationPublic)
async def verify(connection: ConnectionDep, principal: PrincipalDep) -> VerificationPublic:
    """Recompute the whole chain; `first_bad_seq` names the first altered or missing row."""
    found = await service.verify_chain(connection, principal)
    return VerificationPublic(**vars(found))


@router.get("", response_model=Page[AuditEntryPublic])
async def entries(
    connection: ConnectionDep,
    principal: PrincipalDep,
    subject_id: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditEntryPublic]:
    """Audit entries in order (filter by proposal, decree or policy id)."""
    key = decode_cursor(cursor)
    after = int(key[0]) if key else 0
    found = await service.entries(connection, principal, subject_id=subject_id, after=after, limit=limit + 1)
    page = found[:limit]
    return Page(
        items=[AuditEntryPublic(**{**vars(e), "data": dict(e.data)}) for e in page],
        next_cursor=encode_cursor([page[-1].seq]) if len(found) > limit else None,
    )
