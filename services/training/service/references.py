"""Looking up the employees and positions a training request refers to in this service's read models and
noting on `References` each one that is unknown or outside the caller's agencies; the use case settles them
before it changes anything. (Agency codes: `shared.readmodels.agencies.referred_agency`.)"""

from services.training.adapters.readmodels import EmployeeRow, PositionView, ReadModels
from shared.references import References


async def referred_employee(
    references: References,
    read_models: ReadModels,
    field: str,
    nip: str,
    *,
    or_self: bool = False,
) -> EmployeeRow | None:
    """An employee this service knows, of an agency inside the caller's scope; with `or_self` the caller's
    own record too, wherever it lies (a person acting for themself)."""
    found = await read_models.employee(nip)
    if found is None:
        references.unknown(field, "employee", nip)
    elif not (or_self and references.principal is not None and references.principal.is_self(nip)):
        references.in_scope(field, found.agency_code)
    return found


async def referred_position(
    references: References, read_models: ReadModels, field: str, position_id: str
) -> PositionView | None:
    """A position this service knows, of an agency inside the caller's scope."""
    found = await read_models.position(position_id)
    if found is None:
        references.unknown(field, "position", position_id)
    else:
        references.in_scope(field, found.agency_code)
    return found
