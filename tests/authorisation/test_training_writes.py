"""The write matrix of the training service: every write route x every role x (own / other agency in the
path) x (own / other agency referenced in the body), through the gateway and straight at the service.

In the path, "own" is a programme or session the callers' kabupaten organises (for an enrolment: a person of
that kabupaten in such a session; for a plan: the plan of such a person), "other" the same of the other
province's kabupaten. In the body, the organising agency, the employee (to enrol, to record JP for, to plan
for), the target position or the mentor; asking for a plan is matrixed twice, once for the person and once
for the target position, as each puts the plan in an agency. Each caller allowed in a cell gets its own
programme, session, enrolment or plan, made through the training service as the platform; the callers to be
refused there share one request.

Two rules read differently from "the organiser's HR, in its own agency only":
- any agency's session is open to every employee: their own HR enrols them, whoever organises it;
- the organiser marks attendance for every participant, whatever their agency (their HR enrolled them).

Acting for someone else: a plan's acceptance (`side`) and a supervisor's follow-up evaluation are a person's
own acts, which the agency's HR unit may enter for them only by saying so (`on_behalf_reason`). Their routes
are matrixed once per way of acting: the caller's own act (the callers' person accepting their own plan, or as
the supervisor of a person of a unit the callers' position heads) and HR entering someone's act for them. In
these rows the body's "own" side is an act the caller may claim (their own, or declared on the person's
behalf) and its "other" side the same act claimed silently (another side's acceptance without a reason, a
follow-up entered for the supervisor without one): refused, naming the field.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.training.app import create_app
from shared import clock
from shared.auth import mint_internal_token
from shared.etag import etag_of
from shared.principal import Principal, Role
from shared.settings import Settings
from shared.testing import eventually
from tests.authorisation.world import OTHER_SIDE, OWN, OWN_SIDE, World, world
from tests.authorisation.writes import Build, Cell, Request, WriteRoute, require_every_route, run_matrix
from tests.support import employee_payload

pytestmark = pytest.mark.integration

MANAGERS = frozenset({Role.ADMIN, Role.HR_OFFICER})
# Every caller with a NIP is the person "self"; the agency system has none.
PEOPLE = frozenset(Role) - {Role.INTEGRATION}
# The gateway lets neither the auditor nor BKN's reviewer change an enrolment, their own included.
ENROLMENT_CHANGERS = PEOPLE - {Role.AUDITOR, Role.BKN_REVIEWER}
# Who the gateway lets change a development plan.
PLAN_CHANGERS = frozenset({Role.ADMIN, Role.HR_OFFICER, Role.SUPERVISOR, Role.EMPLOYEE})
RATINGS = {"relevance": 4, "content": 4, "trainers": 5, "organisation": 4, "overall": 4}
FOLLOW_UP = {"behaviour": 4, "results": 3}
ON_BEHALF = "Formulir bertanda tangan diserahkan ke BKPSDM"
# A person of a unit below the callers' own, whose position heads the unit above: the callers' "self" is
# their supervisor (`_self_leads_a_unit`).
LED = employee_payload(905, agency_code=OWN)


def _agency(w: World, side: str) -> str:
    return w.sides[side].agency


def _day(offset: int) -> str:
    return (clock.today() + timedelta(days=offset)).isoformat()


def _person(w: World, side: str) -> str:
    """An employee of the side's agency who is none of the callers."""
    return w.sides[side].person


async def _as_platform(w: World, method: str, path: str, **request: Any) -> dict[str, Any]:
    async with w.service("training") as training:
        answer = await training.request(method, path, **request)
    assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text}"
    found: dict[str, Any] = answer.json()
    return found


async def _programme(w: World, side: str) -> dict[str, Any]:
    """A fresh programme the side's agency organises."""
    body = {
        "code": f"MTX-{w.serial()}",
        "title": "Pelatihan Matriks",
        "form": "classical",
        "agency_code": _agency(w, side),
        "provider": "BPSDM",
        "jp": 16,
    }
    return await _as_platform(w, "POST", "/api/v1/programmes", json=body)


async def _session(w: World, side: str) -> dict[str, Any]:
    """A fresh session of the side's agency, running from yesterday to tomorrow."""
    programme = await _programme(w, side)
    body = {
        "starts_on": _day(-1),
        "ends_on": _day(1),
        "delivery": "online",
        "online_url": "https://kelas.example/matriks",
        "capacity": 20,
    }
    return await _as_platform(w, "POST", f"/api/v1/programmes/{programme['id']}/sessions", json=body)


async def _enrolment(w: World, side: str, nip: str | None = None) -> dict[str, Any]:
    """A person (by default the side's) holding a seat in a fresh session of the side's agency."""
    session = await _session(w, side)
    body = {"nip": nip or _person(w, side)}
    return await _as_platform(w, "POST", f"/api/v1/sessions/{session['id']}/enrolments", json=body)


async def _present_today(w: World, session_id: str, nip: str) -> None:
    body = {"attendance": [{"nip": nip, "present": True}]}
    await _as_platform(w, "PUT", f"/api/v1/sessions/{session_id}/attendance/{_day(0)}", json=body)


async def _completed(w: World, side: str, nip: str | None = None) -> dict[str, Any]:
    enrolment = await _enrolment(w, side, nip)
    await _present_today(w, enrolment["session_id"], enrolment["nip"])
    return await _as_platform(w, "POST", f"/api/v1/enrolments/{enrolment['id']}/completion", json={})


async def _plan(w: World, side: str, nip: str | None = None) -> dict[str, Any]:
    """A fresh development plan of a person (by default the side's)."""
    body = {"nip": nip or _person(w, side)}
    return await _as_platform(w, "POST", "/api/v1/development-plans", json=body)


# -- the catalogue and its sessions -------------------------------------------------------------------------


async def define_programme(w: World, cell: Cell, role: Role) -> Request:
    body = {
        "code": f"BARU-{w.serial()}",
        "title": "Pelatihan Baru",
        "form": "bimtek",
        "agency_code": _agency(w, cell.body),
        "provider": "BPSDM",
        "jp": 8,
    }
    return Request("POST", "/api/v1/programmes", json=body)


async def revise_programme(w: World, cell: Cell, role: Role) -> Request:
    programme = await _programme(w, cell.path)
    body = {"title": f"Pelatihan Revisi {w.serial()}", "agency_code": _agency(w, cell.body)}
    return Request(
        "PATCH", f"/api/v1/programmes/{programme['id']}", json=body, headers={"If-Match": etag_of(1)}
    )


async def schedule_session(w: World, cell: Cell, role: Role) -> Request:
    programme = await _programme(w, cell.path)
    body = {
        "starts_on": _day(0),
        "ends_on": _day(0),
        "delivery": "in_person",
        "place": "Aula BKPSDM",
        "capacity": 10,
    }
    return Request("POST", f"/api/v1/programmes/{programme['id']}/sessions", json=body)


async def revise_session(w: World, cell: Cell, role: Role) -> Request:
    session = await _session(w, cell.path)
    return Request(
        "PATCH", f"/api/v1/sessions/{session['id']}", json={"capacity": 30}, headers={"If-Match": etag_of(1)}
    )


async def enrol(w: World, cell: Cell, role: Role) -> Request:
    session = await _session(w, cell.path)
    body = {"nip": _person(w, cell.body)}
    return Request("POST", f"/api/v1/sessions/{session['id']}/enrolments", json=body)


async def record_attendance(w: World, cell: Cell, role: Role) -> Request:
    participant = await _enrolment(w, cell.path, _person(w, cell.body))
    body = {"attendance": [{"nip": participant["nip"], "present": True}]}
    return Request("PUT", f"/api/v1/sessions/{participant['session_id']}/attendance/{_day(0)}", json=body)


# -- enrolments ---------------------------------------------------------------------------------------------


async def cancel(w: World, cell: Cell, role: Role) -> Request:
    enrolment = await _enrolment(w, cell.path)
    return Request(
        "POST", f"/api/v1/enrolments/{enrolment['id']}/cancellation", json={"reason": "Tugas dinas"}
    )


async def complete(w: World, cell: Cell, role: Role) -> Request:
    enrolment = await _enrolment(w, cell.path)
    await _present_today(w, enrolment["session_id"], enrolment["nip"])
    return Request("POST", f"/api/v1/enrolments/{enrolment['id']}/completion", json={})


async def record_test_scores(w: World, cell: Cell, role: Role) -> Request:
    enrolment = await _enrolment(w, cell.path)
    body = {"pre_test": 55, "post_test": 80}
    return Request("PUT", f"/api/v1/enrolments/{enrolment['id']}/test-scores", json=body)


async def react(w: World, cell: Cell, role: Role) -> Request:
    """The own side's participant is the callers' own person."""
    participant = w.people["self"] if cell.path == OWN_SIDE else _person(w, OTHER_SIDE)
    enrolment = await _enrolment(w, cell.path, participant)
    return Request("PUT", f"/api/v1/enrolments/{enrolment['id']}/reaction", json={"ratings": RATINGS})


# -- JP -----------------------------------------------------------------------------------------------------


async def record_external(w: World, cell: Cell, role: Role) -> Request:
    body = {
        "nip": _person(w, cell.body),
        "title": f"Seminar Matriks {w.serial()}",
        "completed_on": _day(-1),
        "jp": 4,
    }
    return Request("POST", "/api/v1/jp/external-records", json=body)


async def import_external(w: World, cell: Cell, role: Role) -> Request:
    content = f"nip,title,completed_on,jp\n{_person(w, cell.body)},Bimtek Matriks {w.serial()},{_day(-1)},6\n"
    return Request(
        "POST", "/api/v1/jp/imports?wait=true", files={"file": ("jp.csv", content.encode(), "text/csv")}
    )


async def cancel_import(w: World, cell: Cell, role: Role) -> Request:
    """A JP import job: the caller's own where it may import in its agency, else an HR officer's of the
    path's agency (a job cancelled by someone else is unknown to them)."""
    if cell.path == OWN_SIDE and role in MANAGERS:
        submitter = w.callers[role].internal
    else:
        agency = _agency(w, cell.path)
        officer = Principal(f"hr.{agency}", frozenset({Role.HR_OFFICER}), frozenset({agency}))
        secret = w.gateway.state.gateway.settings.internal_token_secret.get_secret_value()
        submitter = {"Authorization": f"Bearer {mint_internal_token(officer, secret, ttl_seconds=3600)}"}
    # A file of no rows: the job fails at once, importing nothing, and is still a job to cancel.
    files = {"file": ("jp.csv", b"nip,title,completed_on,jp\n", "text/csv")}
    async with w.service("training") as training:
        answer = await training.post("/api/v1/jp/imports", files=files, headers=submitter)
    assert answer.status_code == 202, answer.text
    return Request("DELETE", f"/api/v1/training/jobs/{answer.json()['id']}")


# -- development plans --------------------------------------------------------------------------------------


async def request_plan_for(w: World, cell: Cell, role: Role) -> Request:
    return Request("POST", "/api/v1/development-plans", json={"nip": _person(w, cell.body)})


async def request_plan_toward(w: World, cell: Cell, role: Role) -> Request:
    """A plan for a planned move: it belongs to the agency of the target position."""
    body = {"nip": _person(w, OWN_SIDE), "position_id": w.sides[cell.body].position}
    return Request("POST", "/api/v1/development-plans", json=body)


async def adjust_plan(w: World, cell: Cell, role: Role) -> Request:
    plan = await _plan(w, cell.path)
    mentor = w.people["boss"] if cell.body == OWN_SIDE else _person(w, OTHER_SIDE)
    return Request(
        "PATCH",
        f"/api/v1/development-plans/{plan['id']}",
        json={"mentor_nip": mentor},
        headers={"If-Match": etag_of(plan["version"])},
    )


# -- acting as oneself, and for someone else ---------------------------------------------------------------


def _acceptance(plan: dict[str, Any], body: dict[str, str]) -> Request:
    path = f"/api/v1/development-plans/{plan['id']}/acceptance"
    return Request("POST", path, json=body, headers={"If-Match": etag_of(plan["version"])})


async def accept_own_plan(w: World, cell: Cell, role: Role) -> Request:
    """The callers' person accepts their own plan; claiming its supervisor's side instead is impersonation."""
    plan = await _plan(w, OWN_SIDE, w.people["self"])
    return _acceptance(plan, {"side": "employee" if cell.body == OWN_SIDE else "supervisor"})


async def accept_as_supervisor(w: World, cell: Cell, role: Role) -> Request:
    """The plan's supervisor accepts for their side; claiming the employee's is impersonation."""
    plan = await _plan(w, OWN_SIDE, LED["nip"])
    return _acceptance(plan, {"side": "supervisor" if cell.body == OWN_SIDE else "employee"})


async def accept_on_behalf(w: World, cell: Cell, role: Role) -> Request:
    """HR enters the employee's paper acceptance, saying so; without the reason it is impersonation."""
    plan = await _plan(w, cell.path)
    reason = {"on_behalf_reason": ON_BEHALF} if cell.body == OWN_SIDE else {}
    return _acceptance(plan, {"side": "employee", **reason})


async def follow_up_as_supervisor(w: World, cell: Cell, role: Role) -> Request:
    enrolment = await _completed(w, OWN_SIDE, LED["nip"])
    return Request("PUT", f"/api/v1/enrolments/{enrolment['id']}/follow-up", json=FOLLOW_UP)


async def follow_up_on_behalf(w: World, cell: Cell, role: Role) -> Request:
    """HR enters the supervisor's signed form, saying so; without the reason it is impersonation."""
    enrolment = await _completed(w, cell.path)
    reason = {"on_behalf_reason": ON_BEHALF} if cell.body == OWN_SIDE else {}
    return Request("PUT", f"/api/v1/enrolments/{enrolment['id']}/follow-up", json={**FOLLOW_UP, **reason})


async def send_reminders(w: World, cell: Cell, role: Role) -> Request:
    return Request("POST", "/api/v1/training/reminders", json={"on": _day(0)})


def _route(method: str, template: str, build: Build, allowed: frozenset[Role], **options: Any) -> WriteRoute:
    """A route of the training service. A cell's request is built afresh for each caller allowed to write
    there; the callers who must be refused share one (a refused write changes nothing), which spares most
    of the set-up."""
    refused_requests: dict[tuple[str, Cell], Request] = {}

    async def build_for(w: World, cell: Cell, role: Role) -> Request:
        if route.allows(role, cell, through_gateway=True) or route.allows(role, cell, through_gateway=False):
            return await build(w, cell, role)
        key = (w.urls["training"], cell)
        if key not in refused_requests:
            refused_requests[key] = await build(w, cell, role)
        return refused_requests[key]

    route = WriteRoute(method, template, "training", build_for, allowed, **options)
    return route


def _own_body(roles: frozenset[Role]) -> Callable[[Role, Cell], bool]:
    """Whatever the path: the records the body refers to must be of the caller's agency."""
    return lambda role, cell: role in roles and cell.body == OWN_SIDE


def _own_path(roles: frozenset[Role]) -> Callable[[Role, Cell], bool]:
    """Whatever the body: the resource in the path must be of the caller's agency."""
    return lambda role, cell: role in roles and cell.path == OWN_SIDE


PROGRAMME = "/api/v1/programmes/{programme_id}"
SESSION = "/api/v1/sessions/{session_id}"
ENROLMENT = "/api/v1/enrolments/{enrolment_id}"
PLAN = "/api/v1/development-plans/{plan_id}"
CATALOGUE = [
    _route(
        "POST",
        "/api/v1/programmes",
        define_programme,
        MANAGERS,
        path_varies=False,
        body_field="agency_code",
    ),
    _route("PATCH", PROGRAMME, revise_programme, MANAGERS, body_field="agency_code"),
    _route("POST", f"{PROGRAMME}/sessions", schedule_session, MANAGERS, body_varies=False),
    _route("PATCH", SESSION, revise_session, MANAGERS, body_varies=False),
    _route(
        "POST",
        f"{SESSION}/enrolments",
        enrol,
        MANAGERS,
        body_field="nip",
        permits=_own_body(MANAGERS),
    ),
    _route(
        "PUT",
        f"{SESSION}/attendance/{{day}}",
        record_attendance,
        MANAGERS,
        permits=_own_path(MANAGERS),
    ),
]
ENROLMENTS = [
    _route("POST", f"{ENROLMENT}/cancellation", cancel, MANAGERS, body_varies=False),
    _route("POST", f"{ENROLMENT}/completion", complete, MANAGERS, body_varies=False),
    _route("PUT", f"{ENROLMENT}/test-scores", record_test_scores, MANAGERS, body_varies=False),
    _route(
        "PUT",
        f"{ENROLMENT}/reaction",
        react,
        PEOPLE,
        body_varies=False,
        permits_through_gateway=_own_path(ENROLMENT_CHANGERS),
    ),
]
JP_AND_PLANS = [
    _route(
        "POST",
        "/api/v1/jp/external-records",
        record_external,
        MANAGERS,
        path_varies=False,
        body_field="nip",
    ),
    _route(
        "POST",
        "/api/v1/jp/imports",
        import_external,
        MANAGERS,
        path_varies=False,
        body_field="nip",
    ),
    _route(
        "POST",
        "/api/v1/development-plans",
        request_plan_for,
        MANAGERS,
        path_varies=False,
        body_field="nip",
    ),
    _route(
        "POST",
        "/api/v1/development-plans",
        request_plan_toward,
        MANAGERS,
        path_varies=False,
        body_field="position_id",
    ),
    _route("PATCH", PLAN, adjust_plan, MANAGERS, body_field="mentor_nip"),
    _route(
        "DELETE", "/api/v1/training/jobs/{job_id}", cancel_import, MANAGERS, body_varies=False, hidden=True
    ),
    _route(
        "POST",
        "/api/v1/training/reminders",
        send_reminders,
        frozenset({Role.ADMIN}),
        path_varies=False,
        body_varies=False,
    ),
]


def _claims(roles: frozenset[Role]) -> Callable[[Role, Cell], bool]:
    """An act claimed openly (the body's own side) in the path's own agency."""
    return lambda role, cell: role in roles and cell.path == OWN_SIDE and cell.body == OWN_SIDE


SUPERVISORS = frozenset({Role.SUPERVISOR})
ACTING = [
    _route(
        "POST",
        f"{PLAN}/acceptance",
        accept_own_plan,
        PEOPLE,
        path_varies=False,
        body_field="side",
        permits=_claims(PEOPLE),
        permits_through_gateway=_claims(PLAN_CHANGERS),
    ),
    _route(
        "POST", f"{PLAN}/acceptance", accept_as_supervisor, SUPERVISORS, path_varies=False, body_field="side"
    ),
    _route("POST", f"{PLAN}/acceptance", accept_on_behalf, MANAGERS, body_field="side"),
    _route(
        "PUT",
        f"{ENROLMENT}/follow-up",
        follow_up_as_supervisor,
        SUPERVISORS,
        path_varies=False,
        body_varies=False,
    ),
    _route("PUT", f"{ENROLMENT}/follow-up", follow_up_on_behalf, MANAGERS, body_field="on_behalf_reason"),
]


async def _self_leads_a_unit(w: World) -> None:
    """The own unit's head is the callers' position (the lowest NIP holding it, "self", heads it), and LED
    works in a unit below it: "self" is LED's supervisor."""
    own = w.sides[OWN_SIDE]
    async with w.service("employee") as employee:
        unit = await employee.get(f"/api/v1/units/{own.unit}")
        headed = await employee.patch(
            f"/api/v1/units/{own.unit}",
            json={"head_position_id": own.position},
            headers={"If-Match": unit.headers["ETag"]},
        )
        assert headed.status_code == 200, headed.text
        below = await employee.post(
            "/api/v1/units",
            json={"agency_code": OWN, "name": "Subbidang Uji", "kind": "seksi", "parent_id": own.unit},
        )
        assert below.status_code == 201, below.text
        position = await employee.post(
            "/api/v1/positions",
            json={
                "unit_id": below.json()["id"],
                "name": "Pengelola Uji",
                "type": "pelaksana",
                "job_class": 6,
                "authorised_headcount": 5,
            },
        )
        assert position.status_code == 201, position.text
        registered = await employee.post(
            "/api/v1/employees",
            json={
                **LED,
                "nik": "7601011203850001",
                "unit_id": below.json()["id"],
                "position_id": position.json()["id"],
            },
        )
        assert registered.status_code == 201, registered.text

    async def led_by_self() -> bool:
        async with w.service("training") as training:
            if (await training.get(f"/api/v1/training/employees/{LED['nip']}")).status_code != 200:
                return False
            plan = await training.post("/api/v1/development-plans", json={"nip": LED["nip"]})
        return plan.status_code == 201 and plan.json()["supervisor_nip"] == w.people["self"]

    await eventually(led_by_self, timeout=30, what="the callers' person as the supervisor of LED")


async def _agencies_known(w: World) -> None:
    """Programmes may be organised only by agencies the training service has heard of."""

    async def known() -> bool:
        async with w.service("training") as training:
            for side in (OWN_SIDE, OTHER_SIDE):
                if (await training.get(f"/api/v1/training/agencies/{_agency(w, side)}")).status_code != 200:
                    return False
        return True

    await eventually(known, timeout=30, what="both agencies in the training service's read model")


def test_the_matrix_leaves_no_write_route_of_the_training_service_out():
    openapi = create_app(Settings(service="training")).openapi()
    require_every_route(openapi, [*CATALOGUE, *ENROLMENTS, *JP_AND_PLANS, *ACTING])


async def test_catalogue_session_and_enrolment_writes_for_every_role_and_agency(make_settings):
    async with world(make_settings) as w:
        await _agencies_known(w)
        await run_matrix(w, [*CATALOGUE, *ENROLMENTS])


async def test_jp_plan_and_reminder_writes_for_every_role_and_agency(make_settings):
    async with world(make_settings) as w:
        await _agencies_known(w)
        await run_matrix(w, JP_AND_PLANS)


async def test_acting_as_oneself_and_for_someone_else_for_every_role_and_agency(make_settings):
    async with world(make_settings) as w:
        await _agencies_known(w)
        await _self_leads_a_unit(w)
        await run_matrix(w, ACTING)
