"""Post-mutation monitoring on the real broker: employee moves arrive as `position-changed` events, the
baseline is the last annual predicate before each move (also when it becomes final after the move), and
the report compares it with the first annual predicate after the move, per person and per cohort."""

from datetime import date, datetime

import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    APPROVER,
    STAFF,
    appraise,
    as_person,
    finalise,
    nip,
    open_period,
    plan_skp,
    rate,
    register,
)
from shared import clock
from shared.contracts.employee import EmployeePositionChanged, EmployeeRegistered, Placement
from shared.events.envelope import new_event
from shared.principal import Role
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration

A, B, C, D, E, F = (nip(i) for i in range(1, 7))
RECEIVING = "7602"
# The years appraised here are over (a point is rated only from its end): the report is read in 2028.
READ_ON = datetime(2028, 2, 7, 9, 0, tzinfo=clock.WIB)
MOVES = {  # nip -> (receiving agency, TMT)
    A: (RECEIVING, date(2026, 1, 1)),  # the whole of 2026 is already in the new position
    B: (RECEIVING, date(2026, 7, 1)),
    C: (RECEIVING, date(2026, 7, 1)),
    D: (RECEIVING, date(2026, 7, 1)),
    E: (RECEIVING, date(2026, 7, 1)),
    F: ("7603", date(2026, 3, 1)),  # another agency's cohort
}


async def publish_move(app, employee: str, agency: str, tmt: date) -> None:
    bus = app.state.runtime.bus
    registered = EmployeeRegistered(
        nip=employee,
        name=f"Pegawai {employee[-2:]}",
        agency_code="7601",
        position_id="pos-old",
        birth_date=date(1985, 3, 12),
        gender="M",
        employment_type="PNS",
        status="active",
    )
    moved = EmployeePositionChanged(
        nip=employee,
        previous=Placement(agency_code="7601", unit_id="unit-old", position_id="pos-old"),
        current=Placement(agency_code=agency, unit_id="unit-new", position_id="pos-new"),
        tmt=tmt,
        mutation_id=f"mutation-{employee[-2:]}",
    )
    for event_type, data in (
        ("asn.employee.employee.registered", registered),
        ("asn.employee.employee.position-changed", moved),
    ):
        event = new_event(event_type, subject=employee, agency=agency, data=data)
        await bus.publish("asn.employee.events", employee.encode(), event.to_json())


async def test_the_report_compares_each_move_and_the_cohort_before_and_after(make_settings):
    app = create_app(await make_settings("appraisal"))
    with clock.pinned(READ_ON):
        await _compare_moves(app)


async def _compare_moves(app) -> None:
    async with serve_in_process(app) as client:
        await register(app, *STAFF, A, B, C, E, F)
        await register(app, D, agency="7605")
        await register(app, agency=RECEIVING)
        # D's last year before the move was appraised in another agency, before the move arrived.
        await appraise(app, client, {D: "kurang"}, year=2025, agency_code="7605")
        # The others' SKPs of 2025 were planned in their agency before they moved.
        year_2025 = await open_period(client, year=2025)
        planned = {n: await plan_skp(client, year_2025["id"], n) for n in (A, B, C, E, F)}
        for employee, (agency, tmt) in MOVES.items():
            await publish_move(app, employee, agency, tmt)

        async def moves() -> list[dict]:
            return (await client.get("/api/v1/appraisal/mutation-monitoring/moves")).json()["items"]

        recorded = await eventually(lambda: _length(moves(), 6), what="six baselines")
        assert app.state.runtime.consumer.counts_of("dead-lettered") == 0
        employee = (await client.get(f"/api/v1/appraisal/employees/{A}")).json()
        assert (employee["agency_code"], employee["position_tmt"]) == (RECEIVING, "2026-01-01")
        assert {m["nip"]: (m["annual_before"] or {}).get("predicate") for m in recorded} == {
            A: None,
            B: None,
            C: None,
            D: "kurang",
            E: None,
            F: None,
        }

        # Their 2025 evaluations become final only after they moved: the baselines follow.
        for employee, predicate in {A: "baik", B: "baik", C: "sangat_baik", E: "baik", F: "baik"}.items():
            assert (await rate(client, planned[employee], "annual", predicate)).status_code == 200
        approver = as_person(app, APPROVER, Role.APPROVER)
        finalised = await finalise(client, year_2025["id"], "annual", override_by=APPROVER, as_=approver)
        assert finalised.status_code == 200, finalised.text
        # 2026 counts as "after" only for A (moved on 1 January); the rest moved mid-year.
        await appraise(
            app,
            client,
            {A: "sangat_baik", B: "sangat_kurang", C: "sangat_kurang", D: "sangat_kurang"},
            year=2026,
            agency_code=RECEIVING,
        )
        await appraise(
            app,
            client,
            {A: "baik", B: "baik", C: "butuh_perbaikan", D: "baik"},
            year=2027,
            agency_code=RECEIVING,
        )

        andi = (await client.get("/api/v1/appraisal/mutation-monitoring/moves", params={"nip": A})).json()
        (move,) = andi["items"]
        assert (move["tmt"], move["from_agency_code"], move["to_agency_code"]) == (
            "2026-01-01",
            "7601",
            "7602",
        )
        assert move["annual_before"] == {"year": 2025, "period": "annual", "predicate": "baik"}
        assert move["annual_after"] == {"year": 2026, "period": "annual", "predicate": "sangat_baik"}
        assert move["change"] == "improved"

        by_nip = {
            m["nip"]: m
            for m in (
                await client.get("/api/v1/appraisal/mutation-monitoring/moves", params={"agency": RECEIVING})
            ).json()["items"]
        }
        assert {n: (m["annual_after"] or {}).get("year") for n, m in by_nip.items()} == {
            A: 2026,
            B: 2027,
            C: 2027,
            D: 2027,
            E: None,
        }
        assert {n: m["change"] for n, m in by_nip.items()} == {
            A: "improved",
            B: "unchanged",
            C: "declined",
            D: "improved",
            E: None,
        }

        cohort = await client.get(
            "/api/v1/appraisal/mutation-monitoring/cohort", params={"agency": RECEIVING, "moved_in": 2026}
        )
        assert cohort.json() == {
            "agency_code": RECEIVING,
            "moved_in": 2026,
            "moves": 5,
            "compared": 4,
            "improved": 2,
            "unchanged": 1,
            "declined": 1,
            "mean_before": "3.75",  # baik 4, baik 4, sangat baik 5, kurang 2
            "mean_after": "4.00",  # sangat baik 5, baik 4, butuh perbaikan 3, baik 4
            "before": {"sangat_baik": 1, "baik": 2, "butuh_perbaikan": 0, "kurang": 1, "sangat_kurang": 0},
            "after": {"sangat_baik": 1, "baik": 2, "butuh_perbaikan": 1, "kurang": 0, "sangat_kurang": 0},
        }
        other_year = await client.get(
            "/api/v1/appraisal/mutation-monitoring/cohort", params={"agency": RECEIVING, "moved_in": 2025}
        )
        assert other_year.json()["moves"] == 0 and other_year.json()["mean_before"] is None


async def _length(items, n: int):
    found = await items
    return found if len(found) == n else None
