"""HTTP routes for decrees (SK): issue one for a proposal, read it and its PDF, amend or revoke it by a
new decree."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from services.mutation.api.common import IfMatch, Nip, Reason, ShortText, StoreDep, file_headers
from services.mutation.domain.decree import Decree, DecreeKind, DecreeStatus, Signatory
from services.mutation.service import decrees as service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag, version_from_if_match
from shared.inputs import RequestModel

router = APIRouter(prefix="/api/v1", tags=["decrees"])


class SignatoryIn(RequestModel):
    """The deciding official who signs the decree: whose act it is."""

    name: ShortText = Field(examples=["Drs. H. Ali Baal Masdar, M.Si."])
    title: ShortText = Field(examples=["Gubernur Sulawesi Barat"])
    nip: Nip | None = Field(default=None, description="yours when you sign it yourself")

    def signatory(self) -> Signatory:
        return Signatory(self.name, self.title, self.nip)


class SignatoryPublic(BaseModel):
    name: str
    title: str
    nip: str | None


OnBehalfReason = Annotated[
    Reason | None,
    Field(
        description="when you are not the signatory (the signatory's NIP is not yours, or it has none): why "
        "you enter the decree the official signed for them. Recorded beside the signature; refused when "
        "you sign it yourself",
        examples=["SK ditandatangani basah oleh Gubernur; dimasukkan Sekretariat BKD"],
    ),
]


class DecreeCreate(RequestModel):
    tmt: date = Field(description="terhitung mulai tanggal: when the move takes effect")
    place: ShortText = Field(examples=["Mamuju"], description="where the decree is signed")
    signatory: SignatoryIn
    on_behalf_reason: OnBehalfReason = None


class DecreeChange(RequestModel):
    reason: Reason
    tmt: date | None = Field(default=None, description="a new TMT (amendments only)")
    place: ShortText | None = None
    signatory: SignatoryIn | None = Field(default=None, description="none: the changed decree's signatory")
    on_behalf_reason: OnBehalfReason = None


class DecreePublic(BaseModel):
    id: UUID
    mutation_id: UUID
    number: str
    register_code: str = Field(description="the issuing office whose numbering the decree takes")
    year: int
    sequence: int
    kind: DecreeKind
    version: int
    changes_id: UUID | None = Field(description="the decree an amendment or revocation changes")
    status: DecreeStatus
    tmt: date
    sha256: str = Field(description="SHA-256 of the PDF")
    size: int
    signatory: SignatoryPublic = Field(description="whose act the decree is")
    issued_by: str = Field(description="who entered the decree")
    entered_by: str | None = Field(
        description="who entered the decree for its signatory (issued_by); none: the signatory did"
    )
    on_behalf_reason: str | None = Field(description="why it was entered for the signatory")
    issued_at: datetime
    content: dict[str, Any]
    pdf_url: str

    @classmethod
    def of(cls, d: Decree) -> "DecreePublic":
        return cls(
            id=d.id,
            mutation_id=d.proposal_id,
            number=d.number,
            register_code=d.register,
            year=d.year,
            sequence=d.sequence,
            kind=d.kind,
            version=d.version,
            changes_id=d.changes_id,
            status=d.status,
            tmt=d.tmt,
            sha256=d.sha256,
            size=d.size,
            signatory=SignatoryPublic(**vars(d.signatory)),
            issued_by=d.issued_by,
            entered_by=d.issued_by if d.on_behalf_reason is not None else None,
            on_behalf_reason=d.on_behalf_reason,
            issued_at=d.issued_at,
            content=dict(d.content),
            pdf_url=f"/api/v1/decrees/{d.id}/pdf",
        )


def _wake_scheduler(request: Request) -> None:
    # A TMT that has already come takes effect at once rather than at the scheduler's next round.
    scheduler = getattr(request.app.state, "scheduler", None)
    if scheduler is not None:
        scheduler.wake()


@router.post(
    "/mutations/{proposal_id}/decree", status_code=status.HTTP_201_CREATED, response_model=DecreePublic
)
async def issue_decree(
    proposal_id: UUID,
    body: DecreeCreate,
    uow: UowDep,
    principal: PrincipalDep,
    store: StoreDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> DecreePublic:
    """Issue the decree (the deciding official, or the office entering the one they signed, saying why):
    checks run a last time, the register gives the number, the PDF is made and stored with its hash. Needs
    the proposal's ETag in If-Match."""
    proposal, decree = await service.issue_decree(
        uow,
        principal,
        store,
        proposal_id,
        tmt=body.tmt,
        place=body.place,
        signatory=body.signatory.signatory(),
        on_behalf_reason=body.on_behalf_reason,
        expected_version=version_from_if_match(if_match),
    )
    _wake_scheduler(request)
    set_etag(response, proposal.version)
    response.headers["Location"] = f"/api/v1/decrees/{decree.id}"
    return DecreePublic.of(decree)


@router.get("/mutations/{proposal_id}/decrees", response_model=list[DecreePublic])
async def decrees_of(
    proposal_id: UUID, connection: ConnectionDep, principal: PrincipalDep
) -> list[DecreePublic]:
    """Every decree version of a proposal: the original, then amendments and a revocation."""
    return [DecreePublic.of(d) for d in await service.decrees_of(connection, principal, proposal_id)]


@router.get("/decrees/{decree_id}", response_model=DecreePublic)
async def get_decree(decree_id: UUID, connection: ConnectionDep, principal: PrincipalDep) -> DecreePublic:
    """One decree version with its content."""
    return DecreePublic.of(await service.get_decree(connection, principal, decree_id))


@router.get("/decrees/{decree_id}/pdf", response_class=Response)
async def decree_pdf(
    decree_id: UUID, connection: ConnectionDep, principal: PrincipalDep, store: StoreDep
) -> Response:
    """The decree as PDF, checked against the hash recorded when it was issued (sent in `Repr-Digest`)."""
    decree = await service.get_decree(connection, principal, decree_id)
    content = service.read_pdf(store, decree)
    filename = f"SK-{decree.number.replace('/', '-')}.pdf"
    return Response(content, media_type="application/pdf", headers=file_headers(filename, decree.sha256))


@router.post(
    "/decrees/{decree_id}/amendments", status_code=status.HTTP_201_CREATED, response_model=DecreePublic
)
async def amend_decree(
    decree_id: UUID,
    body: DecreeChange,
    uow: UowDep,
    principal: PrincipalDep,
    store: StoreDep,
    request: Request,
) -> DecreePublic:
    """Amend a decree in force (another TMT, place or signatory) by a new numbered decree."""
    _, decree = await service.change_decree(
        uow,
        principal,
        store,
        decree_id,
        revoke=False,
        reason=body.reason,
        tmt=body.tmt,
        place=body.place,
        signatory=body.signatory.signatory() if body.signatory else None,
        on_behalf_reason=body.on_behalf_reason,
    )
    _wake_scheduler(request)
    return DecreePublic.of(decree)


@router.post(
    "/decrees/{decree_id}/revocation", status_code=status.HTTP_201_CREATED, response_model=DecreePublic
)
async def revoke_decree(
    decree_id: UUID, body: DecreeChange, uow: UowDep, principal: PrincipalDep, store: StoreDep
) -> DecreePublic:
    """Revoke a decree before it takes effect, by a new numbered decree; the mutation is cancelled."""
    _, decree = await service.change_decree(
        uow,
        principal,
        store,
        decree_id,
        revoke=True,
        reason=body.reason,
        place=body.place,
        signatory=body.signatory.signatory() if body.signatory else None,
        on_behalf_reason=body.on_behalf_reason,
    )
    return DecreePublic.of(decree)
