"""The web app in Debian's headless Chromium (Playwright, no browser download) against the real platform:
broker, five uvicorn services and the demo data `asn seed` writes, started once for all browser tests, with
the SIASN contract fake serving the demo province's agency as `asn dev` starts it.

Every test opens a fresh browser context (no cookies, no storage), signs in as the demo user it needs and
creates what it changes, so no test depends on another's leftovers. A failing test leaves a screenshot in
ASN_SCREENSHOT_DIR (default var/screenshots).
"""

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from asn.dev import Platform, siasn_fake_env
from shared.auth import mint_internal_token
from shared.broker import ChildProcess, describe_exit
from shared.net import free_port, wait_for_port
from shared.principal import system_principal
from shared.settings import SERVICE_PORTS, Settings
from shared.testing import TEST_CLOCK_START, DatabaseFactory, eventually
from tests.browser.support import DESKTOP, PHONE, Session, WebPlatform, token

CHROMIUM = Path(os.environ.get("ASN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT_DIR = Path(os.environ.get("ASN_SCREENSHOT_DIR", "var/screenshots"))
SEED_TIMEOUT_SECONDS = 300
# The demo province as `make dev` seeds it: its ABK needs are drawn for this many people, and with far fewer
# nearly every unit is short of staff, so a placement round finds no move worth making.
DEMO_EMPLOYEES = 5000

expect.set_options(timeout=15_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # Keeps each phase's report on the test item, so the page fixture knows in its teardown that the
    # test failed and takes the screenshot.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _seed(platform: Platform, service: str) -> dict[str, Any]:
    """`asn seed` for one service, in that service's environment; answers the JSON line it printed."""
    run = ChildProcess(
        [
            sys.executable,
            "-m",
            "asn",
            "seed",
            "--service",
            service,
            "--employees",
            str(DEMO_EMPLOYEES),
        ],
        log_path=platform.var_dir / f"seed-{service}.log",
        env=platform.env_of(service),
    )
    run.finish(time.monotonic() + SEED_TIMEOUT_SECONDS)
    if run.returncode != 0:
        raise RuntimeError(
            f"asn seed --service {service} failed ({describe_exit(run.returncode)}):\n{run.tail(30)}"
        )
    report: dict[str, Any] = json.loads(run.tail(1).strip().splitlines()[-1])
    return report


@pytest.fixture(scope="session")
async def web_platform(
    database_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[WebPlatform]:
    tmp_path = tmp_path_factory.mktemp("web")
    database_urls = {name: await database_factory.create(name, tmp_path) for name in SERVICE_PORTS}
    siasn_port = free_port()
    running = Platform(
        var_dir=tmp_path / "var",
        broker_port=free_port(),
        service_ports={name: free_port() for name in SERVICE_PORTS},
        database_urls=database_urls,
        extra_env={
            "ASN_ENVIRONMENT": "test",
            "ASN_CLOCK_START": TEST_CLOCK_START.isoformat(),
            "ASN_LOG_JSON": "false",
            "ASN_UPSTREAM_TIMEOUT_SECONDS": "10",
            "ASN_DATABASE_POOL_SIZE": "2",
            "ASN_KAFKA_SESSION_TIMEOUT_MS": "2000",
            "ASN_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            **siasn_fake_env(siasn_port),
        },
    )
    siasn = _start_siasn_fake(running, siasn_port)
    try:
        await asyncio.to_thread(running.start)
    except BaseException:
        siasn.stop()
        raise
    try:
        # As `make dev` seeds: each service in its own environment, in parallel (the same seed number gives
        # each the same people; the gateway gets the demo users).
        employee, *_ = await asyncio.gather(
            *(
                asyncio.to_thread(_seed, running, name)
                for name in ("employee", "appraisal", "training", "gateway")
            )
        )
        demo = employee["summary"]
        web = WebPlatform(running, demo)
        await _wait_for_read_models(web)
        await asyncio.to_thread(wait_for_port, "127.0.0.1", siasn_port, SEED_TIMEOUT_SECONDS)
        yield web
    finally:
        await asyncio.to_thread(running.stop)
        siasn.stop()


def _start_siasn_fake(platform: Platform, port: int) -> ChildProcess:
    """The SIASN contract fake with the demo province's agency on the day the seed stands on, as `asn dev`
    starts it (services.employee.demo.siasn), for as many people as the seed makes."""
    platform.var_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "services.employee.demo.siasn", "--port", str(port),
        "--employees", str(DEMO_EMPLOYEES), "--as-of", f"{TEST_CLOCK_START.year}-01-01",
    ]  # fmt: skip
    return ChildProcess(command, log_path=platform.log_path("siasn-fake"), env=platform.env_of("employee"))


async def _wait_for_read_models(web: WebPlatform) -> None:
    """The seed writes to the employee database; the other services learn it by events. The tests work in
    the province agency, so they start once the gateway knows the province's agencies and the mutation
    service knows every employee and position of that agency (asked of the services themselves, with the
    platform's internal token, so the gateway's rate limit does not slow the wait)."""
    agency = web.demo["province_agency_code"]
    # The services inherit this process's environment, so they hold the same secret.
    secret = Settings(service="mutation").internal_token_secret.get_secret_value()
    platform_token = mint_internal_token(system_principal(), secret, ttl_seconds=900)
    internal = {"Authorization": f"Bearer {platform_token}"}
    async with httpx.AsyncClient(base_url=web.url, timeout=10) as gateway:
        headers = {"Authorization": f"Bearer {await token(gateway, 'admin')}"}

        async def province_known() -> bool:
            me = (await gateway.get("/api/v1/auth/me", headers=headers)).json()
            return me["agencies"] is None or len(me["agencies"]) > 1

        await eventually(
            province_known, timeout=120, interval=0.5, what="the province's agencies at the gateway"
        )

    async with (
        httpx.AsyncClient(base_url=web.platform.url("employee"), headers=internal, timeout=30) as employee,
        httpx.AsyncClient(base_url=web.platform.url("mutation"), headers=internal, timeout=30) as mutation,
    ):
        nips = [e["nip"] for e in await _all(employee, "/api/v1/employees", {"agency": agency})]
        positions = [
            p["id"] for p in await _all(employee, "/api/v1/workload", {"agency": agency, "level": "position"})
        ]
        pending = {f"/api/v1/mutation/employees/{nip}" for nip in nips}
        pending |= {f"/api/v1/mutation/positions/{position}" for position in positions}
        gate = asyncio.Semaphore(16)

        async def known(path: str) -> str | None:
            async with gate:
                try:
                    response = await mutation.get(path)
                except httpx.TransportError:
                    # A kept-alive connection the server closed as it was reused: ask again next round.
                    return None
                return path if response.status_code == 200 else None

        async def all_known() -> bool:
            pending.difference_update(await asyncio.gather(*(known(path) for path in list(pending))))
            return not pending

        await eventually(all_known, timeout=240, interval=1, what=f"agency {agency} at the mutation service")


async def _all(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await client.get(
            path, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not await asyncio.to_thread(CHROMIUM.exists):
        # Never a skip: CI installs Debian's chromium (.ci/run), and a developer must too.
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def _open_session(
    request: pytest.FixtureRequest, browser: Browser, web_platform: WebPlatform, viewport: dict[str, int]
) -> AsyncIterator[Session]:
    context = await browser.new_context(viewport=viewport, locale="id-ID", accept_downloads=True)
    page = await context.new_page()
    session = Session(page=page, context=context, base_url=web_platform.url)
    context.on("request", lambda req: session.requests.append(req.url))
    console_errors: list[str] = []
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    try:
        yield session
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            await asyncio.to_thread(SCREENSHOT_DIR.mkdir, parents=True, exist_ok=True)
            target = SCREENSHOT_DIR / f"{request.node.name}-{viewport['width']}-{id(page):x}.png"
            await page.screenshot(path=str(target), full_page=True)
            sys.stderr.write(f"\nscreenshot of the failure: {target}\n")
            if console_errors:
                sys.stderr.write("page errors:\n" + "\n".join(console_errors) + "\n")
        await context.close()


@pytest.fixture
async def web(
    request: pytest.FixtureRequest, browser: Browser, web_platform: WebPlatform
) -> AsyncIterator[Session]:
    async for session in _open_session(request, browser, web_platform, DESKTOP):
        yield session


@pytest.fixture
async def phone(
    request: pytest.FixtureRequest, browser: Browser, web_platform: WebPlatform
) -> AsyncIterator[Session]:
    async for session in _open_session(request, browser, web_platform, PHONE):
        yield session


@pytest.fixture
async def other(
    request: pytest.FixtureRequest, browser: Browser, web_platform: WebPlatform
) -> AsyncIterator[Session]:
    """A second person at another computer, for steps that pass from one role to another."""
    async for session in _open_session(request, browser, web_platform, DESKTOP):
        yield session
