import pytest

from services.gateway.routes import OWNER_BY_SEGMENT, SEGMENTS_BY_SERVICE, owner_of
from shared.settings import DOMAIN_SERVICES

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/employees", "employee"),
        ("/api/v1/employees/198503122010011001", "employee"),
        ("/api/v1/workload/units/42", "employee"),
        ("/api/v1/skp/7f0c", "appraisal"),
        ("/api/v1/appraisal-periods", "appraisal"),
        ("/api/v1/mutations/7f0c/approvals", "mutation"),
        ("/api/v1/placement-rounds", "mutation"),
        ("/api/v1/development-plans/7f0c", "training"),
        ("/api/v1/jp/198503122010011001", "training"),
    ],
)
def test_a_resource_is_routed_to_the_service_that_owns_it(path, service):
    assert owner_of(path) == service


@pytest.mark.parametrize("service", DOMAIN_SERVICES)
def test_a_service_segment_routes_to_that_services_read_model_views(service):
    assert owner_of(f"/api/v1/{service}/employees/198503122010011001") == service


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/salaries",
        "/api/v1/",
        "/api/v1/gateway/upstreams",
        "/api/v1/Employees",
        "/api/v1/employeesx",
        "/api/v2/employees",
        "/employees",
        "/health",
    ],
)
def test_paths_no_service_owns_have_no_owner(path):
    assert owner_of(path) is None


def test_every_segment_has_exactly_one_owner():
    listed = [segment for segments in SEGMENTS_BY_SERVICE.values() for segment in segments]
    assert len(listed) == len(OWNER_BY_SEGMENT)


def test_only_domain_services_are_upstreams():
    assert set(SEGMENTS_BY_SERVICE) == set(DOMAIN_SERVICES)
