"""People's accounts: creating them (with their first grants), changing, disabling and unlocking them, and
their passwords. Disabling an account or setting its password ends every login it holds."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from services.gateway.adapters import repository as repo
from services.gateway.adapters.repository import user_holder
from services.gateway.adapters.tables import outbox
from services.gateway.domain.grants import Grant
from services.gateway.domain.passwords import password_problems
from services.gateway.service.credentials import hash_secret, verify_secret
from services.gateway.service.grants import add_grant, administered, check_grants
from services.gateway.service.tokens import Revocations
from services.gateway.settings import GatewaySettings
from shared.db import Database
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unauthorized
from shared.etag import check_version
from shared.principal import Principal
from shared.uow import UnitOfWork


class Users:
    def __init__(self, settings: GatewaySettings, db: Database, revocations: Revocations) -> None:
        self.settings = settings
        self.db = db
        self.revocations = revocations

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, outbox)

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
        now = datetime.now(UTC)
        async with self.uow() as uow:
            placed = [(g, f"grants.{i}.scope_kind", f"grants.{i}.scope_code") for i, g in enumerate(grants)]
            await check_grants(uow.connection, placed, by)
            try:
                await repo.add_user(
                    uow.connection,
                    {
                        "id": uuid.uuid4(),
                        "username": username,
                        "name": name,
                        "nip": nip,
                        "password_hash": await hash_secret(password) if password is not None else None,
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
                await add_grant(uow.connection, user_holder(username), grant, by)
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
            user = await administered(uow.connection, user_holder(username), by)
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
                    await repo.revoke_families(
                        uow.connection, at=datetime.now(UTC), holder=user_holder(username)
                    )
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
            user = await administered(uow.connection, user_holder(username), by)
            if current is not None and not await verify_secret(user["password_hash"], current):
                raise Unauthorized("the current password is wrong", code="invalid-credentials")
            now = datetime.now(UTC)
            await repo.change_user(
                uow.connection,
                username,
                {
                    "password_hash": await hash_secret(password),
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
