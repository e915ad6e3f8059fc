"""HTTP routes for SIASN identities: which SIASN record each of our agencies, units, positions and employees
is, as HR maps them where names differ (the "Sinkronisasi SIASN" page) or an import or sync sets them."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints

from services.employee.siasn.adapters.identities import Record
from services.employee.siasn.domain.identities import SIASN_ID_MAX_LENGTH, RecordKind
from services.employee.siasn.service import identities as service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.inputs import RequestModel
from shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Principal, Role

router = APIRouter(prefix="/api/v1/siasn", tags=["siasn"])

KEEPERS = (Role.ADMIN, Role.HR_OFFICER)
READERS = (*KEEPERS, Role.BKN_REVIEWER, Role.AUDITOR)

Ref = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class SiasnIdentityPut(RequestModel):
    siasn_id: str = Field(
        min_length=1,
        max_length=SIASN_ID_MAX_LENGTH,
        examples=["A5EB03E23BECF6A0E040640A040252AD"],
        description="SIASN's id of the record: the unor, jabatan, instansi or PNS orang GUID",
    )


class SiasnIdentityPublic(BaseModel):
    kind: RecordKind
    ref: str = Field(description="our record: an agency code, a unit or position id, a NIP")
    agency_code: str
    name: str
    unit_id: str | None = Field(description="a position's unit")
    siasn_id: str | None = Field(description="none: not linked to SIASN yet")

    @classmethod
    def of(cls, record: Record) -> "SiasnIdentityPublic":
        return cls(
            kind=record.kind,
            ref=record.ref,
            agency_code=record.agency_code,
            name=record.name,
            unit_id=record.unit_id,
            siasn_id=record.siasn_id,
        )


async def _record(
    connection: ConnectionDep, principal: Principal, kind: RecordKind, ref: str, roles: tuple[Role, ...]
) -> Record:
    record = await service.get_record(connection, kind, ref)
    principal.require_any(roles, record.agency_code)
    return record


@router.get("/identities/{kind}", response_model=Page[SiasnIdentityPublic])
async def list_identities(
    kind: RecordKind,
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency: Annotated[str | None, Query(max_length=20, description="one agency's records")] = None,
    linked: Annotated[bool | None, Query(description="only records linked (true) or not yet (false)")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[SiasnIdentityPublic]:
    """List records of one kind with their SIASN ids, within your agencies."""
    principal.require_role(*READERS)
    if agency is not None:
        principal.require_agency(agency)
    after = cursor_key(cursor, str)
    found = await service.list_records(
        connection,
        kind,
        agency_code=agency,
        scope=principal.agency_filter(),
        linked=linked,
        limit=limit + 1,
        after=after[0] if after else None,
    )
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[SiasnIdentityPublic.of(r) for r in page],
        next_cursor=encode_cursor([page[-1].ref]) if more else None,
    )


@router.get("/identities/{kind}/{ref}", response_model=SiasnIdentityPublic)
async def get_identity(
    kind: RecordKind, ref: Ref, connection: ConnectionDep, principal: PrincipalDep
) -> SiasnIdentityPublic:
    """Read one record's SIASN id."""
    return SiasnIdentityPublic.of(await _record(connection, principal, kind, ref, READERS))


@router.put("/identities/{kind}/{ref}", response_model=SiasnIdentityPublic)
async def link_identity(
    kind: RecordKind, ref: Ref, body: SiasnIdentityPut, uow: UowDep, principal: PrincipalDep
) -> SiasnIdentityPublic:
    """Link one of our records to its SIASN record; 409 when another record holds that SIASN id."""
    record = await _record(uow.connection, principal, kind, ref, KEEPERS)
    return SiasnIdentityPublic.of(await service.link(uow, record, body.siasn_id))


@router.delete("/identities/{kind}/{ref}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_identity(kind: RecordKind, ref: Ref, uow: UowDep, principal: PrincipalDep) -> Response:
    """Unlink one of our records from SIASN (it keeps everything else)."""
    record = await _record(uow.connection, principal, kind, ref, KEEPERS)
    await service.unlink(uow, record)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
