"""Scheduled work: reminders of certificates about to expire, and of follow-up evaluations that are due.

Each reminder is claimed in the database before its event is written (same transaction), so a reminder goes
out once however many processes scan at the same time. The service scans once an hour by itself (its
declared background loop); HR or the administration may also run a scan for a given day.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from fastapi import FastAPI

from services.training.adapters.enrolments import EnrolmentRepository
from services.training.service.access import today
from shared.aio import every
from shared.contracts import training as contracts
from shared.events.envelope import new_event
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

# How long before a certificate's last valid day its holder is reminded.
EXPIRY_NOTICE_DAYS = 90


@dataclass(frozen=True)
class Sent:
    certificates_expiring: int
    follow_ups_requested: int


async def send_due_reminders(uow: UnitOfWork, *, on: date) -> Sent:
    repository = EnrolmentRepository(uow.connection)
    expiring = 0
    for row in await repository.expiring_certificates(on + timedelta(days=EXPIRY_NOTICE_DAYS)):
        if not await repository.claim_expiry_notice(row.number):
            continue
        expiring += 1
        uow.publish(
            new_event(
                "asn.training.certificate.expiring",
                subject=row.nip,
                agency=row.agency_code,
                data=contracts.CertificateExpiring(
                    number=row.number,
                    nip=row.nip,
                    agency_code=row.agency_code,
                    programme_id=str(row.programme_id),
                    programme_code=row.programme_code,
                    title=row.title,
                    valid_until=row.valid_until,
                    days_left=(row.valid_until - on).days,
                ),
            )
        )
    requested = 0
    for row in await repository.due_follow_ups(on):
        if not await repository.claim_follow_up(row.id):
            continue
        requested += 1
        uow.publish(
            new_event(
                "asn.training.follow-up.requested",
                subject=row.nip,
                agency=row.agency_code,
                data=contracts.FollowUpRequested(
                    enrolment_id=str(row.id),
                    nip=row.nip,
                    agency_code=row.agency_code,
                    supervisor_nip=row.supervisor_nip,
                    programme_id=str(row.programme_id),
                    title=row.programme_title,
                    completed_on=row.completed_on,
                    due_on=row.follow_up_due_on,
                ),
            )
        )
    await uow.commit()
    return Sent(expiring, requested)


async def scan_once(open_uow: Callable[[], UnitOfWork]) -> None:
    async with open_uow() as uow:
        sent = await send_due_reminders(uow, on=today())
    if sent.certificates_expiring or sent.follow_ups_requested:
        log.info("reminders sent: %s", sent)


async def send_reminders(app: FastAPI, seconds: float) -> None:
    """The reminder scan as the service's background loop (services/training/declaration.py): every
    `seconds`, the first right at start-up."""
    await every(seconds, partial(scan_once, app.state.runtime.uow), at_once=True)
