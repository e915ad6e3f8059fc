"""Helpers the gateway's tests share: serving a gateway in-process with an access token, serving other apps
on real sockets (`shared.testing.serving`: the gateway reaches its upstreams over HTTP), logging in."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from services.gateway.adapters import repository
from shared.principal import Principal, system_principal


def access_headers(gateway_app: FastAPI, principal: Principal | None = None) -> dict[str, str]:
    """A bearer access token the gateway issued for `principal` (default: every role, every agency)."""
    tokens = gateway_app.state.gateway.identity.sessions.tokens
    token = tokens.issue(principal or system_principal("tester"), uuid.uuid4())
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def serve_gateway(
    gateway_app: FastAPI, principal: Principal | None = None, *, with_token: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's lifespan and a client carrying an access token (or none)."""
    async with gateway_app.router.lifespan_context(gateway_app):
        headers = access_headers(gateway_app, principal) if with_token else {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway_app), base_url="http://testserver", headers=headers
        ) as client:
            yield client


async def know_agencies(gateway_app: FastAPI, provinces: dict[str, list[str]]) -> None:
    """Each province and its kabupaten in the gateway's agency read model, as the employee service's events
    put them there (`gateway_app` is running)."""
    async with gateway_app.state.runtime.db.connect() as connection:
        for province, kabupaten in provinces.items():
            for code in (province, *kabupaten):
                kind = "province" if code == province else "kabupaten"
                agency = {"code": code, "name": f"Instansi {code}", "kind": kind, "province_code": province}
                await repository.upsert_agency(connection, {**agency, "version": 1})
        await connection.commit()


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
