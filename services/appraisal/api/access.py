"""Who may do what with appraisal data (ARCHITECTURE.md §6): the fine rules the routes apply to the caller
the gateway's internal token names."""

from services.appraisal.domain.skp import Skp
from shared.auth import Principal, Role
from shared.errors import Forbidden

# Keep an agency's appraisal administration; `integration` is the agency's own e-kinerja system.
KEEPERS = (Role.ADMIN, Role.HR_OFFICER)
RECORDERS = (Role.ADMIN, Role.HR_OFFICER, Role.INTEGRATION)


def may_read_skp(principal: Principal, skp: Skp) -> bool:
    """The appraised person, their appraiser and the appraiser's supervisor, and staff of the agency."""
    if principal.is_self(skp.nip) or (principal.nip is not None and principal.nip in _appraisers(skp)):
        return True
    return principal.may_read_employee(skp.nip, skp.agency_code)


def require_skp_reader(principal: Principal, skp: Skp) -> None:
    if not may_read_skp(principal, skp):
        raise Forbidden(f"the SKP of {skp.nip} is outside your scope", code="employee-scope")


def require_skp_worker(principal: Principal, skp: Skp) -> None:
    """Planning work on an SKP: the person, the appraisers, or the agency's record keepers."""
    if principal.is_self(skp.nip) or (principal.nip is not None and principal.nip in _appraisers(skp)):
        return
    principal.require_any(RECORDERS, skp.agency_code)


def require_acting_as(principal: Principal, nip: str, agency_code: str) -> None:
    """The request names who acts (`appraiser_nip`, `recorded_by`, ...): it must be the caller, unless the
    caller records on someone's behalf as a record keeper of the agency (the event names the caller)."""
    if principal.is_self(nip):
        return
    if principal.has_role(*RECORDERS) and principal.covers_agency(agency_code):
        return
    raise Forbidden(f"you cannot act as {nip}: name your own NIP", code="acting-as-someone-else")


def _appraisers(skp: Skp) -> tuple[str, ...]:
    return tuple(nip for nip in (skp.appraiser_nip, skp.reviewer_nip) if nip)
