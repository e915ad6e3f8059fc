"""HTTP routes of the service's own views: certificates, the reminder scan and the read model of positions."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.training.adapters.readmodels import ReadModels
from services.training.service import certificates as service
from services.training.service.access import today
from services.training.service.reminders import EXPIRY_NOTICE_DAYS, send_due_reminders
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.errors import NotFound
from shared.inputs import RequestModel
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Role

router = APIRouter(prefix="/api/v1/training", tags=["certificates and reminders"])


class CertificatePublic(BaseModel):
    number: str
    nip: str
    agency_code: str
    enrolment_id: UUID
    programme_id: UUID
    programme_code: str
    title: str
    issued_on: date
    valid_until: date | None = Field(description="none: valid without end")
    expiry_reminded: bool


@router.get("/certificates", response_model=Page[CertificatePublic])
async def search_certificates(
    connection: ConnectionDep,
    principal: PrincipalDep,
    nip: str | None = None,
    agency: str | None = None,
    valid_until_before: Annotated[date | None, Query(description="expiring before this day")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CertificatePublic]:
    """Certificates by number: one person's, an agency's, those expiring before a day."""
    after = cursor_key(cursor, str)
    rows = await service.search_certificates(
        connection,
        principal,
        nip=nip,
        agency_code=agency,
        valid_until_before=valid_until_before,
        limit=limit + 1,
        after_number=after[0] if after else None,
    )
    page = rows[:limit]
    return Page(
        items=[
            CertificatePublic(
                number=r.number,
                nip=r.nip,
                agency_code=r.agency_code,
                enrolment_id=r.enrolment_id,
                programme_id=r.programme_id,
                programme_code=r.programme_code,
                title=r.title,
                issued_on=r.issued_on,
                valid_until=r.valid_until,
                expiry_reminded=r.expiry_notified_at is not None,
            )
            for r in page
        ],
        next_cursor=encode_cursor([page[-1].number]) if len(rows) > limit else None,
    )


class ReminderScan(RequestModel):
    on: date | None = Field(default=None, description="the day to scan for; default today")


class RemindersSent(BaseModel):
    on: date
    certificates_expiring: int = Field(description=f"valid for at most {EXPIRY_NOTICE_DAYS} more days")
    follow_ups_requested: int


@router.post("/reminders", response_model=RemindersSent)
async def send_reminders(
    uow: UowDep, principal: PrincipalDep, body: ReminderScan | None = None
) -> RemindersSent:
    """Send the reminders due (the service also scans every hour); each goes out once."""
    principal.require_role(Role.ADMIN)
    on = (body.on if body else None) or today()
    sent = await send_due_reminders(uow, on=on)
    return RemindersSent(
        on=on,
        certificates_expiring=sent.certificates_expiring,
        follow_ups_requested=sent.follow_ups_requested,
    )


class PositionView(BaseModel):
    position_id: str
    unit_id: str
    agency_code: str
    name: str
    type: str
    job_class: int
    competency_standard: dict[str, int]
    version: int


@router.get("/positions/{position_id}", response_model=PositionView)
async def get_position_view(position_id: str, connection: ConnectionDep) -> PositionView:
    """This service's copy of a position and its competency standard, built from employee events."""
    position = await ReadModels(connection).position(position_id)
    if position is None:
        raise NotFound(f"the training service has no position {position_id} (yet)")
    return PositionView(**position.__dict__)
