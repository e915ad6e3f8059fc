"""HTTP routes for mutation proposals: propose (one, or a whole round), list and read them (overdue ones
too), take workflow steps, override a failed check, let the employee accept or object, explain every
decision, and the proposal's file of documents."""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from services.mutation.adapters.repository import ProposalFilter
from services.mutation.api.common import Reason, ShortText, StoreDep, file_headers
from services.mutation.domain.documents import LABELS, DocumentKind, required_documents
from services.mutation.domain.eligibility import RULES
from services.mutation.domain.mutation_types import AUTHORITIES, MutationType
from services.mutation.domain.workflow import UNDER_DECISION, Action, Actor, Initiator, Proposal, State
from services.mutation.service import documents as document_service
from services.mutation.service import effective
from services.mutation.service import proposals as service
from services.mutation.service.common import actor_of
from services.mutation.service.proposals import OverrideIn, ProposalDraft
from shared import clock
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel
from shared.links import created
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor

router = APIRouter(prefix="/api/v1/mutations", tags=["mutations"])

MAX_ROUND = 2000


class PlacementPublic(BaseModel):
    agency_code: str
    unit_id: str | None
    position_id: str | None


class PolicyRef(BaseModel):
    agency_code: str | None = Field(description="none: the regulation defaults")
    version: int


class NextStep(BaseModel):
    action: Action
    role: str
    agency_code: str | None = Field(description="the agency whose officer takes it; none: national")


class ProposalPublic(BaseModel):
    id: UUID
    nip: str
    employee_name: str
    mutation_type: MutationType
    mutation_type_label: str
    deciding_official: str
    technical_consideration: str | None
    initiator: Initiator
    state: State
    round_id: UUID | None
    plan_ref: str | None
    origin: PlacementPublic
    target: PlacementPublic
    reason: str
    organisational_reason: str | None
    proposed_tmt: date | None
    tmt: date | None = Field(description="from the decree in force")
    decree_id: UUID | None
    decree_number: str | None
    submitted_at: datetime | None
    verified_at: datetime | None = Field(description="the file was found complete: the SLA clock started")
    due_at: datetime | None = Field(description="SLA: decided by then (15 days by default)")
    overdue: bool
    decided_at: datetime | None
    failure_reason: str | None
    employee_response: str | None = Field(description="accepted or objected")
    open_objections: int
    check_outcome: str | None = Field(description="pass, warn or fail at the last check")
    policy: PolicyRef | None
    next_step: NextStep | None
    actions: list[Action] = Field(description="what the caller may do now")
    created_by: str
    entered_by: str | None = Field(
        description="who filed the employee's own request for them (created_by); none: nobody's act was "
        "entered for them"
    )
    on_behalf_reason: str | None = Field(description="why it was filed for the employee")
    created_at: datetime
    updated_at: datetime | None
    version: int

    @classmethod
    def of(cls, p: Proposal, actor: Actor, *, at: datetime | None = None) -> "ProposalPublic":
        authority = AUTHORITIES[p.mutation_type]
        step = p.next_step()
        next_step = None
        if step is not None and p.state not in (State.DRAFT, State.RETURNED):
            agency = (
                p.origin.agency_code
                if step.side == "origin"
                else (p.deciders()[0][1] if step.side == "decider" else p.target.agency_code)
            )
            role = p.deciders()[0][0] if step.side == "decider" else step.role
            next_step = NextStep(action=step.action, role=role, agency_code=agency)
        return cls(
            id=p.id,
            nip=p.nip,
            employee_name=p.employee_name,
            mutation_type=p.mutation_type,
            mutation_type_label=authority.label,
            deciding_official=authority.deciding_official,
            technical_consideration=authority.technical_consideration,
            initiator=p.initiator,
            state=p.state,
            round_id=p.round_id,
            plan_ref=p.plan_ref,
            origin=PlacementPublic(**vars(p.origin)),
            target=PlacementPublic(**vars(p.target)),
            reason=p.reason,
            organisational_reason=p.organisational_reason,
            proposed_tmt=p.proposed_tmt,
            tmt=p.tmt,
            decree_id=p.decree_id,
            decree_number=p.decree_number,
            submitted_at=p.submitted_at,
            verified_at=p.verified_at,
            due_at=p.due_at,
            overdue=p.overdue(at or clock.now()),
            decided_at=p.decided_at,
            failure_reason=p.failure_reason,
            employee_response=p.employee_response,
            open_objections=p.open_objections,
            check_outcome=p.check_outcome,
            policy=None
            if p.policy_version is None
            else PolicyRef(agency_code=p.policy_agency_code, version=p.policy_version),
            next_step=next_step,
            actions=p.available_actions(actor),
            created_by=p.created_by,
            entered_by=p.created_by if p.on_behalf_reason is not None else None,
            on_behalf_reason=p.on_behalf_reason,
            created_at=p.created_at,
            updated_at=p.updated_at,
            version=p.version,
        )


class ProposedMove(RequestModel):
    nip: Nip
    target_position_id: str = Field(min_length=1, max_length=64)
    reason: Reason = Field(examples=["Pemerataan pegawai sesuai hasil ABK"])
    organisational_reason: Reason | None = Field(
        default=None, description="why the move comes before 2 years in the current posting (PP 11/2017)"
    )
    proposed_tmt: date | None = None


class ProposalCreate(ProposedMove):
    initiator: Literal["agency", "self_request"] = Field(
        default="agency", description="an employee filing for themselves always makes a self_request"
    )
    on_behalf_reason: Reason | None = Field(
        default=None,
        description="an HR officer filing the employee's own request (self_request) for them: why, e.g. "
        "their letter came on paper. Recorded beside the request; refused for your own request or an "
        "agency's",
        examples=["Surat permohonan pegawai tanggal 1 Desember 2026 diterima di loket BKPSDM"],
    )

    def draft(self) -> ProposalDraft:
        return ProposalDraft(
            self.nip,
            self.target_position_id,
            self.reason,
            self.organisational_reason,
            self.proposed_tmt,
            on_behalf_reason=self.on_behalf_reason,
        )


class RoundItem(ProposedMove):
    """A move of a round: the agency's own proposal (or its placement plan's)."""

    explanation: dict[str, Any] | None = Field(
        default=None, description="why a placement plan proposes this move (scores, constraints)"
    )

    def draft(self) -> ProposalDraft:
        return ProposalDraft(
            self.nip,
            self.target_position_id,
            self.reason,
            self.organisational_reason,
            self.proposed_tmt,
            self.explanation,
        )


class RoundCreate(RequestModel):
    name: ShortText = Field(examples=["Mutasi Semester I 2026"])
    plan_ref: str | None = Field(default=None, max_length=100, description="the placement plan, if any")
    items: list[RoundItem] = Field(min_length=1, max_length=MAX_ROUND)


class RoundPublic(BaseModel):
    id: UUID
    name: str
    initiator: Initiator
    plan_ref: str | None
    size: int
    created_by: str
    created_at: datetime
    states: dict[str, int] = Field(description="how many of its proposals are in each state")


class RoundCreated(RoundPublic):
    proposals: list[ProposalPublic]


class OverrideBody(RequestModel):
    rule: str = Field(examples=["minimum_posting"], description="the failed check's rule")
    reason: Reason


class TransitionBody(RequestModel):
    action: Action
    reason: Reason | None = None
    overrides: list[OverrideBody] = Field(default=[], description="failed checks the approver overrides")


class RoundTransitionBody(RequestModel):
    action: Action
    reason: Reason | None = None


class StepOutcomePublic(BaseModel):
    mutation_id: UUID
    nip: str
    ok: bool
    state: str
    problem: str | None


class ResponseBody(RequestModel):
    response: Literal["accepted", "objected"]
    reason: Reason | None = Field(default=None, description="required for an objection")


class ObjectionAnswer(RequestModel):
    decision: Literal["upheld", "dismissed"]
    note: Reason


class CheckPublic(BaseModel):
    rule: str
    title: str
    regulation: str
    outcome: Literal["pass", "warn", "fail"]
    reason: str
    data: dict[str, Any]
    blocking: bool = Field(description="a failure that refuses decisions until overridden")


class CheckRunPublic(BaseModel):
    id: UUID
    trigger: str
    outcome: str
    policy: PolicyRef
    at: datetime
    results: list[CheckPublic]


class TransitionPublic(BaseModel):
    action: str
    from_state: str
    to_state: str
    actor: str
    actor_roles: str
    reason: str | None = Field(description="in the words of the person who acted")
    reason_code: str | None = Field(
        default=None, description="what the platform says of the step, as a code the app words"
    )
    reason_params: dict[str, str] = Field(default_factory=dict, description="the values its words name")
    on_behalf_of: str | None = Field(
        default=None,
        description="whose act the actor entered for them: the employee's NIP (their own request), the "
        "decree's signatory; none: the actor's own act",
    )
    on_behalf_reason: str | None = Field(default=None, description="why the actor entered it for them")
    check_outcome: str | None = Field(description="the checks' outcome at that moment")
    check_run_id: UUID | None
    at: datetime


class OverridePublic(BaseModel):
    rule: str
    reason: str
    approver: str
    at: datetime


class ResponsePublic(BaseModel):
    id: UUID
    response: str
    reason: str | None
    at: datetime
    state: str = Field(description="objections: open, upheld or dismissed")
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None


class Explanation(BaseModel):
    """Why the proposal stands where it does: its checks and every decision with who, when and why."""

    proposal: ProposalPublic
    checks: list[CheckPublic]
    check_runs: list[CheckRunPublic]
    transitions: list[TransitionPublic]
    overrides: list[OverridePublic]
    responses: list[ResponsePublic]
    missing_documents: list[DocumentKind]
    placement_explanation: dict[str, Any] | None = Field(description="the placement plan's scores")


class ProposalDetail(ProposalPublic):
    checks: list[CheckPublic]


class ObjectionPublic(BaseModel):
    id: UUID
    mutation_id: UUID
    nip: str
    reason: str | None
    at: datetime
    origin_agency_code: str
    target_agency_code: str
    state: str


class DocumentPublic(BaseModel):
    id: UUID
    kind: DocumentKind
    kind_label: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, d: document_service.Document) -> "DocumentPublic":
        return cls(
            id=d.id,
            kind=d.kind,
            kind_label=d.kind.label,
            filename=d.filename,
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            uploaded_by=d.uploaded_by,
            uploaded_at=d.uploaded_at,
        )


class DocumentKindPublic(BaseModel):
    kind: DocumentKind
    label: str


class RulePublic(BaseModel):
    rule: str
    title: str
    regulation: str


class Reference(BaseModel):
    """The file list (Peraturan BKN 5/2019 Pasal 3), the rules, and who decides each mutation type."""

    document_kinds: list[DocumentKindPublic]
    rules: list[RulePublic]
    mutation_types: dict[str, dict[str, Any]]


def _detail(p: Proposal, actor: Actor, checks: list[Any], response: Response) -> ProposalDetail:
    set_etag(response, p.version)
    return ProposalDetail(**ProposalPublic.of(p, actor).model_dump(), checks=checks)


# --- static paths first: /rounds, /objections, /reference would otherwise parse as an id ------------------


@router.get("/reference", response_model=Reference)
async def reference() -> Reference:
    """The document kinds, the eligibility rules with their regulations, and each type's authority."""
    return Reference(
        document_kinds=[DocumentKindPublic(kind=k, label=LABELS[k]) for k in DocumentKind],
        rules=[RulePublic(rule=r.name, title=r.title, regulation=r.regulation) for r in RULES],
        mutation_types={
            t.value: {
                "label": a.label,
                "deciding_official": a.deciding_official,
                "technical_consideration": a.technical_consideration,
                "regulation": a.regulation,
                "unconfirmed": a.unconfirmed,
                "required_documents": [
                    k.value for k in required_documents(t, self_requested=False, for_decision=True)
                ],
            }
            for t, a in AUTHORITIES.items()
        },
    )


@router.post(
    "/rounds",
    status_code=status.HTTP_201_CREATED,
    response_model=RoundCreated,
    responses=created(
        "The round of proposals created",
        "round_id",
        "GET /api/v1/mutations/rounds/{round_id}",
        "POST /api/v1/mutations/rounds/{round_id}/transitions",
    ),
)
async def create_round(body: RoundCreate, uow: UowDep, principal: PrincipalDep) -> RoundCreated:
    """Propose a whole mutation round at once: all items or none (every bad item named by its line)."""
    made = await service.create_batch(
        uow, principal, [i.draft() for i in body.items], body.name, body.plan_ref
    )
    actor = actor_of(principal)
    states: dict[str, int] = {}
    for p in made.proposals:
        states[p.state.value] = states.get(p.state.value, 0) + 1
    return RoundCreated(
        id=made.id,
        name=made.name,
        initiator=made.initiator,
        plan_ref=made.plan_ref,
        size=len(made.proposals),
        created_by=made.created_by,
        created_at=made.created_at,
        states=states,
        proposals=[ProposalPublic.of(p, actor) for p in made.proposals],
    )


@router.get("/rounds/{round_id}", response_model=RoundPublic)
async def get_round(round_id: UUID, connection: ConnectionDep, principal: PrincipalDep) -> RoundPublic:
    """A mutation round with how many of its proposals are in each state (list them with ?round_id=)."""
    found, states = await service.get_round(connection, round_id, actor_of(principal))
    return RoundPublic(
        **{k: found[k] for k in ("id", "name", "initiator", "plan_ref", "size", "created_by", "created_at")},
        states=states,
    )


@router.post("/rounds/{round_id}/transitions", response_model=list[StepOutcomePublic])
async def round_transition(
    round_id: UUID, body: RoundTransitionBody, uow: UowDep, principal: PrincipalDep
) -> list[StepOutcomePublic]:
    """Take one step on every proposal of the round waiting for it; refusals are listed, not fatal."""
    outcomes = await service.take_round_step(uow, principal, round_id, body.action, reason=body.reason)
    return [
        StepOutcomePublic(mutation_id=o.proposal_id, nip=o.nip, ok=o.ok, state=o.state, problem=o.problem)
        for o in outcomes
    ]


@router.get("/objections", response_model=list[ObjectionPublic])
async def open_objections(
    connection: ConnectionDep, principal: PrincipalDep, limit: Limit = 50
) -> list[ObjectionPublic]:
    """Employees' objections waiting for an approver's answer, oldest first (approvers of your agencies)."""
    rows = await service.open_objections(connection, actor_of(principal), limit)
    return [
        ObjectionPublic(
            id=r["id"],
            mutation_id=r["proposal_id"],
            nip=r["nip"],
            reason=r["reason"],
            at=r["at"],
            origin_agency_code=r["origin_agency_code"],
            target_agency_code=r["target_agency_code"],
            state=r["state"],
        )
        for r in rows
    ]


# --- proposals --------------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProposalDetail,
    responses=created(
        "The proposal created",
        "proposal_id",
        "GET /api/v1/mutations/{proposal_id}",
        "POST /api/v1/mutations/{proposal_id}/transitions",
        "POST /api/v1/mutations/{proposal_id}/checks",
        "POST /api/v1/mutations/{proposal_id}/overrides",
        "POST /api/v1/mutations/{proposal_id}/responses",
        "GET /api/v1/mutations/{proposal_id}/explanation",
        "POST /api/v1/mutations/{proposal_id}/documents",
        "GET /api/v1/mutations/{proposal_id}/documents",
        "POST /api/v1/mutations/{proposal_id}/decree",
        "GET /api/v1/mutations/{proposal_id}/decrees",
        if_match=(
            "POST /api/v1/mutations/{proposal_id}/transitions",
            "POST /api/v1/mutations/{proposal_id}/overrides",
            "POST /api/v1/mutations/{proposal_id}/decree",
        ),
    ),
)
async def create_proposal(
    body: ProposalCreate, uow: UowDep, principal: PrincipalDep, response: Response
) -> ProposalDetail:
    """Propose a mutation (a draft, checked at once); its type follows from the two agencies."""
    proposal = await service.create_proposal(
        uow, principal, body.draft(), initiator=Initiator(body.initiator)
    )
    response.headers["Location"] = f"/api/v1/mutations/{proposal.id}"
    return await _read_detail(uow.connection, proposal.id, actor_of(principal), response)


async def _read_detail(
    connection: Any, proposal_id: UUID, actor: Actor, response: Response
) -> ProposalDetail:
    found = await service.explain(connection, actor, proposal_id)
    return _detail(found.proposal, actor, found.checks, response)


@router.get("", response_model=Page[ProposalPublic])
async def list_proposals(
    connection: ConnectionDep,
    principal: PrincipalDep,
    agency_code: str | None = Query(default=None, description="origin or destination agency"),
    nip: str | None = None,
    state: Annotated[list[State] | None, Query(description="one or more states")] = None,
    round_id: UUID | None = None,
    mutation_type: MutationType | None = None,
    overdue: bool = Query(
        default=False, description="only files past their SLA (15 days after verification)"
    ),
    updated_since: datetime | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProposalPublic]:
    """Proposals in your agencies (an employee: their own), oldest first; `overdue=true` lists late files."""
    after = cursor_key(cursor, datetime.fromisoformat, UUID)
    at = clock.now()
    states = [s.value for s in state] if state else None
    if overdue:
        states = [s.value for s in UNDER_DECISION if states is None or s.value in states]
    where = ProposalFilter(
        agency_code=agency_code,
        nip=nip,
        states=states,
        round_id=round_id,
        overdue_at=at if overdue else None,
        updated_since=updated_since,
        mutation_type=mutation_type.value if mutation_type else None,
    )
    actor = actor_of(principal)
    found = await service.search(connection, actor, where, limit=limit + 1, after=after)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last.created_at.isoformat(), str(last.id)])
    return Page(items=[ProposalPublic.of(p, actor, at=at) for p in page], next_cursor=next_cursor)


@router.get("/{proposal_id}", response_model=ProposalDetail)
async def get_proposal(
    proposal_id: UUID, connection: ConnectionDep, principal: PrincipalDep, response: Response
) -> ProposalDetail:
    """One proposal with its latest checks and the actions open to you."""
    return await _read_detail(connection, proposal_id, actor_of(principal), response)


@router.post("/{proposal_id}/transitions", response_model=ProposalDetail)
async def transition(
    proposal_id: UUID,
    body: TransitionBody,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProposalDetail:
    """Take a workflow step (submit, verify, release, accept, review, return, reject, withdraw, cancel);
    decisions re-run the checks first. Needs the proposal's ETag in If-Match."""
    expected = version_from_if_match(if_match)
    await service.take_step(
        uow,
        principal,
        proposal_id,
        body.action,
        reason=body.reason,
        overrides=[OverrideIn(o.rule, o.reason) for o in body.overrides],
        expected_version=expected,
    )
    return await _read_detail(uow.connection, proposal_id, actor_of(principal), response)


@router.post("/{proposal_id}/retry", response_model=ProposalDetail)
async def retry(
    proposal_id: UUID, uow: UowDep, principal: PrincipalDep, response: Response, if_match: IfMatch = None
) -> ProposalDetail:
    """Send a failed mutation to the employee service again, once the obstacle is cleared."""
    await effective.retry(uow, principal, proposal_id, expected_version=version_from_if_match(if_match))
    return await _read_detail(uow.connection, proposal_id, actor_of(principal), response)


@router.post("/{proposal_id}/checks", response_model=ProposalDetail)
async def recheck(
    proposal_id: UUID, uow: UowDep, principal: PrincipalDep, response: Response
) -> ProposalDetail:
    """Run the eligibility checks again now."""
    await service.recheck(uow, principal, proposal_id)
    return await _read_detail(uow.connection, proposal_id, actor_of(principal), response)


@router.post("/{proposal_id}/overrides", response_model=ProposalDetail)
async def override(
    proposal_id: UUID,
    body: OverrideBody,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProposalDetail:
    """Override a failed check with a reason (approvers of either agency); the checks run again."""
    await service.record_override(
        uow,
        principal,
        proposal_id,
        OverrideIn(body.rule, body.reason),
        expected_version=version_from_if_match(if_match),
    )
    return await _read_detail(uow.connection, proposal_id, actor_of(principal), response)


@router.post("/{proposal_id}/responses", status_code=status.HTTP_201_CREATED, response_model=ProposalDetail)
async def respond(
    proposal_id: UUID, body: ResponseBody, uow: UowDep, principal: PrincipalDep, response: Response
) -> ProposalDetail:
    """The employee accepts the proposed move or objects to it with a reason (the objection goes to the
    approvers, who must answer it before deciding)."""
    await service.respond(uow, principal, proposal_id, body.response, body.reason)
    return await _read_detail(uow.connection, proposal_id, actor_of(principal), response)


@router.post("/{proposal_id}/responses/{response_id}/answer", response_model=ProposalDetail)
async def answer_objection(
    proposal_id: UUID,
    response_id: UUID,
    body: ObjectionAnswer,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
) -> ProposalDetail:
    """An approver answers an objection: upheld rejects the proposal, dismissed lets it go on."""
    await service.answer_objection(uow, principal, proposal_id, response_id, body.decision, body.note)
    return await _read_detail(uow.connection, proposal_id, actor_of(principal), response)


@router.get("/{proposal_id}/explanation", response_model=Explanation)
async def explanation(proposal_id: UUID, connection: ConnectionDep, principal: PrincipalDep) -> Explanation:
    """Every check and decision of the proposal: rule, regulation and data; who decided, when and why."""
    actor = actor_of(principal)
    found = await service.explain(connection, actor, proposal_id)
    return Explanation(
        proposal=ProposalPublic.of(found.proposal, actor),
        checks=found.checks,
        check_runs=[
            CheckRunPublic(
                id=r["id"],
                trigger=r["trigger"],
                outcome=r["outcome"],
                policy=PolicyRef(agency_code=r["policy_agency_code"], version=r["policy_version"]),
                at=r["at"],
                results=r["results"],
            )
            for r in found.check_runs
        ],
        transitions=[
            TransitionPublic(**{**dict(t), "reason_params": t["reason_params"] or {}})
            for t in found.transitions
        ],
        overrides=[
            OverridePublic(**{k: o[k] for k in ("rule", "reason", "approver", "at")}) for o in found.overrides
        ],
        responses=[ResponsePublic(**{k: r[k] for k in ResponsePublic.model_fields}) for r in found.responses],
        missing_documents=[DocumentKind(k) for k in found.missing_documents],
        placement_explanation=found.proposal.explanation,
    )


# --- the file ---------------------------------------------------------------------------------------------


@router.post("/{proposal_id}/documents", status_code=status.HTTP_201_CREATED, response_model=DocumentPublic)
async def upload_document(
    proposal_id: UUID,
    uow: UowDep,
    principal: PrincipalDep,
    store: StoreDep,
    response: Response,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG, at most 20 MB")],
) -> DocumentPublic:
    """Add a document of the Perban 5/2019 file list to the proposal; its SHA-256 is kept."""
    content = await file.read(document_service.MAX_BYTES + 1)
    document = await document_service.upload(
        uow,
        principal,
        store,
        proposal_id,
        kind=kind,
        filename=file.filename or "document",
        content_type=file.content_type or "application/octet-stream",
        content=content,
    )
    response.headers["Location"] = f"/api/v1/mutations/{proposal_id}/documents/{document.id}"
    return DocumentPublic.of(document)


@router.get("/{proposal_id}/documents", response_model=list[DocumentPublic])
async def list_documents(
    proposal_id: UUID, connection: ConnectionDep, principal: PrincipalDep
) -> list[DocumentPublic]:
    """The proposal's documents, oldest first."""
    return [
        DocumentPublic.of(d)
        for d in await document_service.list_documents(connection, principal, proposal_id)
    ]


@router.get("/{proposal_id}/documents/{document_id}", response_class=Response)
async def download_document(
    proposal_id: UUID, document_id: UUID, connection: ConnectionDep, principal: PrincipalDep, store: StoreDep
) -> Response:
    """The document's content, checked against its recorded SHA-256 (sent in `Repr-Digest`)."""
    document, content = await document_service.download(
        connection, principal, store, proposal_id, document_id
    )
    return Response(
        content, media_type=document.content_type, headers=file_headers(document.filename, document.sha256)
    )
