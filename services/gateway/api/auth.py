"""OAuth2 token endpoint, the caller's own identity, logout and password change."""

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Header, Response, status
from pydantic import BaseModel, Field

from services.gateway.api.deps import GatewayDep, SessionDep
from shared.auth import PrincipalDep
from shared.errors import FieldProblem, Forbidden, InvalidInput, Unauthorized
from shared.inputs import RequestModel
from shared.problems import PROBLEM_MEDIA_TYPE, Problem

public_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

GrantType = Literal["password", "client_credentials", "refresh_token"]
FormText = Annotated[str | None, Form(max_length=2000)]

_TOKEN_PROBLEMS: dict[int | str, dict[str, Any]] = {
    423: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "Account locked"},
    429: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "Too many requests"},
}


class TokenPublic(BaseModel):
    access_token: str = Field(description="a JWT; send it as `Authorization: Bearer <token>`")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds the access token lives")
    refresh_token: str | None = Field(
        default=None, description="single-use: exchange it for a new pair before it expires (people only)"
    )


class MePublic(BaseModel):
    subject: str
    name: str | None
    roles: list[str]
    agencies: list[str] | None = Field(description="the agencies in scope; null: every agency")
    nip: str | None


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def _missing(*fields: str) -> InvalidInput:
    return InvalidInput(
        f"this grant needs {', '.join(fields)}",
        errors=[FieldProblem(field=name, message="required") for name in fields],
    )


def _basic(authorization: str | None) -> tuple[str, str] | None:
    """Client credentials sent as HTTP Basic (RFC 6749 §2.3.1)."""
    if authorization is None or not authorization.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(authorization[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials", code="invalid-client") from None
    return client_id, secret


@public_router.post(
    "/token", response_model=TokenPublic, response_model_exclude_none=True, responses=_TOKEN_PROBLEMS
)
async def issue_token(
    gateway: GatewayDep,
    grant_type: Annotated[GrantType, Form()],
    username: FormText = None,
    password: FormText = None,
    client_id: FormText = None,
    client_secret: FormText = None,
    refresh_token: FormText = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenPublic:
    """Log in: password (people), client credentials (agency systems) or a refresh token."""
    sessions = gateway.identity.sessions
    if grant_type == "password":
        if not username or not password:
            raise _missing("username", "password")
        pair = await sessions.login_password(username, password)
    elif grant_type == "client_credentials":
        basic = _basic(authorization)
        if basic is not None:
            client_id, client_secret = basic
        if not client_id or not client_secret:
            raise _missing("client_id", "client_secret")
        pair = await sessions.login_client(client_id, client_secret)
    else:
        if not refresh_token:
            raise _missing("refresh_token")
        pair = await sessions.refresh(refresh_token)
    return TokenPublic(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


@router.get("/me", response_model=MePublic)
async def me(principal: PrincipalDep) -> MePublic:
    """Who the token says you are: roles and the agencies in scope."""
    return MePublic(
        subject=principal.subject,
        name=principal.name,
        roles=sorted(principal.roles),
        agencies=None if principal.agencies is None else sorted(principal.agencies),
        nip=principal.nip,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def logout(gateway: GatewayDep, session: SessionDep) -> Response:
    """End this login: the access token and its refresh tokens stop working."""
    await gateway.identity.sessions.logout(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def change_password(gateway: GatewayDep, principal: PrincipalDep, body: PasswordChange) -> Response:
    """Change your own password; every login of yours ends, this one too."""
    if principal.subject.startswith("client:"):
        raise Forbidden(
            "agency clients have secrets, not passwords: rotate the secret instead", code="people-only"
        )
    await gateway.identity.users.set_password(
        principal.subject, body.new_password, current=body.current_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
