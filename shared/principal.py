"""Who is calling, as every service sees it: the principal (subject, roles, the agencies in scope and, for
employees, their NIP) and the checks the services make with it (ARCHITECTURE.md §6). Plain Python, so domain
code may use it; `shared.auth` carries it in the internal token and verifies that token.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from shared.errors import FieldProblem, Forbidden, InvalidInput


class Role(StrEnum):
    ADMIN = "admin"  # provincial / BKN administration
    HR_OFFICER = "hr_officer"  # one agency's HR unit (BKD/BKPSDM)
    APPROVER = "approver"  # PPK or delegate, one agency
    BKN_REVIEWER = "bkn_reviewer"  # technical consideration for cross-agency moves
    SUPERVISOR = "supervisor"  # appraises direct reports
    EMPLOYEE = "employee"  # self-service
    AUDITOR = "auditor"  # read-only, audit log
    INTEGRATION = "integration"  # an agency's machine client


# Every role but `employee`: they may read records of their agencies.
STAFF_ROLES = tuple(role for role in Role if role is not Role.EMPLOYEE)
# Roles that keep or correct personal data (the unmasked NIK): the agency's HR unit and the administration.
PERSONAL_DATA_ROLES = (Role.ADMIN, Role.HR_OFFICER)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request. `agencies` None means every agency (national administration)."""

    subject: str
    roles: frozenset[Role]
    agencies: frozenset[str] | None = field(default_factory=frozenset)
    nip: str | None = None
    name: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def require_role(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            wanted = ", ".join(sorted(roles))
            raise Forbidden(f"this action needs one of the roles: {wanted}", code="role-required")

    def covers_agency(self, agency_code: str | None) -> bool:
        if self.agencies is None:
            return True
        return agency_code is not None and agency_code in self.agencies

    def require_agency(self, agency_code: str | None, *, field: str | None = None) -> None:
        """The agency is in the caller's scope; `field` names where the request referred to it."""
        if not self.covers_agency(agency_code):
            message = f"agency {agency_code or '(none)'} is outside your scope"
            errors = [FieldProblem(field=field, message=message)] if field else []
            raise Forbidden(message, code="agency-scope", errors=errors)

    def is_self(self, nip: str | None) -> bool:
        return self.nip is not None and nip == self.nip

    def may_read_employee(self, nip: str, agency_code: str | None) -> bool:
        """Own record always; staff roles within their agencies (supervisors: their agency's people)."""
        if self.is_self(nip):
            return True
        return self.has_role(*STAFF_ROLES) and self.covers_agency(agency_code)

    def require_employee_access(self, nip: str, agency_code: str | None) -> None:
        if not self.may_read_employee(nip, agency_code):
            raise Forbidden(f"employee {nip} is outside your scope", code="employee-scope")

    def agency_filter(self) -> frozenset[str] | None:
        """The agencies a list query must be limited to (None: no limit)."""
        return self.agencies

    @property
    def is_staff(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    def may_see_personal_data(self, nip: str, agency_code: str | None) -> bool:
        """The person themself, or HR and administration of the person's agency (e.g. the unmasked NIK)."""
        return self.is_self(nip) or (self.has_role(*PERSONAL_DATA_ROLES) and self.covers_agency(agency_code))

    def require_any(self, roles: Iterable[Role], agency_code: str | None) -> None:
        """One of `roles`, within `agency_code`: the usual check before a change to an agency's data."""
        self.require_role(*roles)
        self.require_agency(agency_code)

    def one_agency(self, agency_code: str | None) -> str | None:
        """The agency a list is filtered by: the one asked for (if in scope), else the caller's only agency,
        else None for a caller who sees every agency. A caller scoped to several agencies names one."""
        if agency_code is not None:
            self.require_agency(agency_code)
            return agency_code
        if self.agencies is None:
            return None
        if len(self.agencies) == 1:
            return next(iter(self.agencies))
        raise InvalidInput(
            "your scope covers several agencies: name one with `agency`",
            errors=[FieldProblem(field="agency", message="required for a caller of several agencies")],
        )


def system_principal(subject: str = "system") -> Principal:
    """The platform itself (CLI, seeding, consumers): every role, every agency."""
    return Principal(subject=subject, roles=frozenset(Role), agencies=None)
