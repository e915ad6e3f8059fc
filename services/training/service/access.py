"""Who may do what in the training service (ARCHITECTURE.md §6): the agency's HR unit manages its
catalogue, sessions and enrolments; employees see and act on their own enrolments and plans; supervisors on
those of the people they supervise.

A person acts as themself. Two acts are a person's own yet often given on paper: a plan's acceptance by its
employee or supervisor, and the supervisor's follow-up evaluation of a training. The agency's HR unit may
enter one for them, as a distinct act: it says so (`on_behalf_reason`), the record keeps the account that
entered it beside whose act it is and why, and the audit chain records it. Naming someone else's act without
that, or without the right to enter it, is refused (403 naming the field). The rest is each actor's own act
and names no one else as acting: the organiser records attendance and test scores, HR enrols, cancels and
records JP, a participant fills in their own evaluation form (nobody else may), a mentor is chosen, not
acting.
"""

from shared import clock
from shared.errors import FieldProblem, Forbidden, InvalidInput
from shared.principal import Principal, Role

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


ON_BEHALF_REASON = "on_behalf_reason"


def acting_for(
    principal: Principal,
    whose: str,
    *,
    field: str | None,
    acts_themself: bool,
    may_enter_for_them: bool,
    on_behalf_reason: str | None,
) -> str | None:
    """Whether the caller gives their own act (None) or enters `whose` act for them: then the reason,
    required. `field` names whose act the request claims, where it does."""
    if acts_themself:
        if on_behalf_reason is not None:
            raise InvalidInput(
                "you act as yourself: there is no one to enter this for",
                errors=[FieldProblem(field=ON_BEHALF_REASON, message="only when entering for someone else")],
            )
        return None
    named = [field] if field is not None else []
    if not may_enter_for_them:
        raise Forbidden(
            f"you are not {whose}, and only the agency's HR unit enters this for them",
            code="acting-as-someone-else",
            errors=[FieldProblem(field=f, message=f"is not you: {whose}") for f in named],
        )
    if on_behalf_reason is None:
        raise Forbidden(
            f"you are not {whose}: entering this for them needs the reason",
            code="acting-as-someone-else",
            errors=[
                *(
                    FieldProblem(
                        field=f, message=f"is not you; to enter it for them, give {ON_BEHALF_REASON}"
                    )
                    for f in named
                ),
                FieldProblem(field=ON_BEHALF_REASON, message=f"required to enter it for {whose}"),
            ],
        )
    return on_behalf_reason
