"""Use cases of the decree (SK): issue it (the deciding step of the workflow), amend or revoke it by a new
decree, and read it back with its PDF. The number comes from the issuing office's register in the same
transaction as the decree, so concurrent issues never share a number and a failed one leaves no gap."""

from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import audit_log, decree_pdf
from services.mutation.adapters import decrees as decree_rows
from services.mutation.adapters.documents import FileStore, sha256_of
from services.mutation.adapters.repository import FactsReader, ProposalRepository
from services.mutation.domain.decree import (
    Decree,
    DecreeContent,
    DecreeKind,
    DecreeStatus,
    Post,
    Signatory,
    check_changeable,
    check_tmt,
    considerations,
    decree_number,
    legal_basis,
    signing,
)
from services.mutation.domain.mutation_types import AgencyKind, AgencyRef, decree_register
from services.mutation.domain.ranks import rank_title
from services.mutation.domain.workflow import Action, OnBehalf, Proposal, State
from services.mutation.service.common import actor_of, audit_record, now, on_behalf_data, recipients
from services.mutation.service.proposals import apply_step, get_proposal, proposal_to_change
from shared.contracts import mutation as contracts
from shared.errors import Conflict, NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.principal import Principal
from shared.references import References
from shared.uow import UnitOfWork

# Issuing offices above the agencies have no row in the agencies read model.
_OFFICES = {"KEMENDAGRI": "Kementerian Dalam Negeri", "BKN": "Badan Kepegawaian Negara"}


async def _post(reader: FactsReader, agency_code: str, unit_id: str | None, position_id: str | None) -> Post:
    agency = await reader.agency(agency_code)
    unit = await reader.unit(unit_id) if unit_id else None
    position = await reader.position(position_id) if position_id else None
    return Post(
        agency=agency.name if agency else agency_code,
        unit=unit["name"] if unit else (unit_id or "-"),
        position=position.name if position else (position_id or "-"),
    )


async def _register_of(reader: FactsReader, proposal: Proposal) -> str:
    origin = await reader.agency(proposal.origin.agency_code)
    target = await reader.agency(proposal.target.agency_code)
    fallback = AgencyRef(proposal.target.agency_code, AgencyKind.KABUPATEN, proposal.target_province_code)
    return decree_register(proposal.mutation_type, origin or fallback, target or fallback)


async def _check_signatory(
    connection: AsyncConnection, principal: Principal, signatory: Signatory | None
) -> None:
    """A signatory's NIP, when the decree gives one, is an employee the service knows, of the caller's
    agencies: the official signs for the office that decides."""
    if signatory is None or signatory.nip is None:
        return
    references = References(principal)
    employee = await FactsReader(connection).employee(signatory.nip)
    if employee is None:
        references.unknown("signatory.nip", "employee", signatory.nip)
    else:
        references.in_scope("signatory.nip", employee["agency_code"])
    references.settle()


async def _content(
    connection: AsyncConnection,
    proposal: Proposal,
    *,
    kind: DecreeKind,
    register: str,
    number: str,
    year: int,
    tmt: date,
    place: str,
    signed_on: date,
    signatory: Signatory,
    changes_number: str | None,
    reason: str | None,
) -> DecreeContent:
    reader = FactsReader(connection)
    employee = await reader.employee(proposal.nip)
    return DecreeContent(
        number=number,
        kind=kind,
        register=register,
        year=year,
        mutation_type=proposal.mutation_type,
        nip=proposal.nip,
        name=proposal.employee_name,
        rank=rank_title(employee["rank_code"] if employee else None),
        origin=await _post(
            reader, proposal.origin.agency_code, proposal.origin.unit_id, proposal.origin.position_id
        ),
        target=await _post(
            reader, proposal.target.agency_code, proposal.target.unit_id, proposal.target.position_id
        ),
        tmt=tmt,
        place=place,
        signed_on=signed_on,
        signatory=signatory,
        considerations=considerations(proposal.mutation_type, proposal.reason),
        legal_basis=tuple(legal_basis(proposal.mutation_type)),
        changes_number=changes_number,
        reason=reason,
    )


async def _write(
    connection: AsyncConnection,
    store: FileStore,
    proposal: Proposal,
    *,
    kind: DecreeKind,
    tmt: date,
    place: str,
    signatory: Signatory,
    issued_by: str,
    on_behalf: OnBehalf | None,
    at: datetime,
    changes: Decree | None,
    reason: str | None,
) -> tuple[Decree, DecreeContent]:
    """Number, render, store and record one decree version; the file is removed again by the caller if the
    transaction does not commit."""
    reader = FactsReader(connection)
    register = changes.register if changes else await _register_of(reader, proposal)
    year = at.year
    sequence = await decree_rows.next_number(connection, register, year)
    number = decree_number(register, year, sequence)
    content = await _content(
        connection,
        proposal,
        kind=kind,
        register=register,
        number=number,
        year=year,
        tmt=tmt,
        place=place,
        signed_on=at.date(),
        signatory=signatory,
        changes_number=changes.number if changes else None,
        reason=reason,
    )
    pdf = decree_pdf.render(content, issued_at=at)
    key, digest = store.put(f"decrees/{proposal.id}", pdf, ".pdf")
    version = 1 + await decree_rows.versions_of(connection, proposal.id)
    decree = Decree(
        id=uuid4(),
        proposal_id=proposal.id,
        number=number,
        register=register,
        year=year,
        sequence=sequence,
        kind=kind,
        version=version,
        changes_id=changes.id if changes else None,
        status=DecreeStatus.IN_FORCE,
        tmt=tmt,
        content=content.as_dict(),
        storage_key=key,
        sha256=digest,
        size=len(pdf),
        issued_by=issued_by,
        issued_at=at,
        on_behalf_reason=on_behalf.reason if on_behalf else None,
    )
    try:
        await decree_rows.record(connection, decree, replaces=changes)
    except Exception:
        store.discard(key)
        raise
    return decree, content


def _decree_event(kind: str, decree: Decree, proposal: Proposal, content: DecreeContent) -> CloudEvent:
    data_class = {
        "issued": contracts.DecreeIssued,
        "amended": contracts.DecreeAmended,
        "revoked": contracts.DecreeRevoked,
    }[kind]
    data = data_class(
        decree_id=str(decree.id),
        mutation_id=str(proposal.id),
        nip=proposal.nip,
        number=decree.number,
        kind=decree.kind.value,
        version=decree.version,
        changes_number=content.changes_number,
        register_code=decree.register,
        tmt=decree.tmt,
        sha256=decree.sha256,
        signatory=f"{content.signatory.name}, {content.signatory.title}",
        issued_by=decree.issued_by,
        issued_at=decree.issued_at,
        notify=recipients(proposal, proposal.state),
    )
    return new_event(
        f"asn.mutation.decree.{kind}", subject=proposal.nip, agency=proposal.target.agency_code, data=data
    )


async def issue_decree(
    uow: UnitOfWork,
    principal: Principal,
    store: FileStore,
    proposal_id: UUID,
    *,
    tmt: date,
    place: str,
    signatory: Signatory,
    on_behalf_reason: str | None = None,
    expected_version: int,
) -> tuple[Proposal, Decree]:
    """The deciding step: the checks run one last time, then the decree is numbered, rendered and stored;
    the proposal becomes `decree_issued` and takes effect on the TMT. The decree is its signatory's act:
    entered by someone else, it records who and why (`on_behalf_reason`)."""
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    check_version(proposal.version, expected_version, f"proposal {proposal_id}")
    proposal.authorise(actor, Action.ISSUE_DECREE)
    on_behalf = signing(actor.nip, signatory, on_behalf_reason)
    await _check_signatory(uow.connection, principal, signatory)
    check_tmt(tmt, at.date())
    proposal.tmt = tmt
    await apply_step(
        uow,
        proposal,
        actor,
        Action.ISSUE_DECREE,
        reason=None,
        reason_code="decree-issued",
        reason_params={"tmt": tmt.isoformat()},
        at=at,
        on_behalf=on_behalf,
    )
    decree, content = await _write(
        uow.connection,
        store,
        proposal,
        kind=DecreeKind.ORIGINAL,
        tmt=tmt,
        place=place,
        signatory=signatory,
        issued_by=actor.label,
        on_behalf=on_behalf,
        at=at,
        changes=None,
        reason=None,
    )
    try:
        proposal.decree_id, proposal.decree_number = decree.id, decree.number
        await ProposalRepository(uow.connection).save(proposal, expected_version=proposal.version)
        uow.publish(_decree_event("issued", decree, proposal, content))
        await audit_log.append(
            uow.connection,
            [
                audit_record(
                    actor.label,
                    "decree.issued",
                    proposal,
                    {
                        "number": decree.number,
                        "tmt": tmt.isoformat(),
                        "sha256": decree.sha256,
                        **on_behalf_data(on_behalf),
                    },
                    subject_type="decree",
                    subject_id=str(decree.id),
                )
            ],
            at=at,
        )
        await uow.commit()
    except BaseException:
        store.discard(decree.storage_key)
        raise
    return proposal, decree


async def get_decree(connection: AsyncConnection, principal: Principal, decree_id: UUID) -> Decree:
    decree = await decree_rows.decree(connection, decree_id)
    if decree is None:
        raise NotFound(f"no decree {decree_id}")
    await get_proposal(connection, decree.proposal_id, actor_of(principal))
    return decree


async def decrees_of(connection: AsyncConnection, principal: Principal, proposal_id: UUID) -> list[Decree]:
    await get_proposal(connection, proposal_id, actor_of(principal))
    return await decree_rows.decrees_of(connection, proposal_id)


async def change_decree(
    uow: UnitOfWork,
    principal: Principal,
    store: FileStore,
    decree_id: UUID,
    *,
    revoke: bool,
    reason: str,
    tmt: date | None = None,
    place: str | None = None,
    signatory: Signatory | None = None,
    on_behalf_reason: str | None = None,
) -> tuple[Proposal, Decree]:
    """Amend (another TMT or signatory) or revoke a decree by a new numbered decree; the old one is kept,
    marked superseded or revoked. Revoking cancels the mutation. Both are refused once it took effect. The
    new decree is signed by the one it names, else by the old one's signatory: entered by someone else, it
    records who and why."""
    actor, at = actor_of(principal), now()
    old = await decree_rows.decree(uow.connection, decree_id)
    if old is None:
        raise NotFound(f"no decree {decree_id}")
    proposal = await proposal_to_change(uow.connection, old.proposal_id, actor)
    proposal.authorise_decree(actor)
    signed_by = signatory or old.signatory
    on_behalf = signing(actor.nip, signed_by, on_behalf_reason)
    await _check_signatory(uow.connection, principal, signatory)
    check_changeable(old.status, effective=proposal.state is not State.DECREE_ISSUED)
    if old.kind is DecreeKind.REVOCATION:
        raise Conflict("a revocation is final", code="decree-not-in-force")
    new_tmt = tmt or old.tmt
    check_tmt(new_tmt, at.date())
    previous = old.content
    kind = DecreeKind.REVOCATION if revoke else DecreeKind.AMENDMENT
    expected = proposal.version
    if not revoke:
        proposal.tmt = new_tmt
    decree, content = await _write(
        uow.connection,
        store,
        proposal,
        kind=kind,
        tmt=new_tmt,
        place=place or previous["place"],
        signatory=signed_by,
        issued_by=actor.label,
        on_behalf=on_behalf,
        at=at,
        changes=old,
        reason=reason,
    )
    try:
        proposal.decree_id, proposal.decree_number = decree.id, decree.number
        if revoke:
            await apply_step(
                uow,
                proposal,
                actor,
                Action.CANCEL,
                reason=reason,
                at=at,
                decree_revoked=True,
                on_behalf=on_behalf,
            )
        else:
            proposal.version += 1
            proposal.updated_at = at
        await ProposalRepository(uow.connection).save(
            proposal, expected_version=expected if not revoke else proposal.version
        )
        uow.publish(_decree_event("revoked" if revoke else "amended", decree, proposal, content))
        await audit_log.append(
            uow.connection,
            [
                audit_record(
                    actor.label,
                    f"decree.{'revoked' if revoke else 'amended'}",
                    proposal,
                    {
                        "number": decree.number,
                        "changes": old.number,
                        "tmt": new_tmt.isoformat(),
                        "sha256": decree.sha256,
                        "reason": reason,
                        **on_behalf_data(on_behalf),
                    },
                    subject_type="decree",
                    subject_id=str(decree.id),
                )
            ],
            at=at,
        )
        await uow.commit()
    except BaseException:
        store.discard(decree.storage_key)
        raise
    return proposal, decree


def read_pdf(store: FileStore, decree: Decree) -> bytes:
    """The stored PDF, refused if it no longer matches the hash recorded when it was issued."""
    content = store.get(decree.storage_key)
    if sha256_of(content) != decree.sha256:
        raise Conflict(
            f"the stored file of decree {decree.number} does not match its recorded hash", code="file-altered"
        )
    return content
