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
from shared.testing import DatabaseFactory
from tests.support import E2E_ADMIN, E2E_PASSWORD, platform_environment, signed_in


@pytest.fixture
async def platform(database_factory: DatabaseFactory, tmp_path: Path) -> AsyncIterator[Platform]:
    database_urls = {name: await database_factory.create(name, tmp_path) for name in SERVICE_PORTS}
    running = Platform(
        var_dir=tmp_path / "var",
        broker_port=free_port(),
        service_ports={name: free_port() for name in SERVICE_PORTS},
        database_urls=database_urls,
        extra_env=platform_environment(),
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
