"""Access tokens: issuing and verifying the short-lived JWTs callers present, accepting an external OIDC
issuer's tokens, knowing which logins were revoked, and - on the hot path - turning a verified access token
into the internal token forwarded to the services.

Verification is cached per token string: a caller's next requests cost a dictionary lookup, not a
signature check, and the internal token minted for it is reused while it has most of its life left.
"""

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from services.gateway.settings import GatewaySettings
from shared.auth import INTERNAL_TOKEN_TTL_SECONDS, mint_internal_token, principal_from_claims
from shared.errors import Unauthorized
from shared.principal import Principal

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Session:
    """A verified access token: who calls, under which login (family), until when."""

    principal: Principal
    family_id: str | None
    expires_at: float
    token_id: str


class AccessTokens:
    """Issues and verifies the gateway's own access tokens (HS256, audience `token_audience`)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._secret = settings.token_secret.get_secret_value()
        self.issuer = settings.token_issuer
        self.audience = settings.token_audience
        self.ttl = settings.access_token_ttl_seconds

    def issue(self, principal: Principal, family_id: uuid.UUID, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.subject,
            "iat": issued,
            "exp": issued + self.ttl,
            "jti": uuid.uuid4().hex,
            "typ": "access",
            "fid": str(family_id),
            "roles": sorted(principal.roles),
            "agencies": None if principal.agencies is None else sorted(principal.agencies),
        }
        if principal.nip:
            claims["nip"] = principal.nip
        if principal.name:
            claims["name"] = principal.name
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Session:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("the access token has expired", code="token-expired") from error
        except jwt.InvalidTokenError as error:
            raise Unauthorized(f"the access token is not valid: {error}", code="token-invalid") from error
        if claims.get("typ") != "access":
            raise Unauthorized("this is not an access token", code="token-invalid")
        return Session(principal_from_claims(claims), claims.get("fid"), float(claims["exp"]), claims["jti"])


class OidcVerifier:
    """Tokens of an external OpenID Connect issuer, checked against its JWKS (fetched and cached by PyJWT).
    Its `sub` must be linked to a user here: the issuer says who someone is, our grants what they may do."""

    def __init__(self, settings: GatewaySettings) -> None:
        assert settings.oidc_issuer and settings.oidc_jwks_url
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self._keys = jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    async def subject_of(self, token: str) -> tuple[str, float]:
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "iss"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("the access token has expired", code="token-expired") from error
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
            raise Unauthorized(f"the access token is not valid: {error}", code="token-invalid") from error
        return str(claims["sub"]), float(claims["exp"])


def issuer_of(token: str) -> str | None:
    """The `iss` claim, read without verifying, only to pick the verifier."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        return None


class Revocations:
    """Logins (token families) revoked within the last access-token lifetime. Revocations made here count
    at once; those made by other gateway replicas are picked up by `poll` every few seconds."""

    def __init__(self, ttl_seconds: int) -> None:
        self._ttl = ttl_seconds
        self._revoked: dict[str, float] = {}
        self._checked_since: datetime | None = None

    def __contains__(self, family_id: object) -> bool:
        return family_id in self._revoked

    def add(self, family_ids: list[uuid.UUID] | list[str]) -> None:
        now = time.time()
        for family in family_ids:
            self._revoked[str(family)] = now

    async def poll(self, load: Callable[[datetime], Awaitable[list[tuple[uuid.UUID, datetime]]]]) -> None:
        now = datetime.now(UTC)
        since = self._checked_since or now - timedelta(seconds=self._ttl)
        # Overlap the windows a little: a revocation committed while the last query ran is not missed.
        for family, at in await load(since - timedelta(seconds=5)):
            self._revoked[str(family)] = at.timestamp()
        self._checked_since = now
        # A family revoked longer ago than a token lives has no token left to refuse.
        horizon = time.time() - self._ttl - 60
        for expired in [f for f, at in self._revoked.items() if at < horizon]:
            del self._revoked[expired]


@dataclass(slots=True)
class _Admitted:
    session: Session
    internal: str
    internal_expires_at: float


class Gate:
    """The hot path: access token -> session and internal token, cached per token string."""

    def __init__(
        self,
        tokens: AccessTokens,
        revocations: Revocations,
        internal_secret: str,
        *,
        external: Callable[[str], Awaitable[Session]] | None = None,
        external_issuer: str | None = None,
    ) -> None:
        self._tokens = tokens
        self._revocations = revocations
        self._internal_secret = internal_secret
        self._external = external
        self._external_issuer = external_issuer
        self._cache: OrderedDict[str, _Admitted] = OrderedDict()

    async def admit(self, token: str) -> tuple[Session, str]:
        now = time.time()
        admitted = self._cache.get(token)
        if admitted is None:
            session = await self._verify(token)
            admitted = _Admitted(session, "", 0.0)
            self._cache[token] = admitted
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        session = admitted.session
        if session.expires_at <= now:
            self._cache.pop(token, None)
            raise Unauthorized("the access token has expired", code="token-expired")
        if session.family_id is not None and session.family_id in self._revocations:
            self._cache.pop(token, None)
            raise Unauthorized("the access token was revoked (logged out)", code="token-revoked")
        # Reused while it has more than half its life left, so it never expires on its way to a service.
        if admitted.internal_expires_at - now < INTERNAL_TOKEN_TTL_SECONDS / 2:
            admitted.internal = mint_internal_token(session.principal, self._internal_secret, now=now)
            admitted.internal_expires_at = now + INTERNAL_TOKEN_TTL_SECONDS
        return session, admitted.internal

    async def _verify(self, token: str) -> Session:
        if self._external is not None and issuer_of(token) == self._external_issuer:
            return await self._external(token)
        return self._tokens.verify(token)

    def forget(self) -> None:
        self._cache.clear()
