"""Each service's migrations build exactly the schema its tables declare (no forgotten revision)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.db import Database
from shared.migrations import metadata_of
from shared.settings import SERVICE_PORTS

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
async def test_migrations_match_the_declared_tables(service, database_factory, tmp_path):
    database = Database(await database_factory.create(service, tmp_path))
    metadata = metadata_of(service)

    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    try:
        async with database.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await database.dispose()
    assert diff == [], f"{service}: tables and migrations differ; generate a revision: {diff}"
