"""Use cases of mutation proposals: propose one or a whole round, take workflow steps (each re-running the
eligibility checks before a decision), override a failed check, let the employee accept or object, and
explain a proposal. Each use case is one transaction holding the change, its events and its audit entries.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import audit_log
from services.mutation.adapters import documents as document_rows
from services.mutation.adapters.repository import FactsReader, ProposalFilter, ProposalRepository
from services.mutation.domain.documents import missing_documents
from services.mutation.domain.eligibility import RULES_BY_NAME, Report
from services.mutation.domain.mutation_types import derive_type, is_cross_agency
from services.mutation.domain.workflow import (
    DECISIONS,
    PLATFORM_ACTIONS,
    Action,
    Actor,
    Initiator,
    OnBehalf,
    Placement,
    Proposal,
    State,
    Transition,
    authorise_proposer,
)
from services.mutation.service import eligibility
from services.mutation.service.common import (
    actor_of,
    audit_record,
    change_fields,
    now,
    on_behalf_data,
    overrides_note,
    proposal_event,
    roles_of,
)
from shared.contracts import mutation as contracts
from shared.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.principal import Principal, Role
from shared.references import References
from shared.uow import UnitOfWork

# Proposals that still hold the person: a second one for the same NIP waits until these are settled.


@dataclass(frozen=True)
class ProposalDraft:
    """One move to propose: who, to which position, why. The unit, agency and mutation type follow from the
    position and the read models; `explanation` is the placement plan's reasoning, kept as given."""

    nip: str
    target_position_id: str
    reason: str
    organisational_reason: str | None = None
    proposed_tmt: date | None = None
    explanation: dict[str, Any] | None = None
    on_behalf_reason: str | None = None  # the caller files the employee's own request for them: why


@dataclass
class MutationRound:
    id: UUID
    name: str
    initiator: Initiator
    plan_ref: str | None
    created_by: str
    created_at: datetime
    proposals: list[Proposal] = field(default_factory=list)


async def get_proposal(
    connection: AsyncConnection, proposal_id: UUID, actor: Actor | None = None
) -> Proposal:
    proposal = await ProposalRepository(connection).get(proposal_id)
    if proposal is None or (actor is not None and not proposal.authorise_view(actor)):
        # Someone outside the proposal's agencies learns nothing of it, not even that it exists.
        raise NotFound(f"no mutation proposal {proposal_id}")
    return proposal


async def proposal_to_change(connection: AsyncConnection, proposal_id: UUID, actor: Actor) -> Proposal:
    """The proposal a write names. A write outside the caller's agencies is refused as such (403), like
    every write of the platform that reaches beyond the caller's grants."""
    proposal = await ProposalRepository(connection).get(proposal_id)
    if proposal is None:
        raise NotFound(f"no mutation proposal {proposal_id}")
    if not proposal.authorise_view(actor):
        raise Forbidden(f"mutation proposal {proposal_id} is outside your agencies", code="agency-scope")
    return proposal


def _bad(field_name: str, message: str, value: Any = None, *, line: int | None = None) -> FieldProblem:
    return FieldProblem(field=field_name, message=message, value=value, line=line)


async def _build(
    reader: FactsReader,
    actor: Actor,
    references: References,
    draft: ProposalDraft,
    *,
    initiator: Initiator,
    round_id: UUID | None,
    plan_ref: str | None,
    at: datetime,
    line: int | None = None,
) -> Proposal | None:
    """The proposal a draft makes, with what is wrong with the draft noted on `references` (None when too
    little holds to make one): the person, the position, its unit and both agencies must be known and hold
    together, and the receiving agency must be the proposer's."""
    on_behalf = authorise_proposer(actor, initiator, draft.nip, on_behalf_reason=draft.on_behalf_reason)
    employee = await reader.employee(draft.nip)
    position = await reader.position(draft.target_position_id)
    if employee is None:
        references.unknown("nip", "employee", draft.nip, line=line)
    if position is None:
        references.unknown("target_position_id", "position", draft.target_position_id, line=line)
    if employee is None or position is None:
        return None
    unit = await reader.unit(position.unit_id)
    origin_agency = await reader.agency(employee["agency_code"])
    target_agency = await reader.agency(position.agency_code)
    if origin_agency is None:
        references.mismatch(
            "nip", f"the employee's agency {employee['agency_code']} is not known yet", line=line
        )
    if target_agency is None:
        references.mismatch(
            "target_position_id", f"its agency {position.agency_code} is not known yet", line=line
        )
    if unit is None:
        references.mismatch("target_position_id", f"its unit {position.unit_id} is not known yet", line=line)
    elif unit["agency_code"] != position.agency_code:
        references.mismatch(
            "target_position_id",
            f"its unit {position.unit_id} is of agency {unit['agency_code']}, not {position.agency_code}",
            line=line,
        )
    if employee["position_id"] == position.position_id:
        references.mismatch("target_position_id", "the employee already holds this position", line=line)
    if origin_agency is None or target_agency is None or unit is None:
        return None
    proposal = Proposal(
        id=uuid4(),
        nip=draft.nip,
        employee_name=employee["name"],
        mutation_type=derive_type(origin_agency, target_agency, target_unit_name=unit["name"]),
        initiator=initiator,
        origin=Placement(employee["agency_code"], employee["unit_id"], employee["position_id"]),
        target=Placement(position.agency_code, position.unit_id, position.position_id),
        target_province_code=target_agency.province_code,
        reason=draft.reason,
        created_at=at,
        created_by=actor.subject,
        organisational_reason=draft.organisational_reason,
        proposed_tmt=draft.proposed_tmt,
        round_id=round_id,
        plan_ref=plan_ref,
        explanation=draft.explanation,
        on_behalf_reason=on_behalf.reason if on_behalf else None,
        updated_at=at,
    )
    if not proposal.within_proposer_scope(actor):
        references.in_scope("target_position_id", position.agency_code, line=line)
    return proposal


async def _propose(
    uow: UnitOfWork,
    principal: Principal,
    drafts: Sequence[ProposalDraft],
    *,
    initiator: Initiator,
    round_id: UUID | None,
    plan_ref: str | None,
    at: datetime,
    numbered: bool,
) -> list[Proposal]:
    """Every draft checked first, then all written or none: a refusal names each bad field (by its line in
    a round), 403 when one reaches outside the caller's agencies, else 422."""
    connection = uow.connection
    actor = actor_of(principal)
    references = References(principal)
    built: list[Proposal] = []
    seen: dict[str, int] = {}
    reader = FactsReader(connection)
    for i, draft in enumerate(drafts, start=1):
        line = i if numbered else None
        if draft.nip in seen:
            references.mismatch("nip", f"also in item {seen[draft.nip]}", line=line)
            continue
        seen[draft.nip] = i
        proposal = await _build(
            reader,
            actor,
            references,
            draft,
            initiator=initiator,
            round_id=round_id,
            plan_ref=plan_ref,
            at=at,
            line=line,
        )
        if proposal is not None:
            built.append(proposal)
    busy = await ProposalRepository(connection).with_open_proposals([p.nip for p in built])
    for proposal in built:
        if proposal.nip in busy:
            references.mismatch(
                "nip",
                "the employee already has an open mutation proposal",
                line=seen[proposal.nip] if numbered else None,
            )
    references.settle()
    policies = eligibility.PolicyCache()
    reports = [
        await eligibility.evaluate(connection, p, at=at, policies=policies, reader=reader) for p in built
    ]
    repository = ProposalRepository(connection)
    await repository.add_many(built)
    run_ids = await repository.add_check_runs(
        [(p.id, r) for p, r in zip(built, reports, strict=True)], "create", at
    )
    records, history = [], []
    for proposal, report, run_id in zip(built, reports, run_ids, strict=True):
        history.append(
            (
                proposal.id,
                Transition(
                    Action.PROPOSE,
                    State.DRAFT,
                    State.DRAFT,
                    actor.label,
                    at,
                    proposal.reason,
                    on_behalf=proposal.on_behalf,
                ),
                roles_of(actor),
                run_id,
            )
        )
        fields = change_fields(
            proposal,
            action=Action.PROPOSE,
            previous_state=None,
            actor=actor.label,
            reason=proposal.reason,
            at=at,
        )
        uow.publish(
            proposal_event(
                "proposal.proposed", proposal, contracts.ProposalProposed(**fields, plan_ref=plan_ref)
            )
        )
        records.append(
            audit_record(
                actor.label,
                "propose",
                proposal,
                {
                    "mutation_type": proposal.mutation_type.value,
                    "initiator": initiator.value,
                    "target_position_id": proposal.target.position_id,
                    "check_outcome": report.outcome.value,
                    "policy": [report.policy_agency_code, report.policy_version],
                    "plan_ref": plan_ref,
                    **on_behalf_data(proposal.on_behalf),
                },
            )
        )
    await repository.add_transitions(history)
    await audit_log.append(connection, records, at=at)
    return built


async def create_proposal(
    uow: UnitOfWork,
    principal: Principal,
    draft: ProposalDraft,
    *,
    initiator: Initiator,
    plan_ref: str | None = None,
) -> Proposal:
    """One proposal, checked at once; it starts as a draft."""
    if principal.nip == draft.nip and initiator is Initiator.AGENCY and not principal.has_role(*_STAFF):
        initiator = Initiator.SELF_REQUEST
    (proposal,) = await _propose(
        uow,
        principal,
        [draft],
        initiator=initiator,
        round_id=None,
        plan_ref=plan_ref,
        at=now(),
        numbered=False,
    )
    await uow.commit()
    return proposal


_STAFF = (Role.HR_OFFICER, Role.APPROVER, Role.ADMIN, Role.BKN_REVIEWER)


async def create_batch(
    uow: UnitOfWork,
    principal: Principal,
    items: Sequence[ProposalDraft],
    round_name: str,
    plan_ref: str | None = None,
    *,
    commit: bool = True,
) -> MutationRound:
    """A mutation round: many proposals at once, all or none (every bad item is reported with its line).
    With `plan_ref` the proposals come from that placement plan (initiator `placement_plan`) and each keeps
    its `explanation`. `commit=False` leaves the transaction to the caller (the placement publish step
    records its own state in the same unit of work)."""
    if not items:
        raise InvalidInput("a mutation round needs at least one proposal", errors=[_bad("items", "empty")])
    actor, at = actor_of(principal), now()
    initiator = Initiator.PLACEMENT_PLAN if plan_ref else Initiator.AGENCY
    mutation_round = MutationRound(uuid4(), round_name, initiator, plan_ref, actor.label, at)
    repository = ProposalRepository(uow.connection)
    await repository.add_round(
        id=mutation_round.id,
        name=round_name,
        initiator=initiator.value,
        plan_ref=plan_ref,
        size=len(items),
        created_by=actor.label,
        created_at=at,
    )
    mutation_round.proposals = await _propose(
        uow,
        principal,
        items,
        initiator=initiator,
        round_id=mutation_round.id,
        plan_ref=plan_ref,
        at=at,
        numbered=True,
    )
    uow.publish(
        proposal_event_round(
            mutation_round,
            contracts.RoundProposed(
                round_id=str(mutation_round.id),
                name=round_name,
                initiator=initiator.value,
                plan_ref=plan_ref,
                size=len(items),
                mutation_ids=[str(p.id) for p in mutation_round.proposals],
                created_by=actor.label,
                at=at,
            ),
        )
    )
    if commit:
        await uow.commit()
    return mutation_round


def proposal_event_round(mutation_round: MutationRound, data: contracts.RoundProposed) -> CloudEvent:
    agency = mutation_round.proposals[0].target.agency_code if mutation_round.proposals else None
    return new_event("asn.mutation.round.proposed", subject=str(mutation_round.id), agency=agency, data=data)


async def get_round(
    connection: AsyncConnection, round_id: UUID, actor: Actor
) -> tuple[dict[str, Any], dict[str, int]]:
    repository = ProposalRepository(connection)
    found = await repository.get_round(round_id)
    if found is None:
        raise NotFound(f"no mutation round {round_id}")
    visible = await repository.search(
        ProposalFilter(agencies=actor.agencies, round_id=round_id), limit=1, after=None
    )
    if not visible and actor.agencies is not None:
        raise NotFound(f"no mutation round {round_id}")
    return dict(found), await repository.round_counts(round_id)


# --- workflow steps ---------------------------------------------------------------------------------------


def _needs_whole_file(proposal: Proposal, action: Action) -> bool | None:
    """Which file list a decision needs: None for no check, False for verification's, True for the whole."""
    if action is Action.VERIFY:
        return False
    if action in (Action.ACCEPT, Action.REVIEW, Action.ISSUE_DECREE):
        return is_cross_agency(proposal.mutation_type)
    return None


async def missing_for(connection: AsyncConnection, proposal: Proposal, *, whole: bool) -> list[str]:
    present = await document_rows.kinds_in_file(connection, proposal.id)
    return [
        kind.value
        for kind in missing_documents(
            proposal.mutation_type, present, self_requested=proposal.self_requested, for_decision=whole
        )
    ]


@dataclass(frozen=True)
class OverrideIn:
    rule: str
    reason: str


async def _record_overrides(
    uow: UnitOfWork, proposal: Proposal, actor: Actor, wanted: Sequence[OverrideIn], at: datetime
) -> list[dict[str, Any]]:
    if not wanted:
        return []
    proposal.authorise_override(actor)
    unknown = [o.rule for o in wanted if o.rule not in RULES_BY_NAME]
    if unknown:
        raise InvalidInput(
            "overrides name rules that do not exist",
            errors=[_bad("overrides.rule", "no such rule", rule) for rule in unknown],
        )
    repository = ProposalRepository(uow.connection)
    records = []
    for item in wanted:
        await repository.add_override(proposal.id, item.rule, item.reason, actor.label, at)
        fields = change_fields(
            proposal,
            action="override",
            previous_state=proposal.state,
            actor=actor.label,
            reason=item.reason,
            at=at,
        )
        uow.publish(
            proposal_event(
                "proposal.rule-overridden", proposal, contracts.RuleOverridden(**fields, rule=item.rule)
            )
        )
        records.append(
            audit_record(actor.label, "override", proposal, {"rule": item.rule, "reason": item.reason})
        )
    return records


@dataclass
class StepSink:
    """What the steps of a round write besides the proposals themselves, gathered and written in bulk at the
    end (the round is one transaction either way; a refused proposal adds nothing)."""

    check_runs: list[tuple[UUID, UUID, str, Report]] = field(default_factory=list)
    transitions: list[tuple[UUID, Transition, str, UUID | None]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)

    async def flush(self, connection: AsyncConnection, at: datetime) -> None:
        repository = ProposalRepository(connection)
        by_trigger: dict[str, list[tuple[UUID, UUID, Report]]] = {}
        for run_id, proposal_id, trigger, report in self.check_runs:
            by_trigger.setdefault(trigger, []).append((run_id, proposal_id, report))
        for trigger, runs in by_trigger.items():
            await repository.add_check_runs(
                [(p, r) for _, p, r in runs], trigger, at, ids=[run_id for run_id, _, _ in runs]
            )
        await repository.add_transitions(self.transitions)
        await audit_log.append(connection, self.audit, at=at)


async def apply_step(
    uow: UnitOfWork,
    proposal: Proposal,
    actor: Actor,
    action: Action,
    *,
    reason: str | None,
    reason_code: str | None = None,
    reason_params: dict[str, str] | None = None,
    overrides: Sequence[OverrideIn] = (),
    at: datetime,
    policies: eligibility.PolicyCache | None = None,
    reader: FactsReader | None = None,
    decree_revoked: bool = False,
    sink: StepSink | None = None,
    on_behalf: OnBehalf | None = None,
) -> Transition:
    """Take one workflow step on a loaded proposal, inside the caller's transaction: authorise, check the
    state, re-run the checks before a decision (a blocking failure refuses it), save, record, publish.
    `on_behalf`: the step records another's act the actor entered for them (a decree's signatory)."""
    connection = uow.connection
    proposal.authorise(actor, action)
    proposal.check_state(action)
    expected = proposal.version
    audit = await _record_overrides(uow, proposal, actor, overrides, at)
    run_id: UUID | None = None
    check_run: tuple[UUID, UUID, str, Report] | None = None
    check_data: dict[str, Any] = {}
    if action in DECISIONS:
        whole = _needs_whole_file(proposal, action)
        if whole is not None:
            missing = await missing_for(connection, proposal, whole=whole)
            if missing:
                raise Conflict(
                    "the file is incomplete: return it for completion",
                    code="file-incomplete",
                    errors=[_bad("documents", "missing", kind) for kind in missing],
                )
        report = await eligibility.evaluate(connection, proposal, at=at, policies=policies, reader=reader)
        if report.blocking_failures:
            raise Conflict(
                f"{len(report.blocking_failures)} eligibility check(s) failed; an approver may override them "
                "with a reason",
                code="checks-failed",
                errors=[_bad(r.rule, r.reason, r.regulation) for r in report.blocking_failures],
            )
        run_id = uuid4()
        check_run = (run_id, proposal.id, action.value, report)
        check_data = {
            "check_outcome": report.outcome.value,
            "policy": [report.policy_agency_code, report.policy_version],
            "results": {r.rule: r.outcome.value for r in report.results},
        }
    policy = await (policies or eligibility.PolicyCache()).get(connection, proposal.target.agency_code)
    missing_now = await missing_for(connection, proposal, whole=False) if action is Action.RETURN else []
    happened = proposal.transition(
        action,
        actor,
        at=at,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        sla_days=policy.sla_days,
        decree_revoked=decree_revoked,
        on_behalf=on_behalf,
    )
    repository = ProposalRepository(connection)
    await repository.save(proposal, expected_version=expected)
    fields = change_fields(
        proposal, action=action, previous_state=happened.from_state, actor=actor.label, reason=reason, at=at
    )
    if action is Action.SUBMIT:
        uow.publish(proposal_event("proposal.submitted", proposal, contracts.ProposalSubmitted(**fields)))
    elif action in (Action.VERIFY, Action.RELEASE, Action.ACCEPT, Action.REVIEW):
        notes = overrides_note(await repository.overrides_of(proposal.id))
        uow.publish(
            proposal_event(
                "proposal.step-approved",
                proposal,
                contracts.ProposalStepApproved(**fields, step=action.value, overrides=notes),
            )
        )
    elif action is Action.RETURN:
        uow.publish(
            proposal_event(
                "proposal.returned",
                proposal,
                contracts.ProposalReturned(**fields, missing_documents=missing_now),
            )
        )
    elif action is Action.REJECT:
        uow.publish(proposal_event("proposal.rejected", proposal, contracts.ProposalRejected(**fields)))
    elif action is Action.WITHDRAW:
        uow.publish(proposal_event("proposal.withdrawn", proposal, contracts.ProposalWithdrawn(**fields)))
    elif action is Action.CANCEL:
        uow.publish(proposal_event("proposal.cancelled", proposal, contracts.ProposalCancelled(**fields)))
    audit.append(
        audit_record(
            actor.label,
            action.value,
            proposal,
            {
                "from": happened.from_state.value,
                "to": happened.to_state.value,
                "reason": reason,
                **check_data,
                **on_behalf_data(on_behalf),
            },
        )
    )
    own = sink or StepSink()
    if check_run is not None:
        own.check_runs.append(check_run)
    own.transitions.append((proposal.id, happened, roles_of(actor), run_id))
    own.audit += audit
    if sink is None:
        await own.flush(connection, at)
    return happened


async def take_step(
    uow: UnitOfWork,
    principal: Principal,
    proposal_id: UUID,
    action: Action,
    *,
    reason: str | None,
    overrides: Sequence[OverrideIn] = (),
    expected_version: int,
) -> Proposal:
    """A person's workflow step on one proposal (the decree and the platform's own steps have their own
    use cases)."""
    if action in PLATFORM_ACTIONS or action in (Action.PROPOSE, Action.RETRY):
        raise InvalidInput(
            f"{action.value} is not a step a person takes here",
            errors=[_bad("action", "not allowed", action.value)],
        )
    if action is Action.ISSUE_DECREE:
        raise InvalidInput(
            "a decree is issued with POST /api/v1/mutations/{id}/decree, which takes its TMT and signatory",
            errors=[_bad("action", "use the decree route", action.value)],
        )
    actor = actor_of(principal)
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    check_version(proposal.version, expected_version, f"proposal {proposal_id}")
    await apply_step(uow, proposal, actor, action, reason=reason, overrides=overrides, at=now())
    await uow.commit()
    return proposal


@dataclass(frozen=True)
class StepOutcome:
    proposal_id: UUID
    nip: str
    ok: bool
    state: str
    problem: str | None = None


async def take_round_step(
    uow: UnitOfWork, principal: Principal, round_id: UUID, action: Action, *, reason: str | None
) -> list[StepOutcome]:
    """The same step on every proposal of a round that is waiting for it; a proposal whose checks, file or
    state refuse the step is reported and left as it was (one savepoint each). A caller whom no proposal of
    the round is given to take the step on is refused outright."""
    if action in PLATFORM_ACTIONS or action in (Action.PROPOSE, Action.ISSUE_DECREE, Action.RETRY):
        raise InvalidInput(
            f"{action.value} cannot be taken on a whole round", errors=[_bad("action", "not allowed")]
        )
    actor, at = actor_of(principal), now()
    repository = ProposalRepository(uow.connection)
    if await repository.get_round(round_id) is None:
        raise NotFound(f"no mutation round {round_id}")
    outcomes = []
    authorised = False
    refusal_of_the_caller: Forbidden | None = None
    policies, reader, sink = eligibility.PolicyCache(), FactsReader(uow.connection), StepSink()
    after = None
    while True:
        page = await repository.search(ProposalFilter(round_id=round_id), limit=500, after=after)
        for proposal in page:
            if not proposal.authorise_view(actor):
                continue
            try:
                async with uow.connection.begin_nested():
                    await apply_step(
                        uow,
                        proposal,
                        actor,
                        action,
                        reason=reason,
                        at=at,
                        policies=policies,
                        reader=reader,
                        sink=sink,
                    )
                authorised = True
                outcomes.append(StepOutcome(proposal.id, proposal.nip, True, proposal.state.value))
            except (Conflict, Forbidden, InvalidInput) as refusal:
                if isinstance(refusal, Forbidden):
                    refusal_of_the_caller = refusal_of_the_caller or refusal
                else:
                    authorised = True
                fresh = await repository.get(proposal.id)
                state = fresh.state.value if fresh else proposal.state.value
                outcomes.append(StepOutcome(proposal.id, proposal.nip, False, state, refusal.detail))
        if len(page) < 500:
            break
        after = (page[-1].created_at, page[-1].id)
    if not authorised:
        raise refusal_of_the_caller or Forbidden(
            f"the proposals of mutation round {round_id} are outside your agencies", code="agency-scope"
        )
    await sink.flush(uow.connection, at)
    await uow.commit()
    return outcomes


async def record_override(
    uow: UnitOfWork, principal: Principal, proposal_id: UUID, item: OverrideIn, *, expected_version: int
) -> Proposal:
    """An approver overrides a failed check ahead of the decision, with a reason; the checks run again."""
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    check_version(proposal.version, expected_version, f"proposal {proposal_id}")
    records = await _record_overrides(uow, proposal, actor, [item], at)
    await eligibility.check(uow.connection, proposal, trigger="override", at=at)
    proposal.version += 1
    proposal.updated_at = at
    await ProposalRepository(uow.connection).save(proposal, expected_version=expected_version)
    await audit_log.append(uow.connection, records, at=at)
    await uow.commit()
    return proposal


async def recheck(uow: UnitOfWork, principal: Principal, proposal_id: UUID) -> Proposal:
    """Run the checks again now (the data they read may have changed since): the staff who handle the file
    do, not the employee, a supervisor, an agency's system or an auditor (who changes nothing)."""
    principal.require_role(*_STAFF)
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    expected = proposal.version
    await eligibility.check(uow.connection, proposal, trigger="recheck", at=at)
    proposal.version += 1
    proposal.updated_at = at
    await ProposalRepository(uow.connection).save(proposal, expected_version=expected)
    await uow.commit()
    return proposal


# --- the employee's voice ---------------------------------------------------------------------------------


async def respond(
    uow: UnitOfWork, principal: Principal, proposal_id: UUID, response: str, reason: str | None
) -> tuple[Proposal, UUID]:
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    if response == "objected" and not reason:
        raise InvalidInput("an objection needs a reason", errors=[_bad("reason", "required")])
    expected = proposal.version
    proposal.respond(actor, response, at=at)
    repository = ProposalRepository(uow.connection)
    await repository.save(proposal, expected_version=expected)
    response_id = await repository.add_response(proposal.id, proposal.nip, response, reason, at)
    fields = change_fields(
        proposal, action="respond", previous_state=proposal.state, actor=actor.label, reason=reason, at=at
    )
    uow.publish(
        proposal_event(
            "proposal.employee-responded",
            proposal,
            contracts.EmployeeResponded(**fields, response=response, response_id=str(response_id)),  # type: ignore[arg-type]
        )
    )
    await audit_log.append(
        uow.connection,
        [audit_record(actor.label, f"employee.{response}", proposal, {"reason": reason})],
        at=at,
    )
    await uow.commit()
    return proposal, response_id


async def answer_objection(
    uow: UnitOfWork, principal: Principal, proposal_id: UUID, response_id: UUID, decision: str, note: str
) -> Proposal:
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    repository = ProposalRepository(uow.connection)
    found = await repository.get_response(response_id)
    if found is None or found["proposal_id"] != proposal.id:
        raise NotFound(f"no response {response_id} on proposal {proposal_id}")
    if found["state"] != "open":
        raise Conflict("this objection is already answered", code="already-answered")
    expected, before = proposal.version, proposal.state
    happened = proposal.answer_objection(actor, decision, at=at, note=note)
    await repository.save(proposal, expected_version=expected)
    await repository.answer_response(response_id, decision, note, actor.label, at)
    if happened is not None:
        await repository.add_transitions([(proposal.id, happened, roles_of(actor), None)])
    fields = change_fields(
        proposal, action="answer_objection", previous_state=before, actor=actor.label, reason=note, at=at
    )
    uow.publish(
        proposal_event(
            "proposal.objection-answered",
            proposal,
            contracts.ObjectionAnswered(**fields, response_id=str(response_id), decision=decision),  # type: ignore[arg-type]
        )
    )
    if happened is not None:
        uow.publish(proposal_event("proposal.rejected", proposal, contracts.ProposalRejected(**fields)))
    await audit_log.append(
        uow.connection,
        [
            audit_record(
                actor.label,
                f"objection.{decision}",
                proposal,
                {"response_id": str(response_id), "note": note},
            )
        ],
        at=at,
    )
    await uow.commit()
    return proposal


# --- reading ----------------------------------------------------------------------------------------------


async def search(
    connection: AsyncConnection,
    actor: Actor,
    where: ProposalFilter,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[Proposal]:
    """An employee without a staff role sees only their own proposals; staff see their agencies'."""
    if not (actor.roles - {"employee"}) and not actor.system:
        if actor.nip is None:
            return []
        where = ProposalFilter(**{**where.__dict__, "nip": actor.nip, "agencies": None})
    else:
        where = ProposalFilter(**{**where.__dict__, "agencies": actor.agencies})
    return await ProposalRepository(connection).search(where, limit=limit, after=after)


@dataclass(frozen=True)
class Explanation:
    proposal: Proposal
    checks: list[Any]
    check_runs: list[Any]
    transitions: list[Any]
    overrides: list[Any]
    responses: list[Any]
    missing_documents: list[str]


async def explain(connection: AsyncConnection, actor: Actor, proposal_id: UUID) -> Explanation:
    """Every decision of a proposal with its reasons: the latest checks (rule, regulation, data), each step
    with who took it, when, why and the checks at that moment, overrides, the employee's responses, and the
    placement plan's own explanation when the proposal came from one."""
    proposal = await get_proposal(connection, proposal_id, actor)
    repository = ProposalRepository(connection)
    latest = await repository.latest_check_run(proposal_id)
    return Explanation(
        proposal=proposal,
        checks=list(latest["results"]) if latest else [],
        check_runs=await repository.check_runs_of(proposal_id),
        transitions=await repository.transitions_of(proposal_id),
        overrides=await repository.overrides_of(proposal_id),
        responses=await repository.responses_of(proposal_id),
        missing_documents=await missing_for(
            connection, proposal, whole=is_cross_agency(proposal.mutation_type)
        ),
    )


async def open_objections(connection: AsyncConnection, actor: Actor, limit: int) -> list[Any]:
    if not actor.has_role("approver", "admin"):
        raise Forbidden("objections are listed for approvers", code="role-required")
    return await ProposalRepository(connection).open_objections(actor.agencies, limit)
