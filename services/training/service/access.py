"""Who may do what in the training service (ARCHITECTURE.md §6): the agency's HR unit manages its
catalogue, sessions and enrolments; employees see and act on their own enrolments and plans; supervisors on
those of the people they supervise."""

from shared import clock
from shared.auth import Principal, Role
from shared.errors import Forbidden

MANAGERS = (Role.ADMIN, Role.HR_OFFICER)
# Training days and JP years are Indonesian calendar dates (WIB).
today = clock.today


def manages(principal: Principal, agency_code: str | None) -> bool:
    return principal.has_role(*MANAGERS) and principal.covers_agency(agency_code)


def require_manager(principal: Principal, agency_code: str | None) -> None:
    principal.require_role(*MANAGERS)
    principal.require_agency(agency_code)


def require_self_or_manager(principal: Principal, nip: str, agency_code: str | None) -> None:
    if principal.is_self(nip) or manages(principal, agency_code):
        return
    raise Forbidden(
        f"only the employee or the HR unit of agency {agency_code} may do this for {nip}",
        code="employee-scope",
    )


def supervises(principal: Principal, supervisor_nip: str | None) -> bool:
    return (
        principal.has_role(Role.SUPERVISOR) and principal.nip is not None and principal.nip == supervisor_nip
    )
