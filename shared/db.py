"""Async SQLAlchemy engine and connections for SQLite (aiosqlite) and PostgreSQL (asyncpg), chosen by URL."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import ARRAY, DateTime, Table, any_, bindparam, event, insert, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 10) -> None:
        self.url = make_url(url)
        self.engine: AsyncEngine = _create_engine(
            url, echo=echo, pool_size=pool_size, max_overflow=max_overflow
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    def connect(self) -> AsyncConnection:
        """A connection for Core statements; the ORM is not used (its per-row overhead buys us nothing)."""
        return self.engine.connect()

    async def begin_write(self, connection: AsyncConnection) -> None:
        """Start a transaction that will write. SQLite takes the write lock now, so a read-then-write
        transaction cannot lose its snapshot to a concurrent writer (PostgreSQL needs nothing here)."""
        if self.is_sqlite:
            await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def bulk_insert(
    connection: AsyncConnection, table: Table, columns: Sequence[str], records: Sequence[Sequence[Any]]
) -> None:
    """Insert many rows, each holding the values of `columns` in order, in the connection's transaction by
    the fastest path the database offers: PostgreSQL's binary COPY through asyncpg (several times the rate
    of a multi-row INSERT), elsewhere one executemany."""
    if not records:
        return
    if connection.dialect.driver != "asyncpg":
        await connection.execute(
            insert(table), [dict(zip(columns, record, strict=True)) for record in records]
        )
        return
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        # The driver opens the transaction lazily, on the first statement: COPY alone would autocommit.
        await connection.execute(text("SELECT 1"))
    try:
        await driver.copy_records_to_table(
            table.name,
            records=_bound(connection, table, columns, records),
            columns=columns,
            schema_name=table.schema,
        )
    except asyncpg.IntegrityConstraintViolationError as error:
        # Callers catch SQLAlchemy's error whichever path wrote, as they would for an INSERT.
        raise IntegrityError(f"COPY {table.name}", None, error) from error


# Keys per lookup: well below SQLite's limit of bound parameters in one statement (32,766).
LOOKUP_BATCH = 5_000


async def existing_keys(connection: AsyncConnection, column: Any, keys: Sequence[Any]) -> set[Any]:
    """Which of `keys` the (indexed) `column` holds. On PostgreSQL one array parameter per 5,000 keys
    (`= ANY($1)`): an `IN` list is compiled anew for every lookup, which cost an import of 100,000 employees
    1.5 s; elsewhere an `IN` list."""
    found: set[Any] = set()
    postgres = connection.dialect.name == "postgresql"
    for start in range(0, len(keys), LOOKUP_BATCH):
        chunk = list(keys[start : start + LOOKUP_BATCH])
        where = (
            column == any_(bindparam("keys", chunk, type_=ARRAY(column.type)))
            if postgres
            else column.in_(chunk)
        )
        found.update(await connection.scalars(select(column).where(where)))
    return found


def dialect_insert(connection: AsyncConnection, table: Table) -> Any:
    """An INSERT of `table` that can take ON CONFLICT: PostgreSQL and SQLite (3.24 and later) share its
    syntax, and SQLAlchemy offers it through each dialect's own `insert`."""
    make_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return make_insert(table)


async def upsert(
    connection: AsyncConnection,
    table: Table,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    update: Mapping[str, Any] | None = None,
) -> None:
    """Insert the row of `key` with `values`, or, when it exists, set `update` on it (by default `values`;
    an expression may refer to the stored row, `table.c.version + 1`). One statement, so two writers of one
    row cannot both insert (PostgreSQL and SQLite alike)."""
    statement = dialect_insert(connection, table).values({**key, **values})
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(key), set_=dict(values if update is None else update)
        )
    )


async def versioned_upsert(
    connection: AsyncConnection,
    table: Table,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    version: str = "version",
    equal_replaces: bool = False,
) -> bool:
    """Insert a read model's row, or bring it to `values`, unless it already holds a newer `version` (or
    the same one, unless `equal_replaces`): an event replayed or delivered late never moves a copy back.
    One statement, so two consumers applying events of one row at once cannot interleave a read and a write
    (PostgreSQL and SQLite alike). True when the row was written."""
    statement = dialect_insert(connection, table).values({**key, **values})
    stored, incoming = table.c[version], statement.excluded[version]
    result = await connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={name: statement.excluded[name] for name in values},
            where=stored <= incoming if equal_replaces else stored < incoming,
        )
    )
    return bool(result.rowcount)


def _bound(
    connection: AsyncConnection, table: Table, columns: Sequence[str], records: Sequence[Sequence[Any]]
) -> Sequence[Sequence[Any]]:
    """Records with the column types' own conversions applied (UtcDateTime's timezone check, JSON encoding),
    as SQLAlchemy applies them to an INSERT: COPY bypasses its statement compiler."""
    dialect = connection.dialect
    processors = [
        (i, process)
        for i, column in enumerate(columns)
        if (process := table.c[column].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if not processors:
        return records
    bound = [list(record) for record in records]
    for i, process in processors:
        # A batch usually stamps every row with one timestamp object: convert it once.
        last, converted = object(), None
        for record in bound:
            if record[i] is not last:
                last, converted = record[i], process(record[i])
            record[i] = converted
    return bound


def _create_engine(url: str, *, echo: bool, pool_size: int, max_overflow: int) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(
            url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API, the outbox relay and the consumers of one process read while one of them writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored and returned in UTC, always timezone-aware (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a timezone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
