"""Forged, altered and misplaced tokens (issue 18): each is refused with 401 and a problem, at the gateway and
at a service reached directly, and none lets its bearer read anything. Every forged token claims what would
show the province's people (admin of every agency), so one accepted would answer 200 with their records.

The refusals held when probed by hand; these tests keep them.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import INTERNAL_AUDIENCE, INTERNAL_ISSUER
from tests.security.world import HR_7201, KABUPATEN, PASSWORD, PROVINCE, World, running_world

pytestmark = pytest.mark.integration

TARGET = f"/api/v1/employees?agency={PROVINCE}"


@pytest.fixture(scope="module")
async def world(database_factory, broker, tmp_path_factory) -> AsyncIterator[World]:
    async with running_world(database_factory, broker, tmp_path_factory.mktemp("jwt")) as running:
        yield running


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assemble(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes] | None) -> str:
    """A JWT from its parts; `sign` (None: no signature at all) signs `header.payload`."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b64(sign(signing_input.encode())) if sign else ""
    return f"{signing_input}.{signature}"


def hs256(key: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(key, data, hashlib.sha256).digest()


class Tokens:
    """What a forger starts from: a genuine token of the HR officer of 7201 and its claims, and the claims
    that officer would like to hold."""

    def __init__(self, world: World, secret: str, audience: str, issuer: str, internal_secret: str) -> None:
        self.genuine = world.hr_7201["Authorization"].removeprefix("Bearer ")
        self.claims: dict[str, Any] = jwt.decode(self.genuine, options={"verify_signature": False})
        now = int(time.time())
        self.wanted = {**self.claims, "roles": ["admin"], "agencies": None, "iat": now, "exp": now + 600}
        self.secret = secret.encode()
        self.audience, self.issuer = audience, issuer
        self.internal_secret = internal_secret

    def signed(self, claims: dict[str, Any], **header: Any) -> str:
        """Signed as the real issuer signs (right secret, HS256): only the claims are wrong."""
        return assemble({"alg": "HS256", "typ": "JWT", **header}, claims, hs256(self.secret))

    def without(self, claim: str) -> str:
        return self.signed({k: v for k, v in self.wanted.items() if k != claim})

    def edited(self, **changes: Any) -> str:
        """The genuine header and signature around a payload changed by hand."""
        header, _, signature = self.genuine.split(".")
        payload = b64(json.dumps({**self.claims, **changes}).encode())
        return f"{header}.{payload}.{signature}"


def forgeries(t: Tokens) -> dict[str, str]:
    """Each attack's Authorization header value."""
    now = int(time.time())
    header, payload, signature = t.genuine.split(".")
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker_key.public_key()))
    tokens = {
        "alg none": assemble({"alg": "none", "typ": "JWT"}, t.wanted, None),
        "alg None": assemble({"alg": "None", "typ": "JWT"}, t.wanted, None),
        "alg NONE": assemble({"alg": "NONE", "typ": "JWT"}, t.wanted, None),
        "alg none keeping a genuine signature": assemble({"alg": "none"}, t.wanted, None) + signature,
        "alg none on the genuine payload": f"{b64(json.dumps({'alg': 'none'}).encode())}.{payload}.",
        "HS256 with a guessed secret": assemble({"alg": "HS256"}, t.wanted, hs256(b"secret")),
        "HS256 with an empty secret": assemble({"alg": "HS256"}, t.wanted, hs256(b"")),
        "empty signature": f"{header}.{payload}.",
        "truncated signature": f"{header}.{payload}.{signature[:-6]}",
        "no signature part": f"{header}.{payload}",
        "another token's signature": f"{header}.{b64(json.dumps(t.wanted).encode())}.{signature}",
        "RS256 header, HMAC signature (algorithm confusion)": t.signed(t.wanted, alg="RS256"),
        "RS256 signed by an attacker's key it embeds": jwt.encode(
            t.wanted, attacker_key, algorithm="RS256", headers={"jwk": public_jwk, "kid": "attacker"}
        ),
        "RS256 with jku pointing elsewhere": jwt.encode(
            t.wanted, attacker_key, algorithm="RS256", headers={"jku": "http://127.0.0.1:9/jwks.json"}
        ),
        "HS512 with the right secret": assemble(
            {"alg": "HS512"}, t.wanted, lambda data: hmac.new(t.secret, data, hashlib.sha512).digest()
        ),
        "expired": t.signed({**t.wanted, "iat": now - 7200, "exp": now - 3600}),
        "not yet valid (nbf in the future)": t.signed({**t.wanted, "nbf": now + 3600}),
        "issued in the future": t.signed({**t.wanted, "iat": now + 3600, "exp": now + 7200}),
        "wrong audience": t.signed({**t.wanted, "aud": INTERNAL_AUDIENCE}),
        "wrong issuer": t.signed({**t.wanted, "iss": "https://attacker.example"}),
        "missing sub": t.without("sub"),
        "missing exp": t.without("exp"),
        "missing iat": t.without("iat"),
        "missing jti": t.without("jti"),
        "missing aud": t.without("aud"),
        "missing iss": t.without("iss"),
        "missing typ": t.without("typ"),
        "a refresh token's typ": t.signed({**t.wanted, "typ": "refresh"}),
        "role escalated by editing the payload": t.edited(roles=["admin"]),
        "agencies widened by editing the payload": t.edited(agencies=[KABUPATEN, PROVINCE]),
        "agencies set to every agency by editing the payload": t.edited(agencies=None),
        "expiry extended by editing the payload": t.edited(exp=now + 86400 * 365),
        "kid path traversal to an empty file": assemble(
            {"alg": "HS256", "kid": "../../../../../../dev/null"}, t.wanted, hs256(b"")
        ),
        "kid SQL injection": assemble(
            {"alg": "HS256", "kid": "x' UNION SELECT 'attacker-key' -- "}, t.wanted, hs256(b"attacker-key")
        ),
        "extra-long token": f"{header}.{payload}.{signature}{'A' * 12_000}",
        "extra-long claims": t.signed({**t.wanted, "pad": "x" * 12_000}, alg="HS384"),
        "an internal token presented at the door": jwt.encode(
            {**t.wanted, "aud": INTERNAL_AUDIENCE, "iss": INTERNAL_ISSUER},
            t.internal_secret,
            algorithm="HS256",
        ),
        "not a JWT at all": "not-a-token",
        "JSON instead of a JWT": json.dumps(t.wanted),
    }
    return {name: f"Bearer {token}" for name, token in tokens.items()}


def assert_refused(answer: httpx.Response, world: World, what: str) -> None:
    """401, a problem (type, title, status), and not one record of either agency."""
    assert answer.status_code == 401, (what, answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json"), what
    problem = answer.json()
    assert problem["type"].startswith("/problems/") and problem["title"] and problem["status"] == 401, what
    assert "items" not in problem, what
    # (`instance` repeats the path asked for, which may name a NIP: the caller's own words.)
    told = json.dumps({key: value for key, value in problem.items() if key != "instance"})
    for agency in (PROVINCE, KABUPATEN):
        for secret in world.nips(agency) | world.names(agency):
            assert secret not in told, (what, secret)


@pytest.fixture(scope="module")
def tokens(world: World) -> Tokens:
    settings = world.gateway.state.gateway.settings
    internal = world.gateway.state.runtime.settings.internal_token_secret.get_secret_value()
    return Tokens(
        world,
        settings.token_secret.get_secret_value(),
        settings.token_audience,
        settings.token_issuer,
        internal,
    )


@pytest.fixture
async def door(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.gateway_url, timeout=20, trust_env=False) as client:
        yield client


async def test_the_genuine_token_reads_its_own_agency_and_is_refused_the_province(world, door):
    """The baseline the forgeries are measured against: the officer's own token works, in its scope only."""
    own = await door.get(f"/api/v1/employees?agency={KABUPATEN}", headers=world.hr_7201)
    assert own.status_code == 200
    assert {p["nip"] for p in own.json()["items"]} == world.nips(KABUPATEN)
    assert (await door.get(TARGET, headers=world.hr_7201)).status_code == 403
    # And a token with the claims every forgery wants, properly signed, would indeed read the province.
    admin = await door.get(TARGET, headers=world.admin)
    assert {p["nip"] for p in admin.json()["items"]} == world.nips(PROVINCE)


GATEWAY_ATTACKS = 39


async def test_every_forged_or_altered_token_is_refused_at_the_gateway(world, tokens, door):
    attacks = forgeries(tokens)
    assert len(attacks) == GATEWAY_ATTACKS
    for name, authorization in attacks.items():
        for path in (TARGET, f"/api/v1/dossiers/{sorted(world.nips(PROVINCE))[0]}", "/api/v1/auth/me"):
            answer = await door.get(path, headers={"Authorization": authorization})
            assert_refused(answer, world, f"{name}: {path}")


async def test_a_token_outside_the_authorization_header_or_under_another_scheme_is_refused(
    world, tokens, door
):
    genuine = tokens.genuine
    for name, request in {
        "query string access_token": {"params": {"access_token": genuine}},
        "query string token": {"params": {"token": genuine}},
        "cookie": {"headers": {"Cookie": f"access_token={genuine}"}},
        "X-Access-Token header": {"headers": {"X-Access-Token": genuine}},
        "Basic scheme": {"headers": {"Authorization": f"Basic {genuine}"}},
        "Token scheme": {"headers": {"Authorization": f"Token {genuine}"}},
        "no scheme": {"headers": {"Authorization": genuine}},
        "Bearer and nothing": {"headers": {"Authorization": "Bearer"}},
        "Bearer and a blank": {"headers": {"Authorization": "Bearer  ."}},
    }.items():
        answer = await door.get(f"/api/v1/employees?agency={KABUPATEN}", **request)
        assert_refused(answer, world, name)


async def test_duplicated_authorization_headers_never_add_up_to_more_than_the_first(world, tokens, door):
    forged = forgeries(tokens)["alg none"]
    genuine = world.hr_7201["Authorization"]
    # The forgery first: refused, whatever follows it.
    first_forged = httpx.Headers([("Authorization", forged), ("Authorization", genuine)])
    assert_refused(await door.get(TARGET, headers=first_forged), world, "forged, then genuine")
    # The genuine first: the officer is themself and nothing more; the forged admin claim adds nothing.
    first_genuine = httpx.Headers([("Authorization", genuine), ("Authorization", forged)])
    answer = await door.get(TARGET, headers=first_genuine)
    assert answer.status_code == 403, answer.text
    assert not any(nip in answer.text for nip in world.nips(PROVINCE))
    listed = await door.get("/api/v1/employees", headers=first_genuine)
    assert listed.status_code == 200
    assert {p["nip"] for p in listed.json()["items"]} == world.nips(KABUPATEN)


async def test_a_logged_out_token_and_a_refresh_token_are_not_access_tokens(world, door):
    signed_in = await door.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": HR_7201, "password": PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
    pair = signed_in.json()
    access = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await door.get("/api/v1/auth/me", headers=access)).status_code == 200
    refresh = {"Authorization": f"Bearer {pair['refresh_token']}"}
    assert_refused(await door.get(f"/api/v1/employees?agency={KABUPATEN}", headers=refresh), world, "refresh")
    assert (await door.post("/api/v1/auth/logout", headers=access)).status_code == 204
    assert_refused(
        await door.get(f"/api/v1/employees?agency={KABUPATEN}", headers=access), world, "logged out"
    )


async def test_forged_internal_tokens_are_refused_by_a_service_reached_directly(world, tokens):
    internal_secret = world.gateway.state.runtime.settings.internal_token_secret.get_secret_value().encode()
    now = int(time.time())
    claims = {
        "iss": INTERNAL_ISSUER,
        "aud": INTERNAL_AUDIENCE,
        "sub": "attacker",
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "roles": ["admin"],
        "agencies": None,
    }
    genuine_direct = jwt.decode(
        (world.system["Authorization"]).removeprefix("Bearer "), options={"verify_signature": False}
    )
    assert genuine_direct["aud"] == INTERNAL_AUDIENCE
    header, payload, signature = world.system["Authorization"].removeprefix("Bearer ").split(".")

    def internal(changed: dict[str, Any], *, drop: str | None = None, alg: str = "HS256") -> str:
        body = {k: v for k, v in {**claims, **changed}.items() if k != drop}
        digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
        return assemble({"alg": alg}, body, lambda data: hmac.new(internal_secret, data, digest).digest())

    attacks = {
        "alg none": assemble({"alg": "none"}, claims, None),
        "alg None": assemble({"alg": "None"}, claims, None),
        "wrong secret": assemble({"alg": "HS256"}, claims, hs256(b"secret")),
        "empty signature": f"{header}.{payload}.",
        "truncated signature": f"{header}.{payload}.{signature[:-6]}",
        "payload edited (system token, other subject)": (
            f"{header}.{b64(json.dumps({**genuine_direct, 'sub': 'attacker'}).encode())}.{signature}"
        ),
        "HS512 with the right secret": internal({}, alg="HS512"),
        "expired": internal({"iat": now - 7200, "exp": now - 3600}),
        "not yet valid": internal({"nbf": now + 3600}),
        "gateway audience": internal({"aud": tokens.audience}),
        "wrong issuer": internal({"iss": "someone-else"}),
        "missing aud": internal({}, drop="aud"),
        "missing exp": internal({}, drop="exp"),
        "missing sub": internal({}, drop="sub"),
        "the gateway's access token": tokens.genuine,
        "an access token with the wanted claims": tokens.signed(tokens.wanted),
        "extra-long": f"{header}.{payload}.{signature}{'A' * 12_000}",
    }
    async with httpx.AsyncClient(base_url=world.urls["employee"], timeout=20, trust_env=False) as service:
        # The genuine internal token reads there: the refusals below are the tokens', not the route's.
        assert (await service.get(TARGET, headers=world.system)).status_code == 200
        for name, token in attacks.items():
            for path in (TARGET, f"/api/v1/employees/{sorted(world.nips(PROVINCE))[0]}"):
                answer = await service.get(path, headers={"Authorization": f"Bearer {token}"})
                assert_refused(answer, world, f"direct, {name}: {path}")
        assert_refused(await service.get(TARGET), world, "direct, no token")
