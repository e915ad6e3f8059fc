"""What the mutation use cases share: who acts, the events a proposal change publishes, whom to notify,
and the audit record of a decision."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.mutation.domain.workflow import (
    APPROVER,
    BKN_REVIEWER,
    EMPLOYEE,
    HR_OFFICER,
    Action,
    Actor,
    OnBehalf,
    Proposal,
    State,
)
from shared import clock
from shared.contracts import mutation as contracts
from shared.events.envelope import CloudEvent, new_event
from shared.principal import Principal


def now() -> datetime:
    return clock.now()


def actor_of(principal: Principal) -> Actor:
    return Actor(
        subject=principal.subject,
        roles=frozenset(str(role) for role in principal.roles),
        agencies=principal.agencies,
        nip=principal.nip,
        system=principal.subject.startswith("system"),
    )


def roles_of(actor: Actor) -> str:
    return ",".join(sorted(actor.roles))[:200]


def recipients(proposal: Proposal, state: State) -> list[contracts.Recipient]:
    """The employee always hears of their proposal (once it left the draft); the agencies' HR units and
    approvers hear of every step; BKN reviewers when the technical consideration is theirs to give."""
    found = []
    if state is not State.DRAFT or proposal.self_requested:
        found.append(contracts.Recipient(role=EMPLOYEE, nip=proposal.nip))
    for agency in dict.fromkeys((proposal.origin.agency_code, proposal.target.agency_code)):
        found.append(contracts.Recipient(role=HR_OFFICER, agency_code=agency))
        found.append(contracts.Recipient(role=APPROVER, agency_code=agency))
    step = proposal.next_step()
    if step is not None and step.role == BKN_REVIEWER:
        found.append(contracts.Recipient(role=BKN_REVIEWER, agency_code=proposal.target.agency_code))
    return found


def change_fields(
    proposal: Proposal,
    *,
    action: Action | str,
    previous_state: State | None,
    actor: str,
    reason: str | None,
    at: datetime,
) -> dict[str, Any]:
    return {
        "mutation_id": str(proposal.id),
        "nip": proposal.nip,
        "employee_name": proposal.employee_name,
        "mutation_type": proposal.mutation_type.value,
        "initiator": proposal.initiator.value,
        "round_id": str(proposal.round_id) if proposal.round_id else None,
        "origin": contracts.PlacementRef(
            agency_code=proposal.origin.agency_code,
            unit_id=proposal.origin.unit_id,
            position_id=proposal.origin.position_id,
        ),
        "target": contracts.PlacementRef(
            agency_code=proposal.target.agency_code,
            unit_id=proposal.target.unit_id,
            position_id=proposal.target.position_id,
        ),
        "action": str(action),
        "previous_state": previous_state.value if previous_state else None,
        "state": proposal.state.value,
        "actor": actor,
        "reason": reason,
        "check_outcome": proposal.check_outcome,
        "at": at,
        "notify": recipients(proposal, proposal.state),
    }


def proposal_event(
    kind: str, proposal: Proposal, data: BaseModel, caused_by: CloudEvent | None = None
) -> CloudEvent:
    """Proposal events are keyed by NIP, like the employee service's, so one person's events stay in order."""
    return new_event(
        f"asn.mutation.{kind}",
        subject=proposal.nip,
        agency=proposal.target.agency_code,
        data=data,
        caused_by=caused_by,
    )


def audit_record(
    actor: str,
    action: str,
    proposal: Proposal,
    data: dict[str, Any],
    *,
    subject_type: str = "proposal",
    subject_id: str | None = None,
) -> dict[str, Any]:
    return {
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id or str(proposal.id),
        "agency_code": proposal.target.agency_code,
        "data": {"nip": proposal.nip, "state": proposal.state.value, **data},
    }


def overrides_note(rows: Sequence[Any]) -> list[contracts.OverrideNote]:
    return [contracts.OverrideNote(rule=r["rule"], reason=r["reason"], approver=r["approver"]) for r in rows]


def on_behalf_data(on_behalf: OnBehalf | None) -> dict[str, Any]:
    """What the audit chain keeps of an act entered for someone: its actor is the one who entered it."""
    return {} if on_behalf is None else {"on_behalf_of": on_behalf.of, "on_behalf_reason": on_behalf.reason}
