"""Events published by the mutation service (topic `asn.mutation.events`).

Every proposal event carries the whole proposal as it is after the change (`ProposalChange`) and `notify`:
whom the gateway should tell (the employee, the HR units and approvers of both agencies, BKN reviewers), so
notifications need no lookup of their own.
"""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class ProposalEffective(BaseModel):
    """A decreed mutation reached its TMT: the employee service moves the person (ARCHITECTURE.md §5)."""

    mutation_id: str
    nip: str
    to_agency_code: str
    to_unit_id: str
    to_position_id: str
    tmt: date = Field(description="effective date from the decree (SK)")
    decree_number: str | None = None
    # Added within version 1 (additive): consumers of the first shape ignore them.
    from_agency_code: str | None = None
    mutation_type: str | None = None
    decree_id: str | None = None
    decree_date: date | None = Field(default=None, description="the day the decree (SK) was signed")


class Recipient(BaseModel):
    """Someone to notify: a person by NIP, or a role within an agency (no agency: national)."""

    role: str = Field(description="employee, hr_officer, approver, bkn_reviewer or admin")
    agency_code: str | None = None
    nip: str | None = None


class PlacementRef(BaseModel):
    agency_code: str
    unit_id: str | None
    position_id: str | None


class ProposalChange(BaseModel):
    """A mutation proposal after one of its changes."""

    mutation_id: str
    nip: str
    employee_name: str
    mutation_type: str = Field(description="one of the six types, derived from the two agencies")
    initiator: str = Field(description="agency, self_request or placement_plan")
    round_id: str | None = None
    origin: PlacementRef
    target: PlacementRef
    action: str = Field(description="the workflow action that made this change")
    previous_state: str | None
    state: str
    actor: str
    reason: str | None = None
    check_outcome: str | None = Field(default=None, description="pass, warn or fail at that moment")
    at: datetime
    notify: list[Recipient] = []


class ProposalProposed(ProposalChange):
    """A mutation proposal was created (by an agency, by the employee, or from a placement plan)."""

    plan_ref: str | None = None


class ProposalSubmitted(ProposalChange):
    """A proposal's file was submitted (or resubmitted after it was returned) for verification."""


class OverrideNote(BaseModel):
    rule: str
    reason: str
    approver: str


class ProposalStepApproved(ProposalChange):
    """An approval step passed: verification, origin release, destination acceptance or BKN review."""

    step: str = Field(description="verify, release, accept or review")
    overrides: list[OverrideNote] = []


class ProposalReturned(ProposalChange):
    """The file was returned to the proposer for completion (an incomplete file is not left waiting)."""

    missing_documents: list[str] = []


class ProposalRejected(ProposalChange):
    """The mutation was refused (by an approver, BKN, or an upheld objection of the employee)."""


class ProposalWithdrawn(ProposalChange):
    """The proposer withdrew the proposal."""


class ProposalCancelled(ProposalChange):
    """The proposal was cancelled (after a decree, only by revoking it)."""


class ProposalCompleted(ProposalChange):
    """The employee service moved the person: the mutation is done."""

    position_changed_event_id: str


class ProposalFailed(ProposalChange):
    """The employee service could not apply the mutation; `reason` says why."""


class RuleOverridden(ProposalChange):
    """An approver overrode a failed eligibility check, with a reason."""

    rule: str


class EmployeeResponded(ProposalChange):
    """The employee accepted the proposed move, or objected to it (objections go to the approver)."""

    response: Literal["accepted", "objected"]
    response_id: str


class ObjectionAnswered(ProposalChange):
    """An approver answered the employee's objection: upheld rejects the proposal, dismissed lets it go on."""

    response_id: str
    decision: Literal["upheld", "dismissed"]


class DecreeChange(BaseModel):
    """A decree (SK) version as issued."""

    decree_id: str
    mutation_id: str
    nip: str
    number: str
    kind: str = Field(description="original, amendment or revocation")
    version: int
    changes_number: str | None = Field(default=None, description="the decree an amendment/revocation changes")
    register_code: str = Field(description="the issuing office whose numbering the decree takes")
    tmt: date
    sha256: str = Field(description="hash of the decree's PDF")
    signatory: str
    issued_by: str
    issued_at: datetime
    notify: list[Recipient] = []


class DecreeIssued(DecreeChange):
    """The mutation decree was issued: the TMT is fixed and the move takes effect on it."""


class DecreeAmended(DecreeChange):
    """A decree was amended by a new decree (e.g. another TMT); the old version is superseded."""


class DecreeRevoked(DecreeChange):
    """A decree was revoked by a new decree; the mutation is cancelled."""


class RoundProposed(BaseModel):
    """A mutation round (a batch of proposals made at once) was created."""

    round_id: str
    name: str
    initiator: str
    plan_ref: str | None = None
    size: int
    mutation_ids: list[str]
    created_by: str
    at: datetime
