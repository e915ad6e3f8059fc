"""Decisions on the reconciliation queue. Accepting a difference turns SIASN's value into the employee
service's ordinary command (a correction of the record, a rank change, a move, a status change, a
registration), so that command's own event flows; rejecting keeps our value. Each decision is one
transaction holding the command, the queue row's new state and the `asn.employee.siasn.difference-*` event.

Some fields have no command that changes them (the birth date and gender, which the NIP fixes; the TMT CPNS;
the employment type; education, kept from registration): such a difference can be rejected, not accepted.
"""

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.domain.model import (
    Decree,
    Education,
    EducationLevel,
    EmployeeStatus,
    EmploymentType,
    Placement,
)
from services.employee.service import employees as commands
from services.employee.siasn.adapters import differences as repository
from services.employee.siasn.adapters import identities as identity_records
from services.employee.siasn.adapters.differences import Difference
from services.employee.siasn.adapters.identities import Record
from services.employee.siasn.domain.identities import RecordKind
from services.employee.siasn.domain.reconcile import (
    EDUCATION,
    PLACEMENT,
    RANK,
    RECORD,
    Decision,
    DifferenceState,
)
from services.employee.siasn.service.identities import identity_event
from shared import clock
from shared.contracts.employee import SiasnDifferenceDecided
from shared.errors import Conflict, DomainError, FieldProblem, NotFound
from shared.events.envelope import new_event
from shared.principal import Principal, Role
from shared.uow import UnitOfWork

KEEPERS = (Role.ADMIN, Role.HR_OFFICER)
# Record fields SIASN's value replaces by the record's correction (model.REVISABLE).
_CORRECTED = frozenset({"name", "front_title", "back_title", "birth_place", "nik", "tmt_pns"})
_DATES = frozenset({"tmt_pns", "birth_date", "tmt_cpns", "tmt", "rank_tmt", "position_tmt", "decree_date"})
_NO_COMMAND = {
    "birth_date": "our birth date follows from the NIP; SIASN's differing means one of the NIPs is wrong",
    "gender": "our gender follows from the NIP; SIASN's differing means one of the NIPs is wrong",
    "tmt_cpns": "no command changes the TMT CPNS of a registered employee",
    "employment_type": "no command changes the employment type of a registered employee",
    EDUCATION: "no command changes the education of a registered employee",
}


class DifferenceDecided(Conflict):
    code, title = "difference-decided", "Difference already decided"


class NotApplicable(Conflict):
    code, title = "siasn-value-not-applicable", "SIASN's value cannot be taken"


async def get_difference(
    connection: AsyncConnection, difference_id: UUID, principal: Principal
) -> Difference:
    """A difference of the caller's agencies (another agency's: 403, naming none of its values)."""
    difference = await repository.get(connection, difference_id)
    if difference is None:
        raise NotFound(f"there is no SIASN difference {difference_id}")
    principal.require_agency(difference.agency_code)
    return difference


async def list_differences(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    scope: frozenset[str] | None,
    state: DifferenceState | None,
    nip: str | None,
    field: str | None,
    limit: int,
    after: tuple[str, str] | None,
) -> list[Difference]:
    return await repository.search(
        connection,
        agency_code=agency_code,
        scope=scope,
        state=state,
        nip=nip,
        field=field,
        limit=limit,
        after=after,
    )


async def differences_of(connection: AsyncConnection, ids: list[UUID]) -> list[Difference]:
    return await repository.get_many(connection, ids)


async def decide(
    unit_of_work: Callable[[], UnitOfWork], difference: Difference, decision: Decision, principal: Principal
) -> Difference:
    """Accept or reject one open difference, in one transaction with its command and event."""
    principal.require_any(KEEPERS, difference.agency_code)
    if difference.state is not DifferenceState.OPEN:
        raise _decided(difference)
    async with unit_of_work() as uow:
        if decision is Decision.ACCEPT:
            await _apply(uow, difference, principal)
        state = DifferenceState.ACCEPTED if decision is Decision.ACCEPT else DifferenceState.REJECTED
        now = clock.now()
        if not await repository.decide(uow.connection, difference, state, by=principal.subject, at=now):
            raise _decided(difference)
        uow.publish(_decided_event(difference, decision, principal))
        await uow.complete()
    return Difference(
        **{
            **difference.__dict__,
            "state": state,
            "decided_by": principal.subject,
            "decided_at": now,
            "version": difference.version + 1,
        }
    )


def _decided(difference: Difference) -> DifferenceDecided:
    message = f"the difference is {difference.state.value}, not open"
    return DifferenceDecided(
        f"SIASN difference {difference.id} ({difference.field} of {difference.nip}) is "
        f"{difference.state.value}",
        errors=[FieldProblem(field="state", message=message, value=difference.state.value)],
    )


def _decided_event(difference: Difference, decision: Decision, principal: Principal) -> Any:
    verb = "accepted" if decision is Decision.ACCEPT else "rejected"
    data = SiasnDifferenceDecided(
        id=str(difference.id),
        nip=difference.nip,
        agency_code=difference.agency_code,
        field=difference.field,
        decision=decision.value,
        ours=difference.ours,
        theirs=difference.theirs,
        decided_by=principal.subject,
    )
    return new_event(
        f"asn.employee.siasn.difference-{verb}", difference.nip, data, agency=difference.agency_code
    )


async def _apply(uow: UnitOfWork, difference: Difference, principal: Principal) -> None:
    """SIASN's value as our record's ordinary command (its event joins this transaction)."""
    name, theirs, nip = difference.field, difference.theirs, difference.nip
    if name in _NO_COMMAND:
        raise _not_applicable(name, _NO_COMMAND[name])
    if name == RECORD:
        await _register(uow, difference, principal)
    elif name in _CORRECTED:
        employee = await commands.get_employee(uow, nip)
        value = _date(theirs) if name in _DATES else theirs
        await commands.update_employee(uow, nip, expected_version=employee.version, changes={name: value})
    elif name == "status":
        await commands.change_status(
            uow,
            nip,
            status=EmployeeStatus(theirs),
            effective_date=clock.now().date(),
            reason="taken from SIASN's kedudukan hukum",
        )
    elif name == RANK:
        if not theirs:
            raise _not_applicable(name, "SIASN holds no rank for this person")
        await commands.change_rank(
            uow,
            nip,
            rank_code=theirs["code"],
            tmt=_required_date(name, theirs.get("tmt"), "the rank's TMT"),
            decree=Decree(theirs.get("decree_number"), _date(theirs.get("decree_date"))),
        )
    elif name == PLACEMENT:
        await _move(uow, difference, principal)
    else:
        raise _not_applicable(name, "no command takes this field")


async def _move(uow: UnitOfWork, difference: Difference, principal: Principal) -> None:
    theirs = difference.theirs or {}
    if not theirs.get("unit_id"):
        raise _not_applicable(
            PLACEMENT,
            f"SIASN's unor {theirs.get('siasn_unor_id')} is linked to none of our units: link it on the "
            "SIASN page, pull again, then accept",
        )
    if theirs.get("siasn_jabatan_id") and not theirs.get("position_id"):
        raise _not_applicable(
            PLACEMENT,
            f"SIASN's jabatan {theirs['siasn_jabatan_id']} is linked to no position of unit "
            f"{theirs['unit_id']}: link it on the SIASN page, pull again, then accept",
        )
    to = Placement(
        difference.agency_code,
        theirs["unit_id"],
        theirs.get("position_id"),
        _required_date(PLACEMENT, theirs.get("tmt"), "the posting's TMT (tmtJabatan)"),
    )
    await commands.move_employee(
        uow,
        difference.nip,
        to=to,
        reason="taken from SIASN's riwayat jabatan",
        principal=principal,
        decree=Decree(theirs.get("decree_number"), _date(theirs.get("decree_date"))),
    )


async def _register(uow: UnitOfWork, difference: Difference, principal: Principal) -> None:
    """Register a person only SIASN holds, as SIASN holds them, and link them to their SIASN record."""
    theirs: dict[str, Any] = difference.theirs or {}
    rank = theirs.get("rank") or {}
    placement = theirs.get("placement") or {}
    education = theirs.get("education")
    details = {
        key: (_date(theirs.get(key)) if key in _DATES else theirs.get(key))
        for key in ("front_title", "back_title", "birth_place", "tmt_pns", "work_location")
        if theirs.get(key) is not None
    }
    if theirs.get("status"):
        details["status"] = EmployeeStatus(theirs["status"])
    try:
        employee = await commands.register_employee(
            uow,
            principal=principal,
            nip=difference.nip,
            agency_code=difference.agency_code,
            unit_id=placement.get("unit_id"),
            position_id=placement.get("position_id"),
            position_tmt=_date(placement.get("tmt")),
            rank_code=rank.get("code"),
            rank_tmt=_date(rank.get("tmt")),
            education=[_education(education)] if education and education.get("graduation_year") else [],
            name=theirs.get("name") or "",
            birth_date=_required_date(RECORD, theirs.get("birth_date"), "the birth date (tglLahir)"),
            gender=theirs.get("gender") or "",
            employment_type=EmploymentType(theirs.get("employment_type") or "PNS"),
            nik=theirs.get("nik"),
            tmt_cpns=_date(theirs.get("tmt_cpns")),
            **details,
        )
    except DomainError as refused:
        # The registration's own problems name our fields; the decision's caller reads them under `record`.
        raise type(refused)(
            f"SIASN's record of {difference.nip} cannot be registered: {refused.detail}",
            errors=[
                FieldProblem(
                    field=f"record.{p.field}" if p.field else RECORD, message=p.message, value=p.value
                )
                for p in refused.errors
            ]
            or [FieldProblem(field=RECORD, message=refused.detail)],
            code=refused.code,
        ) from None
    siasn_id = theirs.get("siasn_id")
    if not siasn_id:
        return
    linked = Record(RecordKind.EMPLOYEE, difference.nip, difference.agency_code, employee.name, siasn_id)
    # Held by another of our employees (linked since the pull): registered unlinked, as the page shows.
    if await identity_records.holder(uow.connection, linked, siasn_id) is None:
        await identity_records.set_siasn_id(uow.connection, RecordKind.EMPLOYEE, difference.nip, siasn_id)
        uow.publish(identity_event(linked))


def _education(value: dict[str, Any]) -> Education:
    return Education(
        EducationLevel(value["level"]),
        value.get("institution") or "",
        value.get("major"),
        int(value["graduation_year"]),
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _required_date(name: str, value: Any, what: str) -> date:
    found = _date(value)
    if found is None:
        raise _not_applicable(name, f"SIASN gives no {what}")
    return found


def _not_applicable(name: str, reason: str) -> NotApplicable:
    return NotApplicable(
        f"SIASN's {name} cannot be taken: {reason}", errors=[FieldProblem(field=name, message=reason)]
    )
