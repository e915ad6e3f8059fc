"""Administration of users, agency clients and their role grants (admin role; an administrator grants only
within their own scope, and manages only the accounts whose grants all lie within it)."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.engine import RowMapping

from services.gateway.adapters.repository import StoredGrant, client_holder, user_holder
from services.gateway.api.deps import GatewayDep
from services.gateway.domain.grants import Grant, ScopeKind
from shared.auth import PrincipalDep
from shared.errors import FieldProblem, InvalidInput
from shared.etag import IfMatch, set_etag, version_from_if_match
from shared.inputs import Nip, RequestModel, refuse_null
from shared.pagination import Cursor, Limit, Page, cursor_key, encode_cursor
from shared.principal import Role

router = APIRouter(prefix="/api/v1/identity", tags=["identity administration"])

Username = Annotated[str, Field(min_length=2, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
ClientId = Annotated[str, Field(min_length=2, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class GrantIn(RequestModel):
    role: Role
    scope_kind: ScopeKind = Field(description="agency, province (all its agencies) or all")
    scope_code: str | None = Field(default=None, max_length=20, description="the agency's or province's code")

    def grant(self, at: str = "") -> Grant:
        """The grant; `at` is where the body holds it (e.g. `grants.0.`), for the field a refusal names."""
        try:
            return Grant(self.role, self.scope_kind, self.scope_code)
        except ValueError as error:
            raise InvalidInput(
                str(error), errors=[FieldProblem(field=f"{at}scope_code", message=str(error))]
            ) from None


class GrantPublic(GrantIn):
    id: uuid.UUID
    granted_by: str
    granted_at: datetime

    @classmethod
    def of(cls, stored: StoredGrant) -> "GrantPublic":
        g = stored.grant
        return cls(
            id=stored.id,
            role=g.role,
            scope_kind=g.scope_kind,
            scope_code=g.scope_code,
            granted_by=stored.granted_by,
            granted_at=stored.granted_at,
        )


class UserCreate(RequestModel):
    username: Username
    name: str = Field(min_length=1, max_length=200)
    password: str | None = Field(
        default=None, max_length=256, description="none for an account that signs in at the external issuer"
    )
    nip: Nip | None = None
    external_subject: str | None = Field(default=None, max_length=200, description="`sub` at the OIDC issuer")
    grants: list[GrantIn] = Field(default_factory=list)


class UserUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    nip: Nip | None = Field(default=None, description="null: no longer linked to an employee")
    active: bool | None = None
    external_subject: str | None = Field(
        default=None, max_length=200, description="null: no longer linked to an external identity"
    )

    _required = field_validator("name", "active", mode="before")(refuse_null)


class PasswordSet(RequestModel):
    password: str = Field(min_length=1, max_length=256)


class UserPublic(BaseModel):
    username: str
    name: str
    nip: str | None
    active: bool
    external_subject: str | None
    locked_until: datetime | None
    failed_logins: int
    last_login_at: datetime | None
    created_at: datetime
    version: int
    grants: list[GrantPublic]

    @classmethod
    def of(cls, row: RowMapping, grants: list[StoredGrant]) -> "UserPublic":
        return cls(
            username=row["username"],
            name=row["name"],
            nip=row["nip"],
            active=row["active"],
            external_subject=row["external_subject"],
            locked_until=row["locked_until"],
            failed_logins=row["failed_logins"],
            last_login_at=row["last_login_at"],
            created_at=row["created_at"],
            version=row["version"],
            grants=[GrantPublic.of(g) for g in grants],
        )


class ClientCreate(RequestModel):
    client_id: ClientId
    name: str = Field(min_length=1, max_length=200)
    agency_code: str = Field(min_length=1, max_length=20)


class ClientUpdate(RequestModel):
    active: bool


class ClientPublic(BaseModel):
    client_id: str
    name: str
    agency_code: str
    active: bool
    created_at: datetime
    rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="until then the previous secret works too"
    )
    version: int
    grants: list[GrantPublic]

    @classmethod
    def of(cls, row: RowMapping, grants: list[StoredGrant]) -> "ClientPublic":
        return cls(
            client_id=row["client_id"],
            name=row["name"],
            agency_code=row["agency_code"],
            active=row["active"],
            created_at=row["created_at"],
            rotated_at=row["rotated_at"],
            previous_secret_expires_at=row["previous_secret_expires_at"],
            version=row["version"],
            grants=[GrantPublic.of(g) for g in grants],
        )


class ClientWithSecret(BaseModel):
    client: ClientPublic
    client_secret: str = Field(description="shown this once; keep it in the agency system's secret store")


def _admin(principal: PrincipalDep) -> None:
    principal.require_role(Role.ADMIN)


async def _user(gateway: GatewayDep, username: str, response: Response | None = None) -> UserPublic:
    row = await gateway.identity.users.get_user(username)
    grants = (await gateway.identity.grants.grants_of([user_holder(username)])).get(user_holder(username), [])
    if response is not None:
        set_etag(response, row["version"])
    return UserPublic.of(row, grants)


async def _client(gateway: GatewayDep, client_id: str, response: Response | None = None) -> ClientPublic:
    row = await gateway.identity.clients.get_client(client_id)
    holder = client_holder(client_id)
    grants = (await gateway.identity.grants.grants_of([holder])).get(holder, [])
    if response is not None:
        set_etag(response, row["version"])
    return ClientPublic.of(row, grants)


@router.get("/users", response_model=Page[UserPublic])
async def list_users(
    gateway: GatewayDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[UserPublic]:
    """Users by username."""
    _admin(principal)
    after = cursor_key(cursor, str)
    rows = await gateway.identity.users.list_users(after=after[0] if after else None, limit=limit + 1)
    page = rows[:limit]
    holders = [user_holder(r["username"]) for r in page]
    grants = await gateway.identity.grants.grants_of(holders)
    return Page(
        items=[UserPublic.of(r, grants.get(user_holder(r["username"]), [])) for r in page],
        next_cursor=encode_cursor([page[-1]["username"]]) if len(rows) > limit else None,
    )


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def create_user(
    gateway: GatewayDep, principal: PrincipalDep, body: UserCreate, response: Response
) -> UserPublic:
    """Create a user with their role grants; the password must follow the rules."""
    _admin(principal)
    await gateway.identity.users.create_user(
        username=body.username,
        name=body.name,
        password=body.password,
        nip=body.nip,
        external_subject=body.external_subject,
        grants=[g.grant(f"grants.{i}.") for i, g in enumerate(body.grants)],
        by=principal,
    )
    response.headers["Location"] = f"{router.prefix}/users/{body.username}"
    return await _user(gateway, body.username, response)


@router.get("/users/{username}", response_model=UserPublic)
async def get_user(
    gateway: GatewayDep, principal: PrincipalDep, username: str, response: Response
) -> UserPublic:
    """One user with their grants."""
    _admin(principal)
    return await _user(gateway, username, response)


@router.patch("/users/{username}", response_model=UserPublic)
async def update_user(
    gateway: GatewayDep,
    principal: PrincipalDep,
    username: str,
    body: UserUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> UserPublic:
    """Rename, link to a NIP or an external identity, disable (ends every login) or enable."""
    _admin(principal)
    expected = version_from_if_match(if_match)
    await gateway.identity.users.update_user(
        username, expected_version=expected, changes=body.model_dump(exclude_unset=True), by=principal
    )
    return await _user(gateway, username, response)


@router.post("/users/{username}/password", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def set_password(
    gateway: GatewayDep, principal: PrincipalDep, username: str, body: PasswordSet
) -> Response:
    """Set a user's password (e.g. a forgotten one); every login of the user ends."""
    _admin(principal)
    await gateway.identity.users.set_password(username, body.password, by=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/{username}/unlock", response_model=UserPublic)
async def unlock_user(
    gateway: GatewayDep, principal: PrincipalDep, username: str, response: Response
) -> UserPublic:
    """Lift a lockout after failed logins."""
    _admin(principal)
    await gateway.identity.users.unlock(username, by=principal)
    return await _user(gateway, username, response)


@router.post("/users/{username}/grants", status_code=status.HTTP_201_CREATED, response_model=GrantPublic)
async def grant_user(
    gateway: GatewayDep, principal: PrincipalDep, username: str, body: GrantIn
) -> GrantPublic:
    """Grant a role within an agency, a province or all agencies (takes effect at the next token)."""
    _admin(principal)
    return GrantPublic.of(
        await gateway.identity.grants.grant(user_holder(username), body.grant(), by=principal)
    )


@router.delete(
    "/users/{username}/grants/{grant_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def revoke_user_grant(
    gateway: GatewayDep, principal: PrincipalDep, username: str, grant_id: uuid.UUID
) -> Response:
    """Take a role grant back (takes effect at the next token)."""
    _admin(principal)
    await gateway.identity.grants.revoke_grant(user_holder(username), grant_id, by=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/clients", response_model=Page[ClientPublic])
async def list_clients(
    gateway: GatewayDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ClientPublic]:
    """Agency systems by client id."""
    _admin(principal)
    after = cursor_key(cursor, str)
    rows = await gateway.identity.clients.list_clients(after=after[0] if after else None, limit=limit + 1)
    page = rows[:limit]
    grants = await gateway.identity.grants.grants_of([client_holder(r["client_id"]) for r in page])
    return Page(
        items=[ClientPublic.of(r, grants.get(client_holder(r["client_id"]), [])) for r in page],
        next_cursor=encode_cursor([page[-1]["client_id"]]) if len(rows) > limit else None,
    )


@router.post("/clients", status_code=status.HTTP_201_CREATED, response_model=ClientWithSecret)
async def create_client(
    gateway: GatewayDep, principal: PrincipalDep, body: ClientCreate, response: Response
) -> ClientWithSecret:
    """Register an agency system (role `integration` in its agency); answers its secret once."""
    _admin(principal)
    _, secret = await gateway.identity.clients.create_client(
        client_id=body.client_id, name=body.name, agency_code=body.agency_code, by=principal
    )
    response.headers["Location"] = f"{router.prefix}/clients/{body.client_id}"
    return ClientWithSecret(client=await _client(gateway, body.client_id, response), client_secret=secret)


@router.get("/clients/{client_id}", response_model=ClientPublic)
async def get_client(
    gateway: GatewayDep, principal: PrincipalDep, client_id: str, response: Response
) -> ClientPublic:
    """One agency system."""
    _admin(principal)
    return await _client(gateway, client_id, response)


@router.patch("/clients/{client_id}", response_model=ClientPublic)
async def update_client(
    gateway: GatewayDep,
    principal: PrincipalDep,
    client_id: str,
    body: ClientUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ClientPublic:
    """Disable (its tokens stop working) or enable an agency system; needs If-Match."""
    _admin(principal)
    expected = version_from_if_match(if_match)
    await gateway.identity.clients.set_client_active(
        client_id, body.active, expected_version=expected, by=principal
    )
    return await _client(gateway, client_id, response)


@router.post("/clients/{client_id}/secret", response_model=ClientWithSecret)
async def rotate_client_secret(
    gateway: GatewayDep, principal: PrincipalDep, client_id: str, response: Response
) -> ClientWithSecret:
    """A new secret; the previous one keeps working for the grace period (ASN_CLIENT_SECRET_GRACE_SECONDS)."""
    _admin(principal)
    _, secret = await gateway.identity.clients.rotate_client_secret(client_id, by=principal)
    return ClientWithSecret(client=await _client(gateway, client_id, response), client_secret=secret)


@router.post("/clients/{client_id}/grants", status_code=status.HTTP_201_CREATED, response_model=GrantPublic)
async def grant_client(
    gateway: GatewayDep, principal: PrincipalDep, client_id: str, body: GrantIn
) -> GrantPublic:
    """Grant an agency system another role or scope."""
    _admin(principal)
    return GrantPublic.of(
        await gateway.identity.grants.grant(client_holder(client_id), body.grant(), by=principal)
    )


@router.delete(
    "/clients/{client_id}/grants/{grant_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def revoke_client_grant(
    gateway: GatewayDep, principal: PrincipalDep, client_id: str, grant_id: uuid.UUID
) -> Response:
    """Take a grant back from an agency system."""
    _admin(principal)
    await gateway.identity.grants.revoke_grant(client_holder(client_id), grant_id, by=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
