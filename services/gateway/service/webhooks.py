"""Webhooks for agency systems: subscriptions to event types (only events of the subscriber's agencies),
deliveries signed with HMAC-SHA256 and a timestamp, retried with exponential backoff, logged, replayable.

A receiver must be at a public address unless an administrator allows its network
(`webhook_allowed_networks`): checked when a URL is given, and again before each delivery, whose connection
goes to the very address that was checked (`shared.egress`). Redirects are not followed.

The event consumer writes one delivery row per matching subscription in its inbox transaction (so an event
is queued exactly once); the `Dispatcher` sends due deliveries. A delivery is claimed for a while before it
is sent, so two gateway replicas never send the same one at the same time.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.adapters import repository
from services.gateway.adapters import webhooks as store
from services.gateway.adapters.webhooks import PENDING
from services.gateway.domain.webhooks import new_secret, signature
from services.gateway.settings import GatewaySettings
from shared import clock
from shared.aio import backoff, wait_until_set
from shared.db import Database
from shared.egress import DestinationGuard, DestinationRefused, HostUnresolved, parse_networks
from shared.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from shared.events.catalogue import CATALOGUE
from shared.events.envelope import CloudEvent
from shared.principal import Principal, Role
from shared.references import References

log = logging.getLogger(__name__)

DELIVERED, FAILED = "delivered", "failed"
CLAIM_SECONDS = 60
BATCH = 20


def _now() -> datetime:
    return clock.now()


def matches(subscription: RowMapping, event: CloudEvent) -> bool:
    """Subscribed to the type, and the event belongs to one of the subscriber's agencies."""
    if event.type not in subscription["event_types"]:
        return False
    scope = subscription["agencies"]
    return scope is None or (event.agency is not None and event.agency in scope)


async def enqueue(connection: AsyncConnection, event: CloudEvent) -> int:
    """Queue the event for every matching active subscription, in the consumer's transaction."""
    active = await store.active_subscriptions(connection)
    wanted = [s for s in active if matches(s, event)]
    if not wanted:
        return 0
    now = _now()
    body = event.to_json()
    rows = [
        (uuid.uuid4(), s["id"], event.id, event.type, event.agency, body, PENDING, 0, now, now)
        for s in wanted
    ]
    await store.add_deliveries(connection, rows)
    return len(rows)


@dataclass(frozen=True)
class Subscribed:
    subscription: RowMapping
    secret: str | None


def destination_guard(settings: GatewaySettings) -> DestinationGuard:
    """The guard of webhook receivers, allowing the administrator's networks."""
    return DestinationGuard(
        parse_networks(settings.webhook_allowed_networks), timeout=settings.webhook_timeout_seconds
    )


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


async def _check_url(guard: DestinationGuard, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            "the webhook URL must be an absolute http(s) URL",
            errors=[FieldProblem(field="url", message="absolute http(s) URL")],
        )
    try:
        await guard.destination(*_host_and_port(url))
    except HostUnresolved:
        # A receiver's name may be published after the subscription; each delivery checks it again.
        return
    except DestinationRefused as refused:
        raise InvalidInput(
            "webhooks are delivered to public addresses only",
            errors=[
                FieldProblem(
                    field="url",
                    message=f"{refused}; webhooks go to public addresses only (an administrator may allow "
                    "a network)",
                    value=url,
                )
            ],
        ) from refused


def _check_types(event_types: Sequence[str]) -> None:
    unknown = [t for t in event_types if t not in CATALOGUE]
    if unknown or not event_types:
        raise InvalidInput(
            "name event types of the catalogue (see /api/v1/asyncapi.json)",
            errors=[FieldProblem(field="event_types", message="unknown type", value=t) for t in unknown]
            or [FieldProblem(field="event_types", message="at least one")],
        )


async def _check_agencies(connection: AsyncConnection, principal: Principal, agencies: Sequence[str]) -> None:
    """An agency filter names agencies the gateway knows, each within the subscriber's scope."""
    references = References(principal)
    known = await repository.known_agencies(connection, agencies)
    for code in agencies:
        if code not in known:
            references.unknown("agencies", "agency", code)
        references.in_scope("agencies", code)
    references.settle()


class Webhooks:
    """Use cases of subscriptions and their delivery log."""

    def __init__(self, db: Database, guard: DestinationGuard) -> None:
        self.db = db
        self.guard = guard

    async def subscribe(
        self,
        principal: Principal,
        url: str,
        event_types: Sequence[str],
        agencies: Sequence[str] | None = None,
    ) -> Subscribed:
        """A subscription to events of `agencies` (None: every agency of the subscriber's scope)."""
        _check_types(event_types)
        await _check_url(self.guard, url)
        # Within the subscriber's scope, fixed now: an agency system gets its own agency's events only.
        scope = principal.agencies if agencies is None else agencies
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "owner": principal.subject,
            "url": url,
            "event_types": sorted(set(event_types)),
            "agencies": None if scope is None else sorted(set(scope)),
            "secret": new_secret(),
            "active": True,
            "created_at": _now(),
            "version": 1,
        }
        async with self.db.connect() as connection:
            if agencies is not None:
                await _check_agencies(connection, principal, agencies)
            await store.add_subscription(connection, values)
            await connection.commit()
        return Subscribed(await self.get(principal, values["id"]), values["secret"])

    async def list(
        self, principal: Principal, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[RowMapping]:
        owner = None if _sees_all(principal) else principal.subject
        async with self.db.connect() as connection:
            return await store.subscriptions_page(connection, owner=owner, after=after, limit=limit)

    async def get(self, principal: Principal, subscription_id: uuid.UUID) -> RowMapping:
        async with self.db.connect() as connection:
            row = await store.subscription(connection, subscription_id)
        if row is None:
            raise NotFound(f"no webhook subscription {subscription_id}")
        if not (_sees_all(principal) or row["owner"] == principal.subject):
            raise Forbidden(
                f"webhook subscription {subscription_id} is another subscriber's", code="subscription-scope"
            )
        return row

    async def change(
        self,
        principal: Principal,
        subscription_id: uuid.UUID,
        changes: dict[str, Any],
        *,
        rotate: bool = False,
    ) -> Subscribed:
        """Changes the subscription (and a new secret when `rotate`); changes that set what is there already
        leave it (and its version) as it is."""
        current = await self.get(principal, subscription_id)
        if "url" in changes:
            await _check_url(self.guard, changes["url"])
        if "event_types" in changes:
            _check_types(changes["event_types"])
            changes["event_types"] = sorted(set(changes["event_types"]))
        if "agencies" in changes:
            changes["agencies"] = sorted(set(changes["agencies"]))
        changes = {name: value for name, value in changes.items() if current[name] != value}
        secret = new_secret() if rotate else None
        if secret:
            changes["secret"] = secret
        if not changes:
            return Subscribed(current, None)
        async with self.db.connect() as connection:
            if "agencies" in changes:
                await _check_agencies(connection, principal, changes["agencies"])
            await store.change_subscription(
                connection, subscription_id, changes, version=current["version"] + 1
            )
            await connection.commit()
        return Subscribed(await self.get(principal, subscription_id), secret)

    async def deliveries(
        self,
        principal: Principal,
        subscription_id: uuid.UUID,
        *,
        state: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[RowMapping]:
        await self.get(principal, subscription_id)
        async with self.db.connect() as connection:
            return await store.deliveries_page(
                connection, subscription_id, state=state, after=after, limit=limit
            )

    async def delivery(self, principal: Principal, delivery_id: uuid.UUID) -> RowMapping:
        async with self.db.connect() as connection:
            row = await store.delivery(connection, delivery_id)
        if row is None:
            raise NotFound(f"no webhook delivery {delivery_id}")
        await self.get(principal, row["subscription_id"])
        return row

    async def replay(self, principal: Principal, delivery_id: uuid.UUID) -> RowMapping:
        """Send a delivery again from the start of its retry schedule, whatever its state."""
        await self.delivery(principal, delivery_id)
        async with self.db.connect() as connection:
            await store.change_delivery(
                connection,
                delivery_id,
                {"state": PENDING, "attempts": 0, "next_attempt_at": _now(), "claimed_until": None},
            )
            await connection.commit()
        return await self.delivery(principal, delivery_id)


def _sees_all(principal: Principal) -> bool:
    return principal.has_role(Role.ADMIN) and principal.agencies is None


class Dispatcher:
    """Sends due deliveries: signed POSTs, each result recorded, failures rescheduled with backoff."""

    def __init__(self, settings: GatewaySettings, db: Database, guard: DestinationGuard) -> None:
        self.db = db
        self.guard = guard
        self.max_attempts = settings.webhook_max_attempts
        self.backoff = settings.webhook_backoff_seconds
        self.backoff_cap = settings.webhook_backoff_max_seconds
        self.poll = settings.webhook_poll_interval_seconds
        self.timeout = aiohttp.ClientTimeout(total=settings.webhook_timeout_seconds)
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=self.timeout, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
        )
        try:
            while True:
                try:
                    sent = await self.send_due()
                except Exception:
                    # A database hiccup must not end webhook delivery: the claims expire and are retried.
                    log.exception("webhook dispatch failed; retrying")
                    sent = 0
                if sent < BATCH:
                    await wait_until_set(self._wake, self.poll)
                    self._wake.clear()
        finally:
            await self._session.close()

    async def send_due(self) -> int:
        claimed = await self._claim()
        if claimed:
            await asyncio.gather(*(self._send(row) for row in claimed))
        return len(claimed)

    async def _claim(self) -> list[RowMapping]:
        now = _now()
        async with self.db.connect() as connection:
            await self.db.begin_write(connection)
            claimed = await store.claim_due(
                connection, now, until=now + timedelta(seconds=CLAIM_SECONDS), batch=BATCH
            )
            await connection.commit()
            if not claimed:
                return []
            return await store.with_subscriptions(connection, claimed)

    async def _send(self, row: RowMapping) -> None:
        assert self._session is not None
        message_id = str(row["id"])
        status: int | None = None
        error: str | None = None
        if not row["active"]:
            await self._record(row, None, "the subscription is inactive", give_up=True)
            return
        try:
            pinned = (await self.guard.destination(*_host_and_port(row["url"]))).pinned(row["url"])
        except DestinationRefused as refused:
            # Checked before any connection: nothing was sent, and the attempt says why.
            await self._record(row, None, f"not delivered: {refused}")
            return
        timestamp = int(time.time())
        body: bytes = row["payload"]
        headers = {
            "content-type": "application/cloudevents+json",
            "user-agent": "asn-gateway-webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(row["secret"], message_id, timestamp, body),
            "ce-type": row["event_type"],
            "ce-id": str(row["event_id"]),
        }
        try:
            async with self._session.post(
                pinned.url,
                data=body,
                headers={**headers, "host": pinned.host},
                server_hostname=pinned.server_hostname,
                allow_redirects=False,
            ) as answer:
                status = answer.status
                await answer.read()
        except TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as failure:
            error = type(failure).__name__
        if status is not None and 200 <= status < 300:
            await self._record(row, status, None, delivered=True)
        else:
            # A redirect is not followed: it could lead anywhere, the guard's refusals included.
            moved = " (redirects are not followed)" if status is not None and 300 <= status < 400 else ""
            await self._record(row, status, error or f"answered {status}{moved}")

    async def _record(
        self,
        row: RowMapping,
        status: int | None,
        error: str | None,
        *,
        delivered: bool = False,
        give_up: bool = False,
    ) -> None:
        attempts = row["attempts"] + 1
        now = _now()
        values: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error}
        if delivered:
            values.update(state=DELIVERED, delivered_at=now, next_attempt_at=None, claimed_until=None)
        elif give_up or attempts >= self.max_attempts:
            values.update(state=FAILED, next_attempt_at=None, claimed_until=None)
        else:
            wait = backoff(attempts, base=self.backoff, cap=self.backoff_cap)
            values.update(next_attempt_at=now + timedelta(seconds=wait), claimed_until=None)
        async with self.db.connect() as connection:
            await self.db.begin_write(connection)
            await store.change_delivery(connection, row["id"], values)
            await connection.commit()
        if not delivered:
            log.info("webhook delivery %s attempt %d failed: %s", row["id"], attempts, error)
