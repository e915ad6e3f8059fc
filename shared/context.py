"""Who and what the current unit of work belongs to: set by the HTTP middleware or by the event consumer,
read by logging and by the event factory so every log line and event carries the same ids."""

from contextvars import ContextVar
from dataclasses import dataclass

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
actor: ContextVar[str] = ContextVar("actor", default="system")


@dataclass(frozen=True)
class Snapshot:
    request_id: str | None
    correlation_id: str | None
    actor: str


def snapshot() -> Snapshot:
    return Snapshot(request_id.get(), correlation_id.get(), actor.get())
