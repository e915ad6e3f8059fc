"""Helpers the training service's tests share: people, the employee events that feed the read models,
short-hands for programmes, sessions and enrolments, and a look into the outbox."""

import json
from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import func, select

from services.training.adapters.tables import agencies, outbox
from services.training.service.access import today
from shared.contracts.employee import (
    AgencyDefined,
    CompetenciesAssessed,
    CompetencyLevel,
    EmployeeRegistered,
    PositionDefined,
    UnitDefined,
)
from shared.events.envelope import new_event
from shared.readmodels.agencies import agency_of
from shared.testing import auth_headers, eventually, principal

AGENCY = "7601"
OTHER_AGENCY = "7602"


def nip(number: int) -> str:
    return f"19850312201001{1000 + number}"


def days(n: int) -> date:
    return today() + timedelta(days=n)


def if_match(resource: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'W/"{resource["version"]}"'}


def as_employee(app: Any, employee: str) -> dict[str, str]:
    return auth_headers(app.state.runtime.settings, principal("employee", nip=employee, subject=employee))


def as_hr(app: Any, agency: str = AGENCY) -> dict[str, str]:
    return auth_headers(app.state.runtime.settings, principal("hr_officer", agencies=[agency], subject="bkd"))


def as_supervisor(app: Any, supervisor: str, agency: str = AGENCY) -> dict[str, str]:
    return auth_headers(
        app.state.runtime.settings,
        principal("supervisor", agencies=[agency], nip=supervisor, subject=supervisor),
    )


async def publish(app: Any, event_type: str, subject: str, data: BaseModel, agency: str = AGENCY) -> None:
    """An event of another service, straight onto its topic (as that service's outbox relay would)."""
    event = new_event(event_type, subject=subject, agency=agency, data=data)
    await app.state.runtime.bus.publish(
        f"asn.{event_type.split('.')[1]}.events", subject.encode(), event.to_json()
    )


async def define_agencies(app: Any, *codes: str) -> None:
    """Kabupaten of one province, as the employee service announces them; waits until the training service
    knows them all (programmes may be organised only by agencies it knows)."""
    for code in codes:
        await publish(
            app,
            "asn.employee.agency.defined",
            code,
            AgencyDefined(
                code=code, name=f"Kabupaten {code}", kind="kabupaten", province_code="7600", version=1
            ),
            code,
        )

    async def all_known() -> bool:
        async with app.state.runtime.db.connect() as connection:
            return all([await agency_of(connection, agencies, code) for code in codes])

    await eventually(all_known, what=f"agencies {codes} in the read model")


async def register(
    app: Any,
    employee: str,
    *,
    unit_id: str | None = "unit-a",
    position_id: str | None = "pos-staff",
    rank_code: str | None = "III/a",
    agency: str = AGENCY,
    tmt_cpns: date | None = None,
    name: str | None = None,
    employment_type: str = "PNS",
) -> None:
    await publish(
        app,
        "asn.employee.employee.registered",
        employee,
        EmployeeRegistered(
            nip=employee,
            name=name or f"Pegawai {employee[-4:]}",
            agency_code=agency,
            unit_id=unit_id,
            position_id=position_id,
            birth_date=date(1985, 3, 12),
            gender="M",
            employment_type=employment_type,
            status="active",
            rank_code=rank_code,
            tmt_cpns=tmt_cpns,
        ),
        agency,
    )


async def define_unit(
    app: Any,
    unit_id: str,
    *,
    head_position_id: str | None,
    parent_id: str | None = None,
    agency: str = AGENCY,
) -> None:
    await publish(
        app,
        "asn.employee.unit.defined",
        unit_id,
        UnitDefined(
            unit_id=unit_id,
            agency_code=agency,
            parent_id=parent_id,
            name=f"Bidang {unit_id}",
            kind="bidang",
            head_position_id=head_position_id,
            version=1,
        ),
        agency,
    )


async def define_position(
    app: Any, position_id: str, standard: dict[str, int], *, unit_id: str = "unit-a", version: int = 1
) -> None:
    event_type = "asn.employee.position.defined" if version == 1 else "asn.employee.position.updated"
    await publish(
        app,
        event_type,
        position_id,
        PositionDefined(
            position_id=position_id,
            unit_id=unit_id,
            agency_code=AGENCY,
            name=f"Jabatan {position_id}",
            type="fungsional",
            job_class=9,
            authorised_headcount=3,
            competency_standard=standard,
            minimum_rank=None,
            minimum_education=None,
            retirement_age=58,
            version=version,
        ),
    )


async def assess(app: Any, employee: str, levels: dict[str, int], on: date = date(2026, 1, 15)) -> None:
    await publish(
        app,
        "asn.employee.employee.competencies-assessed",
        employee,
        CompetenciesAssessed(
            nip=employee,
            assessments=[
                CompetencyLevel(competency=c, level=lvl, assessed_on=on) for c, lvl in levels.items()
            ],
        ),
    )


async def known(client: httpx.AsyncClient, *nips: str) -> None:
    """Wait until the training service's read model holds these employees."""

    async def all_there() -> bool:
        for employee in nips:
            if (await client.get(f"/api/v1/training/employees/{employee}")).status_code != 200:
                return False
        return True

    await eventually(all_there, what=f"employees {nips} in the read model")


async def create_programme(client: httpx.AsyncClient, code: str, **fields: Any) -> dict[str, Any]:
    body = {
        "code": code,
        "title": f"Pelatihan {code}",
        "form": "classical",
        "agency_code": AGENCY,
        "provider": "BPSDM Provinsi Sulawesi Barat",
        "jp": 24,
        "competencies": [{"competency": "Komunikasi", "level": 3}],
        **fields,
    }
    response = await client.post("/api/v1/programmes", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def schedule(
    client: httpx.AsyncClient, programme: dict[str, Any], *, starts: int, length: int = 3, **fields: Any
) -> dict[str, Any]:
    body = {
        "starts_on": days(starts).isoformat(),
        "ends_on": days(starts + length - 1).isoformat(),
        "delivery": "in_person",
        "place": "Aula BPSDM, Mamuju",
        "capacity": 2,
        "waiting_list_capacity": 2,
        "trainers": ["Widyaiswara Ahli Madya"],
        **fields,
    }
    response = await client.post(f"/api/v1/programmes/{programme['id']}/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def enrol(
    client: httpx.AsyncClient, session: dict[str, Any], employee: str, **fields: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/sessions/{session['id']}/enrolments", json={"nip": employee, **fields})


async def outbox_events(app: Any, event_type: str) -> list[dict[str, Any]]:
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.scalars(
            select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.seq)
        )
        return [json.loads(row) for row in rows]


async def outbox_size(app: Any) -> int:
    async with app.state.runtime.db.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(outbox)) or 0)
