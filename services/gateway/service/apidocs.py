"""The merged OpenAPI document, fetched from every service and cached; the AsyncAPI document, built once."""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from services.gateway.domain.apidocs import asyncapi_document, merge_openapi
from services.gateway.proxy import UpstreamPool
from services.gateway.routes import owner_of
from shared.events.catalogue import CATALOGUE

log = logging.getLogger(__name__)

FETCH_TIMEOUT = aiohttp.ClientTimeout(total=5)
# A document missing a service is kept briefly only, so the service's return shows up soon.
PARTIAL_CACHE_SECONDS = 5.0


class ApiDocs:
    def __init__(
        self, pool: UpstreamPool, gateway_document: Callable[[], dict[str, Any]], ttl: float
    ) -> None:
        self.pool = pool
        self._gateway_document = gateway_document
        self.ttl = ttl
        self._merged: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self._asyncapi: dict[str, Any] | None = None

    async def openapi(self) -> dict[str, Any]:
        if self._merged is not None and time.monotonic() < self._expires:
            return self._merged
        async with self._lock:
            if self._merged is None or time.monotonic() >= self._expires:
                services = dict(
                    zip(
                        self.pool.services,
                        await asyncio.gather(*(self._fetch(name) for name in self.pool.services)),
                        strict=True,
                    )
                )
                missing = [name for name, doc in services.items() if doc is None]
                found = {name: doc for name, doc in services.items() if doc is not None}
                self._merged = merge_openapi(self._gateway_document(), found, owner_of, missing=missing)
                self._expires = time.monotonic() + (PARTIAL_CACHE_SECONDS if missing else self.ttl)
        return self._merged

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        try:
            async with self.pool.session(service).get(
                self.pool.base_url(service) + "/openapi.json", timeout=FETCH_TIMEOUT, allow_redirects=False
            ) as answer:
                if answer.status != 200:
                    return None
                document: dict[str, Any] = json.loads(await answer.read())
                return document
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            log.warning("could not fetch the OpenAPI document of %s: %r", service, error)
            return None

    def asyncapi(self) -> dict[str, Any]:
        if self._asyncapi is None:
            self._asyncapi = asyncapi_document(CATALOGUE)
        return self._asyncapi
