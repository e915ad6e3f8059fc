"""Events the employee service consumes: the table event type -> handler."""

from services.employee.domain.model import Decree, Placement
from services.employee.service import employees
from services.employee.siasn.events import on_participant_completed
from services.employee.siasn.service import pushes
from shared.contracts.employee import EmployeeMoveFailed
from shared.contracts.mutation import ProposalEffective
from shared.errors import DomainError
from shared.events.envelope import CloudEvent, new_event
from shared.events.inbox import Subscription
from shared.uow import UnitOfWork


async def on_proposal_effective(uow: UnitOfWork, event: CloudEvent, data: ProposalEffective) -> None:
    """The mutation saga's step here (ARCHITECTURE.md §5): move the person, or say why not."""
    target = Placement(data.to_agency_code, data.to_unit_id, data.to_position_id, data.tmt)
    try:
        position_before = await pushes.position_before(uow.connection, data.nip)
        # move_employee checks every rule before it writes, so a refusal leaves nothing half-done.
        await employees.move_employee(
            uow,
            data.nip,
            to=target,
            # The history names the mutation and its decree: no reason in words of its own.
            reason=None,
            principal=None,
            decree=Decree(data.decree_number, data.decree_date),
            mutation_id=data.mutation_id,
            caused_by=event,
        )
        # The consumer's unit of work is enclosed: the move above is not committed yet, so the push to
        # SIASN (when it is on) joins the same transaction as the move and the inbox record.
        await pushes.record_push(uow, data, position_before)
    except DomainError as refusal:
        uow.publish(
            new_event(
                "asn.employee.employee.move-failed",
                subject=data.nip,
                agency=data.to_agency_code,
                data=EmployeeMoveFailed(
                    nip=data.nip, mutation_id=data.mutation_id, reason=refusal.detail, code=refusal.code
                ),
                caused_by=event,
            )
        )


SUBSCRIPTIONS: list[Subscription] = [
    Subscription("asn.mutation.proposal.effective", on_proposal_effective),
    Subscription("asn.training.participant.completed", on_participant_completed),
]
