"""Who may do what with appraisal data (ARCHITECTURE.md §6): the fine rules the routes apply to the caller
the gateway's internal token names.

Who acts is who is recorded. A request names who acts (`appraiser_nip`, `recorded_by`, `author_nip`, `nip`,
`decider_nip`, `override.approver_nip`), and that person is the caller, acting themself, unless the
regulation lets another enter the act for them:
- a record keeper of the agency (its HR unit, the administration, its e-Kinerja system) may enter an act the
  person made on paper (the absent appraiser's signed rating form, a realisation or feedback note, the
  employee's written objection), with a reason; the entry keeps the account that entered it and the reason
  beside the person it names, and the audit chain records it;
- a decision is the decider's own: the approver's override of the distribution and the reviewer's decision on
  an objection are never made on their behalf.
Anyone else naming another's NIP is refused (403 naming the field).
"""

from services.appraisal.domain.skp import OnBehalf, Skp
from shared.errors import FieldProblem, Forbidden, InvalidInput
from shared.principal import Principal, Role

# Keep an agency's appraisal administration; `integration` is the agency's own e-kinerja system.
KEEPERS = (Role.ADMIN, Role.HR_OFFICER)
RECORDERS = (Role.ADMIN, Role.HR_OFFICER, Role.INTEGRATION)
# A person acting themself on an SKP: every role that may change anything, but not through a read-only
# account (auditors, BKN's reviewers), however it is named.
SELF_ACTORS = (Role.ADMIN, Role.HR_OFFICER, Role.APPROVER, Role.SUPERVISOR, Role.EMPLOYEE)
ON_BEHALF_REASON = "on_behalf_reason"


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


def acting(
    principal: Principal, field: str, nip: str, agency_code: str, *, on_behalf_reason: str | None
) -> OnBehalf | None:
    """Who acts on an act a record keeper may enter for the person `field` names: None when that person
    acts themself, else the on-behalf entry (the caller's account and the reason)."""
    if principal.is_self(nip):
        _require_self_actor(principal)
        if on_behalf_reason is not None:
            raise InvalidInput(
                "you act as yourself: there is no one to enter this for",
                errors=[FieldProblem(field=ON_BEHALF_REASON, message="only when entering for someone else")],
            )
        return None
    if not (principal.has_role(*RECORDERS) and principal.covers_agency(agency_code)):
        raise _someone_else(field, nip, "name your own NIP")
    if on_behalf_reason is None:
        raise Forbidden(
            f"you are not {nip}: entering this for them needs the reason",
            code="acting-as-someone-else",
            errors=[
                FieldProblem(
                    field=field, message=f"is not you; to enter it for {nip}, give {ON_BEHALF_REASON}"
                ),
                FieldProblem(field=ON_BEHALF_REASON, message=f"required to enter it for {nip}"),
            ],
        )
    return OnBehalf(entered_by=principal.subject, reason=on_behalf_reason)


def deciding(principal: Principal, field: str, nip: str, what: str) -> None:
    """A decision (`what`) the person `field` names makes themself: nobody decides on their behalf."""
    if not principal.is_self(nip):
        raise _someone_else(field, nip, f"{what} is their own decision and cannot be made on their behalf")
    _require_self_actor(principal)


def _require_self_actor(principal: Principal) -> None:
    principal.require_role(*SELF_ACTORS)


def _someone_else(field: str, nip: str, why: str) -> Forbidden:
    return Forbidden(
        f"you cannot act as {nip}: {why}",
        code="acting-as-someone-else",
        errors=[FieldProblem(field=field, message=f"is not you: {why}")],
    )


def _appraisers(skp: Skp) -> tuple[str, ...]:
    return tuple(nip for nip in (skp.appraiser_nip, skp.reviewer_nip) if nip)
