"""The employee service's write matrix (tests/authorisation/writes.py): every write route x every role x
the agency of what the path names x the agency of what the body refers to, through the gateway and directly.

The register's keepers (administration, HR, agency systems) write the records of their agencies; HR and
the administration keep the organisation; only the administration defines and renames agencies. Each cell
works on records made for it (a fresh person, unit or position in the path's agency), so an allowed write
never changes what another cell sees. Imports answer with their finished job: a file refused for its rows
is a failed job whose problem is the matrix's answer.
"""

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, update

from services.employee.app import create_app as employee_app
from services.employee.siasn.adapters import pushes as siasn_pushes
from services.employee.siasn.adapters.tables import siasn_differences
from services.employee.siasn.adapters.tables import siasn_pushes as siasn_pushes_table
from services.employee.siasn.domain.pushes import PushOrder, PushState
from services.employee.siasn.fake import demo_agency
from services.employee.siasn.tests.support import served_fake
from shared import clock
from shared.auth import mint_internal_token
from shared.db import Database
from shared.principal import Principal, Role
from tests.authorisation.world import OTHER_SIDE, OWN_SIDE, World, world
from tests.authorisation.writes import Cell, Request, WriteRoute, job_outcome, require_every_route, run_matrix
from tests.support import employee_payload

pytestmark = pytest.mark.integration

KEEPERS = frozenset({Role.ADMIN, Role.HR_OFFICER, Role.INTEGRATION})
ORGANISERS = frozenset({Role.ADMIN, Role.HR_OFFICER})
ADMINISTRATION = frozenset({Role.ADMIN})
PROVINCE_OF = {OWN_SIDE: "7600", OTHER_SIDE: "7300"}


async def _person(world: World, side: str) -> str:
    """A new employee of the side's agency, in its unit and position."""
    where = world.sides[side]
    body = {**employee_payload(world.serial(), agency_code=where.agency), "position_id": where.position}
    async with world.service("employee") as employee:
        answer = await employee.post("/api/v1/employees", json=body)
    assert answer.status_code == 201, answer.text
    return str(body["nip"])


async def _unit(world: World, side: str) -> dict[str, Any]:
    async with world.service("employee") as employee:
        answer = await employee.post(
            "/api/v1/units",
            json={
                "agency_code": world.sides[side].agency,
                "name": f"Seksi {world.serial()}",
                "kind": "seksi",
            },
        )
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "etag": answer.headers["etag"]}


async def _position(world: World, side: str) -> dict[str, Any]:
    async with world.service("employee") as employee:
        answer = await employee.post("/api/v1/positions", json=_position_body(world, world.sides[side].unit))
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "etag": answer.headers["etag"]}


def _position_body(world: World, unit_id: str) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "name": f"Pengelola {world.serial()}",
        "type": "pelaksana",
        "job_class": 6,
        "authorised_headcount": 2,
    }


async def _etag(world: World, path: str) -> dict[str, str]:
    async with world.service("employee") as employee:
        answer = await employee.get(path)
    assert answer.status_code == 200, answer.text
    return {"If-Match": answer.headers["etag"]}


def _file(name: str, header: str, rows: list[str]) -> Any:
    return {"file": (name, (header + "\n" + "\n".join(rows) + "\n").encode(), "text/csv")}


async def register(world: World, cell: Cell, role: Role) -> Request:
    where = world.sides[cell.body]
    body = {**employee_payload(world.serial(), agency_code=world.sides[OWN_SIDE].agency)}
    if cell.body == OTHER_SIDE:  # the own agency, but another agency's unit and position
        body.update(unit_id=where.unit, position_id=where.position)
    return Request("POST", "/api/v1/employees", body)


async def import_employees(world: World, cell: Cell, role: Role) -> Request:
    person = employee_payload(world.serial(), agency_code=world.sides[cell.body].agency)
    row = ",".join(str(person[k]) for k in ("nip", "name", "birth_date", "gender", "agency_code"))
    files = _file("pegawai.csv", "nip,name,birth_date,gender,agency_code", [row])
    return Request("POST", "/api/v1/employees/imports?wait=true", files=files)


async def import_units(world: World, cell: Cell, role: Role) -> Request:
    row = f"{world.sides[cell.body].agency},Subbagian {world.serial()},subbagian"
    return Request(
        "POST", "/api/v1/units/imports?wait=true", files=_file("unor.csv", "agency_code,name,kind", [row])
    )


async def import_positions(world: World, cell: Cell, role: Role) -> Request:
    row = f"{world.sides[cell.body].unit},Pranata {world.serial()},pelaksana,5,1"
    header = "unit_id,name,type,job_class,authorised_headcount"
    return Request("POST", "/api/v1/positions/imports?wait=true", files=_file("jabatan.csv", header, [row]))


async def cancel_import(world: World, cell: Cell, role: Role) -> Request:
    return Request("DELETE", f"/api/v1/employees/imports/{await _import_job(world, cell, role)}")


async def cancel_job(world: World, cell: Cell, role: Role) -> Request:
    return Request("DELETE", f"/api/v1/employee/jobs/{await _import_job(world, cell, role)}")


async def _import_job(world: World, cell: Cell, role: Role) -> str:
    """An import job: the caller's own where it may import in its agency, else an HR officer's of the
    path's agency (an import cancelled by someone else is refused)."""
    caller = world.callers[role]
    if cell.path == OWN_SIDE and role in KEEPERS:
        submitter = caller.internal
    else:
        officer = Principal(
            subject=f"hr.{cell.path}",
            roles=frozenset({Role.HR_OFFICER}),
            agencies=frozenset({world.sides[cell.path].agency}),
        )
        secret = world.gateway.state.gateway.settings.internal_token_secret.get_secret_value()
        submitter = {"Authorization": f"Bearer {mint_internal_token(officer, secret, ttl_seconds=600)}"}
    submitted = await import_employees(world, Cell(cell.path, cell.path), role)
    async with httpx.AsyncClient(base_url=world.urls["employee"], headers=submitter, timeout=30) as employee:
        answer = await employee.post(submitted.path, files=submitted.files)
    assert answer.status_code in (200, 202), answer.text
    return str(answer.json()["id"])


async def correct(world: World, cell: Cell, role: Role) -> Request:
    nip = await _person(world, cell.path)
    path = f"/api/v1/employees/{nip}"
    return Request("PATCH", path, {"work_location": f"Kantor {world.serial()}"}, await _etag(world, path))


async def change_status(world: World, cell: Cell, role: Role) -> Request:
    nip = await _person(world, cell.path)
    return Request(
        "POST", f"/api/v1/employees/{nip}/status", {"status": "leave", "effective_date": "2026-12-01"}
    )


async def change_rank(world: World, cell: Cell, role: Role) -> Request:
    nip = await _person(world, cell.path)
    return Request("POST", f"/api/v1/employees/{nip}/rank", {"rank_code": "III/b", "tmt": "2026-10-01"})


async def move(world: World, cell: Cell, role: Role) -> Request:
    nip = await _person(world, cell.path)
    target = await _position(world, cell.body)
    body = {
        "agency_code": world.sides[cell.path].agency,
        "position_id": target["id"],
        "tmt": "2026-12-01",
        "reason": "penataan pegawai",
    }
    return Request("POST", f"/api/v1/employees/{nip}/position", body)


async def assess(world: World, cell: Cell, role: Role) -> Request:
    nip = await _person(world, cell.path)
    body = [{"competency": "Integritas", "level": 3, "assessed_on": "2026-11-02"}]
    return Request("POST", f"/api/v1/employees/{nip}/competencies", body)


_agency_numbers = iter(range(10, 100))


async def define_agency(world: World, cell: Cell, role: Role) -> Request:
    province = PROVINCE_OF[cell.body]
    code = f"{province[:2]}{next(_agency_numbers):02d}"
    return Request(
        "POST",
        "/api/v1/agencies",
        {"code": code, "name": f"Kabupaten Uji {code}", "kind": "kabupaten", "province_code": province},
    )


async def rename_agency(world: World, cell: Cell, role: Role) -> Request:
    code = world.sides[cell.path].agency
    path = f"/api/v1/agencies/{code}"
    body = {"name": f"Instansi {code} ({world.serial()})", "province_code": PROVINCE_OF[cell.body]}
    return Request("PATCH", path, body, await _etag(world, path))


async def define_unit(world: World, cell: Cell, role: Role) -> Request:
    return Request(
        "POST",
        "/api/v1/units",
        {"agency_code": world.sides[cell.body].agency, "name": f"Seksi {world.serial()}", "kind": "seksi"},
    )


async def revise_unit(world: World, cell: Cell, role: Role) -> Request:
    unit = await _unit(world, cell.path)
    parent = world.sides[cell.body].unit
    return Request("PATCH", f"/api/v1/units/{unit['id']}", {"parent_id": parent}, {"If-Match": unit["etag"]})


async def link_to_siasn(world: World, cell: Cell, role: Role) -> Request:
    unit = await _unit(world, cell.path)
    return Request(
        "PUT", f"/api/v1/siasn/identities/unit/{unit['id']}", {"siasn_id": f"{world.serial():032X}"}
    )


async def unlink_from_siasn(world: World, cell: Cell, role: Role) -> Request:
    unit = await _unit(world, cell.path)
    async with world.service("employee") as employee:
        linked = await employee.put(
            f"/api/v1/siasn/identities/unit/{unit['id']}", json={"siasn_id": f"{world.serial():032X}"}
        )
    assert linked.status_code == 200, linked.text
    return Request("DELETE", f"/api/v1/siasn/identities/unit/{unit['id']}", None)


async def retry_siasn_push(world: World, cell: Cell, role: Role) -> Request:
    # A failed push is made by the saga and a refusal of SIASN alone: written here as one would be.
    side = world.sides[cell.path]
    order = PushOrder(
        mutation_id=str(uuid.uuid4()),
        nip=side.person,
        agency_code=side.agency,
        unit_id=side.unit,
        position_id=side.position,
        tmt=date(2026, 12, 1),
        decree_number=f"800/{world.serial()}/BKD/2026",
        decree_date=date(2026, 11, 20),
        decree_id=None,
        jenis_mutasi="MJ",
    )
    database = Database(world.databases["employee"])
    try:
        async with database.connect() as connection:
            push_id = await siasn_pushes.add(connection, order, clock.now())
            await connection.execute(
                update(siasn_pushes_table)
                .where(siasn_pushes_table.c.id == push_id)
                .values(state=PushState.FAILED, message="Unor tidak aktif", next_attempt_at=None)
            )
            await connection.commit()
    finally:
        await database.dispose()
    return Request("POST", f"/api/v1/siasn/pushes/{push_id}/retry", None)


async def refresh_siasn_references(world: World, cell: Cell, role: Role) -> Request:
    return Request("POST", "/api/v1/siasn/references/refresh", None)


async def pull_from_siasn(world: World, cell: Cell, role: Role) -> Request:
    body = {"agency_code": world.sides[cell.body].agency, "nips": [world.sides[cell.body].person]}
    return Request("POST", "/api/v1/siasn/pulls?wait=true", body)


async def _siasn_difference(world: World, side: str) -> str:
    """An open difference of a new person of the side's agency (pulls are the matrix's other route: written
    here as a pull would)."""
    nip = await _person(world, side)
    difference_id = uuid.uuid4()
    now = clock.now()
    database = Database(world.databases["employee"])
    try:
        async with database.connect() as connection:
            await connection.execute(
                insert(siasn_differences).values(
                    id=difference_id,
                    nip=nip,
                    agency_code=world.sides[side].agency,
                    field="name",
                    ours="Nama Lama",
                    theirs=f"Nama SIASN {world.serial()}",
                    state="open",
                    since=now,
                    seen_at=now,
                    version=1,
                )
            )
            await connection.commit()
    finally:
        await database.dispose()
    return str(difference_id)


async def accept_siasn_difference(world: World, cell: Cell, role: Role) -> Request:
    return Request("POST", f"/api/v1/siasn/differences/{await _siasn_difference(world, cell.path)}/accept")


async def reject_siasn_difference(world: World, cell: Cell, role: Role) -> Request:
    return Request("POST", f"/api/v1/siasn/differences/{await _siasn_difference(world, cell.path)}/reject")


async def decide_siasn_differences(world: World, cell: Cell, role: Role) -> Request:
    body = {"ids": [await _siasn_difference(world, cell.body)], "decision": "accept"}
    return Request("POST", "/api/v1/siasn/differences/decisions", body)


async def define_position(world: World, cell: Cell, role: Role) -> Request:
    return Request("POST", "/api/v1/positions", _position_body(world, world.sides[cell.body].unit))


async def revise_position(world: World, cell: Cell, role: Role) -> Request:
    position = await _position(world, cell.path)
    return Request(
        "PATCH",
        f"/api/v1/positions/{position['id']}",
        {"authorised_headcount": 3},
        {"If-Match": position["etag"]},
    )


async def put_tasks(world: World, cell: Cell, role: Role) -> Request:
    position = await _position(world, cell.path)
    task = {
        "name": "Menyusun laporan",
        "output_unit": "laporan",
        "yearly_volume": 12,
        "time_norm_minutes": 240,
    }
    return Request(
        "PUT", f"/api/v1/positions/{position['id']}/tasks", {"tasks": [task]}, {"If-Match": 'W/"0"'}
    )


def _route(*args: Any, **kwargs: Any) -> WriteRoute:
    """Every builder here makes the same request whoever asks."""
    return WriteRoute(*args, **kwargs, same_for_every_role=True)


ROUTES = (
    _route(
        "POST", "/api/v1/employees", "employee", register, KEEPERS, path_varies=False, body_field="unit_id"
    ),
    _route(
        "POST",
        "/api/v1/employees/imports",
        "employee",
        import_employees,
        KEEPERS,
        path_varies=False,
        body_field="agency_code",
        outcome=job_outcome,
    ),
    _route(
        "POST",
        "/api/v1/units/imports",
        "employee",
        import_units,
        ORGANISERS,
        path_varies=False,
        body_field="agency_code",
        outcome=job_outcome,
    ),
    _route(
        "POST",
        "/api/v1/positions/imports",
        "employee",
        import_positions,
        ORGANISERS,
        path_varies=False,
        body_field="unit_id",
        outcome=job_outcome,
    ),
    # Each caller's cell holds its own import job (or someone else's): not one request for every role. To
    # those who may not cancel it, a job does not exist.
    WriteRoute(
        "DELETE",
        "/api/v1/employees/imports/{job_id}",
        "employee",
        cancel_import,
        KEEPERS,
        body_varies=False,
        hidden=True,
    ),
    WriteRoute(
        "DELETE",
        "/api/v1/employee/jobs/{job_id}",
        "employee",
        cancel_job,
        KEEPERS,
        body_varies=False,
        hidden=True,
    ),
    _route("PATCH", "/api/v1/employees/{nip}", "employee", correct, KEEPERS, body_varies=False),
    _route("POST", "/api/v1/employees/{nip}/status", "employee", change_status, KEEPERS, body_varies=False),
    _route("POST", "/api/v1/employees/{nip}/rank", "employee", change_rank, KEEPERS, body_varies=False),
    _route("POST", "/api/v1/employees/{nip}/position", "employee", move, KEEPERS, body_field="position_id"),
    _route("POST", "/api/v1/employees/{nip}/competencies", "employee", assess, KEEPERS, body_varies=False),
    _route(
        "POST",
        "/api/v1/agencies",
        "employee",
        define_agency,
        ADMINISTRATION,
        path_varies=False,
        body_field="province_code",
    ),
    _route(
        "PATCH",
        "/api/v1/agencies/{code}",
        "employee",
        rename_agency,
        ADMINISTRATION,
        body_field="province_code",
    ),
    _route(
        "POST",
        "/api/v1/units",
        "employee",
        define_unit,
        ORGANISERS,
        path_varies=False,
        body_field="agency_code",
    ),
    _route("PATCH", "/api/v1/units/{unit_id}", "employee", revise_unit, ORGANISERS, body_field="parent_id"),
    _route(
        "POST",
        "/api/v1/positions",
        "employee",
        define_position,
        ORGANISERS,
        path_varies=False,
        body_field="unit_id",
    ),
    _route(
        "PATCH", "/api/v1/positions/{position_id}", "employee", revise_position, ORGANISERS, body_varies=False
    ),
    _route(
        "PUT", "/api/v1/positions/{position_id}/tasks", "employee", put_tasks, ORGANISERS, body_varies=False
    ),
    _route(
        "PUT",
        "/api/v1/siasn/identities/{kind}/{ref}",
        "employee",
        link_to_siasn,
        ORGANISERS,
        body_varies=False,
    ),
    _route(
        "DELETE",
        "/api/v1/siasn/identities/{kind}/{ref}",
        "employee",
        unlink_from_siasn,
        ORGANISERS,
        body_varies=False,
    ),
    _route(
        "POST",
        "/api/v1/siasn/pushes/{push_id}/retry",
        "employee",
        retry_siasn_push,
        ORGANISERS,
        body_varies=False,
    ),
    _route(
        "POST",
        "/api/v1/siasn/references/refresh",
        "employee",
        refresh_siasn_references,
        ORGANISERS,
        path_varies=False,
        body_varies=False,
    ),
    _route(
        "POST",
        "/api/v1/siasn/pulls",
        "employee",
        pull_from_siasn,
        ORGANISERS,
        path_varies=False,
        body_field="agency_code",
        outcome=job_outcome,
    ),
    _route(
        "POST",
        "/api/v1/siasn/differences/{difference_id}/accept",
        "employee",
        accept_siasn_difference,
        ORGANISERS,
        body_varies=False,
    ),
    _route(
        "POST",
        "/api/v1/siasn/differences/{difference_id}/reject",
        "employee",
        reject_siasn_difference,
        ORGANISERS,
        body_varies=False,
    ),
    _route(
        "POST",
        "/api/v1/siasn/differences/decisions",
        "employee",
        decide_siasn_differences,
        ORGANISERS,
        path_varies=False,
        body_field="ids",
    ),
)


async def test_every_write_route_of_the_employee_service_is_in_the_matrix(make_settings):
    require_every_route(employee_app(await make_settings("employee")).openapi(), ROUTES)


async def test_every_role_and_agency_of_path_and_body_for_every_employee_write(make_settings, monkeypatch):
    # The SIASN routes call SIASN: the employee service's connector points at the fake (in its environment,
    # which the service's own settings read).
    async with served_fake(demo_agency(seed=5, people=1)) as siasn:
        for name, value in siasn.settings().model_dump().items():
            if name.startswith("siasn_") and not isinstance(value, dict | type(None)):
                text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
                monkeypatch.setenv(
                    f"ASN_{name.upper()}", str(text).lower() if isinstance(text, bool) else str(text)
                )
        async with world(make_settings) as platform:
            cells = await run_matrix(platform, ROUTES)
    assert cells == sum(len(r.cells) for r in ROUTES) * 8 * 2
