"""Webhook subscriptions of agency systems and their delivery log."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Response, status
from pydantic import AnyHttpUrl, BaseModel, Field, field_validator
from sqlalchemy.engine import RowMapping

from services.gateway.api.deps import GatewayDep
from shared.auth import PrincipalDep
from shared.etag import check_version, set_etag, version_from_if_match
from shared.inputs import RequestModel, refuse_null
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

DeliveryState = Literal["pending", "delivered", "failed"]
EventTypes = Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=200)]
AgencyFilter = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=20)]],
    Field(min_length=1, max_length=1000, examples=[["7601"]]),
]


class SubscriptionCreate(RequestModel):
    url: AnyHttpUrl = Field(
        description="where events are POSTed: a public address, or one in a network the administrator "
        "allows (ASN_WEBHOOK_ALLOWED_NETWORKS); a redirect is not followed",
        examples=["https://sikep.example.go.id/asn"],
    )
    event_types: EventTypes = Field(examples=[["asn.employee.employee.position-changed"]])
    agencies: AgencyFilter | None = Field(
        default=None,
        description="events of these agencies only, each within your scope (default: all of your scope)",
    )


class SubscriptionUpdate(RequestModel):
    url: AnyHttpUrl | None = None
    event_types: EventTypes | None = None
    agencies: AgencyFilter | None = Field(
        default=None, description="events of these agencies only, each within your scope"
    )
    active: bool | None = None

    _required = field_validator("url", "event_types", "agencies", "active", mode="before")(refuse_null)


class SubscriptionPublic(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    agencies: list[str] | None = Field(description="events of these agencies only; null: every agency")
    active: bool
    created_at: datetime
    version: int

    @classmethod
    def of(cls, row: RowMapping) -> "SubscriptionPublic":
        return cls(
            id=row["id"],
            url=row["url"],
            event_types=row["event_types"],
            agencies=row["agencies"],
            active=row["active"],
            created_at=row["created_at"],
            version=row["version"],
        )


class SubscriptionWithSecret(BaseModel):
    subscription: SubscriptionPublic
    secret: str = Field(description="verify each delivery's `webhook-signature` with it; shown this once")


class DeliveryPublic(BaseModel):
    id: uuid.UUID = Field(description="also sent as `webhook-id`")
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    agency_code: str | None
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: RowMapping) -> "DeliveryPublic":
        return cls.model_validate({name: row[name] for name in cls.model_fields})


def _answer(response: Response, row: RowMapping) -> SubscriptionPublic:
    set_etag(response, row["version"])
    return SubscriptionPublic.of(row)


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionWithSecret)
async def subscribe(
    body: SubscriptionCreate, gateway: GatewayDep, principal: PrincipalDep, response: Response
) -> SubscriptionWithSecret:
    """Subscribe to event types; only events of your agencies are delivered, signed with the secret."""
    created = await gateway.webhooks.subscribe(principal, str(body.url), body.event_types, body.agencies)
    response.headers["Location"] = f"{router.prefix}/subscriptions/{created.subscription['id']}"
    assert created.secret is not None
    return SubscriptionWithSecret(subscription=_answer(response, created.subscription), secret=created.secret)


@router.get("/subscriptions", response_model=Page[SubscriptionPublic])
async def list_subscriptions(
    gateway: GatewayDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[SubscriptionPublic]:
    """Your subscriptions (a national administrator sees all)."""
    after = cursor_key(cursor, uuid.UUID)
    rows = await gateway.webhooks.list(principal, after=after[0] if after else None, limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[SubscriptionPublic.of(r) for r in page],
        next_cursor=encode_cursor([str(page[-1]["id"])]) if len(rows) > limit else None,
    )


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def get_subscription(
    subscription_id: uuid.UUID, gateway: GatewayDep, principal: PrincipalDep, response: Response
) -> SubscriptionPublic:
    """One subscription."""
    return _answer(response, await gateway.webhooks.get(principal, subscription_id))


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def change_subscription(
    subscription_id: uuid.UUID,
    body: SubscriptionUpdate,
    gateway: GatewayDep,
    principal: PrincipalDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> SubscriptionPublic:
    """Change the URL or the event types, pause (`active: false`) or resume; needs If-Match."""
    expected = version_from_if_match(if_match)
    current = await gateway.webhooks.get(principal, subscription_id)
    check_version(current["version"], expected, f"subscription {subscription_id}")
    changes = body.model_dump(exclude_unset=True, mode="json")
    changed = await gateway.webhooks.change(principal, subscription_id, changes)
    return _answer(response, changed.subscription)


@router.post("/subscriptions/{subscription_id}/secret", response_model=SubscriptionWithSecret)
async def rotate_secret(
    subscription_id: uuid.UUID, gateway: GatewayDep, principal: PrincipalDep, response: Response
) -> SubscriptionWithSecret:
    """A new signing secret, used from the next delivery on."""
    changed = await gateway.webhooks.change(principal, subscription_id, {}, rotate=True)
    assert changed.secret is not None
    return SubscriptionWithSecret(subscription=_answer(response, changed.subscription), secret=changed.secret)


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=Page[DeliveryPublic])
async def deliveries(
    subscription_id: uuid.UUID,
    gateway: GatewayDep,
    principal: PrincipalDep,
    state: DeliveryState | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryPublic]:
    """The delivery log of a subscription, oldest first: attempts, last status, next retry."""
    after = cursor_key(cursor, datetime.fromisoformat, uuid.UUID)
    key = (after[0], after[1]) if after else None
    rows = await gateway.webhooks.deliveries(
        principal, subscription_id, state=state, after=key, limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[DeliveryPublic.of(r) for r in page],
        next_cursor=encode_cursor([page[-1]["created_at"].isoformat(), str(page[-1]["id"])])
        if len(rows) > limit
        else None,
    )


@router.get("/deliveries/{delivery_id}", response_model=DeliveryPublic)
async def delivery(delivery_id: uuid.UUID, gateway: GatewayDep, principal: PrincipalDep) -> DeliveryPublic:
    """One delivery."""
    return DeliveryPublic.of(await gateway.webhooks.delivery(principal, delivery_id))


@router.post(
    "/deliveries/{delivery_id}/replay", status_code=status.HTTP_202_ACCEPTED, response_model=DeliveryPublic
)
async def replay(delivery_id: uuid.UUID, gateway: GatewayDep, principal: PrincipalDep) -> DeliveryPublic:
    """Send a delivery again (with a fresh retry schedule), e.g. after the receiver was fixed."""
    replayed = await gateway.webhooks.replay(principal, delivery_id)
    gateway.dispatcher.wake()
    return DeliveryPublic.of(replayed)
