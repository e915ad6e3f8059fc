"""Event round trip: (a) raw aiokafka produce -> consume, (b) the platform's full path
outbox write -> relay -> broker -> inbox handler commit, each at a steady rate and as fast as possible.

Prints p50/p95/p99 latency, throughput and the ratio b/a. The consuming service runs in its own process and
both use uvloop, as the services do under uvicorn. Runs on the embedded broker and on PostgreSQL
when one answers (ASN_BENCH_DATABASE_URL, else 127.0.0.1:5432), otherwise on SQLite.

    .venv/bin/python bench/event_roundtrip.py [--rate 500] [--seconds 20] [--burst 5000]
"""

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import asyncpg
import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from asn.migrations import upgrade
from services.employee.adapters.tables import metadata as employee_metadata
from services.employee.domain.model import EmploymentType
from services.employee.service import employees as employee_service
from services.mutation.adapters.tables import employees as mutation_employees
from services.mutation.adapters.tables import metadata as mutation_metadata
from shared.broker import EmbeddedBroker
from shared.db import Database
from shared.events.bus import KafkaBus
from shared.events.envelope import CloudEvent
from shared.events.inbox import EventConsumer
from shared.events.outbox import OutboxRelay
from shared.net import free_port
from shared.readmodels.employees import employee_subscriptions
from shared.settings import Settings
from shared.uow import UnitOfWork

FETCH_WAIT_MS = int(os.environ.get("FETCH_WAIT_MS", "50"))
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    name: str
    latencies_ms: list[float]
    seconds: float

    def line(self) -> str:
        q = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return (
            f"{self.name:<34} n={len(self.latencies_ms):>6}  p50={q[49]:7.2f} ms  p95={q[94]:7.2f} ms  "
            f"p99={q[98]:7.2f} ms  throughput={len(self.latencies_ms) / self.seconds:8.0f} ev/s"
        )

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[98]


AGENCY = "7601"


async def paced(rate: float, count: int, fire) -> None:
    """Start `fire(i)` at a steady rate without waiting for each to finish (an open-loop load)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(count):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(i)))
    await asyncio.gather(*tasks)


async def bounded(concurrency: int, count: int, fire) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await fire(i)

    await asyncio.gather(*(one(i) for i in range(count)))


# --- (a) raw aiokafka -------------------------------------------------------------------------------


async def raw_roundtrip(bootstrap: str, *, rate: float | None, count: int) -> Result:
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=topic,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=50,
        max_poll_records=500,
    )
    await producer.start()
    await KafkaBus(Settings(kafka_bootstrap_servers=bootstrap)).ensure_topics([topic])
    await consumer.start()
    latencies: list[float] = []
    done = asyncio.Event()

    async def consume() -> None:
        while len(latencies) < count:
            batches = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter_ns()
            for records in batches.values():
                latencies.extend((now - int(r.value)) / 1e6 for r in records)
            if batches:
                await consumer.commit()
        done.set()

    async def fire(i: int) -> None:
        await producer.send_and_wait(topic, str(time.perf_counter_ns()).encode(), key=str(i % 64).encode())

    reader = asyncio.create_task(consume())
    started = time.perf_counter()
    if rate:
        await paced(rate, count, fire)
    else:
        await bounded(64, count, fire)
    await asyncio.wait_for(done.wait(), 120)
    elapsed = time.perf_counter() - started
    reader.cancel()
    await consumer.stop()
    await producer.stop()
    return Result(f"raw aiokafka {'@' + str(int(rate)) + '/s' if rate else 'max rate'}", latencies, elapsed)


# --- (b) the full path ------------------------------------------------------------------------------


def nip_of(i: int) -> tuple[str, date]:
    # (i mod 5000, i div 5000) is unique for i < 100,000: birth date and TMT year tell the rows apart.
    birth = date(1960, 1, 1) + timedelta(days=i % 5000)
    return f"{birth:%Y%m%d}{2000 + i // 5000 % 20}011{i % 999 + 1:03d}", birth


def consuming_service(bootstrap: str, url: str, prefix: str, count: int, pipe: Connection) -> None:
    """The mutation side in its own process, as in production: inbox handler; reports latencies."""

    async def run() -> None:
        settings = Settings(service="mutation", kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix)
        db, bus = Database(url), KafkaBus(settings)
        latencies: list[float] = []
        done = asyncio.Event()

        def applied(event: CloudEvent) -> None:
            latencies.append((datetime.now(UTC) - event.time).total_seconds() * 1000)
            if len(latencies) >= count:
                done.set()

        consumer = EventConsumer(
            "bench-mutation",
            db,
            bus,
            inbox=mutation_metadata.tables["inbox"],
            outbox=mutation_metadata.tables["outbox"],
            subscriptions=employee_subscriptions(mutation_employees),
            on_applied=applied,
        )
        await bus.start([])
        ready = asyncio.Event()
        task = asyncio.create_task(consumer.run(ready))
        await ready.wait()
        pipe.send("ready")
        await done.wait()
        pipe.send(latencies)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.stop()
        await db.dispose()

    uvloop.run(run())


async def _define_agency(database: Database, code: str) -> None:
    """The agency the registrations name (references are checked), written straight into its table once."""
    agencies = employee_metadata.tables["agencies"]
    async with database.engine.begin() as connection:
        if await connection.scalar(select(agencies.c.code).where(agencies.c.code == code)) is None:
            now = datetime.now(UTC)
            row = {"code": code, "name": f"Kabupaten {code}", "kind": "kabupaten", "version": 1}
            await connection.execute(insert(agencies).values(**row, created_at=now, updated_at=now))


async def full_path(
    bootstrap: str, databases: dict[str, str], *, rate: float | None, count: int, offset: int
) -> Result:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = Settings(service="employee", kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix)
    producer_db, producer_bus = Database(databases["employee"]), KafkaBus(settings)
    outbox = employee_metadata.tables["outbox"]
    relay = OutboxRelay(producer_db, producer_bus, outbox)
    await producer_bus.start(["asn.employee.events"])

    await _define_agency(producer_db, AGENCY)
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    consumer = multiprocessing.get_context("spawn").Process(
        target=consuming_service, args=(bootstrap, databases["mutation"], prefix, count, theirs)
    )
    consumer.start()
    assert await asyncio.to_thread(ours.recv) == "ready"
    relaying = asyncio.create_task(relay.run())

    async def fire(i: int) -> None:
        nip, birth = nip_of(offset + i)
        async with UnitOfWork(producer_db, outbox, relay.wake) as uow:
            await employee_service.register_employee(
                uow,
                principal=None,
                nip=nip,
                name=f"Pegawai {i}",
                birth_date=birth,
                gender="M",
                agency_code=AGENCY,
                employment_type=EmploymentType.PNS,
            )

    started = time.perf_counter()
    if rate:
        await paced(rate, count, fire)
    else:
        await bounded(32, count, fire)
    latencies = await asyncio.to_thread(ours.recv)
    elapsed = time.perf_counter() - started
    await asyncio.to_thread(consumer.join, 30)
    relaying.cancel()
    await asyncio.gather(relaying, return_exceptions=True)
    await producer_bus.stop()
    await producer_db.dispose()
    label = f"full path {'@' + str(int(rate)) + '/s' if rate else 'max rate'}"
    return Result(label, latencies, elapsed)


async def prepare_databases(workdir: Path) -> tuple[dict[str, str], str]:
    server = os.environ.get("ASN_BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    plain = make_url(server).set(drivername="postgresql")
    try:
        admin = await asyncpg.connect(plain.render_as_string(hide_password=False), timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        urls = {s: f"sqlite+aiosqlite:///{workdir / s}.db" for s in ("employee", "mutation")}
        kind = "SQLite"
    else:
        urls = {}
        for service in ("employee", "mutation"):
            name = f"asn_bench_{service}"
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            urls[service] = plain.set(drivername="postgresql+asyncpg", database=name).render_as_string(
                hide_password=False
            )
        await admin.close()
        kind = "PostgreSQL"
    for service, url in urls.items():
        await asyncio.to_thread(upgrade, service, url)
    return urls, kind


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="steady rate, events/s")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the steady phase")
    parser.add_argument("--burst", type=int, default=5000, help="events in the as-fast-as-possible phase")
    args = parser.parse_args()
    steady = int(args.rate * args.seconds)

    with tempfile.TemporaryDirectory() as workdir, EmbeddedBroker(port=free_port()) as broker:
        databases, kind = await prepare_databases(Path(workdir))
        print(
            f"broker: Tansu (embedded) at {broker.bootstrap_servers}; database: {kind}; "
            f"steady {args.rate:.0f}/s for {args.seconds:.0f}s; burst {args.burst}"
        )
        raw_steady = await raw_roundtrip(broker.bootstrap_servers, rate=args.rate, count=steady)
        print(raw_steady.line())
        raw_burst = await raw_roundtrip(broker.bootstrap_servers, rate=None, count=args.burst)
        print(raw_burst.line())
        full_steady = await full_path(
            broker.bootstrap_servers, databases, rate=args.rate, count=steady, offset=0
        )
        print(full_steady.line())
        full_burst = await full_path(
            broker.bootstrap_servers, databases, rate=None, count=args.burst, offset=steady
        )
        print(full_burst.line())

    ratio = full_steady.p99 / raw_steady.p99
    print(f"p99 ratio full/raw at {args.rate:.0f}/s: {ratio:.2f}x  (goal: full p99 <= 50 ms and <= 4x raw)")
    print(f"throughput ratio full/raw at max rate: {full_burst.throughput / raw_burst.throughput:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(uvloop.run(main()))
