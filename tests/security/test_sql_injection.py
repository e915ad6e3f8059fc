"""SQL injection into every searching and filtering parameter and every path id of the employee service,
through the gateway (issue 18): each probe is refused with a 4xx or answers 200 with exactly the rows its
text would match taken literally (none), never a 5xx and never a delay the database was told to take; and
the tables are all still there, with their rows, afterwards.

Runs on the suite's database (PostgreSQL when there is one, see shared/testing.py). The refusals held when
probed by hand; these tests keep them.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import agencies, employees, positions, units
from shared.db import Database
from shared.pagination import encode_cursor
from tests.security.world import KABUPATEN, PROVINCE, World, running_world

pytestmark = pytest.mark.integration

# A probe whose sleep ran would take this long; the bound below is far under it and far over any answer.
SLEEP_SECONDS = 20
SLOWEST_ANSWER_SECONDS = 8

CLASSIC = [
    "'",
    '"',
    "`",
    "\\",
    "';",
    "' --",
    "'--",
    "' #",
    "'/*",
    "*/",
    "' OR '1'='1",
    "' OR '1'='1' --",
    "' OR 1=1--",
    '" OR "1"="1',
    "') OR ('1'='1",
    "')) OR (('1'='1",
    "1' OR '1'='1' /*",
    "admin'--",
    "' OR ''='",
    "' OR 'x'='x",
    "%' OR '%'='",
    "1 OR 1=1",
    "1) OR (1=1",
    "0 OR 1=1 --",
    "1; DROP TABLE employees--",
    "'; DROP TABLE employees; --",
    "'); DROP TABLE units; --",
    "1; DELETE FROM employees",
    "'; TRUNCATE agencies CASCADE; --",
    "'; UPDATE employees SET name='x'; --",
    "'; INSERT INTO agencies (code) VALUES ('9999'); --",
    "' UNION SELECT NULL--",
    "' UNION SELECT NULL,NULL--",
    "' UNION SELECT NULL,NULL,NULL,NULL,NULL--",
    "' UNION ALL SELECT nip, name FROM employees--",
    "' UNION SELECT username, password_hash FROM users--",
    "1 UNION SELECT version()",
    "' UNION SELECT table_name FROM information_schema.tables--",
    "' AND 1=CAST((SELECT version()) AS int)--",
    "' AND 1=(SELECT COUNT(*) FROM pg_tables)--",
    "' AND SUBSTRING(version(),1,1)='P",
    f"'; SELECT pg_sleep({SLEEP_SECONDS})--",
    f"' OR pg_sleep({SLEEP_SECONDS}) IS NULL--",
    f"1 AND (SELECT 1 FROM pg_sleep({SLEEP_SECONDS}))",
    f"'||pg_sleep({SLEEP_SECONDS})||'",
    f"' AND 1=(SELECT 1 FROM pg_sleep({SLEEP_SECONDS}))--",
    f"1; WAITFOR DELAY '0:0:{SLEEP_SECONDS}'--",
    f"' OR SLEEP({SLEEP_SECONDS})#",
    "' OR randomblob(1000000000)--",
    "'; COPY employees TO '/tmp/leak.csv'--",
    "'; CREATE TABLE pwned(x int);--",
    "'; ALTER TABLE employees DROP COLUMN name;--",
    "' OR EXISTS(SELECT 1 FROM employees)--",
    "'||(SELECT name FROM employees LIMIT 1)||'",
    "$$; DROP TABLE employees; $$",
    "E'\\x27 OR 1=1",
    "' OR 1=1 LIMIT 1 OFFSET 1--",
    "' ORDER BY 1--",
    "' ORDER BY 100--",
    "' GROUP BY nip HAVING 1=1--",
    "1' AND '1'='2",
    "x' AND name IS NOT NULL AND 'a'='a",
    "%",
    "_",
    "%%",
    "%_%",
    "*",
    "NULL",
    "null",
    "'null'",
    "0x27",
    "%27%20OR%20%271%27%3D%271",
    "%2527%2520OR%25201%253D1",
    "\u2019 OR \u20191\u2019=\u20191",  # right single quotation marks
    "\u02bc OR 1=1--",  # modifier letter apostrophe
    "\uff07 OR \uff071\uff07=\uff071",  # fullwidth apostrophe
    "\u201c OR \u201d1\u201d=\u201d1",  # curly double quotes
    "' OR 1=1\x00",
    "\x00'; DROP TABLE employees; --",
    "'\t\nOR\t\n'1'='1",
    "' oR/**/'1'='1",
    "'/**/UNION/**/SELECT/**/NULL--",
    "7201' OR agency_code='7200",
    "7201') OR ('7200'='7200",
    f"{KABUPATEN}' OR '1'='1",
    f"{PROVINCE}'--",
]


@dataclass(frozen=True)
class Target:
    """A place a probe goes, and what its answer may list: the rows its text matches taken literally."""

    name: str
    url: Callable[[str], str]
    matches: Callable[[World, str], set[str]] | None = None  # None: no 200 list is expected
    key: str = "nip"


def query(path: str, param: str, **fixed: str) -> Callable[[str], str]:
    extra = "".join(f"&{k}={v}" for k, v in fixed.items())
    return lambda payload: f"{path}?{param}={quote(payload, safe='')}{extra}"


def path_id(path: str, suffix: str = "") -> Callable[[str], str]:
    return lambda payload: f"{path}/{quote(payload, safe='')}{suffix}"


def by_name(world: World, text: str) -> set[str]:
    return {
        p["nip"] for a in (PROVINCE, KABUPATEN) for p in world.people[a] if text.lower() in p["name"].lower()
    }


def by_nip(world: World, text: str) -> set[str]:
    return {p["nip"] for a in (PROVINCE, KABUPATEN) for p in world.people[a] if p["nip"].startswith(text)}


def nothing(world: World, text: str) -> set[str]:
    return set()


def any_person(world: World, text: str) -> set[str]:
    """A cursor only pages: whatever it lists is among the people there are."""
    return world.nips(PROVINCE) | world.nips(KABUPATEN)


TARGETS = [
    Target("employee search: name", query("/api/v1/employees", "name"), by_name),
    Target("employee search: nip", query("/api/v1/employees", "nip"), by_nip),
    Target("employee search: agency", query("/api/v1/employees", "agency"), nothing),
    Target("employee search: unit", query("/api/v1/employees", "unit"), nothing),
    Target("employee search: position", query("/api/v1/employees", "position"), nothing),
    Target("employee search: rank", query("/api/v1/employees", "rank"), nothing),
    Target("employee search: cursor", query("/api/v1/employees", "cursor"), any_person),
    Target("employee export: name", query("/api/v1/employees/export", "name", format="csv"), by_name),
    Target("employee by NIP", path_id("/api/v1/employees")),
    Target("employee history by NIP", path_id("/api/v1/employees", "/history")),
    Target("units: agency", query("/api/v1/units", "agency"), nothing, "id"),
    Target("unit by id", path_id("/api/v1/units")),
    Target("positions: agency", query("/api/v1/positions", "agency"), nothing, "id"),
    Target("agencies: province", query("/api/v1/agencies", "province"), nothing, "code"),
    Target("agency by code", path_id("/api/v1/agencies")),
    Target("workload: agency", query("/api/v1/workload", "agency")),
    Target("workload: province", query("/api/v1/workload", "province")),
    Target("workload: sort", query("/api/v1/workload", "sort", agency=KABUPATEN)),
    Target("workload: cursor", query("/api/v1/workload", "cursor", agency=KABUPATEN), nothing, "id"),
]


@pytest.fixture(scope="module")
async def world(database_factory, broker, tmp_path_factory) -> AsyncIterator[World]:
    async with running_world(database_factory, broker, tmp_path_factory.mktemp("sqli")) as running:
        yield running


async def table_counts(world: World) -> dict[str, int]:
    db = Database(world.settings["employee"].resolved_database_url)
    try:
        async with db.connect() as connection:
            return {
                table.name: (await connection.execute(select(func.count()).select_from(table))).scalar_one()
                for table in (employees, agencies, units, positions)
            }
    finally:
        await db.dispose()


def test_there_are_at_least_75_distinct_probes():
    assert len(set(CLASSIC)) == len(CLASSIC) >= 75


async def test_the_baseline_lists_what_the_world_holds(world):
    """The yardstick: the searches list the people, and the filters match literally."""
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.admin, timeout=20) as door:
        everyone = await door.get("/api/v1/employees")
        named = await door.get("/api/v1/employees", params={"name": "uji 70"})
    assert {p["nip"] for p in everyone.json()["items"]} == world.nips(PROVINCE) | world.nips(KABUPATEN)
    assert {p["nip"] for p in named.json()["items"]} == by_name(world, "uji 70") != set()
    assert await table_counts(world) == {"employees": 6, "agencies": 2, "units": 4, "positions": 0}


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
async def test_injected_text_is_refused_or_matched_literally(world, target):
    before = await table_counts(world)
    failures: list[str] = []
    payloads = [*CLASSIC, *(encode_cursor([text]) for text in CLASSIC[:10])]
    at_once = asyncio.Semaphore(8)

    async def probe(door: httpx.AsyncClient, payload: str) -> list[str]:
        async with at_once:
            started = time.monotonic()
            answer = await door.get(target.url(payload))
            return judge(world, target, payload, answer, time.monotonic() - started)

    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.admin, timeout=60) as door:
        for found in await asyncio.gather(*(probe(door, payload) for payload in payloads)):
            failures += found
    assert not failures, f"{len(failures)} of {len(payloads)} probes:\n" + "\n".join(failures)
    assert await table_counts(world) == before


def judge(world: World, target: Target, payload: str, answer: httpx.Response, took: float) -> list[str]:
    where = f"{target.name} <- {payload!r}: {answer.status_code}"
    if answer.status_code >= 500:
        return [f"{where} {answer.text[:200]}"]
    if took > SLOWEST_ANSWER_SECONDS:
        return [f"{where} took {took:.1f} s"]
    if 300 <= answer.status_code < 400:
        # (The path without its trailing slash, at the gateway: never the service's own address.)
        location = answer.headers.get("location", "")
        return (
            [] if location.startswith("/") and not location.startswith("//") else [f"{where} to {location}"]
        )
    if answer.status_code >= 400:
        return [] if answer.headers["content-type"].startswith("application/problem+json") else [where]
    if target.matches is None:
        return [f"{where}: answered, though nothing can match"]
    if answer.headers["content-type"].startswith("text/csv"):
        found = {nip for nip in any_person(world, payload) if nip in answer.text}
    else:
        listed: list[dict[str, Any]] = answer.json()["items"]
        found = {str(item[target.key]) for item in listed}
    expected = target.matches(world, payload)
    if not found <= expected:
        return [f"{where} listed {sorted(found - expected)}"]
    return []
