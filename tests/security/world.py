"""The platform the attack tests of tests/security/ share, started once per test module: the domain services
and the gateway, each on a real socket on 127.0.0.1, with the province 7200 and its kabupaten 7201, people and
units in both, and a signed-in HR officer of 7201.

Module-scoped (a per-test platform would take most of the run): the attacks only read, or must change
nothing, so one platform serves every probe of a module.
"""

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from services.appraisal.app import create_app as appraisal_app
from services.employee.app import create_app as employee_app
from services.gateway.adapters.tables import agencies as gateway_agencies
from services.gateway.app import create_app as gateway_app
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import access_headers, bearer, login
from services.mutation.app import create_app as mutation_app
from services.training.app import create_app as training_app
from shared import clock
from shared.broker import EmbeddedBroker
from shared.principal import Role, system_principal
from shared.settings import Settings
from shared.testing import TEST_CLOCK_START, DatabaseFactory, auth_headers, eventually, serving
from tests.support import employee_payload

PROVINCE, KABUPATEN = "7200", "7201"
HR_7201, PASSWORD = "hr.7201", "Serangan-Uji-2026"
APPS = {
    "employee": employee_app,
    "appraisal": appraisal_app,
    "mutation": mutation_app,
    "training": training_app,
}


@dataclass
class World:
    gateway: FastAPI
    gateway_url: str
    urls: dict[str, str]
    # The platform itself, for calls straight to a service (internal token).
    system: dict[str, str]
    # Bearer access tokens at the gateway: every role and agency, and the HR officer of 7201.
    admin: dict[str, str]
    hr_7201: dict[str, str]
    settings: dict[str, Settings] = field(default_factory=dict)
    # The services' apps, for what a test holds in their process (e.g. a job runner's one slot).
    apps: dict[str, FastAPI] = field(default_factory=dict)
    people: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    units: dict[str, list[str]] = field(default_factory=dict)

    @property
    def port(self) -> int:
        port = urlsplit(self.gateway_url).port
        assert port is not None
        return port

    def nips(self, agency: str) -> set[str]:
        return {person["nip"] for person in self.people[agency]}

    def names(self, agency: str) -> set[str]:
        return {person["name"] for person in self.people[agency]}


async def _settings(
    factory: DatabaseFactory, broker: EmbeddedBroker, tmp: Path, prefix: str, service: str, **extra: Any
) -> Settings:
    """As the suite's `make_settings`, for a platform that outlives one test."""
    return Settings(
        service=service,
        environment="test",
        database_url=await factory.create(service, tmp),
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_topic_prefix=prefix,
        kafka_partitions=2,
        database_pool_size=2,
        kafka_session_timeout_ms=2000,
        kafka_heartbeat_interval_ms=500,
        consumer_retry_backoff_seconds=0.01,
        var_dir=tmp,
        log_json=False,
        **extra,
    )


@asynccontextmanager
async def running_world(
    factory: DatabaseFactory,
    broker: EmbeddedBroker,
    tmp: Path,
    services: Iterable[str] = ("employee",),
    **gateway_options: Any,
) -> AsyncIterator[World]:
    """`services` and the gateway in front of them (the others' URLs lead nowhere), seeded."""
    prefix = f"s{uuid.uuid4().hex[:10]}."
    async with AsyncExitStack() as stack:
        stack.enter_context(clock.pinned(TEST_CLOCK_START))
        urls: dict[str, str] = {name: "http://127.0.0.1:9" for name in APPS}
        settings: dict[str, Settings] = {}
        apps: dict[str, FastAPI] = {}
        for name in services:
            settings[name] = await _settings(factory, broker, tmp, prefix, name)
            apps[name] = APPS[name](settings[name])
            urls[name] = await stack.enter_async_context(serving(apps[name], lifespan="on"))
        config = gateway_settings(
            await _settings(
                factory, broker, tmp, prefix, "gateway", **{f"{n}_url": u for n, u in urls.items()}
            ),
            rate_limit_per_minute=1_000_000,
            rate_limit_burst=100_000,
        )
        gateway = gateway_app(config)
        gateway_url = await stack.enter_async_context(serving(gateway, lifespan="on", **gateway_options))
        system = auth_headers(settings["employee"])
        admin = access_headers(gateway, system_principal("security-admin"))
        world = World(gateway, gateway_url, urls, system, admin, {}, settings, apps=apps)
        await _seed(world)
        world.hr_7201 = await _sign_in_hr_officer(world)
        yield world


async def _seed(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.admin, timeout=20) as door:
        for code, kind in ((PROVINCE, "province"), (KABUPATEN, "kabupaten")):
            answer = await door.post(
                "/api/v1/agencies",
                json={"code": code, "name": f"Instansi {code}", "kind": kind, "province_code": PROVINCE},
            )
            assert answer.status_code == 201, answer.text
        for n, agency in enumerate((PROVINCE, KABUPATEN)):
            world.people[agency], world.units[agency] = [], []
            for i in range(3):
                person = employee_payload(700 + 10 * n + i, agency_code=agency)
                answer = await door.post("/api/v1/employees", json=person)
                assert answer.status_code == 201, answer.text
                world.people[agency].append(answer.json())
            for name in ("Bidang Umum", "Bidang Mutasi"):
                answer = await door.post(
                    "/api/v1/units",
                    json={"agency_code": agency, "name": f"{name} {agency}", "kind": "bidang"},
                )
                assert answer.status_code == 201, answer.text
                world.units[agency].append(answer.json()["id"])

    async def known() -> bool:
        async with world.gateway.state.runtime.db.connect() as connection:
            codes = set((await connection.execute(select(gateway_agencies.c.code))).scalars())
        return {PROVINCE, KABUPATEN} <= codes

    await eventually(known, timeout=30, what="the gateway's agency read model")


async def _sign_in_hr_officer(world: World) -> dict[str, str]:
    await world.gateway.state.gateway.identity.users.create_user(
        username=HR_7201,
        name="HR 7201",
        password=PASSWORD,
        nip=world.people[KABUPATEN][0]["nip"],
        grants=[Grant(Role.HR_OFFICER, ScopeKind.AGENCY, KABUPATEN)],
    )
    async with httpx.AsyncClient(base_url=world.gateway_url, timeout=20) as door:
        return bearer(await login(door, HR_7201, PASSWORD))
