"""Guessing passwords at the gateway (issue 18): a burst of parallel wrong passwords is counted one by one
until the lockout (item 4).
"""

import asyncio

import pytest

from services.gateway.adapters import repository
from services.gateway.app import create_app
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import serve_gateway

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
