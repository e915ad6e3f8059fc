"""Helpers the appraisal service's HTTP tests share: the people (made known to the service by the employee
service's events), the ratings that give each predicate, and short-hands for opening a period, planning an
SKP, rating and finalising.

The tests' client is the platform itself, a record keeper of every agency: a rating it sends is the
appraiser's signed form entered on their behalf (`PAPER_FORM`); `as_person` makes the headers of someone
acting themself (the appraiser rating, the approver overriding, the reviewer deciding, who may not be
acted for)."""

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from services.appraisal.adapters.tables import agencies, employees, outbox
from shared.contracts.employee import AgencyDefined, EmployeeRegistered
from shared.events.envelope import new_event
from shared.principal import Role
from shared.testing import auth_headers, eventually, principal

APPRAISER = "197001011995031001"
REVIEWER = "196501011990031001"
APPROVER = "196001011985031001"
OUTSIDER = "199001012015031001"  # an employee of the agency whom the SKPs of the tests do not name
STAFF = (APPRAISER, REVIEWER, APPROVER, OUTSIDER)
AGENCY = "7601"
# The tests run on 2026-12-07: 2025 is a year whose every point is over, so it can be rated and finalised.
PAST_YEAR = 2025
PAPER_FORM = "Formulir penilaian bertanda tangan pejabat penilai (sedang dinas luar)"

CORE_VALUES = (
    "berorientasi_pelayanan",
    "akuntabel",
    "kompeten",
    "harmonis",
    "loyal",
    "adaptif",
    "kolaboratif",
)
ABOVE, MEETS, BELOW = "di_atas_ekspektasi", "sesuai_ekspektasi", "di_bawah_ekspektasi"
# (results, behaviour) giving each predicate (PermenPANRB 6/2022 matrix).
RATINGS_FOR = {
    "sangat_baik": (ABOVE, ABOVE),
    "baik": (MEETS, MEETS),
    "butuh_perbaikan": (BELOW, MEETS),
    "kurang": (MEETS, BELOW),
    "sangat_kurang": (BELOW, BELOW),
}


def nip(number: int) -> str:
    return f"19850312201001{1000 + number}"


async def register(app: Any, *nips: str, agency: str = AGENCY, unit: str | None = None) -> None:
    """Make the service know the agency and the employees of it (in `unit`, when given), as the employee
    service's events do (every agency code and NIP a request names must be known), and wait until it does."""
    bus = app.state.runtime.bus
    defined = AgencyDefined(
        code=agency, name=f"Instansi {agency}", kind="kabupaten", province_code=f"{agency[:2]}00", version=1
    )
    event = new_event("asn.employee.agency.defined", subject=agency, agency=agency, data=defined)
    await bus.publish("asn.employee.events", agency.encode(), event.to_json())
    for employee in nips:
        registered = EmployeeRegistered(
            nip=employee,
            name=f"Pegawai {employee[-4:]}",
            agency_code=agency,
            unit_id=unit,
            birth_date=date(int(employee[:4]), int(employee[4:6]), int(employee[6:8])),
            gender="M" if employee[14] == "1" else "F",
            employment_type="PNS",
            status="active",
        )
        event = new_event(
            "asn.employee.employee.registered", subject=employee, agency=agency, data=registered
        )
        await bus.publish("asn.employee.events", employee.encode(), event.to_json())

    async def known() -> bool:
        async with app.state.runtime.db.connect() as connection:
            agency_known = await connection.scalar(select(agencies.c.code).where(agencies.c.code == agency))
            placed = await connection.scalars(
                select(employees.c.nip).where(employees.c.nip.in_(nips), employees.c.agency_code == agency)
            )
            return agency_known is not None and set(placed) == set(nips)

    await eventually(known, what=f"agency {agency} and its {len(nips)} employees in the read models")


def as_person(
    app: Any, nip: str, role: Role = Role.SUPERVISOR, *, agencies: Iterable[str] = (AGENCY,)
) -> dict[str, str]:
    """Headers of the person `nip` acting themself, signed in with `role` at `agencies`."""
    person = principal(role, agencies=agencies, nip=nip, subject=f"akun-{nip}")
    return auth_headers(app.state.runtime.settings, person)


def if_match(resource: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'W/"{resource["version"]}"'}


async def open_period(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "agency_code": "7601",
        "year": PAST_YEAR,
        "frequency": "semester",
        "approver_nip": APPROVER,
        "organisation_predicate": "istimewa",
        **fields,
    }
    response = await client.post("/api/v1/appraisal-periods", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def plan_skp(client: httpx.AsyncClient, period_id: str, employee: str, **fields: Any) -> dict[str, Any]:
    body = {
        "period_id": period_id,
        "nip": employee,
        "appraiser_nip": APPRAISER,
        "reviewer_nip": REVIEWER,
        "position_type": "pelaksana",
        "indicators": [
            {
                "description": "Laporan analisis mutasi pegawai",
                "target": {
                    "quantity": 12,
                    "quantity_unit": "laporan",
                    "quality_percent": 90,
                    "time_months": 12,
                },
            }
        ],
        **fields,
    }
    response = await client.post("/api/v1/skp", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def rate(
    client: httpx.AsyncClient,
    skp: dict[str, Any],
    point: str,
    predicate: str,
    *,
    appraiser: str = APPRAISER,
    as_: dict[str, str] | None = None,
) -> httpx.Response:
    """`appraiser` rates: themself when `as_` carries their headers, else the platform enters their form."""
    results, behaviour = RATINGS_FOR[predicate]
    body = {
        "appraiser_nip": appraiser,
        "results": results,
        "behaviour": behaviour,
        "behaviour_values": dict.fromkeys(CORE_VALUES, behaviour),
    }
    if as_ is None:
        body["on_behalf_reason"] = PAPER_FORM
    return await client.put(
        f"/api/v1/skp/{skp['id']}/evaluations/{point}", json=body, headers={**if_match(skp), **(as_ or {})}
    )


async def finalise(
    client: httpx.AsyncClient,
    period_id: str,
    point: str,
    *,
    override_by: str | None = None,
    as_: dict[str, str] | None = None,
) -> httpx.Response:
    """Finalise as the platform, or as `as_` (the approver overriding, `override_by`, themself)."""
    body = {"override": {"approver_nip": override_by, "reason": "ditetapkan PPK"}} if override_by else {}
    return await client.post(
        f"/api/v1/appraisal-periods/{period_id}/points/{point}/finalisation", json=body, headers=as_ or {}
    )


async def appraise(
    app: Any,
    client: httpx.AsyncClient,
    predicates: dict[str, str],
    *,
    year: int,
    point: str = "annual",
    **period: Any,
) -> dict[str, dict[str, Any]]:
    """Open a year, plan an SKP per NIP, rate `point` with the given predicate and finalise it (the approver
    overrides whatever the distribution rules say: these tests are about other things)."""
    opened = await open_period(client, year=year, **period)
    skps = {}
    for employee, predicate in predicates.items():
        skp = await plan_skp(client, opened["id"], employee)
        rated = await rate(client, skp, point, predicate)
        assert rated.status_code == 200, rated.text
        skps[employee] = rated.json()
    # The approver is an employee of AGENCY, whatever agency the period is of.
    approver = as_person(app, APPROVER, Role.APPROVER, agencies={AGENCY, period.get("agency_code", AGENCY)})
    finalised = await finalise(client, opened["id"], point, override_by=APPROVER, as_=approver)
    assert finalised.status_code == 200, finalised.text
    return skps


async def outbox_events(app: Any, event_type: str) -> list[dict[str, Any]]:
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.scalars(
            select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.seq)
        )
        return [json.loads(row) for row in rows]
