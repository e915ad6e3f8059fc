"""Who is calling: the principal every service receives from the gateway, and the internal token carrying it.

People and agency systems authenticate at the gateway. The gateway forwards each request with a short-lived
internal token (a JWT for the audience `asn-internal`, signed with ASN_INTERNAL_TOKEN_SECRET) that names the
principal: subject, roles, the agencies in scope and, for employees, their NIP. Every service verifies that
token and enforces its own fine rules with the methods below (defence in depth, ARCHITECTURE.md §6).
"""

import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared import context
from shared.errors import Unauthorized
from shared.principal import Principal, Role
from shared.problems import problem_response

INTERNAL_AUDIENCE = "asn-internal"
INTERNAL_ISSUER = "asn-gateway"
INTERNAL_TOKEN_TTL_SECONDS = 60
_ALGORITHM = "HS256"


def mint_internal_token(
    principal: Principal,
    secret: str,
    *,
    ttl_seconds: int = INTERNAL_TOKEN_TTL_SECONDS,
    now: float | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": INTERNAL_ISSUER,
        "aud": INTERNAL_AUDIENCE,
        "sub": principal.subject,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "roles": sorted(principal.roles),
        "agencies": None if principal.agencies is None else sorted(principal.agencies),
    }
    if principal.nip:
        claims["nip"] = principal.nip
    if principal.name:
        claims["name"] = principal.name
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_internal_token(token: str, secret: str) -> Principal:
    return principal_from_claims(_decode_internal(token, secret))


def _decode_internal(token: str, secret: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=INTERNAL_AUDIENCE,
            issuer=INTERNAL_ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("the internal token has expired", code="token-expired") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized(f"the internal token is not valid: {error}", code="token-invalid") from error
    return claims


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        roles = frozenset(Role(role) for role in claims.get("roles", []))
    except ValueError as error:
        raise Unauthorized(f"unknown role in token: {error}", code="token-invalid") from error
    agencies: Iterable[str] | None = claims.get("agencies", [])
    return Principal(
        subject=str(claims["sub"]),
        roles=roles,
        agencies=None if agencies is None else frozenset(agencies),
        nip=claims.get("nip"),
        name=claims.get("name"),
    )


class VerifiedTokens:
    """Internal tokens already verified, with their expiry: the gateway reuses one token for many requests
    of a caller, so a service checks its signature once rather than on every request (bounded LRU)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._known: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str, secret: str) -> Principal:
        known = self._known.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        claims = _decode_internal(token, secret)
        principal = principal_from_claims(claims)
        self._known[token] = (principal, float(claims["exp"]))
        if len(self._known) > self._size:
            self._known.popitem(last=False)
        return principal


_verified: dict[str, VerifiedTokens] = {}


def _verify_cached(token: str, secret: str) -> Principal:
    known = _verified.get(secret)
    if known is None:
        known = _verified[secret] = VerifiedTokens()
    return known.verify(token, secret)


class InternalTokenGuard:
    """Every request under `/api/` carries a valid internal token or gets 401, before any route runs
    (ARCHITECTURE.md §6: defence in depth). The principal is left in the request state for `PrincipalDep`.

    A raw ASGI middleware rather than a router dependency: FastAPI's dependency resolution costs more per
    request than the whole check (verified tokens are cached).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        token = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if value[:7].lower() == b"bearer ":
                    token = value[7:].strip().decode("latin-1")
                break
        try:
            if token is None:
                raise Unauthorized("reached through the gateway only: an internal token is required")
            secret = scope["app"].state.runtime.settings.internal_token_secret.get_secret_value()
            principal = _verify_cached(token, secret)
        except Unauthorized as refusal:
            response = problem_response(
                401,
                refusal.code,
                refusal.title,
                refusal.detail,
                instance=scope["path"],
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        # Events and jobs this request causes name who caused them (RequestContextMiddleware resets it).
        context.actor.set(principal.subject)
        await self.app(scope, receive, send)


async def current_principal(request: Request) -> Principal:
    """The caller `InternalTokenGuard` verified (every route under /api/); elsewhere the bearer token is
    verified here. 401 without a valid internal token. (No HTTPBearer sub-dependency: resolving one costs
    more per request than the check.)"""
    cached: Principal | None = request.scope.get("state", {}).get("principal")
    if cached is None:
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() != "bearer ":
            raise Unauthorized("reached through the gateway only: an internal token is required")
        secret = request.app.state.runtime.settings.internal_token_secret.get_secret_value()
        cached = _verify_cached(authorization[7:].strip(), secret)
        request.state.principal = cached
    context.actor.set(cached.subject)
    return cached


PrincipalDep = Annotated[Principal, Depends(current_principal)]
