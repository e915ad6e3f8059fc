"""A caller that sends part of a chunked body and goes away (issue 18, item 7): the gateway once forwarded the
part with a terminating chunk, so the service acted on a truncated request as if it were whole. Now the
upstream request is aborted: its connection closes without the terminator, and nothing answers it."""

import asyncio
from typing import Any

import pytest

from services.gateway import proxy
from shared.settings import Settings

pytestmark = pytest.mark.integration


class RecordingService:
    """A raw socket on loopback that keeps every byte the proxy sends and notes when the connection ends."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.connections = 0
        self.closed = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while data := await reader.read(65536):
                self.received.extend(data)
        finally:
            self.closed.set()
            writer.close()


async def _proxied(messages: list[dict[str, Any]]) -> tuple[RecordingService, list[dict[str, Any]]]:
    service = RecordingService()
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = proxy.UpstreamPool(Settings(employee_url=f"http://127.0.0.1:{port}"), services=("employee",))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/employees",
        "raw_path": b"/api/v1/employees",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
    }
    async with server, pool.running():
        await proxy.ProxyEndpoint(pool)(scope, receive, send)
        if service.connections:
            await asyncio.wait_for(service.closed.wait(), 5)
    return service, sent


async def test_a_body_its_caller_abandoned_is_not_forwarded_as_complete():
    service, sent = await _proxied(
        [
            {"type": "http.request", "body": b'{"nip": "1985', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    # The part went out (the request was under way), the terminating chunk never did, and nobody answered.
    assert b'{"nip": "1985' in service.received
    assert not service.received.endswith(b"0\r\n\r\n")
    assert sent == []


async def test_a_caller_gone_before_any_body_sends_nothing():
    service, sent = await _proxied([{"type": "http.disconnect"}])
    assert service.connections == 0 and service.received == b""
    assert sent == []
