"""The world every authorisation test runs in: the four domain services on real sockets and an in-process
gateway in front of them, two provinces with a kabupaten each, an organisation (a unit and a position) and
people in the own kabupaten and in the other one, and one signed-in account per role.

`Side` names what a request can refer to in one agency; OWN is the callers' kabupaten, OTHER a kabupaten of
another province (outside every agency-scoped caller, the provincial administrator included).
"""

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from services.appraisal.app import create_app as appraisal_app
from services.employee.app import create_app as employee_app
from services.gateway.adapters.tables import agencies as gateway_agencies
from services.gateway.app import create_app as gateway_app
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import bearer, login
from services.mutation.app import create_app as mutation_app
from services.training.app import create_app as training_app
from shared.auth import mint_internal_token
from shared.principal import Principal, Role, system_principal
from shared.testing import eventually, serving
from tests.support import employee_payload

PROVINCE, OWN, OTHER_PROVINCE, OTHER = "7600", "7601", "7300", "7301"
PASSWORD = "Matriks-Akses-2026"
SERVICES = {
    "employee": employee_app,
    "appraisal": appraisal_app,
    "mutation": mutation_app,
    "training": training_app,
}

# The grant each role's account holds: the admin is provincial, BKN and the auditor national.
GRANTS = {
    Role.ADMIN: Grant(Role.ADMIN, ScopeKind.PROVINCE, PROVINCE),
    Role.HR_OFFICER: Grant(Role.HR_OFFICER, ScopeKind.AGENCY, OWN),
    Role.APPROVER: Grant(Role.APPROVER, ScopeKind.AGENCY, OWN),
    Role.BKN_REVIEWER: Grant(Role.BKN_REVIEWER, ScopeKind.ALL),
    Role.SUPERVISOR: Grant(Role.SUPERVISOR, ScopeKind.AGENCY, OWN),
    Role.EMPLOYEE: Grant(Role.EMPLOYEE, ScopeKind.AGENCY, OWN),
    Role.AUDITOR: Grant(Role.AUDITOR, ScopeKind.ALL),
}


@dataclass(frozen=True)
class Side:
    """What a request may refer to in one agency."""

    agency: str
    unit: str  # a unit of the agency
    position: str  # a position of that unit, with a free place
    person: str  # an employee of the agency, not the caller


@dataclass(frozen=True)
class Caller:
    role: Role
    principal: Principal
    access: dict[str, str]  # the access token, for requests through the gateway
    internal: dict[str, str]  # the internal token the gateway would forward, for requests to a service


@dataclass
class World:
    urls: dict[str, str]  # service -> base URL
    gateway: FastAPI
    door: httpx.AsyncClient  # to the gateway, without credentials of its own
    system: dict[str, str]  # internal token of the platform itself
    sides: dict[str, Side]  # "own", "other"
    people: dict[str, str]  # self (every caller's NIP), colleague, boss, outsider
    callers: dict[Role, Caller]
    _serial: "count[int]"
    # service -> its database URL: for set-up no route can make (a failed SIASN push), never for a cell
    databases: dict[str, str] = field(default_factory=dict)

    def serial(self) -> int:
        """A number no other request of this world used: for NIPs, codes and names that must be new."""
        return next(self._serial)

    def service(self, name: str) -> httpx.AsyncClient:
        """A client of one service as the platform itself (set-up and reading back, never the cell)."""
        return httpx.AsyncClient(base_url=self.urls[name], headers=self.system, timeout=30)


OWN_SIDE, OTHER_SIDE = "own", "other"


@asynccontextmanager
async def world(make_settings: Any) -> AsyncIterator[World]:
    async with AsyncExitStack() as stack:
        settings = {name: await make_settings(name) for name in SERVICES}
        urls = {
            name: await stack.enter_async_context(serving(factory(settings[name]), lifespan="on"))
            for name, factory in SERVICES.items()
        }
        config = gateway_settings(
            await make_settings("gateway", **{f"{name}_url": url for name, url in urls.items()}),
            rate_limit_per_minute=1_000_000,
            rate_limit_burst=100_000,
            # The callers sign in once; a matrix of writes outlasts the default five minutes.
            access_token_ttl_seconds=3600,
            # The webhook cells subscribe a receiver on loopback, which only an allow-list lets through.
            webhook_allowed_networks=("127.0.0.1/32",),
        )
        gateway = gateway_app(config)
        await stack.enter_async_context(gateway.router.lifespan_context(gateway))
        door = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=30
            )
        )
        # Long-lived like the callers' tokens: `service()` sets cells up for the whole matrix.
        platform_token = mint_internal_token(
            system_principal("test"),
            settings["employee"].internal_token_secret.get_secret_value(),
            ttl_seconds=3600,
        )
        system = {"Authorization": f"Bearer {platform_token}"}
        sides, people = await _organisation(urls, system)
        await _agencies_known(gateway)
        callers = await _callers(
            gateway, door, people["self"], config.internal_token_secret.get_secret_value()
        )
        databases = {name: settings[name].resolved_database_url for name in SERVICES}
        yield World(urls, gateway, door, system, sides, people, callers, count(1000), databases)


async def _organisation(
    urls: Mapping[str, str], system: dict[str, str]
) -> tuple[dict[str, Side], dict[str, str]]:
    async with httpx.AsyncClient(base_url=urls["employee"], headers=system, timeout=30) as employee:
        for code, kind, province in (
            (PROVINCE, "province", PROVINCE),
            (OWN, "kabupaten", PROVINCE),
            (OTHER_PROVINCE, "province", OTHER_PROVINCE),
            (OTHER, "kabupaten", OTHER_PROVINCE),
        ):
            answer = await employee.post(
                "/api/v1/agencies",
                json={"code": code, "name": f"Instansi {code}", "kind": kind, "province_code": province},
            )
            assert answer.status_code == 201, answer.text
        organisation = {}
        for side, code in ((OWN_SIDE, OWN), (OTHER_SIDE, OTHER)):
            unit = await employee.post(
                "/api/v1/units", json={"agency_code": code, "name": f"Bidang Uji {code}", "kind": "bidang"}
            )
            assert unit.status_code == 201, unit.text
            position = await employee.post(
                "/api/v1/positions",
                json={
                    "unit_id": unit.json()["id"],
                    "name": f"Analis Uji {code}",
                    "type": "pelaksana",
                    "job_class": 7,
                    "authorised_headcount": 50,
                },
            )
            assert position.status_code == 201, position.text
            organisation[side] = (code, unit.json()["id"], position.json()["id"])
        people = {
            "self": employee_payload(901, agency_code=OWN),
            "colleague": employee_payload(902, agency_code=OWN),
            "boss": employee_payload(903, agency_code=OWN),
            "outsider": employee_payload(904, agency_code=OTHER),
        }
        for name, person in people.items():
            code, unit_id, position_id = organisation[OTHER_SIDE if name == "outsider" else OWN_SIDE]
            answer = await employee.post(
                "/api/v1/employees",
                json={**person, "nik": "7601011203850001", "unit_id": unit_id, "position_id": position_id},
            )
            assert answer.status_code == 201, answer.text
        nips = {name: person["nip"] for name, person in people.items()}
        sides = {
            OWN_SIDE: Side(*organisation[OWN_SIDE], person=nips["colleague"]),
            OTHER_SIDE: Side(*organisation[OTHER_SIDE], person=nips["outsider"]),
        }

    async def copied_everywhere() -> bool:
        async with httpx.AsyncClient(headers=system, timeout=30) as client:
            for service in ("appraisal", "mutation", "training"):
                for nip in nips.values():
                    seen = await client.get(f"{urls[service]}/api/v1/{service}/employees/{nip}")
                    if seen.status_code != 200:
                        return False
            for side in sides.values():
                seen = await client.get(f"{urls['mutation']}/api/v1/mutation/positions/{side.position}")
                if seen.status_code != 200:
                    return False
        return True

    await eventually(copied_everywhere, timeout=60, what="the organisation and people in every read model")
    return sides, nips


async def _agencies_known(gateway: FastAPI) -> None:
    db = gateway.state.runtime.db

    async def known() -> bool:
        async with db.connect() as connection:
            codes = set((await connection.execute(select(gateway_agencies.c.code))).scalars())
        return {PROVINCE, OWN, OTHER_PROVINCE, OTHER} <= codes

    await eventually(known, timeout=30, what="the gateway's agency read model")


async def _callers(gateway: FastAPI, door: httpx.AsyncClient, nip: str, secret: str) -> dict[Role, Caller]:
    """One account per role (signed in through the door) and the principal the gateway made of it."""
    identity = gateway.state.gateway.identity
    for role, grant in GRANTS.items():
        await identity.users.create_user(
            username=f"user.{role}", name=f"User {role}", password=PASSWORD, nip=nip, grants=[grant]
        )
    _, client_secret = await identity.clients.create_client(
        client_id="simpeg-7601", name="SIMPEG 7601", agency_code=OWN
    )
    tokens = {role: await login(door, f"user.{role}", PASSWORD) for role in GRANTS}
    signed_in = await door.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": "simpeg-7601", "client_secret": client_secret},
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens[Role.INTEGRATION] = signed_in.json()
    callers = {}
    for role, pair in tokens.items():
        me = (await door.get("/api/v1/auth/me", headers=bearer(pair))).json()
        principal = Principal(
            subject=me["subject"],
            roles=frozenset(Role(r) for r in me["roles"]),
            agencies=None if me["agencies"] is None else frozenset(me["agencies"]),
            nip=me["nip"],
        )
        # Long-lived: a matrix of writes takes longer than the gateway's minute.
        internal = {"Authorization": f"Bearer {mint_internal_token(principal, secret, ttl_seconds=3600)}"}
        callers[role] = Caller(role, principal, bearer(pair), internal)
    # The provincial administrator's scope is the province and its kabupaten, not the other province.
    assert callers[Role.ADMIN].principal.agencies == frozenset({PROVINCE, OWN})
    return callers
