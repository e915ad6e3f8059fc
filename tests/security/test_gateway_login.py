"""Guessing passwords at the gateway (issue 18): a burst of parallel wrong passwords is counted one by one
until the lockout (item 4), and a caller cannot claim another address to escape the login rate limit: the
gateway believes X-Forwarded-For only from the proxies it is told to trust (item 8).
"""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.adapters import repository
from services.gateway.app import create_app
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import serve_gateway
from shared.settings import forwarded_header_options
from shared.testing import SettingsFactory, serving

pytestmark = pytest.mark.integration

PASSWORD = "Kopi-Toraja-2026"
THRESHOLD = 5
ATTEMPTS = 30


async def test_parallel_wrong_passwords_lock_the_account_after_exactly_the_threshold(make_settings):
    settings = gateway_settings(
        await make_settings("gateway"),
        lockout_threshold=THRESHOLD,
        lockout_seconds=600,
        rate_limit_burst=10 * ATTEMPTS,
    )
    app = create_app(settings)
    async with serve_gateway(app, with_token=False) as gateway:
        await app.state.gateway.identity.users.create_user(
            username="andi", name="Andi Mappaseng", password=PASSWORD, nip=None, grants=[]
        )

        async def guess() -> int:
            answer = await gateway.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": "andi", "password": "salah-123"},
            )
            return answer.status_code

        statuses = await asyncio.gather(*(guess() for _ in range(ATTEMPTS)))

        # The threshold-th failure locks the account (and answers 423, as one at a time); none is lost.
        assert sorted(statuses) == [401] * (THRESHOLD - 1) + [423] * (ATTEMPTS - THRESHOLD + 1)
        async with app.state.runtime.db.connect() as connection:
            user = await repository.get_user(connection, "andi")
        assert user is not None and user["locked_until"] is not None
        right = await gateway.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": "andi", "password": PASSWORD}
        )
        assert right.status_code == 423


def forwarded_from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def login_attempts(base_url: str, addresses: list[str]) -> list[int]:
    """One empty login per address claimed in X-Forwarded-For, from this machine; the statuses."""
    async with httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
        return [
            (await client.post("/api/v1/auth/token", headers=forwarded_from(address), data={})).status_code
            for address in addresses
        ]


async def gateway_with(make_settings: SettingsFactory, **overrides: Any) -> FastAPI:
    settings = gateway_settings(
        await make_settings("gateway"), rate_limit_per_minute=1, rate_limit_burst=3, **overrides
    )
    return create_app(settings)


async def test_without_a_trusted_proxy_a_claimed_address_does_not_escape_the_login_rate_limit(make_settings):
    app = await gateway_with(make_settings)
    settings = app.state.gateway.settings
    async with serving(app, lifespan="on", **forwarded_header_options(settings)) as base_url:
        statuses = await login_attempts(base_url, [f"203.0.113.{n}" for n in range(6)])
    assert [status == 429 for status in statuses] == [False] * 3 + [True] * 3, statuses


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_login_rate_limit(make_settings):
    app = await gateway_with(make_settings, trusted_proxies="127.0.0.1")
    settings = app.state.gateway.settings
    async with serving(app, lifespan="on", **forwarded_header_options(settings)) as base_url:
        different = await login_attempts(base_url, [f"203.0.113.{n}" for n in range(6)])
        same = await login_attempts(base_url, ["198.51.100.9"] * 4)
    assert 429 not in different, different
    assert [status == 429 for status in same] == [False] * 3 + [True], same
