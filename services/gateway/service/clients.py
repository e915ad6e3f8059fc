"""Agency systems (machine clients): each holds the `integration` role in its agency and logs in with a
secret, which can be rotated (the old one keeps working for a grace period) and which a disabled client
loses along with every token it holds."""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from services.gateway.adapters import repository as repo
from services.gateway.adapters.repository import client_holder
from services.gateway.adapters.tables import outbox
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.service.credentials import hash_secret
from services.gateway.service.grants import add_grant, administered, check_grants
from services.gateway.service.tokens import Revocations
from services.gateway.settings import GatewaySettings
from shared.db import Database
from shared.errors import Conflict, NotFound
from shared.etag import check_version
from shared.principal import Principal, Role
from shared.uow import UnitOfWork


class Clients:
    def __init__(self, settings: GatewaySettings, db: Database, revocations: Revocations) -> None:
        self.settings = settings
        self.db = db
        self.revocations = revocations

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, outbox)

    async def create_client(
        self, *, client_id: str, name: str, agency_code: str, by: Principal | None = None
    ) -> tuple[RowMapping, str]:
        """A new agency system with the `integration` role in its agency; answers it and its secret (shown
        this once)."""
        grant = Grant(Role.INTEGRATION, ScopeKind.AGENCY, agency_code)
        secret = secrets.token_urlsafe(32)
        async with self.uow() as uow:
            await check_grants(uow.connection, [(grant, "agency_code", "agency_code")], by)
            try:
                await repo.add_client(
                    uow.connection,
                    {
                        "client_id": client_id,
                        "name": name,
                        "agency_code": agency_code,
                        "secret_hash": await hash_secret(secret),
                        "active": True,
                        "created_at": datetime.now(UTC),
                        "version": 1,
                    },
                )
            except IntegrityError as error:
                raise Conflict(f"a client {client_id} exists already", code="duplicate-client") from error
            await add_grant(uow.connection, client_holder(client_id), grant, by)
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
        now = datetime.now(UTC)
        async with self.uow() as uow:
            client = await administered(uow.connection, client_holder(client_id), by)
            await repo.change_client(
                uow.connection,
                client_id,
                {
                    "secret_hash": await hash_secret(secret),
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
            client = await administered(uow.connection, client_holder(client_id), by)
            if expected_version is not None:
                check_version(client["version"], expected_version, f"client {client_id}")
            if client["active"] == active:
                return client
            await repo.change_client(
                uow.connection, client_id, {"active": active, "version": client["version"] + 1}
            )
            if not active:
                self.revocations.add(
                    await repo.revoke_families(
                        uow.connection, at=datetime.now(UTC), holder=client_holder(client_id)
                    )
                )
            await uow.commit()
        return await self.get_client(client_id)
