"""What a service says about itself, in one place: `ServiceDeclaration`.

Each service exports one (`SERVICE` in its `declaration.py`); the composition root (`asn`) lists them and
builds the CLI, the dev supervisor and the migrations from them, and `ServiceRuntime` starts the declared
background loops. What is costly to import (the app, the tables, the event handlers, the loops, the CLI
commands) is named by reference, "package.module:attribute", and loaded only when used, so the `asn`
command starts without importing every service.
"""

import importlib
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from fastapi import FastAPI
    from sqlalchemy import MetaData

    from shared.events.inbox import Subscription
    from shared.settings import Settings

# The work of one background loop: called with the running app and the loop's interval in seconds, it
# answers the loop (a coroutine that runs until cancelled). Called again if the loop crashes.
LoopWork = Callable[["FastAPI", float], Coroutine[Any, Any, None]]


def load(reference: str) -> Any:
    """The object a "package.module:attribute" reference names."""
    module, _, attribute = reference.partition(":")
    if not attribute:
        raise ValueError(f"{reference!r} is not a reference of the form package.module:attribute")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class BackgroundLoop:
    """Work a service process runs beside its routes from start-up to shut-down; the runtime restarts it
    with growing delay if it crashes, and /ready reports it."""

    name: str
    # Seconds between rounds, or the name of the setting that holds them.
    interval: float | str
    # "package.module:function", a `LoopWork`.
    work: str

    def seconds(self, settings: "Settings") -> float:
        if isinstance(self.interval, str):
            return float(getattr(settings, self.interval))
        return self.interval

    def load(self) -> LoopWork:
        work: LoopWork = load(self.work)
        return work


@dataclass(frozen=True)
class ServiceDeclaration:
    """One service: its name and port, where its app, tables, migrations, event subscriptions, CLI
    commands and background loops are."""

    name: str
    port: int
    # The app factory, "package.module:create_app", as uvicorn loads it (`--factory`).
    app: str
    # The tables' SQLAlchemy metadata, "package.module:metadata".
    tables: str
    # The Alembic script location, "package:directory".
    migrations: str
    # The consumed events, "package.module:SUBSCRIPTIONS"; None for a service that consumes none.
    subscriptions: str | None = None
    # The `asn` sub-commands it adds: group name -> "package.module:typer_app".
    commands: Mapping[str, str] = field(default_factory=dict)
    loops: Sequence[BackgroundLoop] = ()

    def metadata(self) -> "MetaData":
        metadata: MetaData = load(self.tables)
        return metadata

    def subscribed(self) -> "Sequence[Subscription]":
        return load(self.subscriptions) if self.subscriptions else ()

    def command_groups(self) -> "dict[str, typer.Typer]":
        return {name: load(reference) for name, reference in self.commands.items()}


# The services this process knows of, by name: the composition root declares them once (the `asn` command,
# the test suite's conftest.py); shared code that is handed a service's name looks it up here.
_declared: dict[str, ServiceDeclaration] = {}


def declare(services: Sequence[ServiceDeclaration]) -> None:
    _declared.update((service.name, service) for service in services)


def declared(name: str) -> ServiceDeclaration:
    try:
        return _declared[name]
    except KeyError:
        known = (
            ", ".join(_declared) or "none (the composition root declares them: shared.declaration.declare)"
        )
        raise LookupError(f"no service {name!r} is declared; declared: {known}") from None
