"""Migrations by service name: each declared service's revisions, run with shared.migrations."""

from alembic.config import Config
from sqlalchemy import MetaData

from asn.services import BY_NAME
from shared import migrations


def alembic_config(service: str, database_url: str) -> Config:
    return migrations.alembic_config(BY_NAME[service].migrations, database_url)


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Bring one service's database to `revision`; synchronous (run it in a thread from async code)."""
    migrations.upgrade(BY_NAME[service].migrations, database_url, revision)


def metadata_of(service: str) -> MetaData:
    return BY_NAME[service].metadata()
