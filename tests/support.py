"""Helpers for the cross-service tests: valid demo employees, signing in at a running gateway, and the
internal token for calls straight to a service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import httpx

from shared.auth import mint_internal_token
from shared.principal import system_principal
from shared.testing import TEST_CLOCK_START

E2E_ADMIN, E2E_PASSWORD = "e2e.admin", "Uji-Ujung-Ke-Ujung-2026"
# The platform's processes share it (tests/conftest.py), so a test can call a service directly.
INTERNAL_SECRET = "e2e-internal-secret-not-for-production"


def employee_payload(i: int, *, agency_code: str = "7601") -> dict[str, Any]:
    """The i-th of a series of distinct, valid employees (NIP consistent with birth date and gender)."""
    birth = date(1975, 1, 1) + timedelta(days=i)
    gender_digit = 1 + i % 2
    nip = f"{birth:%Y%m%d}200501{gender_digit}{i % 999 + 1:03d}"
    return {
        "nip": nip,
        "name": f"Pegawai Uji {i}",
        "birth_date": birth.isoformat(),
        "gender": "M" if gender_digit == 1 else "F",
        "agency_code": agency_code,
    }


def platform_environment() -> dict[str, str]:
    """The environment of a test platform's processes (tests/conftest.py, bench/chaos.py)."""
    return {
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
    }


def internal_headers() -> dict[str, str]:
    """What the gateway would forward for the platform itself: for calls straight to a service."""
    token = mint_internal_token(system_principal("e2e"), INTERNAL_SECRET, ttl_seconds=3600)
    return {"Authorization": f"Bearer {token}"}


async def sign_in(base_url: str, username: str = E2E_ADMIN, password: str = E2E_PASSWORD) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        response = await client.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
        )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@asynccontextmanager
async def signed_in(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = await sign_in(base_url)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as client:
        yield client
