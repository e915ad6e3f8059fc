"""The routes auditors (and administrators) use to read a service's audit log and verify its hash chain."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.audit.store import AuditLog
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep
from shared.errors import Forbidden
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Principal, Role


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


def _require_auditor(principal: Principal) -> None:
    if not principal.has_role(Role.AUDITOR, Role.ADMIN):
        raise Forbidden("the audit log is read by auditors and administrators", code="role-required")


def audit_router(prefix: str, log: AuditLog, *, subjects: str) -> APIRouter:
    """`GET {prefix}` (entries in order, filtered by `subjects`) and `GET {prefix}/verify`."""
    router = APIRouter(prefix=prefix, tags=["audit"])

    @router.get(
        "/verify",
        response_model=VerificationPublic,
        summary="Recompute the whole chain; `first_bad_seq` names the first altered or missing row.",
    )
    async def verify(connection: ConnectionDep, principal: PrincipalDep) -> VerificationPublic:
        _require_auditor(principal)
        found = await log.verify(connection)
        return VerificationPublic(**vars(found))

    @router.get(
        "",
        response_model=Page[AuditEntryPublic],
        summary=f"Audit entries in order (filter by {subjects}).",
    )
    async def entries(
        connection: ConnectionDep,
        principal: PrincipalDep,
        subject_id: str | None = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Page[AuditEntryPublic]:
        _require_auditor(principal)
        key = cursor_key(cursor, int)
        after = key[0] if key else 0
        found = await log.page(
            connection,
            subject_id=subject_id,
            agencies=principal.agency_filter(),
            after=after,
            limit=limit + 1,
        )
        page = found[:limit]
        return Page(
            items=[AuditEntryPublic(**{**vars(e), "data": dict(e.data)}) for e in page],
            next_cursor=encode_cursor([page[-1].seq]) if len(found) > limit else None,
        )

    return router
