"""Read-model upserts: one statement on PostgreSQL and SQLite alike; an older or equal version never moves a
row back, and the caller learns whether the row was written."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.engine import make_url

from shared.db import Database, upsert, versioned_upsert
from shared.testing import DatabaseServer

pytestmark = pytest.mark.integration


@pytest.fixture
async def copies(database_server: DatabaseServer, tmp_path: Path) -> AsyncIterator[tuple[Database, Table]]:
    """A read-model table of its own in the test server's database (PostgreSQL) or a new SQLite file."""
    admin = database_server.admin_url
    name = (make_url(admin).database or "postgres") if admin else "upsert"
    db = Database(database_server.url_of(name, tmp_path))
    table = Table(
        f"copies_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("code", String(20), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("version", Integer, nullable=False),
    )
    async with db.engine.begin() as connection:
        await connection.run_sync(table.create)
    try:
        yield db, table
    finally:
        async with db.engine.begin() as connection:
            await connection.run_sync(table.drop)
        await db.dispose()


async def test_only_a_newer_version_replaces_the_row(copies: tuple[Database, Table]) -> None:
    db, table = copies
    key = {"code": "7601"}
    async with db.engine.begin() as connection:
        assert await versioned_upsert(connection, table, key, {"name": "Majene", "version": 2})
        assert not await versioned_upsert(connection, table, key, {"name": "older", "version": 1})
        assert not await versioned_upsert(connection, table, key, {"name": "replayed", "version": 2})
        assert await versioned_upsert(connection, table, key, {"name": "Kabupaten Majene", "version": 3})
        row = (await connection.execute(select(table))).one()
    assert (row.code, row.name, row.version) == ("7601", "Kabupaten Majene", 3)


async def test_an_equal_version_replaces_the_row_when_asked(copies: tuple[Database, Table]) -> None:
    db, table = copies
    key = {"code": "7601"}
    async with db.engine.begin() as connection:
        await versioned_upsert(connection, table, key, {"name": "Majene", "version": 2})
        assert await versioned_upsert(
            connection, table, key, {"name": "revised", "version": 2}, equal_replaces=True
        )
        assert not await versioned_upsert(
            connection, table, key, {"name": "older", "version": 1}, equal_replaces=True
        )
        assert (await connection.execute(select(table.c.name))).scalar_one() == "revised"


async def test_a_plain_upsert_inserts_then_updates(copies: tuple[Database, Table]) -> None:
    db, table = copies
    key = {"code": "7601"}
    async with db.engine.begin() as connection:
        await upsert(connection, table, key, {"name": "Majene", "version": 1})
        await upsert(
            connection, table, key, {"name": "Majene", "version": 1}, update={"version": table.c.version + 1}
        )
        row = (await connection.execute(select(table))).one()
    assert (row.name, row.version) == ("Majene", 2)
