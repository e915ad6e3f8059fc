"""Pull from SIASN: for one NIP, a list, a unit or a whole agency, fetch each person's data-utama and riwayat
(jabatan, golongan, pendidikan, diklat, skp22), compare them with our record field by field, and bring the
reconciliation queue up to date (domain/reconcile.py says how). Nothing of our record changes here but the
person's SIASN id, linked when not linked yet: a difference waits for HR's decision (service/reconcile.py).

SIASN offers no list of an agency's people (SIASN.md §2 lists the instansi's KP, pension and procurement
lists, none of them whole): an agency or unit pull takes the people we hold there, plus the NIPs given;
a person SIASN holds and we do not is found by giving their NIP, and queued as a `record` difference.

People are fetched a few at a time (the client keeps SIASN's pace) and recorded in batches, each batch its
own transaction while the next is fetched: a cancelled or failed pull keeps the batches recorded before.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.siasn.adapters import differences, records
from services.employee.siasn.adapters import identities as identity_records
from services.employee.siasn.adapters.client import RIWAYAT_KINDS, SiasnClient, SiasnError, SiasnRefused
from services.employee.siasn.adapters.differences import Upsert
from services.employee.siasn.adapters.identities import Record
from services.employee.siasn.domain.identities import RecordKind
from services.employee.siasn.domain.reconcile import (
    RECORD,
    DifferenceState,
    SiasnPerson,
    SiasnView,
    compare,
    ours_of,
    queue_changes,
    read_person,
)
from services.employee.siasn.service.connection import problem_of
from services.employee.siasn.service.identities import identity_event
from shared import clock
from shared.db import Database
from shared.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from shared.jobs import Progress
from shared.principal import Principal
from shared.uow import UnitOfWork

PULL_KIND = "siasn.pull"
# People fetched at once; each is six calls, which the client spaces by its pace (none: as fast as SIASN
# answers).
CONCURRENCY = 8
BATCH = 50
MAX_LISTED = 100  # failures and unreadable values a result lists (it counts them all)


@dataclass(frozen=True)
class PullScope:
    """Whom to pull: the agency's people (or one unit's), and the NIPs given. Only NIPs: just them."""

    agency_code: str
    unit_id: UUID | None = None
    nips: tuple[str, ...] = ()

    @property
    def ours_too(self) -> bool:
        return self.unit_id is not None or not self.nips

    def params(self) -> dict[str, Any]:
        return {
            "agency_code": self.agency_code,
            "unit_id": str(self.unit_id) if self.unit_id else None,
            "nips": list(self.nips),
        }


async def check_scope(connection: AsyncConnection, scope: PullScope, principal: Principal) -> None:
    """Refuse a pull outside the caller's agencies, of a unit not of the agency, or of a NIP we hold in
    another agency; each refusal names its field."""
    principal.require_agency(scope.agency_code, field="agency_code")
    if not await records.agency_exists(connection, scope.agency_code):
        raise NotFound(
            f"there is no agency {scope.agency_code}",
            errors=[FieldProblem(field="agency_code", message="no such agency", value=scope.agency_code)],
        )
    if scope.unit_id is not None:
        unit_agency = await records.agency_of_unit(connection, scope.unit_id)
        if unit_agency is None:
            raise InvalidInput(
                f"there is no unit {scope.unit_id}",
                errors=[FieldProblem(field="unit_id", message="no such unit", value=str(scope.unit_id))],
            )
        if unit_agency != scope.agency_code:
            principal.require_agency(unit_agency, field="unit_id")
            raise InvalidInput(
                f"unit {scope.unit_id} is not of agency {scope.agency_code}",
                errors=[
                    FieldProblem(
                        field="unit_id", message="a unit of another agency", value=str(scope.unit_id)
                    )
                ],
            )
    elsewhere = {
        nip: agency
        for nip, agency in (await records.agencies_of(connection, scope.nips)).items()
        if agency != scope.agency_code
    }
    if elsewhere:
        problems = [
            FieldProblem(field="nips", message=f"an employee of agency {agency}", value=nip)
            for nip, agency in sorted(elsewhere.items())
        ]
        if any(not principal.covers_agency(agency) for agency in elsewhere.values()):
            raise Forbidden(f"{len(problems)} NIP(s) of employees outside your scope", errors=problems)
        raise InvalidInput(f"{len(problems)} NIP(s) of employees of another agency", errors=problems)


@dataclass
class _Tally:
    total: int = 0
    pulled: int = 0
    not_in_siasn: int = 0
    other_agency: int = 0
    opened: int = 0  # differences new this pull
    open: int = 0  # differences open after it, of the people pulled
    registrable: int = 0
    resolved: int = 0
    linked: int = 0
    failed: int = 0
    unreadable: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def counters(self) -> dict[str, int]:
        return {
            "total": self.total,
            "pulled": self.pulled,
            "not_in_siasn": self.not_in_siasn,
            "differences": self.open,
            "failed": self.failed,
        }

    def result(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if isinstance(v, int)},
            "failures": self.failures,
            "warnings": self.warnings,
        }


_Fetched = SiasnPerson | None | SiasnRefused


class Pull:
    """One pull's work; `run` is what its job does."""

    def __init__(
        self,
        db: Database,
        unit_of_work: Callable[[], UnitOfWork],
        siasn: SiasnClient,
        scope: PullScope,
        *,
        concurrency: int = CONCURRENCY,
        batch: int = BATCH,
    ) -> None:
        self._db = db
        self._unit_of_work = unit_of_work
        self._siasn = siasn
        self._scope = scope
        self._limit = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._tally = _Tally()
        self._agencies: dict[str, str] = {}  # SIASN instansi id -> our agency code
        self._units: dict[str, str] = {}  # SIASN unor id -> our unit id
        self._positions: dict[str, str] = {}  # "our unit id/SIASN jabatan id" -> our position id
        self._unit_siasn: dict[str, str] = {}  # our unit id -> SIASN unor id
        self._position_siasn: dict[str, str] = {}  # our position id -> SIASN jabatan id

    async def run(self, progress: Progress) -> dict[str, Any]:
        nips = await self._people()
        self._tally.total = len(nips)
        await progress(**self._tally.counters())
        chunks = [nips[at : at + self._batch] for at in range(0, len(nips), self._batch)]
        fetching: asyncio.Task[list[tuple[str, _Fetched]]] | None = None
        try:
            for index, chunk in enumerate(chunks):
                if fetching is None:
                    fetching = asyncio.create_task(self._fetch(chunk))
                fetched = await fetching
                fetching = (
                    asyncio.create_task(self._fetch(chunks[index + 1])) if index + 1 < len(chunks) else None
                )
                await self._record(fetched)
                await progress(**self._tally.counters())
        finally:
            if fetching is not None:
                fetching.cancel()
                await asyncio.gather(fetching, return_exceptions=True)
        return self._tally.result()

    async def _people(self) -> list[str]:
        scope = self._scope
        async with self._db.connect() as connection:
            ours = (
                await records.nips_of(connection, scope.agency_code, scope.unit_id) if scope.ours_too else []
            )
            self._agencies = await records.agency_codes_by_siasn_id(connection)
            self._units = await identity_records.refs_by_siasn_id(
                connection, RecordKind.UNIT, scope.agency_code
            )
            self._positions = await identity_records.refs_by_siasn_id(
                connection, RecordKind.POSITION, scope.agency_code
            )
            self._unit_siasn, self._position_siasn = await records.siasn_ids_of_organisation(
                connection, scope.agency_code
            )
        return sorted({*ours, *scope.nips})

    async def _fetch(self, nips: Sequence[str]) -> list[tuple[str, _Fetched]]:
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._person(nip)) for nip in nips]
        except* SiasnError as failed:
            raise problem_of(_first(failed)) from None
        return [(nip, task.result()) for nip, task in zip(nips, tasks, strict=True)]

    async def _person(self, nip: str) -> _Fetched:
        async with self._limit:
            try:
                data_utama = await self._siasn.data_utama(nip)
                if data_utama is None:
                    return None
                lists = await asyncio.gather(*(self._siasn.riwayat(kind, nip) for kind in RIWAYAT_KINDS))  # type: ignore[arg-type]
            except SiasnRefused as refused:
                return refused
        return SiasnPerson(nip, data_utama, dict(zip(RIWAYAT_KINDS, lists, strict=True)))

    async def _record(self, fetched: list[tuple[str, _Fetched]]) -> None:
        tally, now = self._tally, clock.now()
        async with self._unit_of_work() as uow:
            connection = uow.connection
            nips = [nip for nip, _ in fetched]
            ours = await records.employees_of(connection, nips)
            queued = await differences.queued_for(connection, nips)
            views = {nip: self._view(person) for nip, person in fetched if isinstance(person, SiasnPerson)}
            holders = await records.holders_of_siasn_ids(
                connection, [v.siasn_id for v in views.values() if v.siasn_id]
            )
            upserts: list[Upsert] = []
            for nip, person in fetched:
                if isinstance(person, SiasnRefused):
                    tally.failed += 1
                    if len(tally.failures) < MAX_LISTED:
                        tally.failures.append({"nip": nip, "message": str(person)})
                    continue
                tally.pulled += 1
                if person is None:
                    tally.not_in_siasn += 1
                    continue
                view = views[nip]
                mine = ours.get(nip)
                if mine is None:
                    if view.values.get("agency_code") not in (None, self._scope.agency_code):
                        tally.other_agency += 1
                        continue
                    found: dict[str, tuple[Any, Any]] = {RECORD: (None, view.registration())}
                    compared: list[str] = [RECORD]
                    agency_code = self._scope.agency_code
                else:
                    employee, siasn_id = mine
                    agency_code = employee.placement.agency_code
                    theirs = view.fields()
                    found = compare(self._ours(employee), theirs)
                    compared = [*theirs, RECORD]
                    if siasn_id is None and view.siasn_id and view.siasn_id not in holders:
                        await self._link(uow, employee.name, nip, agency_code, view.siasn_id)
                        holders[view.siasn_id] = nip
                self._warn(nip, view)
                rows = queued.get(nip, {})
                changes = queue_changes({f: row[2] for f, row in rows.items()}, found, compared, now)
                for change in changes:
                    row = rows.get(change.field)
                    upserts.append(Upsert(nip, agency_code, change, (row[0], row[1]) if row else None))
                    self._count(change.state, change.since, change.field)
                tally.open += sum(
                    1
                    for f, row in rows.items()
                    if row[2].state is DifferenceState.OPEN and f not in {c.field for c in changes}
                )
            await differences.apply(connection, upserts, now)
            await uow.commit()

    def _view(self, person: SiasnPerson) -> SiasnView:
        view = read_person(person)
        unit_id = self._units.get(view.unor_id) if view.unor_id else None
        position_id = (
            self._positions.get(f"{unit_id}/{view.jabatan_id}") if unit_id and view.jabatan_id else None
        )
        agency_code = self._agencies.get(view.agency_ref.upper()) if view.agency_ref else None
        return view.resolved(agency_code=agency_code, unit_id=unit_id, position_id=position_id)

    def _ours(self, employee: Any) -> dict[str, Any]:
        placement = employee.placement
        return ours_of(
            employee,
            unit_siasn_id=self._unit_siasn.get(placement.unit_id) if placement.unit_id else None,
            position_siasn_id=self._position_siasn.get(placement.position_id)
            if placement.position_id
            else None,
        )

    async def _link(self, uow: UnitOfWork, name: str, nip: str, agency_code: str, siasn_id: str) -> None:
        if await records.link_employee(uow.connection, nip, siasn_id):
            self._tally.linked += 1
            record = Record(RecordKind.EMPLOYEE, nip, agency_code, name, siasn_id)
            uow.publish(identity_event(record))

    def _count(self, state: DifferenceState, since: datetime | None, name: str) -> None:
        tally = self._tally
        if state is DifferenceState.OPEN:
            tally.open += 1
            if since is not None:
                tally.opened += 1
                if name == RECORD:
                    tally.registrable += 1
        elif state is DifferenceState.RESOLVED:
            tally.resolved += 1

    def _warn(self, nip: str, view: SiasnView) -> None:
        for name, message in view.unreadable.items():
            self._tally.unreadable += 1
            if len(self._tally.warnings) < MAX_LISTED:
                self._tally.warnings.append(
                    {"nip": nip, "field": name, "message": f"SIASN's value: {message}"}
                )


def _first(group: BaseExceptionGroup[SiasnError]) -> SiasnError:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    assert isinstance(error, SiasnError)
    return error
