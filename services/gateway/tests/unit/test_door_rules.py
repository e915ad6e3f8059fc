"""The gateway's pure rules: coarse access per route family, grants and scopes, password rules, webhook
signatures, the rate limiter, and the merged API documents."""

import pytest

from services.gateway.domain.access import FAMILIES, family_of
from services.gateway.domain.apidocs import asyncapi_document, merge_openapi
from services.gateway.domain.grants import Grant, ScopeKind, grant_problem, resolve
from services.gateway.domain.passwords import password_problems
from services.gateway.domain.webhooks import new_secret, signature, verify
from services.gateway.edge import RateLimiter
from services.gateway.routes import OWNER_BY_SEGMENT, owner_of
from shared.events.catalogue import CATALOGUE
from shared.principal import Role

pytestmark = pytest.mark.unit


def test_every_routed_segment_has_a_coarse_access_rule():
    assert set(OWNER_BY_SEGMENT) <= set(FAMILIES)


def test_auditors_read_everything_and_change_only_their_own_verifications():
    for segment, family in FAMILIES.items():
        assert family.allows("GET", frozenset({Role.AUDITOR})) or segment in ("webhooks", "identity")
        assert not family.allows("POST", frozenset({Role.AUDITOR})) or segment in ("audit", "auth")


def test_an_employee_reaches_self_service_families_and_no_staff_views():
    employee = frozenset({Role.EMPLOYEE})
    for path in (
        "/api/v1/employees/1",
        "/api/v1/skp/1",
        "/api/v1/mutations",
        "/api/v1/dossiers/1",
        "/api/v1/jp/1",
    ):
        assert family_of(path).allows("GET", employee), path
    for path in (
        "/api/v1/workload",
        "/api/v1/talent/grid",
        "/api/v1/overviews/agencies/7601",
        "/api/v1/audit",
    ):
        assert not family_of(path).allows("GET", employee), path
    assert family_of("/api/v1/nothing") is None


def test_whoever_may_submit_a_job_reaches_its_service_to_read_and_cancel_it():
    # Placement solves are an approver's too; the service lets only the job's submitter at it.
    for path in ("/api/v1/mutation/jobs/1", "/api/v1/employee/jobs/1", "/api/v1/training/jobs/1"):
        for role in (Role.APPROVER, Role.INTEGRATION, Role.HR_OFFICER):
            assert family_of(path).allows("DELETE", frozenset({role})), (path, role)
        assert not family_of(path).allows("GET", frozenset({Role.EMPLOYEE})), path
    assert not family_of("/api/v1/mutation/employees/1").allows("POST", frozenset({Role.APPROVER}))
    assert family_of("/api/v1/employees/jobs").allows("GET", frozenset({Role.EMPLOYEE}))


def test_a_province_grant_covers_its_agencies_and_the_all_scope_every_agency():
    provinces = {"7600": frozenset({"7600", "7601", "7602"}), "7300": frozenset({"7300", "7301"})}
    roles, agencies = resolve(
        [Grant(Role.ADMIN, ScopeKind.PROVINCE, "7600"), Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7301")],
        provinces,
    )
    assert roles == {Role.ADMIN, Role.HR_OFFICER}
    assert agencies == {"7600", "7601", "7602", "7301"}
    assert resolve([Grant(Role.AUDITOR, ScopeKind.ALL)], provinces) == ({Role.AUDITOR}, None)
    assert resolve([], provinces) == (frozenset(), frozenset())


def test_agency_bound_roles_cannot_be_granted_wider():
    assert grant_problem(Grant(Role.EMPLOYEE, ScopeKind.AGENCY, "7601")) is None
    assert grant_problem(Grant(Role.APPROVER, ScopeKind.PROVINCE, "7600"))
    assert grant_problem(Grant(Role.INTEGRATION, ScopeKind.ALL))
    with pytest.raises(ValueError):
        Grant(Role.ADMIN, ScopeKind.AGENCY, None)
    with pytest.raises(ValueError):
        Grant(Role.ADMIN, ScopeKind.ALL, "7601")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Kopi-2026", "at least 10 characters"),
        ("kopitorajaenak", "at least one letter and one digit"),
        ("andi-pass-2026", "must not contain the username"),
        ("indonesia1", "too common"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, problem):
    assert problem in password_problems(password, username="andi", min_length=10)


def test_a_good_password_passes_and_the_demo_password_only_when_allowed():
    assert password_problems("Kopi-Toraja-2026", username="andi", min_length=10) == []
    assert password_problems("rahasia123", username="admin", min_length=10) == ["too common"]
    assert password_problems("rahasia123", username="admin", min_length=10, allow_demo=True) == []


def test_a_signature_verifies_only_for_the_same_body_secret_and_a_recent_time():
    secret, body, now = new_secret(), b'{"type": "asn.employee.employee.registered"}', 1_800_000_000
    headers = {
        "webhook-id": "msg-1",
        "webhook-timestamp": str(now),
        "webhook-signature": signature(secret, "msg-1", now, body),
    }
    assert verify(secret, headers, body, now=now + 10)
    assert not verify(secret, headers, body + b" ", now=now)
    assert not verify(new_secret(), headers, body, now=now)
    assert not verify(secret, {**headers, "webhook-id": "msg-2"}, body, now=now)
    assert not verify(secret, headers, body, now=now + 301)
    assert not verify(secret, {"webhook-id": "msg-1"}, body, now=now)


def test_the_rate_limiter_allows_a_burst_then_the_average_rate():
    limiter = RateLimiter(per_minute=60, burst=3)
    assert [limiter.take("a", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=100.0) == pytest.approx(1.0)
    assert limiter.take("b", now=100.0) == 0.0
    assert limiter.take("a", now=101.5) == 0.0


def test_the_merged_document_keeps_each_service_path_prefixes_clashing_schemas_and_uses_the_gateways_auth():
    gateway = {
        "openapi": "3.1.0",
        "info": {"title": "g", "version": "1"},
        "paths": {
            "/api/v1/auth/token": {"post": {"operationId": "token"}},
        },
        "components": {"schemas": {"Problem": {"type": "object"}}},
    }
    employee = {
        "paths": {
            "/api/v1/employees/{nip}": {
                "get": {
                    "security": [{"HTTPBearer": []}],
                    "parameters": [],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/PositionType"}}
                            }
                        }
                    },
                }
            },
            "/api/v1/employees": {"get": {"parameters": [{"name": "updated_since", "in": "query"}]}},
            "/health": {"get": {}},
        },
        "components": {"schemas": {"Problem": {"type": "object"}, "PositionType": {"enum": ["jpt"]}}},
    }
    appraisal = {
        "paths": {
            "/api/v1/skp": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/PositionType"}}
                            }
                        }
                    }
                }
            }
        },
        "components": {"schemas": {"PositionType": {"enum": ["pelaksana"]}}},
    }
    merged = merge_openapi(
        gateway, {"employee": employee, "appraisal": appraisal}, owner_of, missing=["training"]
    )
    assert set(merged["paths"]) == {
        "/api/v1/auth/token",
        "/api/v1/employees/{nip}",
        "/api/v1/employees",
        "/api/v1/skp",
    }
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Problem", "appraisal_PositionType", "employee_PositionType"}
    assert schemas["appraisal_PositionType"] == {"enum": ["pelaksana"]}
    assert schemas["employee_PositionType"] == {"enum": ["jpt"]}
    for path, service in (("/api/v1/employees/{nip}", "employee"), ("/api/v1/skp", "appraisal")):
        answer = merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"]["$ref"] == f"#/components/schemas/{service}_PositionType"
    assert "security" not in merged["paths"]["/api/v1/employees/{nip}"]["get"]
    assert merged["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    assert merged["security"] == [{"OAuth2": []}]
    assert "`/api/v1/employees`" in merged["info"]["description"]
    assert merged["x-missing-services"] == ["training"]


def test_a_schema_alike_in_two_documents_is_prefixed_when_a_schema_it_refers_to_differs():
    def page_of(name):
        return {"properties": {"items": {"items": {"$ref": f"#/components/schemas/{name}"}}}}

    def listing(path, schema):
        answer = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
        return {path: {"get": {"responses": {"200": answer}}}}

    appraisal = {
        "paths": listing("/api/v1/appraisal/moves", "Page_Move_"),
        "components": {"schemas": {"Page_Move_": page_of("Move"), "Move": {"required": ["seq"]}}},
    }
    mutation = {
        "paths": listing("/api/v1/placement-rounds/{round_id}/moves", "Page_Move_"),
        "components": {"schemas": {"Page_Move_": page_of("Move"), "Move": {"required": ["nip"]}}},
    }
    gateway = {
        "paths": listing("/api/v1/dossiers/{nip}", "Dossier"),
        "components": {"schemas": {"Dossier": page_of("Move"), "Move": {"required": ["nip"]}}},
    }
    merged = merge_openapi(gateway, {"appraisal": appraisal, "mutation": mutation}, owner_of, missing=[])
    schemas = merged["components"]["schemas"]
    assert schemas["mutation_Page_Move_"] == page_of("mutation_Move")
    assert schemas["appraisal_Page_Move_"] == page_of("appraisal_Move")
    assert schemas["Dossier"] == page_of("gateway_Move")
    assert schemas["gateway_Move"] == schemas["mutation_Move"] == {"required": ["nip"]}
    assert schemas["appraisal_Move"] == {"required": ["seq"]}
    assert "Move" not in schemas and "Page_Move_" not in schemas
    for path, page in (
        ("/api/v1/appraisal/moves", "appraisal_Page_Move_"),
        ("/api/v1/placement-rounds/{round_id}/moves", "mutation_Page_Move_"),
    ):
        answer = merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"]["$ref"] == f"#/components/schemas/{page}"


def test_the_asyncapi_document_has_a_message_for_every_catalogued_type():
    document = asyncapi_document(CATALOGUE)
    assert document["asyncapi"].startswith("3.")
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert names == set(CATALOGUE)
    for channel in document["channels"].values():
        assert channel["address"].startswith("asn.") and channel["messages"]
    refs = [m["$ref"] for op in document["operations"].values() for m in op["messages"]]
    assert len(refs) == sum(len(spec.versions) for spec in CATALOGUE.values())
