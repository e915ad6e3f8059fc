"""The authorisation matrix: every role x target (own record, other record of the own agency, own agency,
other agency) x route family, through the gateway (access token: coarse check + the service's fine rules)
and straight at the service (internal token: fine rules alone). No cell is left out: each row states who is
allowed for each target, and everyone else must be refused.

A new route family is one row of `FAMILIES`. Targets that make no sense for a family (an agency-level
resource has no "record") use the own-agency request, so every cell still runs.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.appraisal.app import create_app as appraisal_app
from services.appraisal.tests.support import open_period, plan_skp
from services.employee.app import create_app as employee_app
from services.gateway.adapters.tables import agencies as gateway_agencies
from services.gateway.app import create_app as gateway_app
from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import bearer, login
from services.mutation.app import create_app as mutation_app
from services.training.app import create_app as training_app
from shared.auth import mint_internal_token
from shared.principal import Principal, Role
from shared.testing import auth_headers, eventually, serving
from tests.support import employee_payload

pytestmark = pytest.mark.integration

PROVINCE, OWN, OTHER_PROVINCE, OTHER = "7600", "7601", "7300", "7301"
PASSWORD = "Matriks-Akses-2026"

OWN_RECORD, OTHER_RECORD, OWN_AGENCY, OTHER_AGENCY = (
    "own record",
    "other record",
    "own agency",
    "other agency",
)
TARGETS = (OWN_RECORD, OTHER_RECORD, OWN_AGENCY, OTHER_AGENCY)

ROLES = tuple(Role)
EVERYONE = frozenset(Role)
STAFF = EVERYONE - {Role.EMPLOYEE}
NATIONAL = frozenset({Role.BKN_REVIEWER, Role.AUDITOR})
HR = frozenset({Role.ADMIN, Role.HR_OFFICER})
NOBODY: frozenset[Role] = frozenset()
# Every caller with a NIP is the person of the "own record"; the agency system has no NIP.
PEOPLE = EVERYONE - {Role.INTEGRATION}

# The grant each role's account holds: the admin is provincial, BKN and the auditor national.
GRANTS = {
    Role.ADMIN: Grant(Role.ADMIN, ScopeKind.PROVINCE, PROVINCE),
    Role.HR_OFFICER: Grant(Role.HR_OFFICER, ScopeKind.AGENCY, OWN),
    Role.APPROVER: Grant(Role.APPROVER, ScopeKind.AGENCY, OWN),
    Role.BKN_REVIEWER: Grant(Role.BKN_REVIEWER, ScopeKind.ALL),
    Role.SUPERVISOR: Grant(Role.SUPERVISOR, ScopeKind.AGENCY, OWN),
    Role.EMPLOYEE: Grant(Role.EMPLOYEE, ScopeKind.AGENCY, OWN),
    Role.AUDITOR: Grant(Role.AUDITOR, ScopeKind.ALL),
}

Request = tuple[str, str, dict[str, Any] | None]


@dataclass(frozen=True)
class Family:
    """One route family: the request for each target, and the roles allowed for each target."""

    name: str
    service: str | None  # None: the gateway's own (not reachable directly)
    requests: Callable[[Mapping[str, str]], Mapping[str, Request]]
    allowed: Mapping[str, frozenset[Role]]
    # Where the gateway's coarse check is stricter than the service's fine rules.
    through_gateway: Mapping[str, frozenset[Role]] | None = None
    # A check of an allowed answer's body (e.g. a list filtered to what the caller may see).
    check: Callable[[Role, str, Any, Mapping[str, str]], None] | None = field(default=None)


def same(request: Request) -> dict[str, Request]:
    return dict.fromkeys(TARGETS, request)


def records(own: Request, other: Request, agency: Request, foreign: Request) -> dict[str, Request]:
    return {OWN_RECORD: own, OTHER_RECORD: other, OWN_AGENCY: agency, OTHER_AGENCY: foreign}


def person_rule(*, own_agency: frozenset[Role] = EVERYONE) -> dict[str, frozenset[Role]]:
    """Reading a person: themself, staff of their agency, national roles anywhere."""
    return {OWN_RECORD: EVERYONE, OTHER_RECORD: STAFF, OWN_AGENCY: own_agency, OTHER_AGENCY: NATIONAL}


def agency_rule(inside: frozenset[Role], outside: frozenset[Role]) -> dict[str, frozenset[Role]]:
    return {OWN_RECORD: inside, OTHER_RECORD: inside, OWN_AGENCY: inside, OTHER_AGENCY: outside}


def only_own_records_for_employees(role: Role, target: str, body: Any, ids: Mapping[str, str]) -> None:
    if role is Role.EMPLOYEE and target == OWN_AGENCY:
        assert {item["nip"] for item in body["items"]} <= {ids["self"]}, body


def read_model(service: str, part: str = "") -> Family:
    path = f"/api/v1/{service}/employees/{{}}{part}"
    return Family(
        f"{service} read model{part}",
        service,
        lambda ids: records(
            ("GET", path.format(ids["self"]), None),
            ("GET", path.format(ids["colleague"]), None),
            ("GET", path.format(ids["colleague"]), None),
            ("GET", path.format(ids["outsider"]), None),
        ),
        person_rule(own_agency=STAFF),
        # Read-model views are for staff at the door.
        through_gateway={OWN_RECORD: STAFF, OTHER_RECORD: STAFF, OWN_AGENCY: STAFF, OTHER_AGENCY: NATIONAL},
    )


FAMILIES: tuple[Family, ...] = (
    Family(
        "SIASN identities",
        "employee",
        lambda ids: records(
            ("GET", f"/api/v1/siasn/identities/employee/{ids['self']}", None),
            ("GET", f"/api/v1/siasn/identities/employee/{ids['colleague']}", None),
            ("GET", f"/api/v1/siasn/identities/employee?agency={OWN}", None),
            ("GET", f"/api/v1/siasn/identities/employee/{ids['outsider']}", None),
        ),
        # The agency's HR keeps them; BKN and auditors read every agency's.
        agency_rule(HR | NATIONAL, NATIONAL),
    ),
    Family(
        "employee record",
        "employee",
        lambda ids: records(
            ("GET", f"/api/v1/employees/{ids['self']}", None),
            ("GET", f"/api/v1/employees/{ids['colleague']}", None),
            ("GET", f"/api/v1/employees?agency={OWN}", None),
            ("GET", f"/api/v1/employees/{ids['outsider']}", None),
        ),
        person_rule(),
        check=only_own_records_for_employees,
    ),
    Family(
        "employee history",
        "employee",
        lambda ids: records(
            ("GET", f"/api/v1/employees/{ids['self']}/history", None),
            ("GET", f"/api/v1/employees/{ids['colleague']}/history", None),
            ("GET", f"/api/v1/employees/{ids['colleague']}/history", None),
            ("GET", f"/api/v1/employees/{ids['outsider']}/history", None),
        ),
        person_rule(own_agency=STAFF),
    ),
    Family(
        "whole NIK",
        "employee",
        lambda ids: records(
            ("GET", f"/api/v1/employees/{ids['self']}?reveal=nik", None),
            ("GET", f"/api/v1/employees/{ids['colleague']}?reveal=nik", None),
            ("GET", f"/api/v1/employees/{ids['colleague']}?reveal=nik", None),
            ("GET", f"/api/v1/employees/{ids['outsider']}?reveal=nik", None),
        ),
        {OWN_RECORD: PEOPLE | HR, OTHER_RECORD: HR, OWN_AGENCY: HR, OTHER_AGENCY: NOBODY},
    ),
    Family(
        "employee record changes",
        "employee",
        lambda ids: records(
            ("POST", f"/api/v1/employees/{ids['self']}/competencies", [_competency()]),
            ("POST", f"/api/v1/employees/{ids['colleague']}/competencies", [_competency()]),
            ("POST", f"/api/v1/employees/{ids['colleague']}/competencies", [_competency()]),
            ("POST", f"/api/v1/employees/{ids['outsider']}/competencies", [_competency()]),
        ),
        agency_rule(HR | {Role.INTEGRATION}, NOBODY),
    ),
    Family(
        "organisation",
        "employee",
        lambda ids: {
            **same(("GET", f"/api/v1/agencies/{OWN}", None)),
            OTHER_AGENCY: ("GET", f"/api/v1/agencies/{OTHER}", None),
        },
        agency_rule(EVERYONE, EVERYONE),
    ),
    Family(
        "organisation changes",
        "employee",
        lambda ids: {
            **same(("POST", "/api/v1/units", {"agency_code": OWN, "name": "Bidang Uji", "kind": "bidang"})),
            OTHER_AGENCY: (
                "POST",
                "/api/v1/units",
                {"agency_code": OTHER, "name": "Bidang Uji", "kind": "bidang"},
            ),
        },
        agency_rule(HR, NOBODY),
    ),
    Family(
        "workload",
        "employee",
        lambda ids: {
            **same(("GET", f"/api/v1/workload?agency={OWN}&level=agency", None)),
            OTHER_AGENCY: ("GET", f"/api/v1/workload?agency={OTHER}&level=agency", None),
        },
        agency_rule(STAFF, NATIONAL),
    ),
    Family(
        "appraisal periods",
        "appraisal",
        lambda ids: {
            **same(("GET", f"/api/v1/appraisal-periods/{ids['period_own']}", None)),
            OTHER_AGENCY: ("GET", f"/api/v1/appraisal-periods/{ids['period_other']}", None),
        },
        agency_rule(EVERYONE, NATIONAL),
    ),
    Family(
        "SKP",
        "appraisal",
        lambda ids: records(
            ("GET", f"/api/v1/skp/{ids['skp_self']}", None),
            ("GET", f"/api/v1/skp/{ids['skp_colleague']}", None),
            ("GET", f"/api/v1/skp?agency={OWN}", None),
            ("GET", f"/api/v1/skp/{ids['skp_outsider']}", None),
        ),
        person_rule(),
        check=only_own_records_for_employees,
    ),
    Family(
        "talent of a person",
        "appraisal",
        lambda ids: records(
            ("GET", f"/api/v1/talent/employees/{ids['self']}", None),
            ("GET", f"/api/v1/talent/employees/{ids['colleague']}", None),
            ("GET", f"/api/v1/talent/employees/{ids['colleague']}", None),
            ("GET", f"/api/v1/talent/employees/{ids['outsider']}", None),
        ),
        person_rule(own_agency=STAFF),
        # Talent views are staff views at the door; the person sees their box in the dossier's SKPs.
        through_gateway={OWN_RECORD: STAFF, OTHER_RECORD: STAFF, OWN_AGENCY: STAFF, OTHER_AGENCY: NATIONAL},
    ),
    Family(
        "9-box grid",
        "appraisal",
        lambda ids: {
            **same(("GET", f"/api/v1/talent/grid?agency={OWN}", None)),
            OTHER_AGENCY: ("GET", f"/api/v1/talent/grid?agency={OTHER}", None),
        },
        agency_rule(STAFF, NATIONAL),
    ),
    read_model("appraisal"),
    read_model("mutation"),
    # A person's predicates are theirs like their record (issue 18: any HR officer read another agency's).
    read_model("mutation", "/predicates"),
    read_model("training"),
    Family(
        "dossier",
        None,
        lambda ids: records(
            ("GET", f"/api/v1/dossiers/{ids['self']}", None),
            ("GET", f"/api/v1/dossiers/{ids['colleague']}", None),
            ("GET", f"/api/v1/dossiers/{ids['colleague']}", None),
            ("GET", f"/api/v1/dossiers/{ids['outsider']}", None),
        ),
        person_rule(own_agency=STAFF),
    ),
    Family(
        "agency overview",
        None,
        lambda ids: {
            **same(("GET", f"/api/v1/overviews/agencies/{OWN}", None)),
            OTHER_AGENCY: ("GET", f"/api/v1/overviews/agencies/{OTHER}", None),
        },
        agency_rule(STAFF, NATIONAL),
    ),
    Family(
        "identity administration",
        None,
        lambda ids: same(("GET", "/api/v1/identity/users", None)),
        agency_rule(frozenset({Role.ADMIN}), frozenset({Role.ADMIN})),
    ),
    Family(
        "webhook subscriptions",
        None,
        lambda ids: same(("GET", "/api/v1/webhooks/subscriptions", None)),
        agency_rule(HR | {Role.INTEGRATION}, HR | {Role.INTEGRATION}),
    ),
)


def _competency() -> dict[str, Any]:
    return {"competency": "Integritas", "level": 3, "assessed_on": "2026-01-15"}


async def test_every_role_target_and_route_family_through_the_gateway_and_at_each_service(
    make_settings, tmp_path
):
    settings = {name: await make_settings(name) for name in ("employee", "appraisal", "mutation", "training")}
    apps = {
        "employee": employee_app(settings["employee"]),
        "appraisal": appraisal_app(settings["appraisal"]),
        "mutation": mutation_app(settings["mutation"]),
        "training": training_app(settings["training"]),
    }
    async with (
        serving(apps["employee"], lifespan="on") as employee_url,
        serving(apps["appraisal"], lifespan="on") as appraisal_url,
        serving(apps["mutation"], lifespan="on") as mutation_url,
        serving(apps["training"], lifespan="on") as training_url,
    ):
        urls = {
            "employee": employee_url,
            "appraisal": appraisal_url,
            "mutation": mutation_url,
            "training": training_url,
        }
        config = gateway_settings(
            await make_settings("gateway", **{f"{name}_url": url for name, url in urls.items()}),
            rate_limit_per_minute=1_000_000,
            rate_limit_burst=100_000,
        )
        gateway = gateway_app(config)
        system = auth_headers(settings["employee"])
        async with (
            gateway.router.lifespan_context(gateway),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=20
            ) as door,
        ):
            ids = await _world(urls, system)
            await _await_agencies(gateway)
            callers = await _callers(gateway, door, ids)
            failures: list[str] = []
            cells = 0
            async with httpx.AsyncClient(timeout=20) as direct:
                for family in FAMILIES:
                    requests = family.requests(ids)
                    for role in ROLES:
                        access, principal = callers[role]
                        internal = mint_internal_token(
                            principal, config.internal_token_secret.get_secret_value()
                        )
                        for target in TARGETS:
                            method, path, body = requests[target]
                            allowed = role in family.allowed[target]
                            via_gateway = role in (family.through_gateway or family.allowed)[target]
                            cells += 1
                            answer = await door.request(method, path, json=body, headers=access)
                            failures += _judge(family, role, target, "gateway", via_gateway, answer, ids)
                            if family.service is not None:
                                answer = await direct.request(
                                    method,
                                    urls[family.service] + path,
                                    json=body,
                                    headers={"Authorization": f"Bearer {internal}"},
                                )
                                failures += _judge(family, role, target, "direct", allowed, answer, ids)
            assert cells == len(FAMILIES) * len(ROLES) * len(TARGETS)
            assert not failures, f"{len(failures)} cells of {cells} wrong:\n" + "\n".join(failures)

            # And without any token: 401 at the door and at every service.
            for family in FAMILIES:
                method, path, body = family.requests(ids)[OWN_AGENCY]
                assert (await door.request(method, path, json=body)).status_code == 401, family.name
                if family.service is not None:
                    async with httpx.AsyncClient() as anonymous:
                        answer = await anonymous.request(method, urls[family.service] + path, json=body)
                    assert answer.status_code == 401, family.name


def _judge(
    family: Family,
    role: Role,
    target: str,
    way: str,
    allowed: bool,
    answer: httpx.Response,
    ids: Mapping[str, str],
) -> list[str]:
    cell = f"{family.name} / {role} / {target} / {way}"
    expected = (200, 201) if allowed else (403,)
    if answer.status_code not in expected:
        return [
            f"{cell}: expected {'allowed' if allowed else 403}, got {answer.status_code} {answer.text[:150]}"
        ]
    if allowed and family.check is not None and answer.status_code == 200:
        try:
            family.check(role, target, answer.json(), ids)
        except AssertionError as error:
            return [f"{cell}: {error}"]
    return []


async def _world(urls: Mapping[str, str], system: dict[str, str]) -> dict[str, str]:
    """Two provinces with a kabupaten each; three people of the own kabupaten (the caller, a colleague,
    their appraiser) and one of the other; appraisal periods, SKPs and potential assessments for them."""
    async with httpx.AsyncClient(headers=system, timeout=20) as client:
        for code, kind, province in (
            (PROVINCE, "province", PROVINCE),
            (OWN, "kabupaten", PROVINCE),
            (OTHER_PROVINCE, "province", OTHER_PROVINCE),
            (OTHER, "kabupaten", OTHER_PROVINCE),
        ):
            response = await client.post(
                urls["employee"] + "/api/v1/agencies",
                json={"code": code, "name": f"Instansi {code}", "kind": kind, "province_code": province},
            )
            assert response.status_code == 201, response.text
        people = {
            "self": employee_payload(901, agency_code=OWN),
            "colleague": employee_payload(902, agency_code=OWN),
            "boss": employee_payload(903, agency_code=OWN),
            "outsider": employee_payload(904, agency_code=OTHER),
        }
        for person in people.values():
            response = await client.post(
                urls["employee"] + "/api/v1/employees", json={**person, "nik": "7601011203850001"}
            )
            assert response.status_code == 201, response.text
        ids = {name: person["nip"] for name, person in people.items()}

        async def copied_everywhere() -> bool:
            for service in ("appraisal", "mutation", "training"):
                for name in ("self", "colleague", "boss", "outsider"):
                    seen = await client.get(f"{urls[service]}/api/v1/{service}/employees/{ids[name]}")
                    if seen.status_code != 200:
                        return False
            for code in (OWN, OTHER):
                seen = await client.get(f"{urls['appraisal']}/api/v1/appraisal/agencies/{code}")
                if seen.status_code != 200:
                    return False
            return True

        # The appraisal service checks the agencies and people its records name against its read models.
        await eventually(copied_everywhere, timeout=30, what="the agencies and employees in every read model")

        appraisal = httpx.AsyncClient(base_url=urls["appraisal"], headers=system, timeout=20)
        async with appraisal:
            own_period = await open_period(appraisal, agency_code=OWN, approver_nip=ids["boss"])
            other_period = await open_period(appraisal, agency_code=OTHER, approver_nip=ids["boss"])
            ids["period_own"], ids["period_other"] = own_period["id"], other_period["id"]
            boss = {"appraiser_nip": ids["boss"], "reviewer_nip": None}
            ids["skp_self"] = (await plan_skp(appraisal, own_period["id"], ids["self"], **boss))["id"]
            ids["skp_colleague"] = (await plan_skp(appraisal, own_period["id"], ids["colleague"], **boss))[
                "id"
            ]
            ids["skp_outsider"] = (await plan_skp(appraisal, other_period["id"], ids["outsider"], **boss))[
                "id"
            ]
            for name, agency in (("self", OWN), ("colleague", OWN), ("outsider", OTHER)):
                response = await appraisal.post(
                    "/api/v1/talent/assessments",
                    json={
                        "nip": ids[name],
                        "agency_code": agency,
                        "assessed_on": "2026-02-01",
                        "actual": {"Integritas": 3},
                        "required": {"Integritas": 3},
                    },
                )
                assert response.status_code == 201, response.text
    return ids


async def _await_agencies(gateway: Any) -> None:
    db = gateway.state.runtime.db

    async def known() -> bool:
        async with db.connect() as connection:
            codes = set((await connection.execute(select(gateway_agencies.c.code))).scalars())
        return {PROVINCE, OWN, OTHER_PROVINCE, OTHER} <= codes

    await eventually(known, timeout=30, what="the gateway's agency read model")


async def _callers(
    gateway: Any, door: httpx.AsyncClient, ids: Mapping[str, str]
) -> dict[Role, tuple[dict[str, str], Principal]]:
    """One account per role (signed in through the door) and the principal the gateway made of it."""
    identity = gateway.state.gateway.identity
    callers: dict[Role, tuple[dict[str, str], Principal]] = {}
    for role, grant in GRANTS.items():
        await identity.users.create_user(
            username=f"user.{role}", name=f"User {role}", password=PASSWORD, nip=ids["self"], grants=[grant]
        )
    _, secret = await identity.clients.create_client(
        client_id="simpeg-7601", name="SIMPEG 7601", agency_code=OWN
    )
    tokens = {role: await login(door, f"user.{role}", PASSWORD) for role in GRANTS}
    signed_in = await door.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": "simpeg-7601", "client_secret": secret},
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens[Role.INTEGRATION] = signed_in.json()
    for role, pair in tokens.items():
        me = (await door.get("/api/v1/auth/me", headers=bearer(pair))).json()
        principal = Principal(
            subject=me["subject"],
            roles=frozenset(Role(r) for r in me["roles"]),
            agencies=None if me["agencies"] is None else frozenset(me["agencies"]),
            nip=me["nip"],
        )
        callers[role] = (bearer(pair), principal)
    # The provincial administrator's scope is the province and its kabupaten, not the other province.
    assert callers[Role.ADMIN][1].agencies == frozenset({PROVINCE, OWN})
    return callers
