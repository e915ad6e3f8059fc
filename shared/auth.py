"""Who is calling: the principal every service receives from the gateway, and the internal token carrying it.

People and agency systems authenticate at the gateway. The gateway forwards each request with a short-lived
internal token (a JWT for the audience `asn-internal`, signed with ASN_INTERNAL_TOKEN_SECRET) that names the
principal: subject, roles, the agencies in scope and, for employees, their NIP. Every service verifies that
token and enforces its own fine rules with the methods below (defence in depth, ARCHITECTURE.md §6).
"""

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized

INTERNAL_AUDIENCE = "asn-internal"
INTERNAL_ISSUER = "asn-gateway"
INTERNAL_TOKEN_TTL_SECONDS = 60
_ALGORITHM = "HS256"


class Role(StrEnum):
    ADMIN = "admin"  # provincial / BKN administration
    HR_OFFICER = "hr_officer"  # one agency's HR unit (BKD/BKPSDM)
    APPROVER = "approver"  # PPK or delegate, one agency
    BKN_REVIEWER = "bkn_reviewer"  # technical consideration for cross-agency moves
    SUPERVISOR = "supervisor"  # appraises direct reports
    EMPLOYEE = "employee"  # self-service
    AUDITOR = "auditor"  # read-only, audit log
    INTEGRATION = "integration"  # an agency's machine client


# Every role but `employee`: they may read records of their agencies.
STAFF_ROLES = tuple(role for role in Role if role is not Role.EMPLOYEE)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request. `agencies` None means every agency (national administration)."""

    subject: str
    roles: frozenset[Role]
    agencies: frozenset[str] | None = field(default_factory=frozenset)
    nip: str | None = None
    name: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def require_role(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            wanted = ", ".join(sorted(roles))
            raise Forbidden(f"this action needs one of the roles: {wanted}", code="role-required")

    def covers_agency(self, agency_code: str | None) -> bool:
        if self.agencies is None:
            return True
        return agency_code is not None and agency_code in self.agencies

    def require_agency(self, agency_code: str | None) -> None:
        if not self.covers_agency(agency_code):
            raise Forbidden(f"agency {agency_code or '(none)'} is outside your scope", code="agency-scope")

    def is_self(self, nip: str | None) -> bool:
        return self.nip is not None and nip == self.nip

    def may_read_employee(self, nip: str, agency_code: str | None) -> bool:
        """Own record always; staff roles within their agencies (supervisors: their agency's people)."""
        if self.is_self(nip):
            return True
        return self.has_role(*STAFF_ROLES) and self.covers_agency(agency_code)

    def require_employee_access(self, nip: str, agency_code: str | None) -> None:
        if not self.may_read_employee(nip, agency_code):
            raise Forbidden(f"employee {nip} is outside your scope", code="employee-scope")

    def agency_filter(self) -> frozenset[str] | None:
        """The agencies a list query must be limited to (None: no limit)."""
        return self.agencies


def system_principal(subject: str = "system") -> Principal:
    """The platform itself (CLI, seeding, consumers): every role, every agency."""
    return Principal(subject=subject, roles=frozenset(Role), agencies=None)


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
    try:
        claims = jwt.decode(
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
    return principal_from_claims(claims)


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


_bearer = HTTPBearer(auto_error=False, description="Internal token forwarded by the gateway")


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    """Verifies the gateway's internal token once per request; 401 without a valid one."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    if credentials is None:
        raise Unauthorized("this service is reached through the gateway: an internal token is required")
    secret = request.app.state.runtime.settings.internal_token_secret.get_secret_value()
    principal = verify_internal_token(credentials.credentials, secret)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
