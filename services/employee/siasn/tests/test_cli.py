"""`asn siasn refs|pull|status|push` on the employee service's database and SIASN settings: the commands
reach the SIASN fake, fill the reference lists and the reconciliation queue, count where the sync stands,
and refuse clearly when SIASN is not configured."""

import asyncio

import pytest
from sqlalchemy import func, select

from services.employee.siasn import cli
from services.employee.siasn.adapters.tables import siasn_differences, siasn_references
from services.employee.siasn.tests.support import KNOWN_NIP, served_fake
from shared.db import Database

pytestmark = pytest.mark.integration


def _environment(monkeypatch, settings) -> None:
    for name, value in settings.model_dump().items():
        if name.startswith("siasn_") and value is not None:
            shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            monkeypatch.setenv(f"ASN_{name.upper()}", str(shown))


async def _count(url: str, table) -> int:
    db = Database(url)
    try:
        async with db.connect() as connection:
            return (await connection.execute(select(func.count()).select_from(table))).scalar_one()
    finally:
        await db.dispose()


async def test_the_commands_fill_the_references_and_the_queue_and_count_it(
    make_settings, monkeypatch, capsys
):
    url = (await make_settings("employee")).resolved_database_url
    async with served_fake() as fake:
        _environment(monkeypatch, fake.settings())

        assert await asyncio.to_thread(cli.refresh_references, url) == 0
        # A person SIASN holds and our register does not: a `record` difference waits for HR.
        assert await asyncio.to_thread(cli.pull, "7601", [KNOWN_NIP], None, url) == 0
        assert await asyncio.to_thread(cli.status, "7601", url) == 0

    assert await _count(url, siasn_references) > 0
    assert await _count(url, siasn_differences) == 1
    shown = capsys.readouterr().out
    assert "differences" in shown and "open" in shown


async def test_without_siasn_settings_the_commands_say_what_to_set(make_settings, monkeypatch, capsys):
    url = (await make_settings("employee")).resolved_database_url
    monkeypatch.setenv("ASN_SIASN_ENABLED", "false")

    assert await asyncio.to_thread(cli.pull, "7601", [KNOWN_NIP], None, url) == 1

    assert "ASN_SIASN_ENABLED" in capsys.readouterr().out
    assert await _count(url, siasn_differences) == 0
