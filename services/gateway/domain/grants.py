"""Role grants: each role is held within a scope - one agency, a province (all its agencies) or all agencies -
and a caller's principal is the union of their grants (ARCHITECTURE.md §6)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from shared.principal import Role


class ScopeKind(StrEnum):
    AGENCY = "agency"
    PROVINCE = "province"
    ALL = "all"


# Which scopes each role may be granted in: agency-bound roles stay in one agency; provincial and national
# roles may span a province or every agency.
ALLOWED_SCOPES: Mapping[Role, frozenset[ScopeKind]] = {
    Role.ADMIN: frozenset({ScopeKind.AGENCY, ScopeKind.PROVINCE, ScopeKind.ALL}),
    Role.HR_OFFICER: frozenset({ScopeKind.AGENCY, ScopeKind.PROVINCE}),
    Role.APPROVER: frozenset({ScopeKind.AGENCY}),
    Role.BKN_REVIEWER: frozenset({ScopeKind.PROVINCE, ScopeKind.ALL}),
    Role.SUPERVISOR: frozenset({ScopeKind.AGENCY}),
    Role.EMPLOYEE: frozenset({ScopeKind.AGENCY}),
    Role.AUDITOR: frozenset({ScopeKind.AGENCY, ScopeKind.PROVINCE, ScopeKind.ALL}),
    Role.INTEGRATION: frozenset({ScopeKind.AGENCY}),
}


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    scope_kind: ScopeKind
    scope_code: str | None = None

    def __post_init__(self) -> None:
        if (self.scope_kind is ScopeKind.ALL) != (self.scope_code is None):
            raise ValueError("an agency or province scope names its code; the `all` scope none")

    @property
    def label(self) -> str:
        return f"{self.role}@{self.scope_kind}" + (f":{self.scope_code}" if self.scope_code else "")


def grant_problem(grant: Grant) -> str | None:
    """Why the role cannot be held in that scope, or None."""
    allowed = ALLOWED_SCOPES[grant.role]
    if grant.scope_kind not in allowed:
        kinds = ", ".join(sorted(allowed))
        return f"{grant.role} is granted within: {kinds}"
    return None


def reach(grant: Grant, provinces: Mapping[str, frozenset[str]]) -> frozenset[str] | None:
    """The agencies a grant covers (None: every agency); `provinces` maps a province's code to the codes of
    its agencies (the province's own included)."""
    if grant.scope_kind is ScopeKind.ALL:
        return None
    assert grant.scope_code is not None
    if grant.scope_kind is ScopeKind.PROVINCE:
        return frozenset({grant.scope_code}) | provinces.get(grant.scope_code, frozenset())
    return frozenset({grant.scope_code})


def within(grant: Grant, scope: frozenset[str] | None, provinces: Mapping[str, frozenset[str]]) -> bool:
    """The grant covers no agency outside `scope` (None: every agency): an administrator hands out and
    manages only what lies within their own scope."""
    covered = reach(grant, provinces)
    return scope is None or (covered is not None and covered <= scope)


def resolve(
    grants: Iterable[Grant], provinces: Mapping[str, frozenset[str]]
) -> tuple[frozenset[Role], frozenset[str] | None]:
    """The roles and the agencies in scope (None: every agency) of a holder of `grants`."""
    roles: set[Role] = set()
    agencies: set[str] = set()
    everywhere = False
    for grant in grants:
        roles.add(grant.role)
        covered = reach(grant, provinces)
        if covered is None:
            everywhere = True
        else:
            agencies |= covered
    return frozenset(roles), None if everywhere else frozenset(agencies)
