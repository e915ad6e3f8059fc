"""Pytest fixtures for every test of the platform (loaded by the root conftest.py).

The broker (embedded Tansu) and the database server are started or found once per run and shared; every
test gets its own databases (PostgreSQL: a copy of a migrated template; SQLite: a copy of a migrated file)
and its own topic prefix, so no test sees another's data or events.
"""

import asyncio
import inspect
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from shared import clock
from shared.auth import mint_internal_token
from shared.broker import EmbeddedBroker
from shared.declaration import declared
from shared.migrations import upgrade
from shared.net import free_port
from shared.principal import Principal, Role, system_principal
from shared.settings import Settings

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

TEST_TOKEN_TTL_SECONDS = 3600

# The business clock every test starts from (shared.clock), whatever day the suite runs: a Monday morning
# in Indonesia. Processes the tests start get it as ASN_CLOCK_START.
TEST_CLOCK_START = datetime(2026, 12, 7, 9, 0, tzinfo=clock.WIB)


@dataclass(frozen=True)
class DatabaseServer:
    """Where test databases live: a PostgreSQL server (admin URL) or, without one, SQLite files."""

    admin_url: str | None

    @property
    def kind(self) -> str:
        return "postgresql" if self.admin_url else "sqlite"

    def url_of(self, name: str, sqlite_dir: Path) -> str:
        if self.admin_url is None:
            return f"sqlite+aiosqlite:///{sqlite_dir / (name + '.db')}"
        return (
            make_url(self.admin_url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres_answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(_plain(url), timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


def find_database_server() -> DatabaseServer:
    explicit = os.environ.get("ASN_TEST_DATABASE_URL")
    if explicit == "sqlite":
        return DatabaseServer(None)
    if explicit:
        return DatabaseServer(explicit)
    if asyncio.run(_postgres_answers(DEFAULT_POSTGRES_URL)):
        return DatabaseServer(DEFAULT_POSTGRES_URL)
    return DatabaseServer(None)


_database_server: DatabaseServer | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _database_server
    _database_server = find_database_server()


def pytest_report_header(config: pytest.Config) -> list[str]:
    server = _database_server
    if server is None or server.admin_url is None:
        return ["database: SQLite (ASN_TEST_DATABASE_URL=postgresql://... to use a PostgreSQL server)"]
    return [f"database: PostgreSQL at {make_url(server.admin_url).render_as_string(hide_password=True)}"]


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[datetime]:
    """Every test runs on the same business day; a test needing another pins `shared.clock` itself."""
    with clock.pinned(TEST_CLOCK_START):
        yield TEST_CLOCK_START


@pytest.fixture(scope="session")
def database_server() -> DatabaseServer:
    assert _database_server is not None
    return _database_server


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(port=free_port(), log_path=log) as running:
        yield running


DROPS_AT_ONCE = 8


class DatabaseFactory:
    """Fresh, migrated databases per test: cloned from one migrated template per service and run."""

    def __init__(self, server: DatabaseServer, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self._templates: dict[str, str] = {}
        self._created: list[str] = []

    async def _admin(self) -> asyncpg.Connection:
        assert self.server.admin_url is not None
        return await asyncpg.connect(_plain(self.server.admin_url))

    async def _template(self, service: str) -> str:
        if service in self._templates:
            return self._templates[service]
        name = f"asn_tpl_{self.run_id}_{service}"
        if self.server.admin_url is not None:
            admin = await self._admin()
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            self._created.append(name)
        location = declared(service).migrations
        await asyncio.to_thread(upgrade, location, self.server.url_of(name, self.workdir))
        self._templates[service] = name
        return name

    async def create(self, service: str, tmp_path: Path) -> str:
        """A new database for `service`, already migrated; returns its async URL."""
        template = await self._template(service)
        name = f"asn_{self.run_id}_{service}_{uuid.uuid4().hex[:8]}"
        if self.server.admin_url is None:
            shutil.copyfile(self.workdir / f"{template}.db", tmp_path / f"{name}.db")
            return self.server.url_of(name, tmp_path)
        admin = await self._admin()
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        self._created.append(name)
        return self.server.url_of(name, tmp_path)

    async def drop_all(self) -> None:
        """Drop every database of this run, several at once: one DROP waits ~0.2 s on the server's file
        sync, and a worker creates hundreds (measured here: 8 at once take an eighth of the time)."""
        if self.server.admin_url is None:
            return
        templates = set(self._templates.values())
        clones = [name for name in self._created if name not in templates]

        async def drop_some(share: list[str]) -> None:
            admin = await self._admin()
            try:
                for name in share:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()

        await asyncio.gather(*(drop_some(clones[i::DROPS_AT_ONCE]) for i in range(DROPS_AT_ONCE)))
        await drop_some(sorted(templates))  # after the databases cloned from them


@pytest.fixture(scope="session")
async def database_factory(
    database_server: DatabaseServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(database_server, tmp_path_factory.mktemp("templates"))
    yield factory
    await factory.drop_all()


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


SettingsFactory = Callable[..., Awaitable[Settings]]


@pytest.fixture
def make_settings(
    database_factory: DatabaseFactory, broker: EmbeddedBroker, topic_prefix: str, tmp_path: Path
) -> SettingsFactory:
    """Settings for one service of this test: its own database, the shared broker, this test's topics."""

    async def make(service: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "service": service,
            "environment": "test",
            "database_url": await database_factory.create(service, tmp_path),
            "kafka_bootstrap_servers": broker.bootstrap_servers,
            "kafka_topic_prefix": topic_prefix,
            "kafka_partitions": 2,
            # Tests run in parallel workers against one PostgreSQL server: keep few idle connections.
            "database_pool_size": 2,
            "kafka_session_timeout_ms": 2000,
            "kafka_heartbeat_interval_ms": 500,
            "consumer_retry_backoff_seconds": 0.01,
            "var_dir": tmp_path,
            "log_json": False,
        }
        values.update(overrides)
        return Settings(**values)

    return make


def auth_headers(settings: Settings, principal: Principal | None = None) -> dict[str, str]:
    """Headers that carry `principal` (default: the platform itself) as the gateway would forward it."""
    # An hour, not the gateway's minute: a test's client outlives many of the gateway's tokens.
    token = mint_internal_token(
        principal or system_principal("test"),
        settings.internal_token_secret.get_secret_value(),
        ttl_seconds=TEST_TOKEN_TTL_SECONDS,
    )
    return {"Authorization": f"Bearer {token}"}


def principal(
    *roles: Role | str, agencies: Iterable[str] | None = (), nip: str | None = None, subject: str = "tester"
) -> Principal:
    """A caller for authorisation tests: `principal("hr_officer", agencies=["A1"])`."""
    return Principal(
        subject=subject,
        roles=frozenset(Role(role) for role in roles),
        agencies=None if agencies is None else frozenset(agencies),
        nip=nip,
    )


@asynccontextmanager
async def serve_in_process(
    app: FastAPI, *, as_principal: Principal | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (bus, relay, consumer) and talk to it without a socket.

    The client carries an internal token for `as_principal` (default: the platform itself); pass other
    headers per request to act as someone else.
    """
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = auth_headers(app.state.runtime.settings, as_principal)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as client:
            yield client


async def eventually(
    probe: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"
) -> Any:
    """Poll `probe` (sync or async) until it returns a truthy value or the deadline passes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = probe()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


async def define_agencies(client: httpx.AsyncClient, *codes: str) -> None:
    """Each agency and, for a kabupaten or kota, its province (a code like 7601 belongs to province 7600),
    defined through the organisation API that `client` reaches (the employee service or the gateway)."""
    for code in codes:
        province = code[:2] + "00"
        for agency, kind in ((province, "province"), (code, "kabupaten")):
            if (await client.get(f"/api/v1/agencies/{agency}")).status_code == 200:
                continue
            answer = await client.post(
                "/api/v1/agencies",
                json={"code": agency, "name": f"Instansi {agency}", "kind": kind, "province_code": province},
            )
            assert answer.status_code == 201, answer.text


@asynccontextmanager
async def serving(app: Any, *, lifespan: Literal["on", "off"] = "off", **options: Any) -> AsyncIterator[str]:
    """`app` on a real socket (uvicorn, this event loop, `options` for its Config); yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan=lifespan, log_level="warning", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started or task.done(), timeout=60, what="the server to start")
    if task.done():
        task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
