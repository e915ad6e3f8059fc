"""Alembic wiring: each service keeps its revisions in its own `migrations` package (the location its
declaration names), and its `env.py` is one call to `run_env` with the service's metadata."""

import asyncio

from alembic import command
from alembic import context as alembic_context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import UtcDateTime
from shared.declaration import declared
from shared.settings import with_async_driver


def alembic_config(location: str, database_url: str) -> Config:
    """Alembic's configuration for the revisions at `location` ("package:directory") and a database."""
    config = Config()
    config.set_main_option("script_location", location)
    config.attributes["database_url"] = with_async_driver(database_url)
    return config


def upgrade(location: str, database_url: str, revision: str = "head") -> None:
    """Bring a database to `revision` of the revisions at `location`; synchronous (run it in a thread from
    async code)."""
    command.upgrade(alembic_config(location, database_url), revision)


def metadata_of(service: str) -> MetaData:
    """The tables of a declared service (shared.declaration)."""
    return declared(service).metadata()


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    config = alembic_context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if alembic_context.is_offline_mode():
        alembic_context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with alembic_context.begin_transaction():
            alembic_context.run_migrations()
        return
    asyncio.run(_run_online(str(url), metadata))


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync, metadata)
    await engine.dispose()


def _render_item(kind: str, item: object, autogen_context: object) -> str | bool:
    # Revisions name the column type the database sees, so they never import project code.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run_sync(connection: Connection, metadata: MetaData) -> None:
    # Batch mode lets SQLite alter tables the way PostgreSQL does.
    alembic_context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with alembic_context.begin_transaction():
        alembic_context.run_migrations()
