"""What the training service writes to its audit chain (ARCHITECTURE.md §6), in the transaction of the act
itself: every act the agency's HR unit entered on someone's behalf (who entered it, for whom, why)."""

from datetime import datetime
from typing import Any

from services.training.adapters.audit_log import log
from services.training.domain.development import DevelopmentPlan, Side
from services.training.domain.sessions import Enrolment
from shared.uow import UnitOfWork


async def plan_accepted_on_behalf(
    uow: UnitOfWork, plan: DevelopmentPlan, side: Side, *, entered_by: str, reason: str, at: datetime
) -> None:
    await _on_behalf(
        uow,
        entered_by,
        "development-plan.accepted-on-behalf",
        "development_plan",
        str(plan.id),
        plan.agency_code,
        {"nip": plan.nip, "side": side.value, "on_behalf_of": plan.person_of(side), "reason": reason},
        at=at,
    )


async def follow_up_on_behalf(
    uow: UnitOfWork, enrolment: Enrolment, *, entered_by: str, reason: str, at: datetime
) -> None:
    await _on_behalf(
        uow,
        entered_by,
        "enrolment.follow-up-on-behalf",
        "enrolment",
        str(enrolment.id),
        enrolment.agency_code,
        {"nip": enrolment.nip, "on_behalf_of": enrolment.supervisor_nip, "reason": reason},
        at=at,
    )


async def _on_behalf(
    uow: UnitOfWork,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    agency_code: str,
    data: dict[str, Any],
    *,
    at: datetime,
) -> None:
    record = {
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "agency_code": agency_code,
        "data": data,
    }
    await log.append(uow.connection, [record], at=at)
