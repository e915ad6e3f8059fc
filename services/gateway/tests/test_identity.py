"""Signing in at the gateway: passwords with lockout and rules, agency clients with rotatable secrets,
refresh-token rotation and replay detection, logout, and every kind of bad token refused."""

import asyncio
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from typer.testing import CliRunner

from asn.cli import app as asn
from services.gateway.app import create_app
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.service.demo import DEMO_PASSWORD, ensure_demo_users
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import bearer, know_agencies, login, serve_gateway
from shared.auth import mint_internal_token
from shared.principal import Principal, Role
from shared.testing import serving

pytestmark = pytest.mark.integration

PASSWORD = "Kopi-Toraja-2026"


@pytest.fixture
async def settings(make_settings):
    return gateway_settings(
        await make_settings("gateway"), lockout_threshold=3, lockout_seconds=600, rate_limit_per_minute=6000
    )


@pytest.fixture
async def gateway(settings):
    app = create_app(settings)
    async with serve_gateway(app, with_token=False) as client:
        await know_agencies(app, {"7600": ["7601"], "7300": ["7302"]})
        await app.state.gateway.identity.users.create_user(
            username="andi",
            name="Andi Mappaseng",
            password=PASSWORD,
            nip="198503122010011001",
            grants=[Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7601")],
        )
        client.app = app
        yield client


async def test_a_person_signs_in_and_the_token_says_who_they_are(gateway):
    tokens = await login(gateway, "andi", PASSWORD)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 300 and tokens["refresh_token"]
    assert gateway.headers.get("authorization") is None
    me = await gateway.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json() == {
        "subject": "andi",
        "name": "Andi Mappaseng",
        "roles": ["hr_officer"],
        "agencies": ["7601"],
        "nip": "198503122010011001",
    }
    assert me.headers["cache-control"] == "no-store"


async def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(gateway):
    for _ in range(2):
        wrong = await gateway.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": "andi", "password": "salah-123"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["type"] == "/problems/invalid-credentials"
    third = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "andi", "password": "salah-123"}
    )
    assert third.status_code == 423 and third.json()["type"] == "/problems/account-locked"
    # Locked: even the right password waits for the lockout to pass (or an administrator to unlock).
    right = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "andi", "password": PASSWORD}
    )
    assert right.status_code == 423
    await gateway.app.state.gateway.identity.users.unlock("andi")
    assert (await login(gateway, "andi", PASSWORD))["access_token"]


async def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(gateway):
    response = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "siapa", "password": PASSWORD}
    )
    assert response.status_code == 401 and response.json()["type"] == "/problems/invalid-credentials"


async def test_passwords_must_follow_the_rules(gateway):
    admin = bearer(await _admin_tokens(gateway))
    for weak, rule in (
        ("pendek1", "at least 10 characters"),
        ("tanpaangkasamasekali", "at least one letter and one digit"),
        ("budi-budi-2026", "must not contain the username"),
        ("password123", "too common"),
    ):
        response = await gateway.post(
            "/api/v1/identity/users",
            json={"username": "budi", "name": "Budi", "password": weak},
            headers=admin,
        )
        assert response.status_code == 422, weak
        assert rule in [e["message"] for e in response.json()["errors"]], weak
    created = await gateway.post(
        "/api/v1/identity/users",
        json={
            "username": "budi",
            "name": "Budi",
            "password": "Sungai-Mamasa-7",
            "grants": [{"role": "supervisor", "scope_kind": "agency", "scope_code": "7601"}],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert [g["role"] for g in created.json()["grants"]] == ["supervisor"]
    assert "password" not in created.text.lower().replace('"password_', "")


async def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_login(gateway):
    first = await login(gateway, "andi", PASSWORD)
    second = await _refresh(gateway, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(rotated))).status_code == 200

    replayed = await _refresh(gateway, first["refresh_token"])
    assert replayed.status_code == 401 and replayed.json()["type"] == "/problems/token-replayed"
    # The whole login ends: the rotated refresh token and the access tokens of the family too.
    assert (await _refresh(gateway, rotated["refresh_token"])).status_code == 401
    refused = await gateway.get("/api/v1/auth/me", headers=bearer(rotated))
    assert refused.status_code == 401 and refused.json()["type"] == "/problems/token-revoked"


async def test_logout_revokes_the_access_token_and_its_refresh_token(gateway):
    tokens = await login(gateway, "andi", PASSWORD)
    other_login = await login(gateway, "andi", PASSWORD)
    assert (await gateway.post("/api/v1/auth/logout", headers=bearer(tokens))).status_code == 204
    revoked = await gateway.get("/api/v1/auth/me", headers=bearer(tokens))
    assert revoked.status_code == 401 and revoked.json()["type"] == "/problems/token-revoked"
    assert (await _refresh(gateway, tokens["refresh_token"])).status_code == 401
    # Another login of the same person is not affected.
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(other_login))).status_code == 200


async def test_expired_tampered_wrong_audience_and_foreign_tokens_are_refused(gateway, settings):
    principal = Principal(subject="andi", roles=frozenset({Role.ADMIN}), agencies=None)
    tokens = gateway.app.state.gateway.identity.sessions.tokens
    secret = settings.token_secret.get_secret_value()
    expired = tokens.issue(principal, uuid.uuid4(), now=time.time() - 3600)
    good = tokens.issue(principal, uuid.uuid4())
    header, payload, signature = good.split(".")
    tampered_claims = jwt.api_jws.base64url_encode(
        b'{"sub":"andi","roles":["admin"],"agencies":null,"aud":"asn-api","iss":"asn-gateway",'
        b'"iat":1,"exp":9999999999,"jti":"x","typ":"access"}'
    ).decode()
    claims = jwt.decode(good, secret, algorithms=["HS256"], audience="asn-api")
    cases = {
        "expired": (expired, "token-expired"),
        "tampered signature": (f"{header}.{payload}.{signature[:-4]}AAAA", "token-invalid"),
        "tampered claims": (f"{header}.{tampered_claims}.{signature}", "token-invalid"),
        "wrong audience": (jwt.encode({**claims, "aud": "asn-internal"}, secret, "HS256"), "token-invalid"),
        "wrong issuer": (jwt.encode({**claims, "iss": "elsewhere"}, secret, "HS256"), "token-invalid"),
        "other key": (jwt.encode(claims, "a-key-of-someone-else-0123456789", "HS256"), "token-invalid"),
        "unsigned": (jwt.encode(claims, None, "none"), "token-invalid"),
        "internal token": (
            mint_internal_token(principal, settings.internal_token_secret.get_secret_value()),
            "token-invalid",
        ),
        "not a jwt": ("rahasia", "token-invalid"),
    }
    for case, (token, problem) in cases.items():
        response = await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, case
        assert response.json()["type"] == f"/problems/{problem}", case
        assert response.headers["www-authenticate"].startswith("Bearer"), case
    assert (
        await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good}"})
    ).status_code == 200
    assert (await gateway.get("/api/v1/auth/me")).status_code == 401


async def test_an_agency_client_signs_in_with_its_secret_and_rotation_keeps_the_old_one_for_a_while(gateway):
    identity = gateway.app.state.gateway.identity
    _, secret = await identity.clients.create_client(
        client_id="simpeg-mamuju", name="SIMPEG Mamuju", agency_code="7601"
    )
    signed_in = await _client_login(gateway, "simpeg-mamuju", secret)
    assert signed_in.status_code == 200 and "refresh_token" not in signed_in.json()
    me = (await gateway.get("/api/v1/auth/me", headers=bearer(signed_in.json()))).json()
    assert (
        me["subject"] == "client:simpeg-mamuju"
        and me["roles"] == ["integration"]
        and me["agencies"] == ["7601"]
    )
    basic = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=("simpeg-mamuju", secret)
    )
    assert basic.status_code == 200

    _, new_secret = await identity.clients.rotate_client_secret("simpeg-mamuju")
    assert (await _client_login(gateway, "simpeg-mamuju", new_secret)).status_code == 200
    assert (await _client_login(gateway, "simpeg-mamuju", secret)).status_code == 200  # grace period
    clients = identity.clients
    clients.settings = clients.settings.model_copy(update={"client_secret_grace_seconds": 0})
    _, newest = await identity.clients.rotate_client_secret("simpeg-mamuju")
    assert (await _client_login(gateway, "simpeg-mamuju", new_secret)).status_code == 401
    assert (await _client_login(gateway, "simpeg-mamuju", "tebakan")).status_code == 401

    await identity.clients.set_client_active("simpeg-mamuju", False)
    refused = await gateway.get("/api/v1/auth/me", headers=bearer(signed_in.json()))
    assert refused.status_code == 401 and refused.json()["type"] == "/problems/token-revoked"
    assert (await _client_login(gateway, "simpeg-mamuju", newest)).status_code == 401


async def test_an_administrator_grants_only_within_their_own_scope(gateway):
    identity = gateway.app.state.gateway.identity
    await identity.users.create_user(
        username="admin.mamuju",
        name="Admin Mamuju",
        password=PASSWORD,
        grants=[Grant(Role.ADMIN, ScopeKind.AGENCY, "7601")],
    )
    admin = bearer(await login(gateway, "admin.mamuju", PASSWORD))
    inside = await gateway.post(
        "/api/v1/identity/users/andi/grants",
        json={"role": "approver", "scope_kind": "agency", "scope_code": "7601"},
        headers=admin,
    )
    assert inside.status_code == 201, inside.text
    outside = await gateway.post(
        "/api/v1/identity/users/andi/grants",
        json={"role": "approver", "scope_kind": "agency", "scope_code": "7302"},
        headers=admin,
    )
    assert outside.status_code == 403
    everywhere = await gateway.post(
        "/api/v1/identity/users/andi/grants", json={"role": "auditor", "scope_kind": "all"}, headers=admin
    )
    assert everywhere.status_code == 403
    wrong_scope = await gateway.post(
        "/api/v1/identity/users/andi/grants",
        json={"role": "approver", "scope_kind": "province", "scope_code": "7600"},
        headers=admin,
    )
    assert wrong_scope.status_code == 422
    not_admin = await gateway.get(
        "/api/v1/identity/users", headers=bearer(await login(gateway, "andi", PASSWORD))
    )
    assert not_admin.status_code == 403
    # The new grant shows in the next token.
    assert (await login(gateway, "andi", PASSWORD))["access_token"]
    me = await gateway.get("/api/v1/auth/me", headers=bearer(await login(gateway, "andi", PASSWORD)))
    assert me.json()["roles"] == ["approver", "hr_officer"]


async def test_disabling_a_user_ends_their_logins(gateway):
    tokens = await login(gateway, "andi", PASSWORD)
    admin = bearer(await _admin_tokens(gateway))
    user = await gateway.get("/api/v1/identity/users/andi", headers=admin)
    disabled = await gateway.patch(
        "/api/v1/identity/users/andi",
        json={"active": False},
        headers={**admin, "If-Match": user.headers["etag"]},
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(tokens))).status_code == 401
    again = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "andi", "password": PASSWORD}
    )
    assert again.status_code == 401 and again.json()["type"] == "/problems/account-disabled"


async def test_demo_users_are_created_once(settings):
    created = await ensure_demo_users(
        province_code="7600", employee_nip="198503122010011001", settings=settings
    )
    assert created == ["admin", "bkd.prov", "ppk.prov", "bkn", "auditor", "atasan", "pegawai"]
    assert await ensure_demo_users(province_code="7600", settings=settings) == []
    app = create_app(settings)
    async with serve_gateway(app, with_token=False) as client:
        me = await client.get(
            "/api/v1/auth/me", headers=bearer(await login(client, "pegawai", DEMO_PASSWORD))
        )
        assert me.json()["roles"] == ["employee"] and me.json()["nip"] == "198503122010011001"
        bkn = await client.get("/api/v1/auth/me", headers=bearer(await login(client, "bkn", DEMO_PASSWORD)))
        assert bkn.json()["agencies"] is None


async def test_the_cli_manages_users_and_clients(settings, monkeypatch):
    monkeypatch.setenv("ASN_DATABASE_URL", settings.resolved_database_url)
    runner = CliRunner()

    def invoke(args):
        # In a thread: the CLI runs its own event loop.
        return asyncio.to_thread(runner.invoke, asn, args)

    added = await invoke(
        [
            "users",
            "add",
            "siti",
            "--name",
            "Siti Aminah",
            "--grant",
            "hr_officer@agency:7601",
            "--password",
            "Pantai-Manakarra-9",
        ]
    )
    assert added.exit_code == 0, added.output
    weak = await invoke(["users", "add", "dodi", "--name", "Dodi", "--password", "pendek"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    granted = await invoke(["users", "grant", "siti", "admin@province:7600"])
    assert granted.exit_code == 0, granted.output
    listed = await invoke(["users", "list"])
    assert "siti" in listed.output and "hr_officer@agency:7601" in listed.output
    assert "admin@province:7600" in listed.output
    client = await invoke(["clients", "add", "simpeg-majene", "--name", "SIMPEG", "--agency", "7605"])
    assert client.exit_code == 0 and "secret" in client.output
    secret = client.output.rsplit(":", 1)[1].strip()
    app = create_app(settings)
    async with serve_gateway(app, with_token=False) as gateway:
        assert (await _client_login(gateway, "simpeg-majene", secret)).status_code == 200
        me = await gateway.get(
            "/api/v1/auth/me", headers=bearer(await login(gateway, "siti", "Pantai-Manakarra-9"))
        )
        assert me.json()["roles"] == ["admin", "hr_officer"]


async def _admin_tokens(gateway):
    identity = gateway.app.state.gateway.identity
    await identity.users.create_user(
        username="root", name="Root", password=PASSWORD, grants=[Grant(Role.ADMIN, ScopeKind.ALL)]
    )
    return await login(gateway, "root", PASSWORD)


async def _refresh(gateway, token):
    return await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": token}
    )


async def _client_login(gateway, client_id, secret):
    return await gateway.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


async def test_a_token_of_the_external_oidc_issuer_counts_for_the_linked_account_only(make_settings):
    issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(issuer_key.public_key()))
    jwks = {"keys": [{**public, "kid": "sso-1", "use": "sig", "alg": "RS256"}]}

    async def sso(scope, receive, send):
        if scope["type"] != "http":
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(jwks).encode()})

    async with serving(sso) as sso_url:
        settings = gateway_settings(
            await make_settings("gateway"),
            oidc_issuer="https://sso.sulbarprov.go.id",
            oidc_jwks_url=sso_url + "/jwks",
            oidc_audience="asn-platform",
        )
        app = create_app(settings)
        async with serve_gateway(app, with_token=False) as gateway:
            await app.state.gateway.identity.users.create_user(
                username="rina",
                name="Rina Sulbar",
                password=None,
                external_subject="sso-7f31",
                grants=[Grant(Role.SUPERVISOR, ScopeKind.AGENCY, "7601")],
            )

            def external(subject, key=issuer_key, audience="asn-platform"):
                now = int(time.time())
                claims = {
                    "iss": "https://sso.sulbarprov.go.id",
                    "sub": subject,
                    "aud": audience,
                    "iat": now,
                    "exp": now + 300,
                }
                return {
                    "Authorization": "Bearer " + jwt.encode(claims, key, "RS256", headers={"kid": "sso-1"})
                }

            me = await gateway.get("/api/v1/auth/me", headers=external("sso-7f31"))
            assert me.status_code == 200, me.text
            assert me.json()["subject"] == "rina" and me.json()["roles"] == ["supervisor"]
            unlinked = await gateway.get("/api/v1/auth/me", headers=external("sso-0000"))
            assert unlinked.status_code == 401 and unlinked.json()["type"] == "/problems/unknown-identity"
            forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            forged = await gateway.get("/api/v1/auth/me", headers=external("sso-7f31", key=forged_key))
            assert forged.status_code == 401
            elsewhere = await gateway.get("/api/v1/auth/me", headers=external("sso-7f31", audience="other"))
            assert elsewhere.status_code == 401
