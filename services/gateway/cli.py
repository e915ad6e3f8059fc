"""`asn users ...` and `asn clients ...`: administration of the gateway's identities from the command line,
straight on the gateway's database (ASN_DATABASE_URL, or its SQLite file under var/)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

users_app = typer.Typer(help="People's accounts and their role grants.", no_args_is_help=True)
clients_app = typer.Typer(help="Agency systems (OAuth2 client credentials).", no_args_is_help=True)

T = TypeVar("T")

GrantOption = Annotated[
    list[str] | None,
    typer.Option(
        "--grant",
        "-g",
        help="ROLE@agency:CODE, ROLE@province:CODE or ROLE@all, e.g. hr_officer@agency:7601; repeatable",
    ),
]


def _run(work: Callable[[Any], Awaitable[T]]) -> T:
    from services.gateway.service.identity import Identity
    from services.gateway.settings import GatewaySettings
    from shared.db import Database
    from shared.errors import DomainError

    async def main() -> T:
        settings = GatewaySettings(service="gateway")
        db = Database(settings.resolved_database_url)
        try:
            return await work(Identity(settings, db))
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except DomainError as error:
        details = "".join(f"\n  {e.field}: {e.message}" for e in error.errors)
        typer.echo(f"error: {error.detail}{details}", err=True)
        raise typer.Exit(1) from None


def parse_grant(text: str) -> Any:
    from services.gateway.domain.grants import Grant, ScopeKind
    from shared.principal import Role

    try:
        role, _, scope = text.partition("@")
        kind, _, code = scope.partition(":")
        return Grant(Role(role), ScopeKind(kind or "all"), code or None)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: expected ROLE@agency:CODE, ROLE@province:CODE or ROLE@all"
        ) from None


def _grants_text(grants: list[Any]) -> str:
    return ", ".join(g.grant.label for g in grants) or "-"


@users_app.command("add")
def add_user(
    username: str,
    name: Annotated[str, typer.Option(help="full name")],
    nip: Annotated[str | None, typer.Option(help="the employee's NIP, for self-service")] = None,
    grant: GrantOption = None,
    external_subject: Annotated[str | None, typer.Option(help="`sub` at the external OIDC issuer")] = None,
    password: Annotated[
        str | None,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="asked if omitted"),
    ] = None,
) -> None:
    """Create a user with role grants."""
    grants = [parse_grant(g) for g in grant or []]
    _run(
        lambda identity: identity.users.create_user(
            username=username,
            name=name,
            password=password or None,
            nip=nip,
            external_subject=external_subject,
            grants=grants,
        )
    )
    typer.echo(f"user {username} created")


@users_app.command("list")
def list_users() -> None:
    """Every user with their grants."""

    async def work(identity: Any) -> None:
        from services.gateway.adapters.repository import user_holder

        rows = await identity.users.list_users(after=None, limit=10_000)
        grants = await identity.grants.grants_of([user_holder(r["username"]) for r in rows])
        for row in rows:
            state = "active" if row["active"] else "disabled"
            if row["locked_until"] is not None:
                state += f", locked until {row['locked_until']:%Y-%m-%d %H:%M}"
            held = _grants_text(grants.get(user_holder(row["username"]), []))
            typer.echo(f"{row['username']:<20} {row['name']:<30} {row['nip'] or '-':<18}  {state}  {held}")

    _run(work)


@users_app.command("grant")
def grant_user(username: str, grant: Annotated[str, typer.Argument(help="ROLE@agency:CODE, ...")]) -> None:
    """Give a user a role within a scope."""
    from services.gateway.adapters.repository import user_holder

    parsed = parse_grant(grant)
    _run(lambda identity: identity.grants.grant(user_holder(username), parsed))
    typer.echo(f"{username}: {parsed.label} granted")


@users_app.command("revoke")
def revoke_user(username: str, grant: Annotated[str, typer.Argument(help="ROLE@agency:CODE, ...")]) -> None:
    """Take a role grant back from a user."""
    from services.gateway.adapters.repository import user_holder

    parsed = parse_grant(grant)

    async def work(identity: Any) -> None:
        holder = user_holder(username)
        held = (await identity.grants.grants_of([holder])).get(holder, [])
        match = [g for g in held if g.grant == parsed]
        if not match:
            typer.echo(f"{username} does not hold {parsed.label}", err=True)
            raise typer.Exit(1)
        await identity.grants.revoke_grant(holder, match[0].id)

    _run(work)
    typer.echo(f"{username}: {parsed.label} revoked")


@users_app.command("password")
def set_password(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a user's password; every login of the user ends."""
    _run(lambda identity: identity.users.set_password(username, password))
    typer.echo(f"{username}: password set")


@users_app.command("unlock")
def unlock_user(username: str) -> None:
    """Lift a lockout after failed logins."""
    _run(lambda identity: identity.users.unlock(username))
    typer.echo(f"{username}: unlocked")


@users_app.command("disable")
def disable_user(username: str) -> None:
    """Disable an account; every login of it ends."""
    _run(
        lambda identity: identity.users.update_user(
            username, expected_version=None, changes={"active": False}
        )
    )
    typer.echo(f"{username}: disabled")


@users_app.command("enable")
def enable_user(username: str) -> None:
    """Enable a disabled account."""
    _run(
        lambda identity: identity.users.update_user(username, expected_version=None, changes={"active": True})
    )
    typer.echo(f"{username}: enabled")


@clients_app.command("add")
def add_client(
    client_id: str,
    name: Annotated[str, typer.Option(help="the system's name")],
    agency: Annotated[str, typer.Option(help="the agency whose system it is")],
) -> None:
    """Register an agency system (role `integration` in its agency); prints its secret once."""
    _, secret = _run(
        lambda identity: identity.clients.create_client(client_id=client_id, name=name, agency_code=agency)
    )
    typer.echo(f"client {client_id} created; its secret (shown once): {secret}")


@clients_app.command("rotate")
def rotate_client(client_id: str) -> None:
    """A new secret; the previous one keeps working for the grace period."""
    client, secret = _run(lambda identity: identity.clients.rotate_client_secret(client_id))
    typer.echo(
        f"client {client_id}: new secret (shown once): {secret}\n"
        f"the previous secret works until {client['previous_secret_expires_at']:%Y-%m-%d %H:%M} UTC"
    )


@clients_app.command("list")
def list_clients() -> None:
    """Every agency system."""

    async def work(identity: Any) -> None:
        from services.gateway.adapters.repository import client_holder

        rows = await identity.clients.list_clients(after=None, limit=10_000)
        grants = await identity.grants.grants_of([client_holder(r["client_id"]) for r in rows])
        for row in rows:
            state = "active" if row["active"] else "disabled"
            held = _grants_text(grants.get(client_holder(row["client_id"]), []))
            typer.echo(f"{row['client_id']:<24} {row['name']:<30} {row['agency_code']:<8} {state}  {held}")

    _run(work)


@clients_app.command("disable")
def disable_client(client_id: str) -> None:
    """Disable an agency system; its tokens stop working."""
    _run(lambda identity: identity.clients.set_client_active(client_id, False))
    typer.echo(f"client {client_id}: disabled")


@clients_app.command("enable")
def enable_client(client_id: str) -> None:
    """Enable a disabled agency system."""
    _run(lambda identity: identity.clients.set_client_active(client_id, True))
    typer.echo(f"client {client_id}: enabled")
