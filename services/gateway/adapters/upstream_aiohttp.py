"""The proxy's requests through aiohttp, behind the same interface as the gateway's own client
(`upstream.py`): `ASN_UPSTREAM_CLIENT=aiohttp` chooses it, so that `bench/gateway_throughput.py --client
aiohttp --client own` measures the two against each other in one run, and an operator can fall back to it."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from yarl import URL

from services.gateway.adapters.upstream import AnswerHead, Timeouts, UpstreamError


class AiohttpResponse(AnswerHead):
    """An answer's status and headers (names in lower case); its body through `read` or `chunks`. Must be
    released (`async with`) so its connection goes back to aiohttp's pool."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers = [(name.lower(), value) for name, value in response.raw_headers]

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._response.content.iter_any():
                yield part
        except aiohttp.ClientError as error:
            raise _failed(error) from error

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except aiohttp.ClientError as error:
            raise _failed(error) from error

    async def __aenter__(self) -> "AiohttpResponse":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._response.release()


class AiohttpUpstream:
    """One service's requests through an aiohttp session (its pool, limits and timeouts)."""

    def __init__(self, session: aiohttp.ClientSession, origin: str, timeouts: Timeouts) -> None:
        self._session = session
        self._origin = origin.rstrip("/")
        self.timeouts = timeouts

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> AiohttpResponse:
        """Send a request (`target`: path and query, already encoded) and wait for the answer's head.
        Raises TimeoutError or UpstreamError, as the own client does."""
        try:
            response = await self._session.request(
                method,
                URL(self._origin + target.decode("ascii"), encoded=True),
                headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers],
                data=body,
                allow_redirects=False,
            )
        except aiohttp.ClientError as error:
            raise _failed(error) from error
        return AiohttpResponse(response)

    def close(self) -> None:
        """The session is the pool's: it closes it."""


def _failed(error: aiohttp.ClientError) -> Exception:
    if isinstance(error, asyncio.TimeoutError):  # aiohttp's read and connect timeouts are both
        return TimeoutError(str(error))
    return UpstreamError(str(error))
