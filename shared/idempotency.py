"""`Idempotency-Key` (ARCHITECTURE.md §8): a POST that other systems retry has one effect however often it
arrives. The first request with a key runs; a retry with the same key and the same request gets the first
answer again, byte for byte; the same key with another request is refused (422). Keys belong to the caller
who sent them and live in the service's own database, so every replica sees them, for at least
`idempotency_key_retention_hours`.

Only a successful (2xx) answer is kept: a refused request changed nothing, so its key may be used again.
While the first request runs, a retry gets 409 and `Retry-After`. Should a process die while running one,
its claim lapses after `CLAIM_LEASE`; the unit of work marks a claim in the same transaction as the effect,
so a request whose effect was committed is never run a second time, even then.
"""

import hashlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import clock
from shared.db import Database, UtcDateTime
from shared.errors import FieldProblem
from shared.inputs import control_character_in
from shared.problems import problem_response

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 200
# Longer than any request runs: the service's long work is a job, answered at once with 202.
CLAIM_LEASE = timedelta(minutes=5)
# Answer headers replayed with the stored body; the rest (dates, request ids) belong to each answer.
REPLAYED_HEADERS = frozenset({b"content-type", b"location", b"etag", b"content-disposition"})
REPLAY_HEADER = (b"idempotent-replayed", b"true")


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("caller", String(200), primary_key=True, comment="the principal who sent the key"),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("request_hash", String(64), nullable=False, comment="SHA-256 of method, target and body"),
        Column("claimed_at", UtcDateTime, nullable=False, index=True),
        Column("effect_committed", Integer, nullable=False, default=0, comment="1: the effect is saved"),
        Column("status", Integer, nullable=True, comment="the answer's status; empty while it runs"),
        Column("headers", JSON, nullable=True),
        Column("body", LargeBinary, nullable=True),
    )


@dataclass(frozen=True)
class Claim:
    table: Table
    caller: str
    key: str


# The claim of the request being served: the unit of work marks it in the transaction of the effect.
current_claim: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


async def mark_effect(connection: AsyncConnection) -> None:
    """Inside the effect's transaction: the request under way has had its effect (see module docstring)."""
    claim = current_claim.get()
    if claim is None:
        return
    table = claim.table
    await connection.execute(
        update(table)
        .where(table.c.caller == claim.caller, table.c.key == claim.key)
        .values(effect_committed=1)
    )


class IdempotencyKeys:
    """ASGI middleware for POST requests carrying `Idempotency-Key`. It sits inside the authentication
    middleware (the principal is in the request state) and finds the service's database through the app's
    runtime."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope) if scope["type"] == "http" and scope["method"] == "POST" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        if len(key) > MAX_KEY_LENGTH or not key or control_character_in(key) or not key.isprintable():
            await _refuse(scope, receive, send, 422, "invalid-idempotency-key", "printable, 1-200 characters")
            return
        principal = scope.get("state", {}).get("principal")
        if principal is None:  # sign-in and other anonymous calls create nothing to repeat
            await self.app(scope, receive, send)
            return
        runtime = scope["app"].state.runtime
        table: Table = runtime.metadata.tables["idempotency_keys"]
        caller = principal.subject
        body, receive_again = await _buffered(receive)
        request_hash = _hash(scope, body)
        outcome = await _claim(runtime.db, table, caller, key, request_hash)
        if isinstance(outcome, _Stored):
            await _replay(outcome, send)
            return
        if outcome == "mismatch":
            await _refuse(
                scope,
                receive,
                send,
                422,
                "idempotency-key-reused",
                "this key was used for another request; a new request needs a new key",
            )
            return
        if outcome == "running":
            await _refuse(
                scope,
                receive,
                send,
                409,
                "idempotency-key-in-use",
                "the first request with this key is still being processed; retry shortly",
                retry_after=True,
            )
            return
        if outcome == "effect-unknown":
            await _refuse(
                scope,
                receive,
                send,
                409,
                "idempotency-answer-lost",
                "the first request with this key took effect but its answer was lost; read the resource",
            )
            return
        await self._run(scope, receive_again, send, runtime.db, Claim(table, caller, key))

    async def _run(self, scope: Scope, receive: Receive, send: Send, db: Database, claim: Claim) -> None:
        started: dict[str, Any] = {}
        chunks: list[bytes] = []
        settled = False

        async def recording(message: Message) -> None:
            nonlocal settled
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Kept before the caller has the whole answer: a retry it sends next finds it.
                    settled = True
                    await _settle(db, claim, started["status"], started.get("headers", []), b"".join(chunks))
            await send(message)

        token = current_claim.set(claim)
        try:
            await self.app(scope, receive, recording)
        finally:
            current_claim.reset(token)
            if not settled:  # the app failed before it answered: nothing of its answer is kept
                await _settle(db, claim, 500, [], b"")


@dataclass(frozen=True)
class _Stored:
    status: int
    headers: list[list[str]]
    body: bytes


def _key_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("latin-1").strip()
    return None


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, receive_again


def _hash(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _claim(db: Database, table: Table, caller: str, key: str, request_hash: str) -> "_Stored | str":
    """'claimed' (run it), a stored answer, 'mismatch', 'running' or 'effect-unknown'."""
    now = clock.now()
    async with db.connect() as connection:
        await db.begin_write(connection)
        try:
            await connection.execute(
                insert(table).values(
                    caller=caller, key=key, request_hash=request_hash, claimed_at=now, effect_committed=0
                )
            )
            await connection.commit()
            return "claimed"
        except IntegrityError:
            await connection.rollback()
        await db.begin_write(connection)
        row = (
            await connection.execute(select(table).where(table.c.caller == caller, table.c.key == key))
        ).one_or_none()
        if row is None:  # purged between the two statements: claim it afresh
            await connection.execute(
                insert(table).values(
                    caller=caller, key=key, request_hash=request_hash, claimed_at=now, effect_committed=0
                )
            )
            await connection.commit()
            return "claimed"
        if row.request_hash != request_hash:
            return "mismatch"
        if row.status is not None:
            return _Stored(row.status, row.headers or [], row.body or b"")
        if row.claimed_at > now - CLAIM_LEASE:
            return "running"
        if row.effect_committed:
            return "effect-unknown"
        # The process that claimed it died before any effect: this request takes the claim over.
        taken = await connection.execute(
            update(table)
            .where(table.c.caller == caller, table.c.key == key, table.c.claimed_at == row.claimed_at)
            .values(claimed_at=now)
        )
        await connection.commit()
        return "claimed" if taken.rowcount == 1 else "running"


async def _settle(
    db: Database, claim: Claim, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """Keep a successful answer for the retries; forget the claim of any other."""
    table = claim.table
    where = and_(table.c.caller == claim.caller, table.c.key == claim.key)
    try:
        async with db.connect() as connection:
            await db.begin_write(connection)
            if 200 <= status < 300:
                kept = [
                    [n.decode("latin-1"), v.decode("latin-1")] for n, v in headers if n in REPLAYED_HEADERS
                ]
                await connection.execute(
                    update(table).where(where).values(status=status, headers=kept, body=body)
                )
            else:
                await connection.execute(delete(table).where(where, table.c.effect_committed == 0))
            await connection.commit()
    except Exception:
        # The answer went out; a retry meets a claim that lapses after the lease (see the docstring).
        log.warning("could not settle idempotency key %s of %s", claim.key, claim.caller, exc_info=True)


async def _replay(stored: _Stored, send: Send) -> None:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stored.headers]
    headers.append((b"content-length", str(len(stored.body)).encode()))
    headers.append(REPLAY_HEADER)
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


async def _refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    code: str,
    detail: str,
    *,
    retry_after: bool = False,
) -> None:
    response = problem_response(
        status,
        code,
        "Idempotency-Key refused" if status == 422 else "Conflict",
        detail,
        errors=[FieldProblem(field="Idempotency-Key", message=detail)],
        instance=scope["path"],
        headers={"Retry-After": "1"} if retry_after else None,
    )
    await response(scope, receive, send)


async def purge_expired(db: Database, table: Table, retention: timedelta) -> int:
    """Forget the keys claimed longer ago than the retention."""
    async with db.connect() as connection:
        await db.begin_write(connection)
        result = await connection.execute(delete(table).where(table.c.claimed_at < clock.now() - retention))
        await connection.commit()
    return int(result.rowcount or 0)
