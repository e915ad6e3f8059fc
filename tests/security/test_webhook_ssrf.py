"""Webhooks cannot be pointed into the platform's own network (issue 18, item 5): a subscriber URL at a
loopback, private, link-local or otherwise non-public address, or a name resolving to one, is refused with 422
naming `url` unless an administrator allows the network; each delivery resolves the name again, refuses it
before any connection when the answer changed (DNS rebinding), and connects to the very address it checked;
a redirect is not followed.

No test sends anything beyond loopback: names resolve through a fake resolver, and every connection the
event loop opens is recorded and refused unless it goes to 127.0.0.1.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.app import create_app
from services.gateway.service.webhooks import enqueue
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import serve_gateway
from shared import clock
from shared.events.envelope import CloudEvent
from shared.principal import system_principal
from shared.testing import eventually, serving

pytestmark = pytest.mark.integration

SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions"
EVENT_TYPE = "asn.employee.employee.registered"
LOOPBACK = ("127.0.0.1/32",)


class FakeDns:
    """The gateway's resolver in these tests: answers from a table the test changes, counting questions."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"no such host {host}")
        return self.answers[host]


class Tripwire:
    """Every connection the event loop opens, by address; any beyond 127.0.0.1 is refused before it leaves."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []

    def to(self, port: int) -> int:
        return sum(1 for _, p in self.connections if p == port)

    def outside(self) -> list[tuple[str, int]]:
        return [(host, port) for host, port in self.connections if host != "127.0.0.1"]


@pytest.fixture
async def tripwire(monkeypatch: pytest.MonkeyPatch) -> Tripwire:
    """Patches this loop's `sock_connect`, through which asyncio's and aiohttp's connections all go."""
    loop = asyncio.get_running_loop()
    original = loop.sock_connect
    wire = Tripwire()

    async def sock_connect(sock: Any, address: Any) -> None:
        wire.connections.append((str(address[0]), int(address[1])))
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(f"the test refuses a connection to {address[0]}")
        await original(sock, address)

    monkeypatch.setattr(loop, "sock_connect", sock_connect)
    return wire


class Listener:
    """A loopback TCP port that counts the connections it accepts (and closes them)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.port = 0

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        writer.close()


@asynccontextmanager
async def listening() -> AsyncIterator[Listener]:
    listener = Listener()
    server = await asyncio.start_server(listener._accept, "127.0.0.1", 0)
    listener.port = server.sockets[0].getsockname()[1]
    try:
        yield listener
    finally:
        server.close()
        await server.wait_closed()


class Receiver:
    """A webhook receiver answering `status` (with `headers`), keeping each request's headers."""

    def __init__(self, status: int = 204, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.status = status
        self.headers = headers or []
        self.received: list[dict[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.received.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b""})


@asynccontextmanager
async def gateway(
    make_settings: Callable[..., Any], dns: FakeDns, allowed: tuple[str, ...] = ()
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = gateway_settings(
        await make_settings("gateway"),
        webhook_allowed_networks=allowed,
        webhook_poll_interval_seconds=0.05,
        # One attempt per delivery in a test: the retry would come an hour later.
        webhook_backoff_seconds=3600,
    )
    app = create_app(settings)
    # The webhooks' use cases and their dispatcher share one guard.
    assert app.state.gateway.webhooks.guard is app.state.gateway.dispatcher.guard
    app.state.gateway.webhooks.guard.resolver = dns
    async with serve_gateway(app) as client:
        yield app, client


def url_problem(answer: httpx.Response) -> str:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    (problem,) = answer.json()["errors"]
    assert problem["field"] == "url"
    return str(problem["message"])


async def deliver_one(app: FastAPI, subscription_id: str) -> dict[str, Any]:
    """Queues an event for the subscription, and answers its delivery after the first attempt."""
    event = CloudEvent(
        source="/asn/employee",
        type=EVENT_TYPE,
        time=clock.now(),
        subject="198001012005011001",
        correlationid=str(uuid.uuid4()),
        agency="7601",
        data={},
    )
    async with app.state.runtime.db.connect() as connection:
        assert await enqueue(connection, event) == 1
        await connection.commit()
    app.state.gateway.dispatcher.wake()
    webhooks = app.state.gateway.webhooks

    async def attempted() -> dict[str, Any] | None:
        (delivery,) = await webhooks.deliveries(
            system_principal("tester"), uuid.UUID(subscription_id), state=None, after=None, limit=2
        )
        return dict(delivery) if delivery["attempts"] else None

    return await eventually(attempted, timeout=30, what="the delivery's first attempt")


async def subscribe(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await client.post(SUBSCRIPTIONS, json={"url": url, "event_types": [EVENT_TYPE]})


async def test_a_subscriber_url_at_an_internal_address_is_refused_naming_the_field(make_settings, tripwire):
    dns = FakeDns({"intranet.sikep.test": ["10.1.2.3"], "mixed.sikep.test": ["127.0.0.1", "10.9.9.9"]})
    async with listening() as listener, gateway(make_settings, dns) as (_, client):
        refused = {
            f"http://127.0.0.1:{listener.port}/hook": "127.0.0.1 is a loopback address",
            "http://10.0.0.1/": "10.0.0.1 is a private address",
            "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a link-local address",
            "http://[::1]/": "::1 is a loopback address",
            "http://[::ffff:127.0.0.1]/": "::ffff:7f00:1 is a loopback address",
            "http://0.0.0.0/": "0.0.0.0 is the unspecified address",
            # Another spelling of 127.0.0.1, as URL parsers accept it.
            "http://2130706433/": "127.0.0.1 is a loopback address",
            "https://intranet.sikep.test/asn": "intranet.sikep.test resolves to a private address",
            "https://mixed.sikep.test/asn": "mixed.sikep.test resolves to a loopback address",
        }
        for url, reason in refused.items():
            message = url_problem(await subscribe(client, url))
            assert message.startswith(reason), (url, message)
            assert "public addresses only" in message

        # Nothing was kept, and a change of URL is held to the same rule.
        assert (await client.get(SUBSCRIPTIONS)).json()["items"] == []
        dns.answers["hooks.sikep.test"] = ["127.0.0.1"]
        assert url_problem(await subscribe(client, "http://hooks.sikep.test/asn")).startswith(
            "hooks.sikep.test resolves to a loopback address"
        )
        # A name nobody publishes yet is accepted: every delivery checks it again.
        created = await subscribe(client, "https://belum-ada.sikep.test/asn")
        assert created.status_code == 201, created.text
        path = created.headers["location"]
        changed = await client.patch(
            path, json={"url": "http://10.0.0.1/"}, headers={"if-match": created.headers["etag"]}
        )
        assert url_problem(changed).startswith("10.0.0.1 is a private address")
        assert (await client.get(path)).json()["url"] == "https://belum-ada.sikep.test/asn"
    assert listener.accepted == 0
    assert tripwire.to(listener.port) == 0
    assert tripwire.outside() == []


async def test_an_administrator_allows_a_network_and_only_that_network(make_settings, tripwire):
    dns = FakeDns({"hooks.sikep.test": ["127.0.0.1"], "other.sikep.test": ["127.0.0.2"]})
    async with listening() as listener, gateway(make_settings, dns, allowed=LOOPBACK) as (_, client):
        for url in (
            f"http://127.0.0.1:{listener.port}/hook",
            "http://[::ffff:127.0.0.1]/hook",
            f"http://hooks.sikep.test:{listener.port}/hook",
        ):
            created = await subscribe(client, url)
            assert created.status_code == 201, (url, created.text)
        for url in ("http://127.0.0.2/hook", "http://other.sikep.test/hook", "http://10.0.0.1/"):
            assert "public addresses only" in url_problem(await subscribe(client, url)), url
    # Subscribing connects to nothing.
    assert listener.accepted == 0
    assert tripwire.outside() == []


async def test_a_name_is_delivered_to_the_address_checked_under_its_own_host(make_settings, tripwire):
    receiver = Receiver()
    dns = FakeDns({"hooks.sikep.test": ["127.0.0.1"]})
    async with (
        serving(receiver) as receiver_url,
        gateway(make_settings, dns, allowed=LOOPBACK) as (app, client),
    ):
        port = int(receiver_url.rsplit(":", 1)[1])
        created = await subscribe(client, f"http://hooks.sikep.test:{port}/hook")
        assert created.status_code == 201, created.text
        asked_before = len(dns.asked)

        delivery = await deliver_one(app, created.json()["subscription"]["id"])

        assert delivery["state"] == "delivered" and delivery["last_status"] == 204
        (headers,) = receiver.received
        assert headers["host"] == f"hooks.sikep.test:{port}"
        # Resolved once for the delivery, and connected to that answer.
        assert dns.asked[asked_before:] == ["hooks.sikep.test"]
        assert tripwire.to(port) >= 1
    assert tripwire.outside() == []


async def test_a_name_that_turns_private_after_subscribing_is_refused_before_any_connection(
    make_settings, tripwire
):
    dns = FakeDns({"hooks.sikep.test": ["127.0.0.1"]})
    async with listening() as listener, gateway(make_settings, dns, allowed=LOOPBACK) as (app, client):
        created = await subscribe(client, f"http://hooks.sikep.test:{listener.port}/hook")
        assert created.status_code == 201, created.text
        # DNS rebinding: the name now answers the cloud's metadata address.
        dns.answers["hooks.sikep.test"] = ["169.254.169.254"]

        delivery = await deliver_one(app, created.json()["subscription"]["id"])

        assert delivery["state"] == "pending" and delivery["attempts"] == 1
        assert delivery["last_status"] is None
        assert delivery["last_error"] == "not delivered: hooks.sikep.test resolves to a link-local address"
    assert listener.accepted == 0
    assert tripwire.to(listener.port) == 0
    assert tripwire.outside() == []


async def test_a_redirect_from_the_receiver_is_not_followed(make_settings, tripwire):
    async with listening() as elsewhere:
        receiver = Receiver(307, [(b"location", f"http://127.0.0.1:{elsewhere.port}/internal".encode())])
        async with (
            serving(receiver) as receiver_url,
            gateway(make_settings, FakeDns({}), allowed=LOOPBACK) as (app, client),
        ):
            created = await subscribe(client, receiver_url + "/hook")
            assert created.status_code == 201, created.text

            delivery = await deliver_one(app, created.json()["subscription"]["id"])

            assert delivery["state"] == "pending" and delivery["last_status"] == 307
            assert delivery["last_error"] == "answered 307 (redirects are not followed)"
            assert len(receiver.received) == 1
    assert elsewhere.accepted == 0
    assert tripwire.to(elsewhere.port) == 0
    assert tripwire.outside() == []
