"""SIASN pull speed: an agency of 1,000 people (the SIASN fake's demo agency, in a process of its own on
127.0.0.1, pace 0) pulled through the service's own pull (services/employee/siasn/service/pull.py: data-utama
and five riwayat per person, compared with our register, the reconciliation queue written), twice: into an
empty queue, then again over it. Our register is the same people imported from a SIASN extract, 5 % of them
renamed so that differences are found.

Prints people per second and where the time went: the share of the wall time in which at least one call to
SIASN was awaited, the share in which none was (only our code: reading, comparing, writing), and this
process's CPU time against the wall time (the fake's own work is in the other process).

    .venv/bin/python bench/siasn_pull.py [--people 1000] [--database-url sqlite | postgresql://...]
"""

import argparse
import asyncio
import csv
import io
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn.services import SERVICES
from services.employee.adapters.spreadsheets import FileFormat, open_sheet
from services.employee.adapters.tables import agencies, outbox
from services.employee.domain.exchange import ImportLimits, Mapping
from services.employee.service import exchange
from services.employee.settings import EmployeeSettings
from services.employee.siasn.adapters.client import SiasnClient
from services.employee.siasn.adapters.tables import siasn_differences
from services.employee.siasn.fake import (
    API_BASE,
    GATEWAY_TOKEN_PATH,
    REFERENSI_BASE,
    SSO_TOKEN_PATH,
    demo_agency,
)
from services.employee.siasn.service.pull import CONCURRENCY, Pull, PullScope
from shared.db import Database
from shared.declaration import declare
from shared.jobs import no_progress
from shared.net import free_port, wait_for_port
from shared.testing import DatabaseFactory, DatabaseServer
from shared.uow import UnitOfWork

AGENCY = "7601"
SEED = 7601
COLUMNS = (
    "nipBaru", "nama", "gelarDepan", "gelarBelakang", "tglLahir", "tempatLahir", "jenisKelamin", "nik",
    "statusPegawai", "kedudukanPnsNama", "tmtCpns", "tmtPns", "golRuangAkhirId", "tmtGolAkhir",
    "instansiKerjaId", "id",
)  # fmt: skip


class Timeline:
    """When calls to SIASN were in flight: the union of their intervals, and their count."""

    def __init__(self) -> None:
        self.calls = 0
        self.awaited = 0.0  # sum over calls (overlapping calls count each)
        self.busy = 0.0  # wall time with at least one call in flight
        self._in_flight = 0
        self._since = 0.0

    def started(self) -> float:
        now = time.perf_counter()
        if self._in_flight == 0:
            self._since = now
        self._in_flight += 1
        return now

    def ended(self, began: float) -> None:
        now = time.perf_counter()
        self.calls += 1
        self.awaited += now - began
        self._in_flight -= 1
        if self._in_flight == 0:
            self.busy += now - self._since


def timed(client: SiasnClient, timeline: Timeline) -> SiasnClient:
    """The client with its HTTP calls (not its token requests, which are two) on the timeline."""
    http = client._http  # the bench measures the connector's own awaits
    request = http.request

    async def measured(*args: Any, **kwargs: Any) -> httpx.Response:
        began = timeline.started()
        try:
            return await request(*args, **kwargs)
        finally:
            timeline.ended(began)

    http.request = measured  # type: ignore[method-assign]
    return client


def fake_process(port: int, people: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "services.employee.siasn.fake", "--host", "127.0.0.1", "--port", str(port),
        "--seed", str(SEED), "--people", str(people),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1])
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
    except TimeoutError:
        process.kill()
        raise RuntimeError("the SIASN fake did not start") from None
    return process


def siasn_settings(url: str) -> EmployeeSettings:
    state = demo_agency(seed=SEED, people=0)
    return EmployeeSettings(
        service="employee",
        environment="test",
        siasn_enabled=True,
        siasn_api_url=url + API_BASE,
        siasn_referensi_url=url + REFERENSI_BASE,
        siasn_gateway_token_url=url + GATEWAY_TOKEN_PATH,
        siasn_sso_token_url=url + SSO_TOKEN_PATH,
        siasn_consumer_key=SecretStr(state.consumer_key),
        siasn_consumer_secret=SecretStr(state.consumer_secret),
        siasn_sso_client_id=state.sso_client_id,
        siasn_username=next(iter(state.users)),
        siasn_password=SecretStr(next(iter(state.users.values()))),
        siasn_pace_seconds=0.0,
    )


async def our_register(db: Database, people: int) -> int:
    """The agency, linked to the fake's instansi, and its people imported from a SIASN extract; every
    twentieth renamed (SIASN's name differs). Returns how many were renamed."""
    state = demo_agency(seed=SEED, people=people)
    now = datetime.now(UTC)
    async with db.connect() as connection:
        await connection.execute(
            insert(agencies),
            [
                {"code": "7600", "name": "Provinsi", "kind": "province", "province_code": None,
                 "siasn_id": None, "version": 1, "created_at": now, "updated_at": now},
                {"code": AGENCY, "name": "Kabupaten", "kind": "kabupaten", "province_code": "7600",
                 "siasn_id": state.instansi_id, "version": 1, "created_at": now, "updated_at": now},
            ],
        )  # fmt: skip
        await connection.commit()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    renamed = 0
    for index, person in enumerate(state.people.values()):
        row = [person.data_utama[name] for name in COLUMNS]
        if index % 20 == 0:
            row[1] = f"{row[1]} Lama"
            renamed += 1
        writer.writerow(row)
    sheet = open_sheet(text.getvalue().encode(), FileFormat.CSV, ImportLimits())
    await exchange.import_employees(lambda: UnitOfWork(db, outbox), sheet, Mapping.SIASN)
    return renamed


def cpu_seconds(pid: int) -> float:
    """A process's user and system CPU time, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def pull_once(
    db: Database, settings: EmployeeSettings, fake: subprocess.Popen[bytes], concurrency: int
) -> dict[str, Any]:
    timeline = Timeline()
    recording = [0.0]
    async with timed(SiasnClient(settings, trust_env=False), timeline) as siasn:
        pull = Pull(db, lambda: UnitOfWork(db, outbox), siasn, PullScope(AGENCY), concurrency=concurrency)
        record = pull._record  # the bench times the pull's own step: compare and write a batch

        async def timed_record(fetched: Any) -> None:
            began = time.perf_counter()
            try:
                await record(fetched)
            finally:
                recording[0] += time.perf_counter() - began

        pull._record = timed_record  # type: ignore[method-assign]
        fake_cpu, cpu, wall = cpu_seconds(fake.pid), time.process_time(), time.perf_counter()
        result = await pull.run(no_progress)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        fake_cpu = cpu_seconds(fake.pid) - fake_cpu
    return {
        "result": result,
        "wall": wall,
        "cpu": cpu,
        "fake_cpu": fake_cpu,
        "recording": recording[0],
        "timeline": timeline,
    }


def report(label: str, run: dict[str, Any]) -> None:
    result, wall, timeline = run["result"], run["wall"], run["timeline"]
    print(
        f"{label}: {result['pulled']} people in {wall:.2f} s = {result['pulled'] / wall:.0f} people/s, "
        f"{timeline.calls} calls to SIASN ({timeline.calls / wall:.0f}/s); "
        f"differences new {result['opened']}, open {result['open']}\n"
        f"  inside the client's HTTP awaits: {timeline.awaited:.1f} s summed over calls "
        f"({timeline.awaited / timeline.calls * 1000:.1f} ms a call), at least one in flight "
        f"{timeline.busy / wall:.0%} of the wall time, none (our code alone) {1 - timeline.busy / wall:.0%}\n"
        f"  comparing and writing batches (overlapping the next batch's fetch): {run['recording']:.1f} s "
        f"= {run['recording'] / wall:.0%} of the wall time\n"
        f"  CPU: our process {run['cpu']:.1f} s ({run['cpu'] / wall:.0%} of the wall time; the connector's "
        f"HTTP client included), the fake {run['fake_cpu']:.1f} s ({run['fake_cpu'] / wall:.0%}): of the CPU "
        f"spent, {run['cpu'] / (run['cpu'] + run['fake_cpu']):.0%} ours",
        flush=True,
    )


async def main(arguments: argparse.Namespace) -> int:
    declare(SERVICES)
    logging.basicConfig(level=logging.WARNING)
    server = DatabaseServer(None if arguments.database_url == "sqlite" else arguments.database_url)
    port = free_port()
    fake = fake_process(port, arguments.people)
    with TemporaryDirectory(prefix="asn-siasn-pull-") as workdir:
        factory = DatabaseFactory(server, Path(workdir))
        try:
            db = Database(await factory.create("employee", Path(workdir)))
            try:
                renamed = await our_register(db, arguments.people)
                settings = siasn_settings(f"http://127.0.0.1:{port}")
                first = await pull_once(db, settings, fake, arguments.concurrency)
                second = await pull_once(db, settings, fake, arguments.concurrency)
                async with db.connect() as connection:
                    queued = (
                        await connection.execute(select(func.count()).select_from(siasn_differences))
                    ).scalar()
            finally:
                await db.dispose()
        finally:
            await factory.drop_all()
            fake.terminate()
            fake.wait(timeout=10)
    print(f"SIASN pull of an agency of {arguments.people} against the fake (pace 0) on {server.kind}; "
          f"{renamed} renamed in our register, {queued} rows in the queue")  # fmt: skip
    report("first pull (empty queue)", first)
    report("second pull (over the queue)", second)
    return 0 if first["result"]["pulled"] == arguments.people and first["result"]["opened"] else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="people fetched at once")
    parser.add_argument("--database-url", default="sqlite", help="sqlite, or a PostgreSQL server's admin URL")
    sys.exit(asyncio.run(main(parser.parse_args())))
