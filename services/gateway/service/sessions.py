"""Logging in and out: with a password (people), client credentials (agency systems) or a refresh token, and
the session of an external (OIDC) login; the revocations every replica learns.

Refresh tokens are opaque, stored as hashes, and single-use: each refresh rotates the token within its family
(one login), and presenting a used one again - a stolen copy being replayed - revokes the whole family.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.adapters import repository as repo
from services.gateway.adapters.repository import client_holder, user_holder
from services.gateway.adapters.tables import outbox
from services.gateway.service.credentials import hash_secret, hash_token, needs_rehash, verify_secret
from services.gateway.service.grants import principal_of
from services.gateway.service.tokens import AccessTokens, Revocations, Session
from services.gateway.settings import GatewaySettings
from shared.db import Database
from shared.errors import DomainError, Unauthorized
from shared.principal import Principal
from shared.uow import UnitOfWork


class AccountLocked(DomainError):
    status, code, title = 423, "account-locked", "Account locked"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str | None


def _bad_credentials() -> Unauthorized:
    return Unauthorized("the username or password is wrong", code="invalid-credentials")


class Sessions:
    def __init__(
        self, settings: GatewaySettings, db: Database, tokens: AccessTokens, revocations: Revocations
    ) -> None:
        self.settings = settings
        self.db = db
        self.tokens = tokens
        self.revocations = revocations

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, outbox)

    async def login_password(self, username: str, password: str) -> TokenPair:
        now = datetime.now(UTC)
        async with self.uow() as uow:
            user = await repo.get_user(uow.connection, username)
            if user is not None and user["locked_until"] is not None and user["locked_until"] > now:
                raise AccountLocked(
                    f"too many failed logins: the account is locked until {user['locked_until']:%H:%M} UTC",
                )
            good = await verify_secret(user["password_hash"] if user else None, password)
            if user is None:
                raise _bad_credentials()
            if not good:
                # Counted in the database, not read here and written back: parallel guesses all count.
                locked = await repo.count_failed_login(
                    uow.connection,
                    username,
                    now=now,
                    threshold=self.settings.lockout_threshold,
                    lock_until=now + timedelta(seconds=self.settings.lockout_seconds),
                )
                await uow.commit()
                if locked is None:
                    raise AccountLocked("too many failed logins: the account is locked for a while")
                if locked:
                    raise AccountLocked("too many failed logins: the account is now locked for a while")
                raise _bad_credentials()
            if not user["active"]:
                raise Unauthorized("this account is disabled", code="account-disabled")
            changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if needs_rehash(user["password_hash"]):
                changes["password_hash"] = await hash_secret(password)
            await repo.change_user(uow.connection, username, changes)
            principal = await principal_of(uow.connection, user_holder(username))
            pair = await self._start_family(uow.connection, user_holder(username), principal, now)
            await uow.commit()
        return pair

    async def login_client(self, client_id: str, secret: str) -> TokenPair:
        now = datetime.now(UTC)
        async with self.uow() as uow:
            client = await repo.get_client(uow.connection, client_id)
            good = await verify_secret(client["secret_hash"] if client else None, secret)
            if client is not None and not good and client["previous_secret_hash"] is not None:
                expires = client["previous_secret_expires_at"]
                if expires is not None and expires > now:
                    good = await verify_secret(client["previous_secret_hash"], secret)
            if client is None or not good:
                raise Unauthorized("the client id or secret is wrong", code="invalid-client")
            if not client["active"]:
                raise Unauthorized("this client is disabled", code="account-disabled")
            holder = client_holder(client_id)
            principal = await principal_of(uow.connection, holder)
            # Client credentials get no refresh token (RFC 6749 §4.4.3); the family still exists so that
            # disabling the client revokes the tokens it holds.
            pair = await self._start_family(uow.connection, holder, principal, now, with_refresh=False)
            await uow.commit()
        return pair

    async def refresh(self, refresh_token: str) -> TokenPair:
        now = datetime.now(UTC)
        async with self.uow() as uow:
            row = await repo.refresh_token_by_hash(uow.connection, hash_token(refresh_token))
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
            principal = await principal_of(uow.connection, holder)
            await self._check_holder_active(uow.connection, holder)
            pair = await self._continue_family(uow.connection, holder, principal, row["family_id"], now)
            await uow.commit()
        return pair

    async def logout(self, session: Session) -> None:
        if session.family_id is None:
            return
        async with self.uow() as uow:
            families = await repo.revoke_families(
                uow.connection, at=datetime.now(UTC), family_id=uuid.UUID(session.family_id)
            )
            await uow.commit()
        self.revocations.add(families or [session.family_id])

    async def session_of_external(self, subject: str, expires_at: float) -> Session:
        """The session of an external (OIDC) token whose `sub` is linked to a user here."""
        async with self.db.connect() as connection:
            user = await repo.get_user_by_external_subject(connection, subject)
            if user is None or not user["active"]:
                raise Unauthorized("no active account is linked to this identity", code="unknown-identity")
            principal = await principal_of(connection, user_holder(user["username"]))
        return Session(principal, None, expires_at, f"oidc:{subject}")

    async def load_revocations(self) -> None:
        async def load(since: datetime) -> list[tuple[uuid.UUID, datetime]]:
            async with self.db.connect() as connection:
                return await repo.revoked_since(connection, since)

        await self.revocations.poll(load)

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
                "token_hash": hash_token(refresh),
                "issued_at": now,
                "expires_at": now + timedelta(seconds=self.settings.refresh_token_ttl_seconds),
            },
        )
        access = self.tokens.issue(principal, family_id, now=now.timestamp())
        return TokenPair(access, self.tokens.ttl, refresh if with_refresh else None)
