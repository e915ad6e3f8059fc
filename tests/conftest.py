"""A whole platform of real processes (broker, five uvicorn services) for the cross-service tests, with an
administrator account at the gateway (`gateway` gives a client signed in as it)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from asn.dev import Platform
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.service.identity import Identity
from services.gateway.settings import GatewaySettings
from shared.db import Database
from shared.net import free_port
from shared.principal import Role
from shared.settings import SERVICE_PORTS
from shared.testing import TEST_CLOCK_START, DatabaseFactory
from tests.support import E2E_ADMIN, E2E_PASSWORD, INTERNAL_SECRET, signed_in


@pytest.fixture
async def platform(database_factory: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Platform]:
    database_urls = {name: await database_factory.create(name, tmp_path) for name in SERVICE_PORTS}
    running = Platform(
        var_dir=tmp_path / "var",
        broker_port=free_port(),
        service_ports={name: free_port() for name in SERVICE_PORTS},
        database_urls=database_urls,
        extra_env={
            "ASN_ENVIRONMENT": "test",
            "ASN_CLOCK_START": TEST_CLOCK_START.isoformat(),
            "ASN_LOG_JSON": "false",
            "ASN_UPSTREAM_TIMEOUT_SECONDS": "5",
            "ASN_DATABASE_POOL_SIZE": "2",
            "ASN_KAFKA_SESSION_TIMEOUT_MS": "2000",
            "ASN_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "ASN_INTERNAL_TOKEN_SECRET": INTERNAL_SECRET,
            # Tests call faster than any person; the limit itself is tested in the gateway's own tests.
            "ASN_RATE_LIMIT_PER_MINUTE": "1000000",
            "ASN_RATE_LIMIT_BURST": "100000",
            "ASN_ACCESS_TOKEN_TTL_SECONDS": "3600",
        },
    )
    await asyncio.to_thread(running.start)
    try:
        await _add_admin(database_urls["gateway"])
        yield running
    finally:
        await asyncio.to_thread(running.stop)


async def _add_admin(database_url: str) -> None:
    settings = GatewaySettings(service="gateway", environment="test", database_url=database_url)
    db = Database(settings.resolved_database_url)
    try:
        await Identity(settings, db).users.create_user(
            username=E2E_ADMIN,
            name="E2E Admin",
            password=E2E_PASSWORD,
            grants=[Grant(Role.ADMIN, ScopeKind.ALL)],
        )
    finally:
        await db.dispose()


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the platform's gateway, signed in as a national administrator."""
    async with signed_in(platform.url("gateway")) as client:
        yield client
