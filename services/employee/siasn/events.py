"""Events the SIASN sub-domain consumes (listed in services/employee/events/handlers.py)."""

from services.employee.siasn.service import pushes
from shared.contracts.training import ParticipantCompleted
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


async def on_participant_completed(uow: UnitOfWork, event: CloudEvent, data: ParticipantCompleted) -> None:
    """A training completion becomes a riwayat kursus push, in the inbox's transaction (when SIASN is on and
    ASN_SIASN_PUSH_TRAINING says so)."""
    await pushes.record_kursus_push(uow, data)
