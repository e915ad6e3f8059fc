"""Use cases of SIASN identities: link one of our records to its SIASN record, unlink it, list them.
Each change is one unit of work holding the change and the event that announces it."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.siasn.adapters import identities as repository
from services.employee.siasn.adapters.identities import Record
from services.employee.siasn.domain.identities import InvalidSiasnId, RecordKind, normalise_siasn_id
from shared.contracts.employee import SiasnIdentityChanged
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound
from shared.events.envelope import CloudEvent, new_event
from shared.uow import UnitOfWork

IDENTITY_CHANGED = "asn.employee.siasn.identity-changed"


async def get_record(connection: AsyncConnection, kind: RecordKind, ref: str) -> Record:
    record = await repository.find(connection, kind, ref)
    if record is None:
        raise NotFound(f"there is no {kind.value} {ref}")
    return record


async def link(uow: UnitOfWork, record: Record, raw_siasn_id: str) -> Record:
    """Give `record` the SIASN id; refused when another record already holds it where it must be unique."""
    try:
        siasn_id = normalise_siasn_id(raw_siasn_id)
    except InvalidSiasnId as invalid:
        raise InvalidInput(
            str(invalid), errors=[FieldProblem(field="siasn_id", message=str(invalid), value=raw_siasn_id)]
        ) from None
    if record.siasn_id == siasn_id:
        return record
    held_by = await repository.holder(uow.connection, record, siasn_id)
    if held_by is not None:
        raise _held(record, held_by.ref, siasn_id)
    try:
        await repository.set_siasn_id(uow.connection, record.kind, record.ref, siasn_id)
    except IntegrityError:  # linked by another request since the look-up
        raise _held(record, None, siasn_id) from None
    linked = Record(**{**record.__dict__, "siasn_id": siasn_id})
    uow.publish(identity_event(linked))
    await uow.commit()
    return linked


def _held(record: Record, holder_ref: str | None, siasn_id: str) -> Conflict:
    holder = f" by {record.kind.value} {holder_ref}" if holder_ref else ""
    message = f"SIASN id {siasn_id} is already held{holder}"
    return Conflict(
        message,
        code="siasn-id-taken",
        errors=[FieldProblem(field="siasn_id", message=message, value=siasn_id)],
    )


async def unlink(uow: UnitOfWork, record: Record) -> None:
    if record.siasn_id is None:
        return
    await repository.set_siasn_id(uow.connection, record.kind, record.ref, None)
    uow.publish(identity_event(Record(**{**record.__dict__, "siasn_id": None})))
    await uow.commit()


def identity_event(record: Record) -> CloudEvent:
    data = SiasnIdentityChanged(
        kind=record.kind.value, ref=record.ref, agency_code=record.agency_code, siasn_id=record.siasn_id
    )
    return new_event(IDENTITY_CHANGED, record.ref, data, agency=record.agency_code)


async def list_records(
    connection: AsyncConnection,
    kind: RecordKind,
    *,
    agency_code: str | None,
    scope: frozenset[str] | None,
    linked: bool | None,
    limit: int,
    after: str | None,
) -> list[Record]:
    return await repository.search(
        connection, kind, agency_code=agency_code, scope=scope, linked=linked, limit=limit, after=after
    )
