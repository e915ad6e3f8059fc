"""A whole platform of real processes (broker, five uvicorn services) for the cross-service tests."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.dev import Platform
from shared.net import free_port
from shared.settings import SERVICE_PORTS
from shared.testing import DatabaseFactory


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
            "ASN_LOG_JSON": "false",
            "ASN_UPSTREAM_TIMEOUT_SECONDS": "5",
            "ASN_KAFKA_SESSION_TIMEOUT_MS": "2000",
            "ASN_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        },
    )
    await asyncio.to_thread(running.start)
    try:
        yield running
    finally:
        await asyncio.to_thread(running.stop)
