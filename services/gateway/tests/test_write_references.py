"""The gateway's own writes check what their bodies refer to: an agency or province the gateway does not
know is refused (422), one outside the administrator's scope too (403), each naming the field, before
anything changes; an administrator manages only accounts within their scope; a PATCH that changes nothing
keeps the version."""

import pytest

from services.gateway.app import create_app
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import bearer, know_agencies, login, serve_gateway
from shared.principal import Role

pytestmark = pytest.mark.integration

PASSWORD = "Lembah-Palu-2026"
# Nothing listens there; loopback is allow-listed below, so no test resolves a name or leaves the machine.
HOOK = "http://127.0.0.1:9/asn"


@pytest.fixture
async def gateway(make_settings):
    app = create_app(
        gateway_settings(
            await make_settings("gateway"),
            rate_limit_per_minute=6000,
            webhook_allowed_networks=("127.0.0.1/32",),
        )
    )
    async with serve_gateway(app, with_token=False) as client:
        await know_agencies(app, {"7600": ["7601"], "7300": ["7301"]})
        identity = app.state.gateway.identity
        for username, grant in (
            ("root", Grant(Role.ADMIN, ScopeKind.ALL)),
            ("admin.sulteng", Grant(Role.ADMIN, ScopeKind.PROVINCE, "7600")),
            ("andi", Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7601")),
            ("wayan", Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7301")),
        ):
            await identity.users.create_user(
                username=username, name=username, password=PASSWORD, grants=[grant]
            )
        await identity.clients.create_client(client_id="simpeg-7601", name="SIMPEG 7601", agency_code="7601")
        client.app = app
        yield client


async def _signed_in(gateway, username):
    return bearer(await login(gateway, username, PASSWORD))


def _fields(answer):
    return [problem["field"] for problem in answer.json()["errors"]]


async def test_an_agency_or_province_the_gateway_does_not_know_is_refused_naming_the_field(gateway):
    root = await _signed_in(gateway, "root")
    user = await gateway.post(
        "/api/v1/identity/users",
        json={
            "username": "budi",
            "name": "Budi",
            "password": PASSWORD,
            "grants": [
                {"role": "hr_officer", "scope_kind": "agency", "scope_code": "7601"},
                {"role": "auditor", "scope_kind": "province", "scope_code": "7699"},
            ],
        },
        headers=root,
    )
    assert user.status_code == 422, user.text
    assert user.json()["type"] == "/problems/unknown-reference"
    assert _fields(user) == ["grants.1.scope_code"]
    assert (await gateway.get("/api/v1/identity/users/budi", headers=root)).status_code == 404

    grant = await gateway.post(
        "/api/v1/identity/users/andi/grants",
        json={"role": "approver", "scope_kind": "agency", "scope_code": "7699"},
        headers=root,
    )
    assert grant.status_code == 422 and _fields(grant) == ["scope_code"]
    client = await gateway.post(
        "/api/v1/identity/clients",
        json={"client_id": "simpeg-7699", "name": "SIMPEG", "agency_code": "7699"},
        headers=root,
    )
    assert client.status_code == 422 and _fields(client) == ["agency_code"]
    subscription = await gateway.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": HOOK, "event_types": ["asn.employee.employee.registered"], "agencies": ["7601", "7699"]},
        headers=root,
    )
    assert subscription.status_code == 422 and _fields(subscription) == ["agencies"]
    andi = (await gateway.get("/api/v1/identity/users/andi", headers=root)).json()
    assert [g["scope_code"] for g in andi["grants"]] == ["7601"]
    listed = await gateway.get("/api/v1/webhooks/subscriptions", headers=root)
    assert listed.json()["items"] == []


async def test_a_provincial_administrator_grants_and_manages_nothing_of_another_province(gateway):
    admin = await _signed_in(gateway, "admin.sulteng")
    refused = {
        "scope_code": await gateway.post(
            "/api/v1/identity/users/andi/grants",
            json={"role": "approver", "scope_kind": "agency", "scope_code": "7301"},
            headers=admin,
        ),
        "grants.0.scope_code": await gateway.post(
            "/api/v1/identity/users",
            json={
                "username": "budi",
                "name": "Budi",
                "grants": [{"role": "auditor", "scope_kind": "province", "scope_code": "7300"}],
            },
            headers=admin,
        ),
        "scope_kind": await gateway.post(
            "/api/v1/identity/users/andi/grants", json={"role": "auditor", "scope_kind": "all"}, headers=admin
        ),
        "agency_code": await gateway.post(
            "/api/v1/identity/clients",
            json={"client_id": "simpeg-7301", "name": "SIMPEG", "agency_code": "7301"},
            headers=admin,
        ),
    }
    for field, answer in refused.items():
        assert answer.status_code == 403, answer.text
        assert answer.json()["type"] == "/problems/reference-scope", answer.text
        assert _fields(answer) == [field], answer.text
    root = await _signed_in(gateway, "root")
    andi = (await gateway.get("/api/v1/identity/users/andi", headers=root)).json()
    assert [(g["role"], g["scope_code"]) for g in andi["grants"]] == [("hr_officer", "7601")]
    assert (await gateway.get("/api/v1/identity/users/budi", headers=root)).status_code == 404

    # The accounts of another province are its administrators' to manage.
    wayan = (await gateway.get("/api/v1/identity/users/wayan", headers=root)).json()
    password = await gateway.post(
        "/api/v1/identity/users/wayan/password", json={"password": "Danau-Batur-2026"}, headers=admin
    )
    assert password.status_code == 403
    assert (await gateway.post("/api/v1/identity/users/wayan/unlock", headers=admin)).status_code == 403
    assert (await gateway.get("/api/v1/identity/users/wayan", headers=root)).json() == wayan
    assert (await login(gateway, "wayan", PASSWORD))["access_token"]

    inside = await gateway.post(
        "/api/v1/identity/users/andi/grants",
        json={"role": "approver", "scope_kind": "agency", "scope_code": "7601"},
        headers=admin,
    )
    assert inside.status_code == 201, inside.text


async def test_a_patch_that_changes_nothing_keeps_the_version(gateway):
    root = await _signed_in(gateway, "root")
    for path, body in (
        ("/api/v1/identity/users/andi", {"name": "andi", "active": True}),
        ("/api/v1/identity/clients/simpeg-7601", {"active": True}),
    ):
        before = await gateway.get(path, headers=root)
        same = await gateway.patch(path, json=body, headers={**root, "If-Match": before.headers["etag"]})
        assert same.status_code == 200, same.text
        assert same.json()["version"] == before.json()["version"], path
        assert same.headers["etag"] == before.headers["etag"], path

    types = ["asn.employee.employee.registered", "asn.employee.agency.defined"]
    created = await gateway.post(
        "/api/v1/webhooks/subscriptions", json={"url": HOOK, "event_types": types}, headers=root
    )
    subscription = created.json()["subscription"]
    same = await gateway.patch(
        f"/api/v1/webhooks/subscriptions/{subscription['id']}",
        json={"url": HOOK, "event_types": types[::-1]},
        headers={**root, "If-Match": created.headers["etag"]},
    )
    assert same.status_code == 200, same.text
    assert same.json()["version"] == subscription["version"]
    assert same.headers["etag"] == created.headers["etag"]


async def test_an_update_refuses_null_for_a_field_that_needs_a_value(gateway):
    root = await _signed_in(gateway, "root")
    user = await gateway.get("/api/v1/identity/users/andi", headers=root)
    created = await gateway.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": HOOK, "event_types": ["asn.employee.employee.registered"]},
        headers=root,
    )
    subscription = f"/api/v1/webhooks/subscriptions/{created.json()['subscription']['id']}"
    for path, etag, field in (
        ("/api/v1/identity/users/andi", user.headers["etag"], "name"),
        ("/api/v1/identity/users/andi", user.headers["etag"], "active"),
        (subscription, created.headers["etag"], "url"),
        (subscription, created.headers["etag"], "event_types"),
        (subscription, created.headers["etag"], "agencies"),
        (subscription, created.headers["etag"], "active"),
    ):
        refused = await gateway.patch(path, json={field: None}, headers={**root, "If-Match": etag})
        assert refused.status_code == 422, (field, refused.text)
        assert _fields(refused) == [field], refused.text
    assert (await gateway.get("/api/v1/identity/users/andi", headers=root)).json() == user.json()
