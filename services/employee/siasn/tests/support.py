"""The SIASN fake served on 127.0.0.1 for the connector's tests, with a few people, unors and referensi, and
settings that point a `SiasnClient` at it."""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from services.employee.settings import EmployeeSettings
from services.employee.siasn.adapters.client import SiasnClient
from services.employee.siasn.fake import (
    API_BASE,
    GATEWAY_TOKEN_PATH,
    REFERENSI_BASE,
    SSO_TOKEN_PATH,
    SiasnState,
    create_app,
    demo_agency,
)
from shared.testing import serving

KNOWN_NIP = "199001012015031001"
UNKNOWN_NIP = "198001012005011999"


@dataclass
class ServedFake:
    state: SiasnState
    url: str

    def settings(self, **overrides: Any) -> EmployeeSettings:
        """Settings for a client of this fake: no pace and short backoffs unless a test says otherwise."""
        values: dict[str, Any] = {
            "service": "employee",
            "environment": "test",
            "siasn_enabled": True,
            "siasn_api_url": self.url + API_BASE,
            "siasn_referensi_url": self.url + REFERENSI_BASE,
            "siasn_gateway_token_url": self.url + GATEWAY_TOKEN_PATH,
            "siasn_sso_token_url": self.url + SSO_TOKEN_PATH,
            "siasn_consumer_key": self.state.consumer_key,
            "siasn_consumer_secret": self.state.consumer_secret,
            "siasn_sso_client_id": self.state.sso_client_id,
            "siasn_username": next(iter(self.state.users)),
            "siasn_password": next(iter(self.state.users.values())),
            "siasn_timeout_seconds": 5.0,
            "siasn_retry_backoff_seconds": 0.01,
            "siasn_pace_seconds": 0.0,
        }
        values.update(overrides)
        return EmployeeSettings(**values)

    def api_calls(self, path: str = "") -> int:
        """How many requests reached the SIMPEG API at `path` (a prefix after the API base)."""
        return len(self.state.arrivals_at(API_BASE + path))


def small_agency() -> SiasnState:
    """The demo agency with a few people, and one person at a NIP the tests know."""
    state = demo_agency(seed=1, people=5)
    first = next(iter(state.people.values()))
    del state.people[first.nip]
    first.data_utama["nipBaru"] = KNOWN_NIP
    state.people[KNOWN_NIP] = first
    return state


@asynccontextmanager
async def served_fake(state: SiasnState | None = None) -> AsyncIterator[ServedFake]:
    state = state if state is not None else small_agency()
    async with serving(create_app(state)) as url:
        yield ServedFake(state, url)


@asynccontextmanager
async def client_of(
    fake: ServedFake, *, clock: Callable[[], float] = time.monotonic, **overrides: Any
) -> AsyncIterator[SiasnClient]:
    # trust_env off: a proxy set in a developer's environment must not carry test traffic off the machine.
    async with SiasnClient(fake.settings(**overrides), clock=clock, trust_env=False) as client:
        yield client


class ManualClock:
    """A monotonic clock a test moves forward, shared by the fake and the client (token lifetimes)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
