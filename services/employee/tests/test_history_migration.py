"""Migration 0004 keeps every employee's history as it was: the newest history rows (the current placement
and rank) become the record's, and a downgrade puts them back."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import text

from asn.migrations import alembic_config
from services.employee.adapters.repository import EmployeeRepository
from shared.db import Database

pytestmark = pytest.mark.integration

NIP = "198503302010011002"
AT = datetime(2020, 1, 1, tzinfo=UTC)


async def _rows(database: Database, sql: str) -> list[tuple]:
    async with database.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(sql))]


async def test_the_current_placement_and_rank_move_to_the_record_and_back(database_factory, tmp_path):
    url = await database_factory.create("employee", tmp_path)
    config = alembic_config("employee", url)
    await asyncio.to_thread(command.downgrade, config, "0003")
    database = Database(url)
    try:
        async with database.connect() as connection:
            await connection.execute(
                text(
                    "INSERT INTO employees (nip, name, birth_date, gender, employment_type, status,"
                    " rank_code, rank_tmt, agency_code, unit_id, position_id, position_tmt,"
                    " disciplinary_status, version, created_at, updated_at) VALUES (:nip, 'Andi',"
                    " '1985-03-30', 'M', 'PNS', 'active', 'III/b', '2018-04-01', '7601', 'u2', 'p2',"
                    " '2024-01-01', 'none', 3, :at, :at)"
                ),
                {"nip": NIP, "at": AT},
            )
            for tmt, unit, position, reason, mutation in (
                ("2010-01-01", "u1", "p1", "registered", None),
                ("2024-01-01", "u2", "p2", "rotation", "m-1"),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO position_history (nip, agency_code, unit_id, position_id, tmt, reason,"
                        " mutation_id, recorded_at) VALUES (:nip, '7601', :unit, :position, :tmt, :reason,"
                        " :mutation, :at)"
                    ),
                    {"nip": NIP, "unit": unit, "position": position, "tmt": date.fromisoformat(tmt),
                     "reason": reason, "mutation": mutation, "at": AT},
                )  # fmt: skip
            for code, tmt, decree in (("III/a", "2014-04-01", None), ("III/b", "2018-04-01", "SK-9")):
                await connection.execute(
                    text(
                        "INSERT INTO rank_history (nip, rank_code, tmt, decree_number, recorded_at)"
                        " VALUES (:nip, :code, :tmt, :decree, :at)"
                    ),
                    {"nip": NIP, "code": code, "tmt": date.fromisoformat(tmt), "decree": decree, "at": AT},
                )
            await connection.commit()

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _rows(
            database, "SELECT placement_reason, placement_mutation_id, rank_decree_number FROM employees"
        ) == [("rotation", "m-1", "SK-9")]
        assert await _rows(database, "SELECT unit_id, reason FROM position_history") == [("u1", "registered")]
        assert await _rows(database, "SELECT rank_code FROM rank_history") == [("III/a",)]
        async with database.connect() as connection:
            ranks, positions = await EmployeeRepository(connection).history(NIP)
        assert [(r.rank_code, r.decree_number) for r in ranks] == [("III/a", None), ("III/b", "SK-9")]
        assert [(p.unit_id, p.reason, p.mutation_id) for p in positions] == [
            ("u1", "registered", None),
            ("u2", "rotation", "m-1"),
        ]

        await asyncio.to_thread(command.downgrade, config, "0003")
        assert await _rows(
            database, "SELECT unit_id, reason, mutation_id FROM position_history ORDER BY tmt"
        ) == [("u1", "registered", None), ("u2", "rotation", "m-1")]
        assert await _rows(database, "SELECT rank_code, decree_number FROM rank_history ORDER BY tmt") == [
            ("III/a", None),
            ("III/b", "SK-9"),
        ]
    finally:
        await database.dispose()
