"""What the browser tests share besides fixtures: the demo platform's handle, a browser tab with the URLs it
asked for, and the public API as a demo user for setting up what a test needs."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import BrowserContext, Page, expect

from asn.dev import Platform

DEMO_PASSWORD = "rahasia123"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class WebPlatform:
    platform: Platform
    demo: dict[str, Any]

    @property
    def url(self) -> str:
        return self.platform.url("gateway")


@dataclass
class Session:
    """One test's browser tab, with every URL the browser asked for."""

    page: Page
    context: BrowserContext
    base_url: str
    requests: list[str] = field(default_factory=list)

    async def open(self, path: str = "/") -> None:
        await self.page.goto(self.base_url + path)

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        await self.open("/")
        await self.page.get_by_label("Nama pengguna").fill(username)
        await self.page.get_by_label("Kata sandi").fill(password)
        await self.page.get_by_role("button", name="Masuk").click()
        await expect(self.page.get_by_role("button", name="Keluar")).to_be_visible()

    async def go(self, fragment: str) -> None:
        """Follow an in-app link the way a user's address bar would (`#/mutasi/...`)."""
        await self.page.evaluate("fragment => { location.hash = fragment; }", fragment)

    def foreign_requests(self) -> list[str]:
        gateway = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:", "about:")) and urlsplit(url).netloc != gateway
        ]


@asynccontextmanager
async def api_as(web: WebPlatform, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """The public API as a demo user: what a test sets up before the browser takes over."""
    async with httpx.AsyncClient(base_url=web.url, timeout=20) as client:
        client.headers["Authorization"] = f"Bearer {await token(client, username)}"
        yield client


async def token(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """An access token of a demo user, for setting up what a test needs through the public API."""
    answer = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    access: str = answer.json()["access_token"]
    return access
