"""The chaos scenario, shared by the short profile in `make test` (tests/chaos) and the long one
(bench/chaos.py): the platform's real processes on their databases and the embedded broker, a realistic
flow (registrations; a round of cross-regency mutations through files, approvals, decrees and the saga that
moves each person), while services are SIGKILLed and restarted at random and the broker is restarted empty.
Then the invariants: every read model holds exactly the register's people at the register's versions, each
mutation completed and moved its person once, outboxes drained, decree numbers unique and gapless, the
audit chains valid, nothing dead-lettered (the flow sends no poison).

Every call is retried the way a client of the platform would: on a refused connection, a 5xx or a 503 while
a service restarts. POSTs carry an Idempotency-Key; a retry after a lost connection takes a new one (the
killed process's claim outlives it), and the driver reads the state (or the register refuses the NIP again)
to know what the first attempt did.
"""

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Table, func, select

from services.appraisal.adapters import tables as appraisal_tables
from services.employee.adapters import tables as employee_tables
from services.gateway.adapters import tables as gateway_tables
from services.mutation.adapters import tables as mutation_tables
from services.mutation.tests.support import (
    FULL_FILE,
    PDF,
    build_province,
    evaluation_finalised,
    wait_for_predicates,
    wait_for_read_models,
)
from services.training.adapters import tables as training_tables
from shared.aio import backoff
from shared.db import Database
from shared.events.bus import KafkaBus
from shared.readmodels.employees import employee_subscriptions
from shared.settings import Settings
from shared.supervision import Platform
from shared.testing import define_agencies, eventually
from tests.support import employee_payload, internal_headers

KILLABLE = ("employee", "appraisal", "mutation", "training", "gateway")
OUTBOXES: dict[str, Table] = {
    "employee": employee_tables.outbox,
    "appraisal": appraisal_tables.outbox,
    "mutation": mutation_tables.outbox,
    "training": training_tables.outbox,
    "gateway": gateway_tables.outbox,
}
READ_MODELS: dict[str, Table] = {
    "appraisal": appraisal_tables.employees,
    "mutation": mutation_tables.employees,
    "training": training_tables.employees,
}
AUDIT_CHAINS = {
    "appraisal": "/api/v1/appraisal/audit/verify",
    "mutation": "/api/v1/audit/verify",
    "training": "/api/v1/training/audit/verify",
}
REGISTRATION_AGENCY = "7601"


def _compared(table: Table) -> tuple[Any, ...]:
    """What a read model must hold as the register does (its placement)."""
    return (table.c.nip, table.c.agency_code, table.c.unit_id, table.c.position_id)


@dataclass(frozen=True)
class Profile:
    registrations: int
    mutations: int
    kills: int
    broker_restarts: int
    # Seconds between two faults; the registrations are spread over the faults' time.
    fault_interval: tuple[float, float]
    converge_timeout: float = 120.0

    @property
    def seconds(self) -> float:
        return (self.kills + self.broker_restarts) * sum(self.fault_interval) / 2


SHORT = Profile(registrations=240, mutations=6, kills=5, broker_restarts=1, fault_interval=(2.0, 4.0))
LONG = Profile(registrations=5000, mutations=300, kills=22, broker_restarts=3, fault_interval=(3.0, 6.0))


@dataclass
class Outcome:
    kills: int = 0
    broker_restarts: int = 0
    registered: int = 0
    mutations_completed: int = 0
    retries: int = 0
    lost: int = 0
    doubled: int = 0
    converged_after: float | None = None
    problems: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    last_fault_over: float = 0.0

    def report(self) -> str:
        return (
            f"kills survived: {self.kills} services + {self.broker_restarts} broker restarts; "
            f"operations: {self.registered} registrations, {self.mutations_completed} mutations completed, "
            f"{self.retries} client retries; faults in order: {' '.join(self.faults)}; "
            f"lost: {self.lost}; doubled: {self.doubled}; converged "
            + (
                f"{self.converged_after:.1f} s after the last restart"
                if self.converged_after is not None
                else "never"
            )
        )


class Client:
    """Calls one service as the platform itself, retrying what a restart interrupts."""

    def __init__(self, platform: Platform, service: str, outcome: Outcome, deadline: float) -> None:
        self._platform = platform
        self._service = service
        self._outcome = outcome
        self._deadline = deadline
        self._http = httpx.AsyncClient(headers=internal_headers(), timeout=120)

    async def close(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = dict(options.pop("headers", {}))
        attempt = 0
        while True:
            if method == "POST" and "Idempotency-Key" not in headers:
                headers["Idempotency-Key"] = str(uuid.uuid4())
            try:
                answer = await self._http.request(
                    method, self._platform.url(self._service) + path, headers=headers, **options
                )
                if answer.status_code < 500 and not _key_in_use(answer):
                    return answer
            except httpx.TransportError:
                # The process that took the key may have been killed, and its claim outlives it (a lease of
                # minutes): the retry goes under a new key, and the caller's reading of the state (or the
                # register's refusal of a second NIP) tells what the first attempt did.
                headers.pop("Idempotency-Key", None)
            if time.monotonic() > self._deadline:
                raise TimeoutError(f"{method} {path} on {self._service}: no answer before the deadline")
            attempt += 1
            self._outcome.retries += 1
            await asyncio.sleep(backoff(attempt, base=0.1, cap=1.0))


def _key_in_use(answer: httpx.Response) -> bool:
    """The first request with this key still runs in a live process: ask again shortly."""
    return answer.status_code == 409 and "idempotency-key-in-use" in answer.text


async def run(platform: Platform, profile: Profile, *, seed: int = 20261207) -> Outcome:
    """The flow under faults, then the invariants; returns what was measured (problems listed, not raised)."""
    rng = random.Random(seed)
    outcome = Outcome()
    deadline = time.monotonic() + 1800
    employee = Client(platform, "employee", outcome, deadline)
    mutation = Client(platform, "mutation", outcome, deadline)
    try:
        proposals = await _prepare_mutations(platform, employee, mutation, profile.mutations)
        await define_agencies(_Adapter(employee), REGISTRATION_AGENCY)
        flow = asyncio.gather(
            _register(employee, profile.registrations, outcome, profile.seconds),
            _mutate(mutation, proposals, outcome, profile.seconds),
        )
        faults = asyncio.create_task(_faults(platform, profile, rng, outcome))
        try:
            await flow
            await faults
        except BaseException:
            faults.cancel()
            raise
        converged = await _converge(platform, mutation, proposals, outcome, profile.converge_timeout)
        # From the moment the last restarted process was ready (the flow may have run on after it).
        outcome.converged_after = time.monotonic() - outcome.last_fault_over if converged else None
    finally:
        await employee.close()
        await mutation.close()
    return outcome


class _Adapter:
    """`define_agencies` takes an httpx-like client: the retrying one behind get/post."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def get(self, path: str, **options: Any) -> httpx.Response:
        return await self._client.call("GET", path, **options)

    async def post(self, path: str, **options: Any) -> httpx.Response:
        return await self._client.call("POST", path, **options)

    async def put(self, path: str, **options: Any) -> httpx.Response:
        return await self._client.call("PUT", path, **options)


async def _prepare_mutations(
    platform: Platform, employee: Client, mutation: Client, people: int
) -> list[dict[str, Any]]:
    """Before the faults: the province, its people with two years of predicates, and a round of proposals
    with their files, waiting at the first approval."""
    province = await build_province(_Adapter(employee), people=people, target_needs=people + 2)  # type: ignore[arg-type]
    await wait_for_read_models(_Adapter(mutation), province)  # type: ignore[arg-type]
    await _publish_predicates(platform, province.nips)
    for nip in province.nips:
        await wait_for_predicates(_Adapter(mutation), nip, 2)  # type: ignore[arg-type]
    made = await mutation.call(
        "POST",
        "/api/v1/mutations/rounds",
        json={
            "name": "Mutasi antar-kabupaten (uji kekacauan)",
            "items": [
                {"nip": nip, "target_position_id": province.target_position, "reason": "Pemerataan"}
                for nip in province.nips
            ],
        },
    )
    assert made.status_code == 201, made.text
    created = made.json()
    for proposal in created["proposals"]:
        for kind in FULL_FILE:
            answer = await mutation.call(
                "POST",
                f"/api/v1/mutations/{proposal['id']}/documents",
                data={"kind": kind},
                files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
            )
            assert answer.status_code == 201, answer.text
    return [{"round": created["id"], **p, "target": province.target_position} for p in created["proposals"]]


async def _publish_predicates(platform: Platform, nips: list[str]) -> None:
    """The appraisal service's final annual evaluations, as it would publish them (before any fault)."""
    settings = Settings(service="appraisal", kafka_bootstrap_servers=platform.broker.bootstrap_servers)
    bus = KafkaBus(settings)
    await bus.start()
    try:
        for nip in nips:
            for year in (2024, 2025):
                event = evaluation_finalised(nip, year, "baik")
                await bus.publish("asn.appraisal.events", nip.encode(), event.to_json())
    finally:
        await bus.stop()


async def _register(employee: Client, count: int, outcome: Outcome, seconds: float, workers: int = 8) -> None:
    numbers = iter(range(count))
    started = time.monotonic()

    async def worker() -> None:
        for i in numbers:
            # At an even pace over the faults' time, so that faults land in the middle of registrations.
            await asyncio.sleep(max(0.0, started + seconds * i / count - time.monotonic()))
            body = employee_payload(i, agency_code=REGISTRATION_AGENCY)
            answer = await employee.call("POST", "/api/v1/employees", json=body)
            # 409: an earlier attempt whose answer the kill swallowed, under another key, took effect.
            assert answer.status_code in (201, 409), answer.text
            outcome.registered += 1

    await asyncio.gather(*(worker() for _ in range(workers)))


async def _mutate(
    mutation: Client, proposals: list[dict[str, Any]], outcome: Outcome, seconds: float
) -> None:
    """The round through every approval, each proposal decreed, spread over `seconds` so that faults land
    between the steps; then until the saga completed each."""
    if not proposals:
        return
    pause = seconds / (5 + len(proposals)) / 2
    round_id = proposals[0]["round"]
    for action, reached in (
        ("submit", "submitted"),
        ("verify", "verified"),
        ("release", "origin_released"),
        ("accept", "destination_accepted"),
        ("review", "technically_reviewed"),
    ):
        await asyncio.sleep(pause)
        while True:
            states = (await mutation.call("GET", f"/api/v1/mutations/rounds/{round_id}")).json()["states"]
            if set(states) <= {reached}:
                break
            answer = await mutation.call(
                "POST", f"/api/v1/mutations/rounds/{round_id}/transitions", json={"action": action}
            )
            # 409: an earlier attempt, cut off by a kill, still holds the round; the states read again decide.
            assert answer.status_code in (200, 409), answer.text
    for proposal in proposals:
        await asyncio.sleep(pause)
        await _decree(mutation, proposal["id"])

    async def all_completed() -> bool:
        states = (await mutation.call("GET", f"/api/v1/mutations/rounds/{round_id}")).json()["states"]
        outcome.mutations_completed = states.get("completed", 0)
        return set(states) == {"completed"}

    await eventually(all_completed, timeout=600, what="every proposal completed by the saga")


async def _decree(mutation: Client, proposal_id: str) -> None:
    while True:
        proposal = (await mutation.call("GET", f"/api/v1/mutations/{proposal_id}")).json()
        if proposal["state"] != "technically_reviewed":
            return
        answer = await mutation.call(
            "POST",
            f"/api/v1/mutations/{proposal_id}/decree",
            json={
                "tmt": "2026-11-02",
                "place": "Mamuju",
                "signatory": {"name": "Drs. H. Ali Baal Masdar, M.Si.", "title": "Gubernur Sulawesi Barat"},
                "on_behalf_reason": "SK ditandatangani basah oleh Gubernur",
            },
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        if answer.status_code == 201:
            return
        # 409/412: another attempt got there first; the state read again decides.
        assert answer.status_code in (409, 412), answer.text


async def _faults(platform: Platform, profile: Profile, rng: random.Random, outcome: Outcome) -> None:
    # Every service is killed (when there are kills enough), in a random order, and again at random.
    victims = [KILLABLE[i % len(KILLABLE)] for i in range(profile.kills)]
    plan = ["broker"] * profile.broker_restarts + victims
    rng.shuffle(plan)
    # A broker restart does not come first, so that events are in flight when it comes.
    if plan and plan[0] == "broker" and profile.kills:
        plan.append(plan.pop(0))
    for victim in plan:
        await asyncio.sleep(rng.uniform(*profile.fault_interval))
        if victim == "broker":
            await asyncio.to_thread(platform.restart_broker)
            outcome.broker_restarts += 1
        else:
            platform.kill(victim)
            await asyncio.sleep(rng.uniform(0.1, 1.0))
            await asyncio.to_thread(platform.restart, victim)
            outcome.kills += 1
        outcome.faults.append(victim)
        outcome.last_fault_over = time.monotonic()


async def _converge(
    platform: Platform, mutation: Client, proposals: list[dict[str, Any]], outcome: Outcome, timeout: float
) -> bool:
    """Until the invariants hold (True) or `timeout` passes (False, with the last problems in `outcome`)."""

    async def holding() -> bool:
        outcome.problems = await _invariants(platform, mutation, proposals, outcome)
        return not outcome.problems

    try:
        await eventually(holding, timeout=timeout, interval=0.5, what="the invariants")
    except AssertionError:
        return False
    return True


async def _invariants(
    platform: Platform, mutation: Client, proposals: list[dict[str, Any]], outcome: Outcome
) -> list[str]:
    problems: list[str] = []
    urls = platform.database_urls
    source = dict(
        await _rows(
            urls["employee"], select(employee_tables.employees.c.nip, employee_tables.employees.c.version)
        )
    )
    outcome.lost = outcome.doubled = 0
    source = {
        row.nip: row for row in await _rows(urls["employee"], select(*_compared(employee_tables.employees)))
    }
    outbox = employee_tables.outbox
    events = await _rows(
        urls["employee"],
        select(outbox.c.key, outbox.c.type, func.count()).group_by(outbox.c.key, outbox.c.type),
    )
    for service, table in READ_MODELS.items():
        applied_types = {subscription.type for subscription in employee_subscriptions(table)}
        expected: Counter[str] = Counter()
        for key, event_type, count in events:
            if event_type in applied_types:
                expected[key] += count
        held = {
            row.nip: row for row in await _rows(urls[service], select(*_compared(table), table.c.version))
        }
        missing = source.keys() - held.keys()
        extra = held.keys() - source.keys()
        behind = [nip for nip in source.keys() & held.keys() if held[nip].version < expected[nip]]
        ahead = [nip for nip in source.keys() & held.keys() if held[nip].version > expected[nip]]
        different = [
            nip for nip in source.keys() & held.keys() if tuple(held[nip])[:-1] != tuple(source[nip])
        ]
        outcome.lost += len(missing) + len(behind)
        outcome.doubled += len(extra) + len(ahead)
        if missing or extra or behind or ahead or different:
            problems.append(
                f"{service} read model: {len(missing)} missing, {len(extra)} unknown, {len(behind)} events "
                f"behind, {len(ahead)} events ahead, {len(different)} placed otherwise than the register"
            )
    moves = Counter(
        key
        for key, event_type, count in events
        for _ in range(count)
        if event_type == "asn.employee.employee.position-changed"
    )
    not_moved = [
        p["nip"] for p in proposals if moves[p["nip"]] == 0 or source[p["nip"]].position_id != p["target"]
    ]
    twice = [p["nip"] for p in proposals if moves[p["nip"]] > 1]
    outcome.lost += len(not_moved)
    outcome.doubled += len(twice)
    if twice or not_moved:
        problems.append(f"saga: {len(twice)} people moved twice, {len(not_moved)} not moved")
    for service, outbox in OUTBOXES.items():
        waiting = await _scalar(
            urls[service], select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
        if waiting:
            problems.append(f"{service} outbox: {waiting} rows unpublished")
    decrees = mutation_tables.decrees
    for register, year, count, lowest, highest, distinct in await _rows(
        urls["mutation"],
        select(
            decrees.c.register,
            decrees.c.year,
            func.count(),
            func.min(decrees.c.sequence),
            func.max(decrees.c.sequence),
            func.count(decrees.c.number.distinct()),
        ).group_by(decrees.c.register, decrees.c.year),
    ):
        if not (lowest == 1 and highest == count == distinct):
            problems.append(f"decree register {register}/{year}: {count} numbers from {lowest} to {highest}")
    if proposals and outcome.mutations_completed != len(proposals):
        problems.append(f"{outcome.mutations_completed} of {len(proposals)} mutations completed")
    for service, path in AUDIT_CHAINS.items():
        verified = await _audit_verdict(platform, service, path)
        if verified is not True:
            problems.append(f"{service} audit chain: {verified}")
    dead = _dead_letters(platform)
    if dead:
        problems.append(f"dead letters: {dead}")
    return problems


async def _rows(url: str, statement: Any) -> list[Any]:
    database = Database(url)
    try:
        async with database.connect() as connection:
            return list((await connection.execute(statement)).all())
    finally:
        await database.dispose()


async def _scalar(url: str, statement: Any) -> Any:
    database = Database(url)
    try:
        async with database.connect() as connection:
            return await connection.scalar(statement)
    finally:
        await database.dispose()


async def _audit_verdict(platform: Platform, service: str, path: str) -> bool | str:
    async with httpx.AsyncClient(headers=internal_headers(), timeout=30) as client:
        try:
            answer = await client.get(platform.url(service) + path)
        except httpx.TransportError as error:
            return repr(error)
    if answer.status_code != 200:
        return f"{answer.status_code} {answer.text[:200]}"
    return True if answer.json()["valid"] else str(answer.json())


def _dead_letters(platform: Platform) -> list[str]:
    """Every 'dead-lettering' line the services logged during the run (the flow sends no poison)."""
    lines = []
    for name in KILLABLE:
        path = platform.log_path(name)
        if path is not None and path.exists():
            lines += [
                line for line in path.read_text(errors="replace").splitlines() if "dead-lettering" in line
            ]
    return lines
