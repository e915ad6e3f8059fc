"""One truth about occupancy: whatever sequence of registrations, moves (by HR, or by a mutation taking
effect), imports and status changes reaches the employee service, the mutation service, which learns it by
events over the real broker, comes to count the same people in every position (the bezetting its eligibility
checks and placement rounds rely on), and both agree with the register itself.

Hypothesis draws the sequences (derandomised: every run draws the same ones) and shrinks a failing one.
"""

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.employee.app import create_app as employee_app
from services.mutation.app import create_app as mutation_app
from shared.contracts.mutation import ProposalEffective
from shared.events.envelope import new_event
from shared.runtime import ServiceRuntime
from shared.testing import define_agencies, eventually, serve_in_process
from tests.support import employee_payload

pytestmark = pytest.mark.integration

AGENCIES = ("7601", "7602")
POSITIONS_PER_AGENCY = 3
STATUSES = ("leave", "active", "suspended", "retired")
TASK = {"name": "Mengolah data", "output_unit": "dokumen", "yearly_volume": 100, "time_norm_minutes": 300}

# An operation: (kind, which person (an index into those registered so far), which position, the agency the
# record is to be of (not always the position's: a mismatch must be refused, not stored), a status).
operations = st.lists(
    st.tuples(
        st.sampled_from(("register", "import", "move", "effective", "status")),
        st.integers(min_value=0, max_value=50),
        st.integers(min_value=0, max_value=len(AGENCIES) * POSITIONS_PER_AGENCY - 1),
        st.sampled_from(AGENCIES),
        st.sampled_from(STATUSES),
    ),
    min_size=4,
    max_size=14,
)


async def _organisation(employee: httpx.AsyncClient) -> list[tuple[str, str, str]]:
    """(agency, unit, position) of every position, each with a task list so the workload counts it."""
    await define_agencies(employee, *AGENCIES)
    positions = []
    for agency in AGENCIES:
        unit = await employee.post(
            "/api/v1/units", json={"agency_code": agency, "name": "Bidang", "kind": "bidang"}
        )
        assert unit.status_code == 201, unit.text
        for k in range(POSITIONS_PER_AGENCY):
            position = await employee.post(
                "/api/v1/positions",
                json={
                    "unit_id": unit.json()["id"],
                    "name": f"Analis {k}",
                    "type": "pelaksana",
                    "job_class": 7,
                    "authorised_headcount": 20,
                },
            )
            assert position.status_code == 201, position.text
            tasks = await employee.put(
                f"/api/v1/positions/{position.json()['id']}/tasks",
                json={"tasks": [TASK]},
                headers={"If-Match": 'W/"0"'},
            )
            assert tasks.status_code == 200, tasks.text
            positions.append((agency, unit.json()["id"], position.json()["id"]))
    return positions


async def _register_counts(employee: httpx.AsyncClient) -> Counter[str]:
    """Active holders per position, as the register lists its people."""
    holders: Counter[str] = Counter()
    cursor = None
    while True:
        params: dict[str, Any] = {"status": "active", "limit": 500, **({"cursor": cursor} if cursor else {})}
        answer = await employee.get("/api/v1/employees", params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        holders.update(e["position_id"] for e in page["items"] if e["position_id"])
        if (cursor := page["next_cursor"]) is None:
            return holders


async def _workload_counts(employee: httpx.AsyncClient) -> dict[str, int]:
    """Present staff per position, as the employee service's workload analysis counts them."""
    counts = {}
    for agency in AGENCIES:
        page = (
            await employee.get(
                "/api/v1/workload", params={"agency": agency, "level": "position", "limit": 500}
            )
        ).json()
        counts.update({row["id"]: row["present"] for row in page["items"]})
    return counts


async def _mutation_counts(
    mutation: httpx.AsyncClient, positions: list[tuple[str, str, str]]
) -> dict[str, int]:
    counts = {}
    for _, _, position in positions:
        answer = await mutation.get(f"/api/v1/mutation/positions/{position}")
        counts[position] = answer.json()["present"] if answer.status_code == 200 else -1
    return counts


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=operations)
async def test_the_employee_and_mutation_services_agree_on_who_holds_each_position(services, sequence):
    # Hypothesis runs every example in this one test: the services and the organisation are the fixture's.
    employee, mutation, positions, people = (
        services.employee,
        services.mutation,
        services.positions,
        services.people,
    )
    runtime = services.employee_runtime
    for kind, who, where, agency, status in sequence:
        _, unit, position = positions[where]
        if kind == "register" or not people:
            person = {**employee_payload(next(_serial), agency_code=agency), "position_id": position}
            if (await employee.post("/api/v1/employees", json=person)).status_code == 201:
                people.append(person["nip"])
        elif kind == "import":
            rows = [employee_payload(next(_serial), agency_code=agency) for _ in range(2)]
            text = "nip,name,birth_date,gender,agency_code,unit_id,position_id\n" + "".join(
                f"{r['nip']},{r['name']},{r['birth_date']},{r['gender']},{agency},{unit},{position}\n"
                for r in rows
            )
            job = await employee.post(
                "/api/v1/employees/imports",
                params={"wait": "true"},
                files={"file": ("pegawai.csv", text.encode(), "text/csv")},
            )
            if job.json().get("state") == "succeeded":
                people.extend(r["nip"] for r in rows)
        elif kind == "move":
            nip = people[who % len(people)]
            await employee.post(
                f"/api/v1/employees/{nip}/position",
                json={
                    "agency_code": agency,
                    "position_id": position,
                    "tmt": "2026-12-01",
                    "reason": "rotasi",
                },
            )
        elif kind == "effective":
            nip = people[who % len(people)]
            event = new_event(
                "asn.mutation.proposal.effective",
                subject=nip,
                agency=agency,
                data=ProposalEffective(
                    mutation_id=str(uuid.uuid4()),
                    nip=nip,
                    to_agency_code=agency,
                    to_unit_id=unit,
                    to_position_id=position,
                    tmt="2026-12-05",
                ),
            )
            await runtime.bus.publish("asn.mutation.events", nip.encode(), event.to_json())
        else:
            nip = people[who % len(people)]
            await employee.post(
                f"/api/v1/employees/{nip}/status", json={"status": status, "effective_date": "2026-12-01"}
            )

    async def agreed() -> tuple[Counter[str], dict[str, int], dict[str, int]] | None:
        register = await _register_counts(employee)
        workload = await _workload_counts(employee)
        copied = await _mutation_counts(mutation, positions)
        expected = {p: register[p] for _, _, p in positions}
        return (register, workload, copied) if expected == workload == copied else None

    await eventually(agreed, timeout=60, interval=0.2, what=f"the services to agree after {sequence}")


_serial = count(2000)


@dataclass
class Services:
    employee: httpx.AsyncClient
    mutation: httpx.AsyncClient
    employee_runtime: ServiceRuntime
    positions: list[tuple[str, str, str]]
    people: list[str] = field(default_factory=list)  # every NIP registered so far, in order


@pytest.fixture
async def services(make_settings) -> AsyncIterator[Services]:
    """The employee and mutation services on the test's broker, and the organisation."""
    employee = employee_app(await make_settings("employee"))
    mutation = mutation_app(await make_settings("mutation"))
    async with serve_in_process(employee) as employee_client, serve_in_process(mutation) as mutation_client:
        positions = await _organisation(employee_client)
        yield Services(employee_client, mutation_client, employee.state.runtime, positions)
