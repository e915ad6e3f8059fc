"""Which grants lie within an administrator's scope: a province grant only when the scope holds every agency
of the province, the all-agencies grant only for a national administrator."""

import pytest

from services.gateway.domain.grants import Grant, ScopeKind, within
from shared.principal import Role

pytestmark = pytest.mark.unit

PROVINCES = {"7600": frozenset({"7600", "7601", "7602"}), "7300": frozenset({"7300", "7301"})}
PROVINCIAL = frozenset({"7600", "7601", "7602"})


@pytest.mark.parametrize(
    ("grant", "scope", "inside"),
    [
        (Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7601"), PROVINCIAL, True),
        (Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7301"), PROVINCIAL, False),
        (Grant(Role.ADMIN, ScopeKind.PROVINCE, "7600"), PROVINCIAL, True),
        (Grant(Role.ADMIN, ScopeKind.PROVINCE, "7600"), frozenset({"7600"}), False),
        (Grant(Role.AUDITOR, ScopeKind.PROVINCE, "7300"), PROVINCIAL, False),
        (Grant(Role.AUDITOR, ScopeKind.ALL), PROVINCIAL, False),
        (Grant(Role.AUDITOR, ScopeKind.ALL), None, True),
        (Grant(Role.HR_OFFICER, ScopeKind.AGENCY, "7301"), None, True),
    ],
)
def test_a_grant_lies_within_a_scope_when_every_agency_it_covers_does(grant, scope, inside):
    assert within(grant, scope, PROVINCES) is inside
