"""Bulk import speed: a CSV file of valid employees (100,000 by default) imported into a fresh, migrated
PostgreSQL database through the service's own import path (`asn import employees`: the use case the API's
import job runs), against PostgreSQL's binary COPY (asyncpg `copy_records_to_table`) of the same rows into
an identical fresh table.

The import does more than the COPY: it checks every row through the domain (NIP agreement, dates, ranks,
duplicates in the file and the register) and writes, in one transaction, the record (which holds the
current placement and rank) and one outbox event per employee. The COPY is timed
twice, best of three: the statement alone, with its records built beforehand, and from the same CSV file
(parse, convert, COPY), which is what the import is measured on.

    .venv/bin/python bench/import_employees.py [--rows 100000] [--database-url postgresql://...]
"""

import argparse
import asyncio
import csv
import gc
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from asn.migrations import upgrade
from services.employee import cli
from services.employee.domain.exchange import Mapping
from shared.settings import with_async_driver

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
RANKS = ("II/a", "II/c", "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b")
COLUMNS = (
    "nip", "name", "front_title", "back_title", "birth_date", "birth_place", "gender", "nik",
    "employment_type", "status", "tmt_cpns", "tmt_pns", "rank_code", "rank_tmt", "agency_code", "unit_id",
    "position_id", "position_tmt", "work_location", "ten_year_bond_until", "disciplinary_status",
)  # fmt: skip
# The organisation the rows refer to, made before the import (every reference must exist and agree): 120
# units and 960 positions, position k in unit k % 120; rows of i % 4 == 0 in agency 7602, the rest in 7601.
UNITS = [str(uuid.UUID(int=n + 1, version=4)) for n in range(120)]
POSITIONS = [str(uuid.UUID(int=10_000 + n, version=4)) for n in range(960)]
DATES = {"birth_date", "tmt_cpns", "tmt_pns", "rank_tmt", "position_tmt", "ten_year_bond_until"}


def employee(i: int) -> list[str]:
    """A valid employee: the NIP agrees with the birth date and gender; NIPs are unique up to 999 x 12,000."""
    birth = date(1965, 1, 1) + timedelta(days=i % 12_000)
    male = i % 2 == 0
    tmt_cpns = date(birth.year + 22 + i % 9, i % 12 + 1, 1)
    nip = f"{birth:%Y%m%d}{tmt_cpns:%Y%m}{1 if male else 2}{i // 12_000 + 1:03d}"
    rank_tmt = tmt_cpns.replace(year=tmt_cpns.year + 4)
    return [
        nip, f"Pegawai Nomor {i}", "Dr." if i % 10 == 0 else "", "S.Kom." if i % 3 else "S.E.",
        birth.isoformat(), "Mamuju", "M" if male else "F", f"7601{i:012d}", "PPPK" if i % 20 == 0 else "PNS",
        "active", tmt_cpns.isoformat(), tmt_cpns.replace(year=tmt_cpns.year + 1).isoformat(),
        RANKS[i % len(RANKS)], rank_tmt.isoformat(), _agency(i), UNITS[i % len(UNITS)],
        POSITIONS[i % len(POSITIONS)], rank_tmt.isoformat(), "Mamuju", "", "none",
    ]  # fmt: skip


def _agency(k: int) -> str:
    return "7601" if k % 4 else "7602"


async def define_organisation(url: str) -> None:
    """The agencies, units and positions the file refers to, written straight into the fresh database."""
    now = datetime.now(UTC)
    connection = await asyncpg.connect(url)
    try:
        await connection.executemany(
            "INSERT INTO agencies (code, name, kind, version, created_at, updated_at)"
            " VALUES ($1, $2, $3, 1, $4, $4)",
            [(code, f"Kabupaten {code}", "kabupaten", now) for code in ("7601", "7602")],
        )
        await connection.executemany(
            "INSERT INTO units (id, agency_code, name, kind, version, created_at, updated_at)"
            " VALUES ($1, $2, $3, 'bidang', 1, $4, $4)",
            [(uuid.UUID(unit), _agency(u), f"Bidang {u}", now) for u, unit in enumerate(UNITS)],
        )
        await connection.executemany(
            "INSERT INTO positions (id, unit_id, agency_code, name, type, job_class, authorised_headcount,"
            " competency_standard, version, tasks_version, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, 'pelaksana', 5, 1000, '{}', 1, 0, $5, $5)",
            [
                (
                    uuid.UUID(position),
                    uuid.UUID(UNITS[k % len(UNITS)]),
                    _agency(k),
                    f"Pengadministrasi {k}",
                    now,
                )
                for k, position in enumerate(POSITIONS)
            ],
        )
    finally:
        await connection.close()


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(employee(i) for i in range(rows))


def copy_records(path: Path) -> list[tuple[Any, ...]]:
    """The file's rows as the `employees` table's records, as a plain COPY loader would make them."""
    now = datetime.now(UTC)
    with path.open(newline="") as file:
        reader = csv.reader(file)
        next(reader)
        return [
            (
                *(
                    (date.fromisoformat(v) if name in DATES else v) if v else None
                    for name, v in zip(COLUMNS, row, strict=True)
                ),
                1,
                now,
                now,
            )
            for row in reader
        ]


def plain(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return (parsed.set(database=database) if database else parsed).render_as_string(hide_password=False)


async def create_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(plain(admin_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(plain(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def count(url: str, table: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await connection.close()


async def copy_into_fresh_table(url: str, path: Path) -> tuple[float, float]:
    """Seconds for the COPY alone and for CSV file -> records -> COPY, each into a fresh copy of `employees`
    (same columns, indexes and constraints); best of three, with the garbage collector paused as the import
    pauses it."""
    connection = await asyncpg.connect(url)
    alone: list[float] = []
    from_file: list[float] = []
    gc.disable()
    try:
        for attempt in range(3):
            for table, timings in ((f"copy_{attempt}", alone), (f"copy_from_file_{attempt}", from_file)):
                await connection.execute(f"CREATE TABLE {table} (LIKE employees INCLUDING ALL)")
                started = time.perf_counter()
                records = copy_records(path)
                if timings is alone:
                    started = time.perf_counter()
                async with connection.transaction():
                    await connection.copy_records_to_table(
                        table, records=records, columns=[*COLUMNS, "version", "created_at", "updated_at"]
                    )
                timings.append(time.perf_counter() - started)
        return min(alone), min(from_file)
    finally:
        gc.enable()
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ASN_BENCH_DATABASE_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where a fresh database may be created",
    )
    args = parser.parse_args()
    name = f"asn_bench_import_{uuid.uuid4().hex[:8]}"
    url = plain(args.database_url, name)
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "employees.csv"
        write_file(path, args.rows)
        print(f"{args.rows} employees in {path.stat().st_size / 1e6:.1f} MB of CSV; database {name}")
        asyncio.run(create_database(args.database_url, name))
        try:
            upgrade("employee", url)
            asyncio.run(define_organisation(url))
            started = time.perf_counter()
            status = cli.import_employees(path, Mapping.NATIVE, with_async_driver(url))
            ours = time.perf_counter() - started
            if status != 0:
                sys.exit("the import failed")
            imported = asyncio.run(count(url, "employees"))
            events = asyncio.run(count(url, "outbox"))
            assert imported == events == args.rows, (imported, events)
            copy_alone, copy_from_file = asyncio.run(copy_into_fresh_table(url, path))
        finally:
            asyncio.run(drop_database(args.database_url, name))

    rate, copy_rate, file_rate = args.rows / ours, args.rows / copy_alone, args.rows / copy_from_file
    print(f"{'import (asn import employees)':<40} {ours:6.2f} s  {rate:9,.0f} rows/s")
    print(f"{'COPY, records built beforehand':<40} {copy_alone:6.2f} s  {copy_rate:9,.0f} rows/s")
    print(f"{'COPY from the CSV file':<40} {copy_from_file:6.2f} s  {file_rate:9,.0f} rows/s")
    # The goal (>= 25%) compares like with like: both start from the same CSV file.
    print(f"import / COPY from the file: {rate / file_rate:.0%} (goal >= 25%)")
    print(f"import / COPY of records built beforehand: {rate / copy_rate:.0%}")


if __name__ == "__main__":
    main()
