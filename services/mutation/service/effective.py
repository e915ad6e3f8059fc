"""The saga's side in the mutation service (ARCHITECTURE.md §5): on the TMT date the decreed mutation
becomes effective and `asn.mutation.proposal.effective` goes out; the employee service's reply completes
the proposal (`position-changed`, its cause being our event) or marks it failed (`move-failed`), and a
failed one can be sent again once the obstacle is gone.

The scheduler is a background loop of the service process: it wakes when a decree is issued and otherwise
once a minute, so a TMT in the past takes effect at once and a future one on its day.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from services.mutation.adapters import audit_log
from services.mutation.adapters.repository import ProposalRepository
from services.mutation.domain.workflow import PLATFORM, Action, Actor, Proposal, State
from services.mutation.service.common import (
    actor_of,
    audit_record,
    change_fields,
    now,
    proposal_event,
    roles_of,
)
from services.mutation.service.proposals import proposal_to_change
from shared import clock
from shared.aio import wait_until_set
from shared.contracts import mutation as contracts
from shared.contracts.employee import EmployeeMoveFailed, EmployeePositionChanged
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.principal import Principal
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


def _effective_event(proposal: Proposal, decree_date: date | None) -> CloudEvent:
    assert proposal.tmt is not None and proposal.target.unit_id and proposal.target.position_id
    return new_event(
        "asn.mutation.proposal.effective",
        subject=proposal.nip,
        agency=proposal.target.agency_code,
        data=contracts.ProposalEffective(
            mutation_id=str(proposal.id),
            nip=proposal.nip,
            to_agency_code=proposal.target.agency_code,
            to_unit_id=proposal.target.unit_id,
            to_position_id=proposal.target.position_id,
            tmt=proposal.tmt,
            decree_number=proposal.decree_number,
            from_agency_code=proposal.origin.agency_code,
            mutation_type=proposal.mutation_type.value,
            decree_id=str(proposal.decree_id) if proposal.decree_id else None,
            decree_date=decree_date,
        ),
    )


async def _take(
    uow: UnitOfWork,
    proposal: Proposal,
    action: Action,
    *,
    reason_code: str,
    reason_params: dict[str, str] | None = None,
    at: datetime,
    actor: Actor = PLATFORM,
) -> None:
    expected = proposal.version
    happened = proposal.transition(action, actor, at=at, reason_code=reason_code, reason_params=reason_params)
    repository = ProposalRepository(uow.connection)
    await repository.save(proposal, expected_version=expected)
    await repository.add_transitions([(proposal.id, happened, roles_of(actor), None)])


async def make_due_effective(uow: UnitOfWork, on: date, *, limit: int = 200) -> int:
    """Every decreed proposal whose TMT has come: effective, and the event that asks the employee service
    to move the person. Rows another replica is already handling are skipped (SKIP LOCKED)."""
    at = now()
    repository = ProposalRepository(uow.connection)
    due = await repository.due_effective(on, limit=limit)
    signed = await repository.decree_dates([p.decree_id for p in due if p.decree_id])
    records = []
    for proposal in due:
        await _take(
            uow,
            proposal,
            Action.MAKE_EFFECTIVE,
            reason_code="tmt-reached",
            reason_params={"tmt": str(proposal.tmt)},
            at=at,
        )
        event = _effective_event(proposal, signed.get(proposal.decree_id) if proposal.decree_id else None)
        uow.publish(event)
        records.append(
            audit_record(
                PLATFORM.label, "effective", proposal, {"tmt": str(proposal.tmt), "event_id": str(event.id)}
            )
        )
    await audit_log.append(uow.connection, records, at=at)
    await uow.commit()
    return len(due)


async def _proposal_named(uow: UnitOfWork, mutation_id: str | None) -> Proposal | None:
    if not mutation_id:
        return None
    try:
        proposal_id = UUID(mutation_id)
    except ValueError:
        return None
    return await ProposalRepository(uow.connection).get(proposal_id)


async def complete(uow: UnitOfWork, event: CloudEvent, data: EmployeePositionChanged) -> None:
    """The employee service moved the person: the proposal is completed (a replay finds it so already)."""
    proposal = await _proposal_named(uow, data.mutation_id)
    if proposal is None or proposal.state is not State.EFFECTIVE:
        if proposal is not None:
            log.info("position-changed for %s found it %s; nothing to do", proposal.id, proposal.state)
        return
    at = now()
    await _take(uow, proposal, Action.COMPLETE, reason_code="moved-in-register", at=at)
    fields = change_fields(
        proposal,
        action=Action.COMPLETE,
        previous_state=State.EFFECTIVE,
        actor=PLATFORM.label,
        reason=None,
        at=at,
    )
    uow.publish(
        proposal_event(
            "proposal.completed",
            proposal,
            contracts.ProposalCompleted(**fields, position_changed_event_id=str(event.id)),
            caused_by=event,
        )
    )
    await audit_log.append(
        uow.connection,
        [audit_record(PLATFORM.label, "completed", proposal, {"position_changed_event_id": str(event.id)})],
        at=at,
    )
    await uow.commit()


async def fail(uow: UnitOfWork, event: CloudEvent, data: EmployeeMoveFailed) -> None:
    """The employee service could not move the person: the proposal shows why."""
    proposal = await _proposal_named(uow, data.mutation_id)
    if proposal is None or proposal.state is not State.EFFECTIVE:
        return
    at = now()
    # The register's refusal in its own words is kept as the detail; the code says what kind it was.
    await _take(
        uow,
        proposal,
        Action.FAIL,
        reason_code="move-refused",
        reason_params={"problem": data.code or "refused", "detail": data.reason},
        at=at,
    )
    fields = change_fields(
        proposal,
        action=Action.FAIL,
        previous_state=State.EFFECTIVE,
        actor=PLATFORM.label,
        reason=data.reason,
        at=at,
    )
    uow.publish(
        proposal_event("proposal.failed", proposal, contracts.ProposalFailed(**fields), caused_by=event)
    )
    await audit_log.append(
        uow.connection, [audit_record(PLATFORM.label, "failed", proposal, {"reason": data.reason})], at=at
    )
    await uow.commit()


async def retry(
    uow: UnitOfWork, principal: Principal, proposal_id: UUID, *, expected_version: int
) -> Proposal:
    """Send a failed mutation to the employee service again (after the obstacle was cleared)."""
    actor, at = actor_of(principal), now()
    proposal = await proposal_to_change(uow.connection, proposal_id, actor)
    check_version(proposal.version, expected_version, f"proposal {proposal_id}")
    await _take(uow, proposal, Action.RETRY, reason_code="sent-again", at=at, actor=actor)
    signed = await ProposalRepository(uow.connection).decree_dates(
        [proposal.decree_id] if proposal.decree_id else []
    )
    event = _effective_event(proposal, signed.get(proposal.decree_id) if proposal.decree_id else None)
    uow.publish(event)
    await audit_log.append(
        uow.connection, [audit_record(actor.label, "retry", proposal, {"event_id": str(event.id)})], at=at
    )
    await uow.commit()
    return proposal


class EffectiveDateScheduler:
    """The background loop that makes decreed mutations effective on their TMT."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        *,
        interval: float = 60.0,
        today: Callable[[], date] = clock.today,
    ) -> None:
        self._runtime = runtime
        self._interval = interval
        self._today = today
        self._wake = asyncio.Event()
        self.ticks = 0

    def wake(self) -> None:
        self._wake.set()

    async def tick(self) -> int:
        made = 0
        while True:
            async with self._runtime.uow() as uow:
                count = await make_due_effective(uow, self._today())
            made += count
            if count == 0:
                return made

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("effective-date scheduler tick failed; trying again later")
            self.ticks += 1
            await wait_until_set(self._wake, self._interval)
