"""Use cases of identity: logging in (password, client credentials, refresh), logging out, and the
administration of users, agency clients and their role grants.

Passwords and client secrets are argon2id hashes (argon2-cffi), verified off the event loop. Refresh tokens
are opaque, stored as SHA-256 hashes, and single-use: each refresh rotates the token within its family (one
login), and presenting a used one again - a stolen copy being replayed - revokes the whole family.
"""

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.adapters import repository as repo
from services.gateway.adapters.repository import StoredGrant, client_holder, user_holder
from services.gateway.adapters.tables import outbox
from services.gateway.domain.grants import Grant, ScopeKind, grant_problem, reach, resolve, within
from services.gateway.domain.passwords import password_problems
from services.gateway.service.tokens import AccessTokens, Revocations, Session
from services.gateway.settings import GatewaySettings
from shared.db import Database
from shared.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput, NotFound, Unauthorized
from shared.etag import check_version
from shared.principal import Principal, Role
from shared.references import References
from shared.uow import UnitOfWork

_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountLocked(DomainError):
    status, code, title = 423, "account-locked", "Account locked"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _verify_secret(stored_hash: str | None, offered: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, offered) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


async def _hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


def _bad_credentials() -> Unauthorized:
    return Unauthorized("the username or password is wrong", code="invalid-credentials")


class Identity:
    def __init__(
        self,
        settings: GatewaySettings,
        db: Database,
        tokens: AccessTokens | None = None,
        revocations: Revocations | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.tokens = tokens or AccessTokens(settings)
        self.revocations = revocations or Revocations(settings.access_token_ttl_seconds)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, outbox)

    # -- logging in -------------------------------------------------------------------------------------

    async def login_password(self, username: str, password: str) -> TokenPair:
        now = _now()
        async with self.uow() as uow:
            user = await repo.get_user(uow.connection, username)
            if user is not None and user["locked_until"] is not None and user["locked_until"] > now:
                raise AccountLocked(
                    f"too many failed logins: the account is locked until {user['locked_until']:%H:%M} UTC",
                )
            good = await _verify_secret(user["password_hash"] if user else None, password)
            if user is None:
                raise _bad_credentials()
            if not good:
                failures = user["failed_logins"] + 1
                locked = failures >= self.settings.lockout_threshold
                await repo.change_user(
                    uow.connection,
                    username,
                    {
                        "failed_logins": 0 if locked else failures,
                        "locked_until": now + timedelta(seconds=self.settings.lockout_seconds)
                        if locked
                        else None,
                    },
                )
                await uow.commit()
                if locked:
                    raise AccountLocked("too many failed logins: the account is now locked for a while")
                raise _bad_credentials()
            if not user["active"]:
                raise Unauthorized("this account is disabled", code="account-disabled")
            changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if _hasher.check_needs_rehash(user["password_hash"]):
                changes["password_hash"] = await _hash_secret(password)
            await repo.change_user(uow.connection, username, changes)
            principal = await self.principal_of(uow.connection, user_holder(username))
            pair = await self._start_family(uow.connection, user_holder(username), principal, now)
            await uow.commit()
        return pair

    async def login_client(self, client_id: str, secret: str) -> TokenPair:
        now = _now()
        async with self.uow() as uow:
            client = await repo.get_client(uow.connection, client_id)
            good = await _verify_secret(client["secret_hash"] if client else None, secret)
            if client is not None and not good and client["previous_secret_hash"] is not None:
                expires = client["previous_secret_expires_at"]
                if expires is not None and expires > now:
                    good = await _verify_secret(client["previous_secret_hash"], secret)
            if client is None or not good:
                raise Unauthorized("the client id or secret is wrong", code="invalid-client")
            if not client["active"]:
                raise Unauthorized("this client is disabled", code="account-disabled")
            holder = client_holder(client_id)
            principal = await self.principal_of(uow.connection, holder)
            # Client credentials get no refresh token (RFC 6749 §4.4.3); the family still exists so that
            # disabling the client revokes the tokens it holds.
            pair = await self._start_family(uow.connection, holder, principal, now, with_refresh=False)
            await uow.commit()
        return pair

    async def refresh(self, refresh_token: str) -> TokenPair:
        now = _now()
        async with self.uow() as uow:
            row = await repo.refresh_token_by_hash(uow.connection, _hash_token(refresh_token))
            if row is None:
                raise Unauthorized("unknown refresh token", code="token-invalid")
            if row["revoked_at"] is not None:
                raise Unauthorized("this login was revoked", code="token-revoked")
            if row["expires_at"] <= now:
                raise Unauthorized("the refresh token has expired", code="token-expired")
            if row["used_at"] is not None or not await repo.mark_refresh_token_used(
                uow.connection, row["id"], now
            ):
                # A used token again: someone holds a copy. End the login for both of them.
                families = await repo.revoke_families(uow.connection, at=now, family_id=row["family_id"])
                await uow.commit()
                self.revocations.add(families)
                raise Unauthorized(
                    "this refresh token was already used; the login is revoked", code="token-replayed"
                )
            holder = row["holder"]
            principal = await self.principal_of(uow.connection, holder)
            await self._check_holder_active(uow.connection, holder)
            pair = await self._continue_family(uow.connection, holder, principal, row["family_id"], now)
            await uow.commit()
        return pair

    async def logout(self, session: Session) -> None:
        if session.family_id is None:
            return
        async with self.uow() as uow:
            families = await repo.revoke_families(
                uow.connection, at=_now(), family_id=uuid.UUID(session.family_id)
            )
            await uow.commit()
        self.revocations.add(families or [session.family_id])

    async def session_of_external(self, subject: str, expires_at: float) -> Session:
        """The session of an external (OIDC) token whose `sub` is linked to a user here."""
        async with self.db.connect() as connection:
            user = await repo.get_user_by_external_subject(connection, subject)
            if user is None or not user["active"]:
                raise Unauthorized("no active account is linked to this identity", code="unknown-identity")
            principal = await self.principal_of(connection, user_holder(user["username"]))
        return Session(principal, None, expires_at, f"oidc:{subject}")

    async def _check_holder_active(self, connection: AsyncConnection, holder: str) -> None:
        kind, name = holder.split(":", 1)
        row = await (repo.get_user if kind == "user" else repo.get_client)(connection, name)
        if row is None or not row["active"]:
            raise Unauthorized("this account is disabled", code="account-disabled")

    async def _start_family(
        self,
        connection: AsyncConnection,
        holder: str,
        principal: Principal,
        now: datetime,
        *,
        with_refresh: bool = True,
    ) -> TokenPair:
        return await self._continue_family(
            connection, holder, principal, uuid.uuid4(), now, with_refresh=with_refresh
        )

    async def _continue_family(
        self,
        connection: AsyncConnection,
        holder: str,
        principal: Principal,
        family_id: uuid.UUID,
        now: datetime,
        *,
        with_refresh: bool = True,
    ) -> TokenPair:
        refresh = secrets.token_urlsafe(32)
        await repo.add_refresh_token(
            connection,
            {
                "id": uuid.uuid4(),
                "family_id": family_id,
                "holder": holder,
                "token_hash": _hash_token(refresh),
                "issued_at": now,
                "expires_at": now + timedelta(seconds=self.settings.refresh_token_ttl_seconds),
            },
        )
        access = self.tokens.issue(principal, family_id, now=now.timestamp())
        return TokenPair(access, self.tokens.ttl, refresh if with_refresh else None)

    async def principal_of(self, connection: AsyncConnection, holder: str) -> Principal:
        kind, name = holder.split(":", 1)
        found = await repo.grants_of(connection, [holder])
        roles, agencies = resolve((g.grant for g in found.get(holder, [])), await repo.provinces(connection))
        if kind == "user":
            user = await repo.get_user(connection, name)
            if user is None:
                raise NotFound(f"no user {name}")
            return Principal(subject=name, roles=roles, agencies=agencies, nip=user["nip"], name=user["name"])
        client = await repo.get_client(connection, name)
        if client is None:
            raise NotFound(f"no client {name}")
        return Principal(subject=holder, roles=roles, agencies=agencies, name=client["name"])

    # -- users ------------------------------------------------------------------------------------------

    def _check_password(self, password: str, username: str, *, allow_demo: bool = False) -> None:
        problems = password_problems(
            password,
            username=username,
            min_length=self.settings.password_min_length,
            allow_demo=allow_demo and self.settings.environment != "production",
        )
        if problems:
            raise InvalidInput(
                "the password does not meet the rules",
                errors=[FieldProblem(field="password", message=p) for p in problems],
            )

    async def create_user(
        self,
        *,
        username: str,
        name: str,
        password: str | None,
        nip: str | None = None,
        external_subject: str | None = None,
        grants: Sequence[Grant] = (),
        by: Principal | None = None,
        allow_demo_password: bool = False,
    ) -> RowMapping:
        if password is not None:
            self._check_password(password, username, allow_demo=allow_demo_password)
        now = _now()
        async with self.uow() as uow:
            placed = [(g, f"grants.{i}.scope_kind", f"grants.{i}.scope_code") for i, g in enumerate(grants)]
            await self._check_grants(uow.connection, placed, by)
            try:
                await repo.add_user(
                    uow.connection,
                    {
                        "id": uuid.uuid4(),
                        "username": username,
                        "name": name,
                        "nip": nip,
                        "password_hash": await _hash_secret(password) if password is not None else None,
                        "external_subject": external_subject,
                        "active": True,
                        "failed_logins": 0,
                        "password_changed_at": now if password is not None else None,
                        "created_at": now,
                        "version": 1,
                    },
                )
            except IntegrityError as error:
                raise Conflict(
                    f"a user {username} (or that external identity) exists already", code="duplicate-user"
                ) from error
            for grant in grants:
                await self._add_grant(uow.connection, user_holder(username), grant, by)
            await uow.commit()
        return await self.get_user(username)

    async def get_user(self, username: str) -> RowMapping:
        async with self.db.connect() as connection:
            user = await repo.get_user(connection, username)
        if user is None:
            raise NotFound(f"no user {username}")
        return user

    async def list_users(self, *, after: str | None, limit: int) -> Sequence[RowMapping]:
        async with self.db.connect() as connection:
            return await repo.list_users(connection, after=after, limit=limit)

    async def update_user(
        self,
        username: str,
        *,
        expected_version: int | None,
        changes: dict[str, Any],
        by: Principal | None = None,
    ) -> RowMapping:
        """Changes the account's fields; changes that set what is there already leave it (and its version)
        as it is."""
        async with self.uow() as uow:
            user = await self._administered(uow.connection, user_holder(username), by)
            if expected_version is not None:
                check_version(user["version"], expected_version, f"user {username}")
            changes = {name: value for name, value in changes.items() if user[name] != value}
            if not changes:
                return user
            values = {**changes, "version": user["version"] + 1}
            try:
                await repo.change_user(uow.connection, username, values)
            except IntegrityError as error:
                raise Conflict("that external identity is linked to another user") from error
            if changes.get("active") is False:
                self.revocations.add(
                    await repo.revoke_families(uow.connection, at=_now(), holder=user_holder(username))
                )
            await uow.commit()
        return await self.get_user(username)

    async def set_password(
        self, username: str, password: str, *, current: str | None = None, by: Principal | None = None
    ) -> None:
        """A new password (the user's own change names the current one, an administrator's change names
        the administrator `by`); every login of the user ends."""
        self._check_password(password, username)
        async with self.uow() as uow:
            user = await self._administered(uow.connection, user_holder(username), by)
            if current is not None and not await _verify_secret(user["password_hash"], current):
                raise Unauthorized("the current password is wrong", code="invalid-credentials")
            now = _now()
            await repo.change_user(
                uow.connection,
                username,
                {
                    "password_hash": await _hash_secret(password),
                    "password_changed_at": now,
                    "failed_logins": 0,
                    "locked_until": None,
                    "version": user["version"] + 1,
                },
            )
            families = await repo.revoke_families(uow.connection, at=now, holder=user_holder(username))
            await uow.commit()
        self.revocations.add(families)

    async def unlock(self, username: str, by: Principal | None = None) -> RowMapping:
        return await self.update_user(
            username, expected_version=None, changes={"failed_logins": 0, "locked_until": None}, by=by
        )

    # -- agency clients ---------------------------------------------------------------------------------

    async def create_client(
        self, *, client_id: str, name: str, agency_code: str, by: Principal | None = None
    ) -> tuple[RowMapping, str]:
        """A new agency system with the `integration` role in its agency; answers it and its secret (shown
        this once)."""
        grant = Grant(Role.INTEGRATION, ScopeKind.AGENCY, agency_code)
        secret = secrets.token_urlsafe(32)
        async with self.uow() as uow:
            await self._check_grants(uow.connection, [(grant, "agency_code", "agency_code")], by)
            try:
                await repo.add_client(
                    uow.connection,
                    {
                        "client_id": client_id,
                        "name": name,
                        "agency_code": agency_code,
                        "secret_hash": await _hash_secret(secret),
                        "active": True,
                        "created_at": _now(),
                        "version": 1,
                    },
                )
            except IntegrityError as error:
                raise Conflict(f"a client {client_id} exists already", code="duplicate-client") from error
            await self._add_grant(uow.connection, client_holder(client_id), grant, by)
            await uow.commit()
        return await self.get_client(client_id), secret

    async def get_client(self, client_id: str) -> RowMapping:
        async with self.db.connect() as connection:
            client = await repo.get_client(connection, client_id)
        if client is None:
            raise NotFound(f"no client {client_id}")
        return client

    async def list_clients(self, *, after: str | None, limit: int) -> Sequence[RowMapping]:
        async with self.db.connect() as connection:
            return await repo.list_clients(connection, after=after, limit=limit)

    async def rotate_client_secret(
        self, client_id: str, by: Principal | None = None
    ) -> tuple[RowMapping, str]:
        """A new secret; the old one keeps working for the grace period, then stops."""
        secret = secrets.token_urlsafe(32)
        now = _now()
        async with self.uow() as uow:
            client = await self._administered(uow.connection, client_holder(client_id), by)
            await repo.change_client(
                uow.connection,
                client_id,
                {
                    "secret_hash": await _hash_secret(secret),
                    "previous_secret_hash": client["secret_hash"],
                    "previous_secret_expires_at": now
                    + timedelta(seconds=self.settings.client_secret_grace_seconds),
                    "rotated_at": now,
                    "version": client["version"] + 1,
                },
            )
            await uow.commit()
        return await self.get_client(client_id), secret

    async def set_client_active(
        self,
        client_id: str,
        active: bool,
        *,
        expected_version: int | None = None,
        by: Principal | None = None,
    ) -> RowMapping:
        """Enables or disables the agency system; setting the state it is in already changes nothing."""
        async with self.uow() as uow:
            client = await self._administered(uow.connection, client_holder(client_id), by)
            if expected_version is not None:
                check_version(client["version"], expected_version, f"client {client_id}")
            if client["active"] == active:
                return client
            await repo.change_client(
                uow.connection, client_id, {"active": active, "version": client["version"] + 1}
            )
            if not active:
                self.revocations.add(
                    await repo.revoke_families(uow.connection, at=_now(), holder=client_holder(client_id))
                )
            await uow.commit()
        return await self.get_client(client_id)

    # -- role grants ------------------------------------------------------------------------------------

    async def _check_grants(
        self, connection: AsyncConnection, grants: Sequence[tuple[Grant, str, str]], by: Principal | None
    ) -> None:
        """Refuses, before anything changes, every grant (given with the fields that name its scope kind and
        its code) whose role cannot be held in its scope, whose agency or province the gateway does not
        know, or which reaches beyond the scope of the administrator `by` (None: the platform itself)."""
        if by is not None:
            by.require_role(Role.ADMIN)
        references = References(by)
        provinces = await repo.provinces(connection)
        named = [g.scope_code for g, _, _ in grants if g.scope_kind is ScopeKind.AGENCY and g.scope_code]
        known = await repo.known_agencies(connection, named)
        for grant, kind_field, code_field in grants:
            problem = grant_problem(grant)
            if problem:
                references.mismatch(kind_field, problem)
                continue
            # The platform (the CLI, the demo seed) may name agencies whose definition is still on its way
            # to the gateway; people's requests name only agencies it knows.
            if by is not None:
                if grant.scope_kind is ScopeKind.AGENCY and grant.scope_code not in known:
                    references.unknown(code_field, "agency", grant.scope_code)
                if grant.scope_kind is ScopeKind.PROVINCE and grant.scope_code not in provinces:
                    references.unknown(code_field, "province", grant.scope_code)
            covered = reach(grant, provinces)
            if covered is None:
                references.everywhere_in_scope(kind_field)
                continue
            for code in sorted(covered):
                if not references.in_scope(code_field, code):
                    break
        references.settle()

    async def _administered(
        self, connection: AsyncConnection, holder: str, by: Principal | None
    ) -> RowMapping:
        """The account of `holder`, which the administrator `by` (None: the platform itself) may manage: an
        administrator manages only accounts whose every grant lies within their own scope, and agency
        systems of their own agencies."""
        kind, name = holder.split(":", 1)
        row = await (repo.get_user if kind == "user" else repo.get_client)(connection, name)
        if row is None:
            raise NotFound(f"no {kind} {name}")
        if by is None:
            return row
        by.require_role(Role.ADMIN)
        provinces = await repo.provinces(connection)
        held = (await repo.grants_of(connection, [holder])).get(holder, [])
        beyond = [g.grant.label for g in held if not within(g.grant, by.agencies, provinces)]
        if kind == "client" and not by.covers_agency(row["agency_code"]):
            beyond.insert(0, f"agency {row['agency_code']}")
        if beyond:
            raise Forbidden(
                f"{kind} {name} reaches beyond your scope ({', '.join(beyond)})", code="agency-scope"
            )
        return row

    async def _add_grant(
        self, connection: AsyncConnection, holder: str, grant: Grant, by: Principal | None
    ) -> StoredGrant:
        existing = await repo.find_grant(connection, holder, grant)
        if existing is not None:
            return existing
        await repo.add_grant(
            connection,
            {
                "id": uuid.uuid4(),
                "holder": holder,
                "role": grant.role.value,
                "scope_kind": grant.scope_kind.value,
                "scope_code": grant.scope_code,
                "granted_by": by.subject if by else "system",
                "granted_at": _now(),
            },
        )
        found = await repo.find_grant(connection, holder, grant)
        assert found is not None
        return found

    async def grant(self, holder: str, grant: Grant, by: Principal | None = None) -> StoredGrant:
        async with self.uow() as uow:
            await self._administered(uow.connection, holder, by)
            await self._check_grants(uow.connection, [(grant, "scope_kind", "scope_code")], by)
            stored = await self._add_grant(uow.connection, holder, grant, by)
            await uow.commit()
        return stored

    async def revoke_grant(self, holder: str, grant_id: uuid.UUID, by: Principal | None = None) -> None:
        async with self.uow() as uow:
            await self._administered(uow.connection, holder, by)
            current = {g.id for g in (await repo.grants_of(uow.connection, [holder])).get(holder, [])}
            if grant_id not in current:
                raise NotFound(f"{holder} holds no grant {grant_id}")
            await repo.remove_grant(uow.connection, holder, grant_id)
            await uow.commit()

    async def grants_of(self, holders: Iterable[str]) -> dict[str, list[StoredGrant]]:
        async with self.db.connect() as connection:
            return await repo.grants_of(connection, list(holders))

    async def load_revocations(self) -> None:
        async def load(since: datetime) -> list[tuple[uuid.UUID, datetime]]:
            async with self.db.connect() as connection:
                return await repo.revoked_since(connection, since)

        await self.revocations.poll(load)
