"""The write matrix of the gateway's own routes (identity administration, webhooks, signing in and out):
every role x (own / other agency in the path) x (own / other agency referenced in the body), through the
gateway, which answers these itself.

In the path, "own" is an account or subscription of the callers' kabupaten and "other" one of the other
province's kabupaten; in the body, a grant's scope, a client's agency or a subscription's agency filter.
Each cell gets fresh accounts, clients and subscriptions, made through the gateway's service objects as the
platform. Logging out and changing one's password end the caller's own login, so they run last, each after
everyone has signed in again.
"""

import dataclasses
import uuid

import pytest
from argon2 import PasswordHasher

from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.service import credentials
from services.gateway.service.identity import Identity
from services.gateway.service.webhooks import Webhooks, enqueue
from services.gateway.tests.support import bearer, login
from shared import clock
from shared.etag import etag_of
from shared.events.envelope import CloudEvent
from shared.principal import Principal, Role
from tests.authorisation.world import OTHER, OWN_SIDE, PASSWORD, World, world
from tests.authorisation.writes import (
    EVERY_ROLE,
    Cell,
    Request,
    WriteRoute,
    require_every_route,
    run_matrix,
)

pytestmark = pytest.mark.integration

ADMIN = frozenset({Role.ADMIN})
SUBSCRIBERS = frozenset({Role.ADMIN, Role.HR_OFFICER, Role.INTEGRATION})
# Nothing listens there, and nothing in the world publishes these types: the matrix queues its only
# deliveries itself, one for each replay cell (under a type of its own).
HOOK = "http://127.0.0.1:9/hook"
SUBSCRIBED, CHANGED_TO, REPLAYED = (
    "asn.mutation.decree.issued",
    "asn.mutation.decree.amended",
    "asn.mutation.decree.revoked",
)
# The other agency's system: it owns the subscriptions of the "other" path.
OTHER_SYSTEM = Principal(
    subject="client:simpeg-7301", roles=frozenset({Role.INTEGRATION}), agencies=frozenset({OTHER})
)


@pytest.fixture(autouse=True)
def light_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lightest: the matrix makes a few hundred accounts and secrets, and what it tests is who
    may write, not what a hash costs."""
    monkeypatch.setattr(credentials, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _identity(w: World) -> Identity:
    identity: Identity = w.gateway.state.gateway.identity
    return identity


def _webhooks(w: World) -> Webhooks:
    webhooks: Webhooks = w.gateway.state.gateway.webhooks
    return webhooks


def _agency(w: World, side: str) -> str:
    return w.sides[side].agency


async def _user(w: World, side: str, *, password: str | None = None) -> str:
    """A fresh account holding a role in the side's agency."""
    username = f"pengguna.{w.serial()}"
    await _identity(w).users.create_user(
        username=username,
        name=f"Pengguna {username}",
        password=password,
        grants=[Grant(Role.HR_OFFICER, ScopeKind.AGENCY, _agency(w, side))],
    )
    return username


async def _client(w: World, side: str) -> str:
    """A fresh agency system of the side's agency."""
    client_id = f"simpeg-{w.serial()}"
    await _identity(w).clients.create_client(client_id=client_id, name="SIMPEG", agency_code=_agency(w, side))
    return client_id


async def _grant_id(w: World, holder: str) -> uuid.UUID:
    (held,) = (await _identity(w).grants.grants_of([holder]))[holder]
    return held.id


def _owner(w: World, side: str, role: Role) -> Principal:
    """Who subscribed on the side: the caller, or the other agency's system."""
    return w.callers[role].principal if side == OWN_SIDE else OTHER_SYSTEM


async def _subscription(w: World, side: str, role: Role, event_type: str = SUBSCRIBED) -> uuid.UUID:
    """A fresh subscription to the side's agency."""
    subscribed = await _webhooks(w).subscribe(_owner(w, side, role), HOOK, [event_type], [_agency(w, side)])
    subscription_id: uuid.UUID = subscribed.subscription["id"]
    return subscription_id


def _grant_body(role: Role, agency: str) -> dict[str, str]:
    return {"role": role.value, "scope_kind": ScopeKind.AGENCY.value, "scope_code": agency}


# -- identity administration --------------------------------------------------------------------------------


async def create_user(w: World, cell: Cell, role: Role) -> Request:
    grants = [_grant_body(Role.SUPERVISOR, _agency(w, cell.body))]
    body = {"username": f"pengguna.{w.serial()}", "name": "Pengguna Baru", "grants": grants}
    return Request("POST", "/api/v1/identity/users", json=body)


async def update_user(w: World, cell: Cell, role: Role) -> Request:
    username = await _user(w, cell.path)
    return Request(
        "PATCH",
        f"/api/v1/identity/users/{username}",
        json={"name": "Nama Diperbarui", "active": False},
        headers={"If-Match": etag_of(1)},
    )


async def set_password(w: World, cell: Cell, role: Role) -> Request:
    username = await _user(w, cell.path)
    body = {"password": f"Sandi-Baru-{w.serial()}"}
    return Request("POST", f"/api/v1/identity/users/{username}/password", json=body)


async def unlock_user(w: World, cell: Cell, role: Role) -> Request:
    return Request("POST", f"/api/v1/identity/users/{await _user(w, cell.path)}/unlock")


async def grant_user(w: World, cell: Cell, role: Role) -> Request:
    username = await _user(w, cell.path)
    body = _grant_body(Role.APPROVER, _agency(w, cell.body))
    return Request("POST", f"/api/v1/identity/users/{username}/grants", json=body)


async def revoke_user_grant(w: World, cell: Cell, role: Role) -> Request:
    username = await _user(w, cell.path)
    grant_id = await _grant_id(w, f"user:{username}")
    return Request("DELETE", f"/api/v1/identity/users/{username}/grants/{grant_id}")


async def create_client(w: World, cell: Cell, role: Role) -> Request:
    body = {"client_id": f"simpeg-{w.serial()}", "name": "SIMPEG", "agency_code": _agency(w, cell.body)}
    return Request("POST", "/api/v1/identity/clients", json=body)


async def update_client(w: World, cell: Cell, role: Role) -> Request:
    client_id = await _client(w, cell.path)
    return Request(
        "PATCH",
        f"/api/v1/identity/clients/{client_id}",
        json={"active": False},
        headers={"If-Match": etag_of(1)},
    )


async def rotate_client_secret(w: World, cell: Cell, role: Role) -> Request:
    return Request("POST", f"/api/v1/identity/clients/{await _client(w, cell.path)}/secret")


async def grant_client(w: World, cell: Cell, role: Role) -> Request:
    client_id = await _client(w, cell.path)
    body = _grant_body(Role.INTEGRATION, _agency(w, cell.body))
    return Request("POST", f"/api/v1/identity/clients/{client_id}/grants", json=body)


async def revoke_client_grant(w: World, cell: Cell, role: Role) -> Request:
    client_id = await _client(w, cell.path)
    grant_id = await _grant_id(w, f"client:{client_id}")
    return Request("DELETE", f"/api/v1/identity/clients/{client_id}/grants/{grant_id}")


# -- webhooks -----------------------------------------------------------------------------------------------


async def subscribe(w: World, cell: Cell, role: Role) -> Request:
    body = {"url": HOOK, "event_types": [SUBSCRIBED], "agencies": [_agency(w, cell.body)]}
    return Request("POST", "/api/v1/webhooks/subscriptions", json=body)


async def change_subscription(w: World, cell: Cell, role: Role) -> Request:
    subscription_id = await _subscription(w, cell.path, role)
    return Request(
        "PATCH",
        f"/api/v1/webhooks/subscriptions/{subscription_id}",
        json={"event_types": [CHANGED_TO], "agencies": [_agency(w, cell.body)]},
        headers={"If-Match": etag_of(1)},
    )


async def rotate_subscription_secret(w: World, cell: Cell, role: Role) -> Request:
    subscription_id = await _subscription(w, cell.path, role)
    return Request("POST", f"/api/v1/webhooks/subscriptions/{subscription_id}/secret")


async def replay_delivery(w: World, cell: Cell, role: Role) -> Request:
    """A delivery of a fresh subscription, which is then paused: no other cell's event is queued for it."""
    subscription_id = await _subscription(w, cell.path, role, REPLAYED)
    event = CloudEvent(
        source="/asn/mutation",
        type=REPLAYED,
        time=clock.now(),
        subject=str(uuid.uuid4()),
        correlationid=str(uuid.uuid4()),
        agency=_agency(w, cell.path),
        data={},
    )
    async with w.gateway.state.runtime.db.connect() as connection:
        assert await enqueue(connection, event) == 1
        await connection.commit()
    owner = _owner(w, cell.path, role)
    await _webhooks(w).change(owner, subscription_id, {"active": False})
    (delivery,) = await _webhooks(w).deliveries(owner, subscription_id, state=None, after=None, limit=2)
    return Request("POST", f"/api/v1/webhooks/deliveries/{delivery['id']}/replay")


# -- signing in and out -------------------------------------------------------------------------------------


async def issue_token(w: World, cell: Cell, role: Role) -> Request:
    username = await _user(w, OWN_SIDE, password=PASSWORD)
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    return Request("POST", "/api/v1/auth/token", files={name: (None, value) for name, value in form.items()})


async def logout(w: World, cell: Cell, role: Role) -> Request:
    return Request("POST", "/api/v1/auth/logout")


async def change_own_password(w: World, cell: Cell, role: Role) -> Request:
    body = {"current_password": PASSWORD, "new_password": f"Sandi-Baru-{w.serial()}"}
    return Request("POST", "/api/v1/auth/password", json=body)


USER = "/api/v1/identity/users/{username}"
CLIENT = "/api/v1/identity/clients/{client_id}"
SUBSCRIPTION = "/api/v1/webhooks/subscriptions/{subscription_id}"
ROUTES = [
    WriteRoute(
        "POST", "/api/v1/auth/token", None, issue_token, EVERY_ROLE, path_varies=False, body_varies=False
    ),
    WriteRoute(
        "POST", "/api/v1/identity/users", None, create_user, ADMIN, path_varies=False, body_field="scope_code"
    ),
    WriteRoute("PATCH", USER, None, update_user, ADMIN, body_varies=False),
    WriteRoute("POST", f"{USER}/password", None, set_password, ADMIN, body_varies=False),
    WriteRoute("POST", f"{USER}/unlock", None, unlock_user, ADMIN, body_varies=False),
    WriteRoute("POST", f"{USER}/grants", None, grant_user, ADMIN, body_field="scope_code"),
    WriteRoute("DELETE", f"{USER}/grants/{{grant_id}}", None, revoke_user_grant, ADMIN, body_varies=False),
    WriteRoute(
        "POST",
        "/api/v1/identity/clients",
        None,
        create_client,
        ADMIN,
        path_varies=False,
        body_field="agency_code",
    ),
    WriteRoute("PATCH", CLIENT, None, update_client, ADMIN, body_varies=False),
    WriteRoute("POST", f"{CLIENT}/secret", None, rotate_client_secret, ADMIN, body_varies=False),
    WriteRoute("POST", f"{CLIENT}/grants", None, grant_client, ADMIN, body_field="scope_code"),
    WriteRoute(
        "DELETE", f"{CLIENT}/grants/{{grant_id}}", None, revoke_client_grant, ADMIN, body_varies=False
    ),
    WriteRoute(
        "POST",
        "/api/v1/webhooks/subscriptions",
        None,
        subscribe,
        SUBSCRIBERS,
        path_varies=False,
        body_field="agencies",
    ),
    WriteRoute("PATCH", SUBSCRIPTION, None, change_subscription, SUBSCRIBERS, body_field="agencies"),
    WriteRoute(
        "POST", f"{SUBSCRIPTION}/secret", None, rotate_subscription_secret, SUBSCRIBERS, body_varies=False
    ),
    WriteRoute(
        "POST",
        "/api/v1/webhooks/deliveries/{delivery_id}/replay",
        None,
        replay_delivery,
        SUBSCRIBERS,
        body_varies=False,
    ),
]
# Each ends the caller's login: they run after the rest, one at a time.
LOGOUT = WriteRoute(
    "POST", "/api/v1/auth/logout", None, logout, EVERY_ROLE, path_varies=False, body_varies=False
)
# Agency systems have secrets, not passwords.
PEOPLE = EVERY_ROLE - {Role.INTEGRATION}
CHANGE_PASSWORD = WriteRoute(
    "POST", "/api/v1/auth/password", None, change_own_password, PEOPLE, path_varies=False, body_varies=False
)


async def _sign_in_again(w: World) -> None:
    """A fresh login for every caller (the agency system with a new secret)."""
    for role, caller in w.callers.items():
        subject = caller.principal.subject
        if role is Role.INTEGRATION:
            client_id = subject.removeprefix("client:")
            _, secret = await _identity(w).clients.rotate_client_secret(client_id)
            signed_in = await w.door.post(
                "/api/v1/auth/token",
                data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
            )
            assert signed_in.status_code == 200, signed_in.text
            tokens = signed_in.json()
        else:
            tokens = await login(w.door, subject, PASSWORD)
        w.callers[role] = dataclasses.replace(caller, access=bearer(tokens))


async def test_every_gateway_write_route_for_every_role_and_agency_in_path_and_body(make_settings):
    async with world(make_settings) as w:
        require_every_route(w.gateway.openapi(), [*ROUTES, LOGOUT, CHANGE_PASSWORD], gateway=True)
        await run_matrix(w, ROUTES)
        await run_matrix(w, [LOGOUT])
        await _sign_in_again(w)
        await run_matrix(w, [CHANGE_PASSWORD])
