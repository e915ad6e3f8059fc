"""The mutation proposal and its state machine: which step comes next for each mutation type, who (role and
agency) may take it, and what every transition records. Pure Python: no I/O, no framework.

    draft -> submitted -> verified (agency HR) -> origin release -> destination acceptance
          -> technical consideration (BKN, cross-agency types) -> decree issued -> effective -> completed
    side exits: returned (incomplete file, back to the proposer), rejected, withdrawn, cancelled, failed
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.mutation.domain.mutation_types import AUTHORITIES, MutationType
from shared.errors import Conflict, FieldProblem, Forbidden, InvalidInput


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VERIFIED = "verified"
    ORIGIN_RELEASED = "origin_released"
    DESTINATION_ACCEPTED = "destination_accepted"
    TECHNICALLY_REVIEWED = "technically_reviewed"
    DECREE_ISSUED = "decree_issued"
    EFFECTIVE = "effective"
    COMPLETED = "completed"
    FAILED = "failed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset({State.COMPLETED, State.REJECTED, State.WITHDRAWN, State.CANCELLED})
# A person with an open proposal is not proposed again until it ends.
OPEN_STATES = frozenset(State) - FINAL_STATES
# A complete, verified file waits for its decision here: the SLA clock runs (DOMAIN.md: 15 days).
UNDER_DECISION = frozenset(
    {State.VERIFIED, State.ORIGIN_RELEASED, State.DESTINATION_ACCEPTED, State.TECHNICALLY_REVIEWED}
)
BEFORE_DECREE = frozenset({State.DRAFT, State.SUBMITTED, State.RETURNED} | UNDER_DECISION)
# Proposals that will bring someone into their target position (or take someone out of their origin).
IN_FLIGHT = frozenset(UNDER_DECISION | {State.DECREE_ISSUED, State.EFFECTIVE})


class Initiator(StrEnum):
    AGENCY = "agency"
    SELF_REQUEST = "self_request"
    PLACEMENT_PLAN = "placement_plan"


class Action(StrEnum):
    PROPOSE = "propose"
    SUBMIT = "submit"
    RETURN = "return"
    VERIFY = "verify"
    RELEASE = "release"
    ACCEPT = "accept"
    REVIEW = "review"
    ISSUE_DECREE = "issue_decree"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    CANCEL = "cancel"
    MAKE_EFFECTIVE = "make_effective"
    COMPLETE = "complete"
    FAIL = "fail"
    RETRY = "retry"


# Decisions re-run the eligibility checks first; a blocking failure refuses them.
DECISIONS = frozenset({Action.VERIFY, Action.RELEASE, Action.ACCEPT, Action.REVIEW, Action.ISSUE_DECREE})
# The platform's own steps (scheduler, saga); no person takes them.
PLATFORM_ACTIONS = frozenset({Action.MAKE_EFFECTIVE, Action.COMPLETE, Action.FAIL})
# Approvers decide these; an employee's open objection must be answered first.
APPROVALS = frozenset({Action.RELEASE, Action.ACCEPT, Action.REVIEW, Action.ISSUE_DECREE})

HR_OFFICER, APPROVER, BKN_REVIEWER, ADMIN, EMPLOYEE, AUDITOR = (
    "hr_officer",
    "approver",
    "bkn_reviewer",
    "admin",
    "employee",
    "auditor",
)


class Side(StrEnum):
    ORIGIN = "origin"
    DESTINATION = "destination"
    DECIDER = "decider"


@dataclass(frozen=True)
class Step:
    action: Action
    reaches: State
    role: str
    side: Side


_VERIFY = Step(Action.VERIFY, State.VERIFIED, HR_OFFICER, Side.DESTINATION)
_RELEASE = Step(Action.RELEASE, State.ORIGIN_RELEASED, APPROVER, Side.ORIGIN)
_ACCEPT = Step(Action.ACCEPT, State.DESTINATION_ACCEPTED, APPROVER, Side.DESTINATION)
_REVIEW = Step(Action.REVIEW, State.TECHNICALLY_REVIEWED, BKN_REVIEWER, Side.DESTINATION)
_ISSUE = Step(Action.ISSUE_DECREE, State.DECREE_ISSUED, APPROVER, Side.DECIDER)


def steps_of(mutation_type: MutationType) -> tuple[Step, ...]:
    """The approval steps of a type: within one agency its PPK accepts and decrees; across agencies the
    origin releases, the destination accepts, BKN gives its technical consideration, the official decrees."""
    if mutation_type is MutationType.WITHIN_AGENCY:
        return (_VERIFY, _ACCEPT, _ISSUE)
    assert AUTHORITIES[mutation_type].needs_technical_consideration
    return (_VERIFY, _RELEASE, _ACCEPT, _REVIEW, _ISSUE)


@dataclass(frozen=True)
class Actor:
    """Who acts: the principal forwarded by the gateway, or the platform itself (scheduler, saga)."""

    subject: str
    roles: frozenset[str]
    agencies: frozenset[str] | None = frozenset()
    nip: str | None = None
    system: bool = False

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def covers(self, agency_code: str | None) -> bool:
        return self.agencies is None or (agency_code is not None and agency_code in self.agencies)

    def acts_as(self, role: str, agency_code: str | None) -> bool:
        return self.has_role(role) and self.covers(agency_code)

    @property
    def label(self) -> str:
        return self.subject


PLATFORM = Actor("system", frozenset({ADMIN}), None, system=True)


ON_BEHALF_REASON = "on_behalf_reason"


@dataclass(frozen=True)
class OnBehalf:
    """An act the actor entered for the person whose act it is (`of`: an employee's NIP, or a decree's
    signatory as the decree names them), and why. Both are recorded; nobody acts as another silently."""

    of: str
    reason: str


def entered_for_nobody(reason: str | None) -> None:
    """The caller's own act (or their agency's) is entered for nobody: a reason for doing so misleads."""
    if reason is not None:
        raise InvalidInput(
            "you act as yourself: there is no one to enter this for",
            errors=[FieldProblem(field=ON_BEHALF_REASON, message="only when entering it for someone else")],
        )


def acting_for(
    field: str, of: str, reason: str | None, *, acting_themself: bool, why_not: str
) -> OnBehalf | None:
    """Who acts when a request names whose act it is (`field`): the caller themself (then there is no one
    to enter it for), or the caller entering it for `of`, which needs the reason (`why_not` says why the
    caller is not that person)."""
    if acting_themself:
        entered_for_nobody(reason)
        return None
    if reason is None:
        raise Forbidden(
            f"{why_not}: entering it for them needs {ON_BEHALF_REASON}",
            code="acting-as-someone-else",
            errors=[
                FieldProblem(
                    field=field, message=f"is not you; to enter it for them, give {ON_BEHALF_REASON}"
                ),
                FieldProblem(field=ON_BEHALF_REASON, message="required to enter it for someone else"),
            ],
        )
    return OnBehalf(of, reason)


def authorise_proposer(
    actor: Actor, initiator: Initiator, nip: str, *, on_behalf_reason: str | None = None
) -> OnBehalf | None:
    """The role a proposal needs, before anything it names is looked at, and whom the caller enters it for.
    An HR officer or the administration proposes: the agency's own act. A self-requested move is the
    employee's: they file it themself, or an HR officer of either agency enters it for them from their
    letter (Peraturan BKN 5/2019 Pasal 3: the person's own letter is in the file), saying why."""
    if initiator is Initiator.SELF_REQUEST:
        if actor.nip != nip and not actor.has_role(HR_OFFICER):
            raise Forbidden(
                f"a self-requested move is {nip}'s own: filed by them, or for them by an HR officer",
                code="acting-as-someone-else",
                errors=[FieldProblem(field="nip", message="is not you: you cannot ask for their move")],
            )
        return acting_for(
            "nip",
            nip,
            on_behalf_reason,
            acting_themself=actor.nip == nip,
            why_not=f"you are not {nip}, whose own request this is",
        )
    if not actor.has_role(HR_OFFICER, ADMIN):
        raise Forbidden("proposing a mutation needs the role hr_officer", code="role-required")
    entered_for_nobody(on_behalf_reason)
    return None


@dataclass(frozen=True)
class Placement:
    agency_code: str
    unit_id: str | None
    position_id: str | None


@dataclass(frozen=True)
class Transition:
    action: Action
    from_state: State
    to_state: State
    actor: str
    at: datetime
    reason: str | None  # in the words of the person who acted
    # What the platform says when it acts or records another's words: a code with parameters, which the
    # app words in the reader's language (`reason_codes` in its catalogue).
    reason_code: str | None = None
    reason_params: Mapping[str, str] = field(default_factory=dict)
    on_behalf: OnBehalf | None = None  # the actor entered the step for the person whose act it is


@dataclass
class Proposal:
    id: UUID
    nip: str
    employee_name: str
    mutation_type: MutationType
    initiator: Initiator
    origin: Placement
    target: Placement
    target_province_code: str | None
    reason: str
    created_at: datetime
    created_by: str
    organisational_reason: str | None = None
    proposed_tmt: date | None = None
    state: State = State.DRAFT
    round_id: UUID | None = None
    plan_ref: str | None = None
    explanation: dict[str, Any] | None = None
    submitted_at: datetime | None = None
    verified_at: datetime | None = None
    due_at: datetime | None = None
    decided_at: datetime | None = None
    tmt: date | None = None
    decree_id: UUID | None = None
    decree_number: str | None = None
    failure_reason: str | None = None
    employee_response: str | None = None
    open_objections: int = 0
    check_outcome: str | None = None
    policy_agency_code: str | None = None
    policy_version: int | None = None
    on_behalf_reason: str | None = None  # an HR officer (created_by) filed the employee's own request: why
    version: int = 1
    updated_at: datetime | None = None
    events: list[Transition] = field(default_factory=list)

    @property
    def self_requested(self) -> bool:
        return self.initiator is Initiator.SELF_REQUEST

    @property
    def on_behalf(self) -> OnBehalf | None:
        """The employee's own request, when someone else (`created_by`) filed it for them."""
        return None if self.on_behalf_reason is None else OnBehalf(self.nip, self.on_behalf_reason)

    @property
    def steps(self) -> tuple[Step, ...]:
        return steps_of(self.mutation_type)

    def next_step(self) -> Step | None:
        """The approval step that comes next, if the proposal is in its approval flow."""
        steps = self.steps
        if self.state is State.SUBMITTED:
            return steps[0]
        for i, step in enumerate(steps[:-1]):
            if step.reaches is self.state:
                return steps[i + 1]
        return None

    def overdue(self, now: datetime) -> bool:
        return self.state in UNDER_DECISION and self.due_at is not None and self.due_at < now

    # --- who may act ---------------------------------------------------------------------------------------

    def deciders(self) -> tuple[tuple[str, str | None], ...]:
        """(role, agency) pairs that may issue the decree: the PPK within an agency, the Gubernur's office for
        a move inside a province, national administration (Mendagri, BKN) for the rest."""
        if self.mutation_type is MutationType.WITHIN_AGENCY:
            return ((APPROVER, self.target.agency_code),)
        if self.mutation_type is MutationType.BETWEEN_REGENCIES_IN_PROVINCE:
            return ((APPROVER, self.target_province_code), (ADMIN, self.target_province_code))
        return ((ADMIN, self.target.agency_code),)

    def _side_agency(self, side: Side) -> str:
        return self.origin.agency_code if side is Side.ORIGIN else self.target.agency_code

    def may_take_step(self, actor: Actor, step: Step) -> bool:
        if step.side is Side.DECIDER:
            return any(actor.acts_as(role, agency) for role, agency in self.deciders())
        return actor.acts_as(step.role, self._side_agency(step.side))

    def _require_step(self, actor: Actor, step: Step) -> None:
        if self.may_take_step(actor, step):
            return
        if step.side is Side.DECIDER:
            wanted = " or ".join(
                f"{role} of {agency or 'national administration'}" for role, agency in self.deciders()
            )
            raise Forbidden(
                f"the decree of a {self.mutation_type.value} mutation is issued by {wanted} "
                f"({AUTHORITIES[self.mutation_type].deciding_official})",
                code="role-required",
            )
        agency = self._side_agency(step.side)
        if not actor.has_role(step.role):
            raise Forbidden(f"{step.action.value} needs the role {step.role}", code="role-required")
        raise Forbidden(f"{step.action.value} is for the {step.role} of agency {agency}", code="agency-scope")

    def _is_proposer(self, actor: Actor) -> bool:
        if self.self_requested and actor.nip == self.nip:
            return True
        return actor.acts_as(HR_OFFICER, self.target.agency_code) or actor.acts_as(
            HR_OFFICER, self.origin.agency_code
        )

    def _is_party_approver(self, actor: Actor) -> bool:
        return (
            actor.acts_as(APPROVER, self.origin.agency_code)
            or actor.acts_as(APPROVER, self.target.agency_code)
            or actor.acts_as(ADMIN, self.target.agency_code)
        )

    def authorise(self, actor: Actor, action: Action) -> None:
        """Raise Forbidden unless `actor` may take `action` now (roles and agencies; the state is checked
        separately so a caller learns first whether the action is theirs at all)."""
        if action in PLATFORM_ACTIONS:
            if not actor.system:
                raise Forbidden(f"{action.value} is taken by the platform itself", code="platform-action")
            return
        if action in (Action.SUBMIT, Action.WITHDRAW):
            if not self._is_proposer(actor):
                who = "the employee or an HR officer" if self.self_requested else "an HR officer"
                raise Forbidden(
                    f"{action.value} is for {who} of {self.target.agency_code} or {self.origin.agency_code}",
                    code="role-required" if not actor.has_role(HR_OFFICER, EMPLOYEE) else "agency-scope",
                )
            return
        if action is Action.RETURN:
            step = self.next_step()
            if actor.acts_as(HR_OFFICER, self.target.agency_code) or (
                step and self.may_take_step(actor, step)
            ):
                return
            raise Forbidden(
                "only the verifying HR officer or the approver of the pending step may return the file"
            )
        if action is Action.REJECT:
            step = self.next_step()
            if self._is_party_approver(actor) or (
                step is not None and step.action is not Action.VERIFY and self.may_take_step(actor, step)
            ):
                return
            raise Forbidden("a proposal is rejected by an approver of the origin or destination agency")
        if action in (Action.CANCEL, Action.RETRY):
            if actor.acts_as(APPROVER, self.target.agency_code) or actor.acts_as(
                ADMIN, self.target.agency_code
            ):
                return
            if action is Action.RETRY and actor.acts_as(HR_OFFICER, self.target.agency_code):
                return
            raise Forbidden(
                f"{action.value} is for the approver or administrator of {self.target.agency_code}"
            )
        step = next((s for s in self.steps if s.action is action), None)
        if step is None:
            raise Conflict(
                f"a {self.mutation_type.value} mutation has no {action.value} step", code="invalid-transition"
            )
        self._require_step(actor, step)

    def authorise_decree(self, actor: Actor) -> None:
        """Amending or revoking a decree is for whoever may issue it."""
        self._require_step(actor, _ISSUE)

    def authorise_override(self, actor: Actor) -> None:
        """Overriding a failed check is the approver's call (ARCHITECTURE.md §6), never the HR officer's."""
        if not self._is_party_approver(actor):
            raise Forbidden(
                "overriding a failed check needs the approver role of the origin or destination agency",
                code="role-required",
            )
        if self.state not in BEFORE_DECREE:
            raise Conflict(
                f"the proposal is {self.state.value}; its checks are settled", code="invalid-transition"
            )

    def authorise_view(self, actor: Actor) -> bool:
        if actor.nip == self.nip or actor.system:
            return True
        if any(actor.acts_as(role, agency) for role, agency in self.deciders()):
            return True
        staff = actor.roles - {EMPLOYEE}
        return bool(staff) and (
            actor.covers(self.origin.agency_code) or actor.covers(self.target.agency_code)
        )

    # --- transitions ---------------------------------------------------------------------------------------

    def _allowed_from(self, action: Action) -> frozenset[State]:
        if action is Action.SUBMIT:
            return frozenset({State.DRAFT, State.RETURNED})
        if action is Action.RETURN:
            return frozenset({State.SUBMITTED} | UNDER_DECISION)
        if action is Action.REJECT:
            return frozenset({State.SUBMITTED} | UNDER_DECISION)
        if action is Action.WITHDRAW:
            return BEFORE_DECREE
        if action is Action.CANCEL:
            return frozenset(BEFORE_DECREE | {State.DECREE_ISSUED, State.FAILED})
        if action is Action.MAKE_EFFECTIVE:
            return frozenset({State.DECREE_ISSUED})
        if action is Action.RETRY:
            return frozenset({State.FAILED})
        if action in (Action.COMPLETE, Action.FAIL):
            return frozenset({State.EFFECTIVE})
        step = self.next_step()
        return frozenset({self.state}) if step is not None and step.action is action else frozenset()

    def _target_state(self, action: Action) -> State:
        fixed = {
            Action.SUBMIT: State.SUBMITTED,
            Action.RETURN: State.RETURNED,
            Action.REJECT: State.REJECTED,
            Action.WITHDRAW: State.WITHDRAWN,
            Action.CANCEL: State.CANCELLED,
            Action.MAKE_EFFECTIVE: State.EFFECTIVE,
            Action.RETRY: State.EFFECTIVE,
            Action.COMPLETE: State.COMPLETED,
            Action.FAIL: State.FAILED,
        }
        if action in fixed:
            return fixed[action]
        step = self.next_step()
        assert step is not None
        return step.reaches

    def check_state(self, action: Action) -> None:
        if self.state not in self._allowed_from(action):
            step = self.next_step()
            expected = f"; the next step is {step.action.value}" if step else ""
            raise Conflict(
                f"cannot {action.value} a proposal that is {self.state.value}{expected}",
                code="invalid-transition",
            )

    def transition(
        self,
        action: Action,
        actor: Actor,
        *,
        at: datetime,
        reason: str | None = None,
        reason_code: str | None = None,
        reason_params: Mapping[str, str] | None = None,
        sla_days: int = 15,
        decree_revoked: bool = False,
        on_behalf: OnBehalf | None = None,
    ) -> Transition:
        """Take `action`: checks the actor, then the state, then applies it and returns what happened."""
        self.authorise(actor, action)
        self.check_state(action)
        if action in (Action.RETURN, Action.REJECT, Action.WITHDRAW, Action.CANCEL, Action.FAIL) and not (
            reason or reason_code
        ):
            raise Conflict(f"{action.value} needs a reason", code="reason-required")
        if action is Action.CANCEL and self.state is State.DECREE_ISSUED and not decree_revoked:
            raise Conflict(
                "the decree is issued: revoke the decree to cancel the mutation", code="decree-in-force"
            )
        if action in APPROVALS and self.open_objections:
            raise Conflict(
                "the employee's objection must be answered before this decision", code="objection-open"
            )
        before = self.state
        self.state = self._target_state(action)
        if action is Action.SUBMIT:
            self.submitted_at = at
        elif action is Action.VERIFY:
            self.verified_at, self.due_at = at, at + timedelta(days=sla_days)
        elif action is Action.RETURN:
            self.verified_at = self.due_at = None
        elif action in (Action.ISSUE_DECREE, Action.REJECT):
            self.decided_at = at
        elif action is Action.FAIL:
            self.failure_reason = reason or (reason_params or {}).get("detail") or reason_code
        elif action is Action.RETRY:
            self.failure_reason = None
        happened = Transition(
            action,
            before,
            self.state,
            actor.label,
            at,
            reason,
            reason_code,
            dict(reason_params or {}),
            on_behalf,
        )
        self.version += 1
        self.updated_at = at
        self.events.append(happened)
        return happened

    def within_proposer_scope(self, actor: Actor) -> bool:
        """Whether the proposal lies inside the agencies of the proposer `actor` (whose role
        `authorise_proposer` checked). The receiving agency proposes, naming its position (Peraturan BKN
        5/2019 Pasal 3), for a person of any agency: the target must be the actor's, the origin need not. An
        employee's own request may name any position; an HR officer files one for a person of their agency
        or into a position of it."""
        if self.initiator is Initiator.SELF_REQUEST:
            return (
                actor.nip == self.nip
                or actor.covers(self.origin.agency_code)
                or actor.covers(self.target.agency_code)
            )
        return actor.covers(self.target.agency_code)

    # --- the employee's voice ------------------------------------------------------------------------------

    def respond(self, actor: Actor, response: str, *, at: datetime) -> None:
        """The employee accepts or objects (PP 11/2017: the move must be visible to the person it moves)."""
        if actor.nip != self.nip:
            raise Forbidden(
                "accepting or objecting is the employee's own answer: nobody gives it for them",
                code="acting-as-someone-else",
            )
        if self.self_requested:
            raise Conflict("the employee asked for this move; withdraw it instead", code="self-requested")
        if self.state not in ({State.SUBMITTED} | UNDER_DECISION):
            raise Conflict(
                f"the proposal is {self.state.value}: no response is taken now", code="invalid-transition"
            )
        if self.employee_response == response == "accepted":
            raise Conflict("the employee has already accepted", code="already-responded")
        self.employee_response = response
        if response == "objected":
            self.open_objections += 1
        self.version += 1
        self.updated_at = at

    def answer_objection(self, actor: Actor, decision: str, *, at: datetime, note: str) -> Transition | None:
        """An approver answers an objection: upheld rejects the proposal, dismissed lets it go on."""
        if not self._is_party_approver(actor):
            raise Forbidden("objections are answered by an approver of the origin or destination agency")
        if self.open_objections < 1:
            raise Conflict("the proposal has no open objection", code="no-objection")
        self.open_objections -= 1
        if decision == "upheld" and self.state not in FINAL_STATES:
            before = self.state
            self.state, self.decided_at = State.REJECTED, at
            happened = Transition(
                Action.REJECT,
                before,
                self.state,
                actor.label,
                at,
                note,
                reason_code="objection-upheld",
            )
            self.version += 1
            self.updated_at = at
            self.events.append(happened)
            return happened
        self.version += 1
        self.updated_at = at
        return None

    def available_actions(self, actor: Actor) -> list[Action]:
        """What `actor` can do now (for the UI's buttons)."""
        found: list[Action] = []
        for action in Action:
            if action in PLATFORM_ACTIONS or action is Action.PROPOSE:
                continue
            try:
                self.authorise(actor, action)
                self.check_state(action)
            except (Forbidden, Conflict):
                continue
            if action is Action.CANCEL and self.state is State.DECREE_ISSUED:
                continue
            found.append(action)
        return found
