"""Webhooks to a real receiver: deliveries are signed (HMAC-SHA256 with a timestamp), retried after a
failure, logged and replayable, and an agency system never gets another agency's events."""

import json
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from services.employee.adapters.tables import outbox as employee_outbox
from services.employee.app import create_app as employee_app
from services.gateway.adapters.tables import inbox, webhook_deliveries
from services.gateway.app import create_app
from services.gateway.domain.webhooks import verify
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import bearer
from shared.db import Database
from shared.testing import auth_headers, eventually, serving
from tests.support import employee_payload

pytestmark = pytest.mark.integration


class Receiver:
    """An agency system's webhook endpoint: answers 500 to the first attempt of every message, then 204."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        self.attempts: Counter[str] = Counter()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.attempts[headers.get("webhook-id", "")] += 1
        status = 500 if self.attempts[headers.get("webhook-id", "")] == 1 else 204
        self.received.append((headers, body, status))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for headers, body, status in self.received if status == 204]


async def test_an_agency_system_receives_its_agencys_events_signed_retried_and_replayable(make_settings):
    receiver = Receiver()
    employee = employee_app(await make_settings("employee"))
    async with serving(employee, lifespan="on") as employee_url, serving(receiver) as receiver_url:
        settings = gateway_settings(
            await make_settings("gateway", employee_url=employee_url),
            webhook_backoff_seconds=0.05,
            webhook_poll_interval_seconds=0.05,
            # The receiver listens on loopback, which webhooks reach only when an administrator allows it.
            webhook_allowed_networks=("127.0.0.1/32",),
        )
        gateway = create_app(settings)
        async with (
            gateway.router.lifespan_context(gateway),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as door,
            httpx.AsyncClient(base_url=employee_url, headers=auth_headers(settings)) as direct,
        ):
            identity = gateway.state.gateway.identity
            _, client_secret = await identity.clients.create_client(
                client_id="simpeg-mamuju", name="SIMPEG Mamuju", agency_code="7601"
            )
            token = await door.post(
                "/api/v1/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "simpeg-mamuju",
                    "client_secret": client_secret,
                },
            )
            system = bearer(token.json())
            bad = await door.post(
                "/api/v1/webhooks/subscriptions",
                json={"url": receiver_url + "/hook", "event_types": ["asn.nothing.happened"]},
                headers=system,
            )
            assert bad.status_code == 422
            subscribed = await door.post(
                "/api/v1/webhooks/subscriptions",
                json={"url": receiver_url + "/hook", "event_types": ["asn.employee.employee.registered"]},
                headers=system,
            )
            assert subscribed.status_code == 201, subscribed.text
            subscription, secret = subscribed.json()["subscription"], subscribed.json()["secret"]
            assert subscription["agencies"] == ["7601"]

            elsewhere, here = (
                employee_payload(31, agency_code="7301"),
                employee_payload(32, agency_code="7601"),
            )
            for code, province in (("7600", "7600"), ("7601", "7600"), ("7300", "7300"), ("7301", "7300")):
                kind = "province" if code == province else "kabupaten"
                agency = {"code": code, "name": f"Instansi {code}", "kind": kind, "province_code": province}
                assert (await direct.post("/api/v1/agencies", json=agency)).status_code == 201
            for person in (elsewhere, here):
                assert (await direct.post("/api/v1/employees", json=person)).status_code == 201

            delivered = await eventually(
                receiver.accepted, timeout=30, what="a delivery the receiver accepted"
            )
            (headers, body), *_ = delivered
            event = json.loads(body)
            assert event["type"] == "asn.employee.employee.registered"
            assert event["subject"] == here["nip"] and event["agency"] == "7601"
            assert verify(secret, headers, body, now=int(time.time()))
            assert not verify(secret, headers, body.replace(b"7601", b"7602"), now=int(time.time()))
            assert not verify(secret, headers, body, now=int(time.time()) + 3600)
            assert headers["content-type"] == "application/cloudevents+json"
            # The first attempt failed and was retried under the same message id.
            assert receiver.attempts[headers["webhook-id"]] == 2

            # The other agency's event reached the gateway's consumer but was delivered to nobody here.
            employee_db = Database(employee.state.runtime.settings.resolved_database_url)
            gateway_db = gateway.state.runtime.db
            try:
                async with employee_db.connect() as connection:
                    other_event = await connection.scalar(
                        select(employee_outbox.c.event_id).where(employee_outbox.c.key == elsewhere["nip"])
                    )

                async def consumed() -> bool:
                    async with gateway_db.connect() as connection:
                        seen = await connection.scalar(
                            select(inbox.c.event_id).where(inbox.c.event_id == other_event)
                        )
                    return seen is not None

                await eventually(consumed, what="the other agency's event at the gateway")
                async with gateway_db.connect() as connection:
                    queued = (await connection.execute(select(webhook_deliveries.c.event_id))).scalars().all()
                assert other_event not in queued
            finally:
                await employee_db.dispose()
            assert all(json.loads(body)["agency"] == "7601" for _, body, _ in receiver.received)

            log = await door.get(
                f"/api/v1/webhooks/subscriptions/{subscription['id']}/deliveries", headers=system
            )
            assert log.status_code == 200
            (entry,) = log.json()["items"]
            assert entry["state"] == "delivered" and entry["attempts"] == 2 and entry["last_status"] == 204
            assert entry["id"] == headers["webhook-id"]

            replayed = await door.post(f"/api/v1/webhooks/deliveries/{entry['id']}/replay", headers=system)
            assert replayed.status_code == 202 and replayed.json()["state"] == "pending"
            await eventually(
                lambda: receiver.attempts[entry["id"]] == 3, timeout=30, what="the replayed delivery"
            )

            someone_else = await identity.clients.create_client(
                client_id="simpeg-mamasa", name="Mamasa", agency_code="7602"
            )
            other_token = await door.post(
                "/api/v1/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "simpeg-mamasa",
                    "client_secret": someone_else[1],
                },
            )
            not_theirs = await door.get(
                f"/api/v1/webhooks/subscriptions/{subscription['id']}/deliveries",
                headers=bearer(other_token.json()),
            )
            assert not_theirs.status_code == 403
