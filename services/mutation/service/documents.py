"""Use cases of a proposal's file (Peraturan BKN 5/2019 Pasal 3): upload a document of a named kind, list
them with the required ones still missing, and download one, checked against its SHA-256."""

from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import audit_log
from services.mutation.adapters import documents as document_rows
from services.mutation.adapters.documents import FileStore, sha256_of
from services.mutation.domain.documents import Document, DocumentKind
from services.mutation.domain.workflow import AUDITOR, BEFORE_DECREE, EMPLOYEE
from services.mutation.service.common import actor_of, audit_record, now
from services.mutation.service.proposals import get_proposal, proposal_to_change
from shared.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from shared.principal import Principal
from shared.uow import UnitOfWork
from shared.uploads import DOCUMENT_BYTES

MAX_BYTES = DOCUMENT_BYTES
ALLOWED_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# What a file of each type starts with: a document is taken for what it is, not what it claims to be.
_MAGIC = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}


def _check_file(filename: str, content_type: str, content: bytes) -> None:
    problems = []
    if content_type not in ALLOWED_TYPES:
        problems.append(FieldProblem(field="file", message="PDF, JPEG or PNG only", value=content_type))
    elif not content.startswith(_MAGIC[content_type]):
        problems.append(
            FieldProblem(field="file", message=f"the content is not {content_type}", value=filename)
        )
    if not content:
        problems.append(FieldProblem(field="file", message="empty file", value=filename))
    if len(content) > MAX_BYTES:
        problems.append(FieldProblem(field="file", message="larger than 20 MB", value=len(content)))
    if problems:
        raise InvalidInput("the document cannot be taken", errors=problems)


async def upload(
    uow: UnitOfWork,
    principal: Principal,
    store: FileStore,
    proposal_id: UUID,
    *,
    kind: DocumentKind,
    filename: str,
    content_type: str,
    content: bytes,
) -> Document:
    """Add a document to the file. A newer document of the same kind stands beside the older one (the file
    keeps its history); the newest of each kind counts."""
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    # Auditors read the file; they add nothing to it (ARCHITECTURE.md §6).
    is_party_staff = bool(actor.roles - {EMPLOYEE, AUDITOR}) and (
        actor.covers(proposal.origin.agency_code) or actor.covers(proposal.target.agency_code)
    )
    if not (is_party_staff or actor.nip == proposal.nip or actor.system):
        raise Forbidden("documents are added by the agencies' staff or the employee", code="agency-scope")
    if proposal.state not in BEFORE_DECREE:
        raise Conflict(f"the proposal is {proposal.state.value}: its file is closed", code="file-closed")
    _check_file(filename, content_type, content)
    key, digest = store.put(f"documents/{proposal.id}", content, ALLOWED_TYPES[content_type])
    document = Document(
        uuid4(), proposal.id, kind, filename[:255], content_type, len(content), digest, key, actor.label, at
    )
    try:
        await document_rows.record(uow.connection, document)
        await audit_log.append(
            uow.connection,
            [
                audit_record(
                    actor.label,
                    "document.uploaded",
                    proposal,
                    {"kind": kind.value, "sha256": digest, "filename": document.filename},
                    subject_type="document",
                    subject_id=str(document.id),
                )
            ],
            at=at,
        )
        await uow.commit()
    except BaseException:
        store.discard(key)
        raise
    return document


async def list_documents(
    connection: AsyncConnection, principal: Principal, proposal_id: UUID
) -> list[Document]:
    await get_proposal(connection, proposal_id, actor_of(principal))
    return await document_rows.documents_of(connection, proposal_id)


async def download(
    connection: AsyncConnection, principal: Principal, store: FileStore, proposal_id: UUID, document_id: UUID
) -> tuple[Document, bytes]:
    await get_proposal(connection, proposal_id, actor_of(principal))
    document = await document_rows.document(connection, proposal_id, document_id)
    if document is None:
        raise NotFound(f"no document {document_id} in proposal {proposal_id}")
    content = store.get(document.storage_key)
    if sha256_of(content) != document.sha256:
        raise Conflict(
            f"the stored file {document.filename} does not match its checksum", code="file-altered"
        )
    return document, content
