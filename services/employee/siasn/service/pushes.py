"""Use cases of the pushes to SIASN: completed mutations' (domain: siasn/domain/pushes.py) and training
completions' (siasn/domain/kursus.py).

- `record_push`: called by the saga's handler in the transaction that moves the person, when SIASN is on.
- `record_kursus_push`: called by the training completion's handler in its inbox transaction, when SIASN is
  on and ASN_SIASN_PUSH_TRAINING says so.
- `PushSender`: the background loop's work; takes due pushes one by one and sends each step by step.
- `list_pushes`, `retry_push`: what HR sees and does on the "Sinkronisasi SIASN" page.

Failures that may pass (SIASN or the mutation service unavailable, a write whose fate is unknown, our
credentials refused) leave the push waiting with a growing delay; a refusal (SIASN's, or our records lacking
a SIASN id) fails it with the message, and HR retries it once mended.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.settings import EmployeeSettings, employee_settings
from services.employee.siasn.adapters import pushes as repository
from services.employee.siasn.adapters.client import (
    SiasnClient,
    SiasnError,
    SiasnRefused,
    UncertainWrite,
)
from services.employee.siasn.adapters.decrees import DecreeMissing, DecreeUnavailable, MutationDecrees
from services.employee.siasn.adapters.pushes import Push
from services.employee.siasn.domain.kursus import (
    SERTIFIKAT_KURSUS,
    KursusOrder,
    kursus_save_body,
    kursus_saved_already,
    riwayat_of,
)
from services.employee.siasn.domain.pushes import (
    SK_JABATAN,
    PushKind,
    PushOrder,
    PushRefused,
    PushState,
    PushStep,
    jenis_mutasi,
    save_body,
    saved_already,
)
from shared import clock
from shared.aio import backoff
from shared.contracts.employee import SiasnPushFailed, SiasnPushSent
from shared.contracts.mutation import ProposalEffective
from shared.contracts.training import ParticipantCompleted
from shared.errors import Conflict, NotFound
from shared.events.envelope import CloudEvent, new_event
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

PUSH_SENT = "asn.employee.siasn.push-sent"
PUSH_FAILED = "asn.employee.siasn.push-failed"
RETRY_CAP_SECONDS = 3600.0
BATCH = 20

# Whether this process pushes completed mutations to SIASN: set from the settings by the employee app's
# lifespan, so the consumer's handler (which is given no settings) sees its own app's choice.
pushes_enabled: ContextVar[bool] = ContextVar("siasn_pushes_enabled", default=False)
# Likewise whether training completions are pushed (SIASN enabled and ASN_SIASN_PUSH_TRAINING on).
training_pushes_enabled: ContextVar[bool] = ContextVar("siasn_training_pushes_enabled", default=False)


async def record_push(uow: UnitOfWork, data: ProposalEffective, position_before: str | None) -> None:
    """Write the push of a mutation that just moved the person, in the same transaction (so it is neither
    lost nor made twice: the mutation id is unique). `position_before`: the person's position before."""
    if not pushes_enabled.get() or await repository.exists_for(
        uow.connection, PushKind.JABATAN, data.mutation_id
    ):
        return
    before = await repository.position_seen(uow.connection, position_before)
    after = await repository.position_seen(uow.connection, data.to_position_id)
    order = PushOrder(
        mutation_id=data.mutation_id,
        nip=data.nip,
        agency_code=data.to_agency_code,
        unit_id=data.to_unit_id,
        position_id=data.to_position_id,
        tmt=data.tmt,
        decree_number=data.decree_number or "",
        decree_date=data.decree_date,
        decree_id=data.decree_id,
        jenis_mutasi=jenis_mutasi(before, after) if after is not None else "MJ",
    )
    await repository.add(uow.connection, order, clock.now())


async def record_kursus_push(uow: UnitOfWork, data: ParticipantCompleted) -> None:
    """Write the push of a training completion as a riwayat kursus, in the inbox's transaction (one per
    enrolment: a completion delivered twice is pushed once)."""
    if not training_pushes_enabled.get() or riwayat_of(data.form) is not PushKind.KURSUS:
        return
    if await repository.exists_for(uow.connection, PushKind.KURSUS, data.enrolment_id):
        return
    order = KursusOrder(
        enrolment_id=data.enrolment_id,
        nip=data.nip,
        agency_code=data.agency_code,
        title=data.title,
        programme_code=data.programme_code,
        form=data.form,
        jp=data.jp,
        # An older producer's completion names no first day: the course is recorded as one day.
        starts_on=data.starts_on or data.completed_on,
        completed_on=data.completed_on,
        certificate_number=data.certificate_number,
        provider=data.provider or "",
    )
    await repository.add(uow.connection, order, clock.now())


async def position_before(connection: AsyncConnection, nip: str) -> str | None:
    return await repository.current_position_id(connection, nip) if pushes_enabled.get() else None


# --- sending --------------------------------------------------------------------------------------------


class DecreeSource(Protocol):
    async def pdf(self, decree_id: str, agency_code: str) -> tuple[bytes, str]: ...


class CertificateSource(Protocol):
    async def pdf(self, number: str, agency_code: str) -> tuple[bytes, str] | None:
        """A training certificate's PDF and file name; None when there is none to send."""
        ...


class NoCertificates:
    """The training service keeps certificates as numbers and serves no PDF of them yet: kursus are sent
    without a document."""

    async def pdf(self, number: str, agency_code: str) -> tuple[bytes, str] | None:
        return None


class _LostHold(Exception):
    """Another process took the push over (this attempt outlived its lease): stop without writing."""


class _Later(Exception):
    """Try again later; the message says why."""


class PushSender:
    """Sends due pushes, one step at a time, each step stored as soon as it is done."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        settings: EmployeeSettings,
        siasn: SiasnClient,
        decrees: DecreeSource,
        *,
        certificates: CertificateSource | None = None,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._runtime = runtime
        self._settings = settings
        self._siasn = siasn
        self._decrees = decrees
        self._certificates = certificates if certificates is not None else NoCertificates()
        self._now = now

    async def send_due(self) -> int:
        """Send what is due now; how many pushes were attempted."""
        async with self._runtime.db.connect() as connection:
            due = await repository.due(connection, self._now(), BATCH)
        attempted = 0
        for push in due:
            if await self._take(push):
                attempted += 1
                await self._attempt(push.id, push.attempts + 1)
        return attempted

    async def _take(self, push: Push) -> bool:
        now = self._now()
        lease_until = now + timedelta(seconds=self._settings.siasn_push_lease_seconds)
        async with self._runtime.uow() as uow:
            taken = await repository.take(uow.connection, push, now, lease_until)
            await uow.commit()
        return taken

    async def _attempt(self, push_id: UUID, attempt: int) -> None:
        push = await self._read(push_id)
        try:
            if push.kind is PushKind.KURSUS:
                await self._send_kursus(push, attempt)
                return
            if push.step is PushStep.NONE:
                push = await self._upload(push, attempt)
            if push.step is PushStep.UPLOADED:
                push = await self._save(push, attempt)
            if push.step is PushStep.SAVED:
                await self._sync(push, attempt)
        except _LostHold:
            log.warning("SIASN push %s was taken over by another attempt", push_id)
        except (PushRefused, SiasnRefused, DecreeMissing) as refusal:
            await self._fail(await self._read(push_id), attempt, _words(refusal))
        except (_Later, UncertainWrite, DecreeUnavailable, SiasnError) as passing:
            # SiasnUnavailable, CredentialsRejected and other SiasnErrors: not this push's fault.
            await self._later(await self._read(push_id), attempt, _words(passing))

    async def _read(self, push_id: UUID) -> Push:
        async with self._runtime.db.connect() as connection:
            push = await repository.get(connection, push_id)
        if push is None:
            raise _LostHold(str(push_id))
        return push

    async def _store(self, push: Push, attempt: int, *events: CloudEvent, **values: Any) -> Push:
        async with self._runtime.uow() as uow:
            if not await repository.record(
                uow.connection, push.id, attempt, updated_at=self._now(), **values
            ):
                raise _LostHold(str(push.id))
            for event in events:
                uow.publish(event)
            await uow.commit()
        return await self._read(push.id)

    async def _upload(self, push: Push, attempt: int) -> Push:
        order = push.order
        document = None
        if order.decree_id:
            content, filename = await self._decrees.pdf(order.decree_id, order.agency_code)
            # A repeated upload only leaves an unused file at SIASN: safe to send again when unsure.
            document = await self._siasn.upload_document(content, filename, SK_JABATAN, retry_uncertain=True)
        return await self._store(
            push, attempt, step=PushStep.UPLOADED, payload={**push.payload, "document": document}
        )

    async def _save(self, push: Push, attempt: int) -> Push:
        order = push.order
        async with self._runtime.db.connect() as connection:
            ids = await repository.siasn_ids(connection, order, self._settings.siasn_satuan_kerja_ids)
        body = save_body(order, ids, push.payload.get("document"))

        async def saved() -> str | None:
            return saved_already(await self._siasn.riwayat("jabatan", order.nip), order)

        rw_jabatan_id = await self._save_once(
            push, attempt, "jabatan", saved, lambda: self._siasn.save_unor_jabatan(body)
        )
        return await self._store(push, attempt, step=PushStep.SAVED, rw_jabatan_id=rw_jabatan_id)

    async def _save_once(
        self,
        push: Push,
        attempt: int,
        riwayat: str,
        saved: Callable[[], Awaitable[str | None]],
        save: Callable[[], Awaitable[str]],
    ) -> str:
        """The riwayat's id at SIASN, saved at most once: a save is marked sent before it goes, and when an
        earlier attempt sent it and never stored the answer (it died, or the answer was lost), or this one
        meets an uncertain answer, SIASN's riwayat says whether it arrived before anything is sent again."""
        if push.payload.get("save_sent"):
            found = await saved()
            if found is not None:
                return found
        else:
            await self._store(push, attempt, payload={**push.payload, "save_sent": True})
        try:
            return await save()
        except UncertainWrite as uncertain:
            found = await saved()
            if found is None:
                raise _Later(f"{uncertain}; SIASN's rw-{riwayat} has no row of it yet") from uncertain
            return found

    async def _sync(self, push: Push, attempt: int) -> None:
        async with self._runtime.db.connect() as connection:
            ids = await repository.siasn_ids(connection, push.order, self._settings.siasn_satuan_kerja_ids)
        if not ids.pns_id:
            raise PushRefused(f"our records lack the PNS orang id of employee {push.nip}")
        # Asking SIASN to refresh data-utama twice does no harm: no care needed if this attempt dies here.
        await self._siasn.sync_jabatan(ids.pns_id)
        sent = SiasnPushSent(
            push_id=str(push.id),
            mutation_id=push.mutation_id or "",
            nip=push.nip,
            agency_code=push.agency_code,
            rw_jabatan_id=push.rw_jabatan_id or "",
        )
        await self._store(
            push,
            attempt,
            new_event(PUSH_SENT, push.nip, sent, agency=push.agency_code),
            step=PushStep.SYNCED,
            state=PushState.SENT,
            message=None,
            next_attempt_at=None,
        )

    async def _send_kursus(self, push: Push, attempt: int) -> None:
        """A training completion: the certificate uploaded when there is one, the riwayat kursus saved once;
        no sync follows (data-utama holds no kursus)."""
        if push.step is PushStep.NONE:
            push = await self._upload_certificate(push, attempt)
        if push.step is PushStep.UPLOADED:
            push = await self._save_kursus(push, attempt)
        order = push.kursus
        sent = SiasnPushSent(
            push_id=str(push.id),
            mutation_id="",
            nip=push.nip,
            agency_code=push.agency_code,
            rw_jabatan_id="",
            kind=PushKind.KURSUS.value,
            enrolment_id=order.enrolment_id,
            rw_kursus_id=push.rw_kursus_id,
        )
        await self._store(
            push,
            attempt,
            new_event(PUSH_SENT, push.nip, sent, agency=push.agency_code),
            state=PushState.SENT,
            message=None,
            next_attempt_at=None,
        )

    async def _upload_certificate(self, push: Push, attempt: int) -> Push:
        order = push.kursus
        document = None
        found = (
            await self._certificates.pdf(order.certificate_number, order.agency_code)
            if order.certificate_number
            else None
        )
        if found is not None:
            content, filename = found
            # As with a decree: a repeated upload only leaves an unused file at SIASN.
            document = await self._siasn.upload_document(
                content, filename, SERTIFIKAT_KURSUS, retry_uncertain=True
            )
        return await self._store(
            push, attempt, step=PushStep.UPLOADED, payload={**push.payload, "document": document}
        )

    async def _save_kursus(self, push: Push, attempt: int) -> Push:
        order = push.kursus
        async with self._runtime.db.connect() as connection:
            pns_id, instansi_id = await repository.kursus_ids(connection, order)
        body = kursus_save_body(
            order,
            pns_id=pns_id,
            instansi_id=instansi_id,
            jenis_diklat_id=self._settings.siasn_kursus_jenis_diklat_ids.get(order.form, ""),
            document=push.payload.get("document"),
        )

        async def saved() -> str | None:
            return kursus_saved_already(await self._siasn.riwayat("kursus", order.nip), order)

        rw_kursus_id = await self._save_once(
            push, attempt, "kursus", saved, lambda: self._siasn.save_kursus(body)
        )
        return await self._store(push, attempt, step=PushStep.SAVED, rw_kursus_id=rw_kursus_id)

    async def _fail(self, push: Push, attempt: int, message: str) -> None:
        log.warning("SIASN push %s (%s %s) failed: %s", push.id, push.kind.value, push.source_key, message)
        failed = SiasnPushFailed(
            push_id=str(push.id),
            mutation_id=push.mutation_id or "",
            nip=push.nip,
            agency_code=push.agency_code,
            step=push.step.value,
            message=message,
            kind=push.kind.value,
            enrolment_id=push.source_key if push.kind is PushKind.KURSUS else None,
        )
        await self._store(
            push,
            attempt,
            new_event(PUSH_FAILED, push.nip, failed, agency=push.agency_code),
            state=PushState.FAILED,
            message=message,
            next_attempt_at=None,
        )

    async def _later(self, push: Push, attempt: int, message: str) -> None:
        if attempt >= self._settings.siasn_push_max_attempts:
            await self._fail(push, attempt, f"no clear answer after {attempt} attempts; the last: {message}")
            return
        delay = backoff(attempt, base=self._settings.siasn_push_retry_seconds, cap=RETRY_CAP_SECONDS)
        log.info("SIASN push %s waits %.1f s: %s", push.id, delay, message)
        await self._store(
            push,
            attempt,
            state=PushState.WAITING,
            message=message,
            next_attempt_at=self._now() + timedelta(seconds=delay),
        )


def _words(error: Exception) -> str:
    """The message stored and shown: SIASN's own words for a refusal."""
    text = error.message if isinstance(error, SiasnRefused) else str(error)
    return text[:1000]


async def send_pushes(app: FastAPI, seconds: float) -> None:
    """The background loop (services/employee/declaration.py): due pushes every `seconds`, while SIASN is
    enabled; otherwise it idles, so the service's readiness still counts it as running."""
    runtime: ServiceRuntime = app.state.runtime
    settings = employee_settings(runtime.settings)
    if not settings.siasn_enabled:
        await asyncio.Event().wait()
        return
    siasn = SiasnClient(settings)
    decrees = MutationDecrees(settings)
    sender = PushSender(runtime, settings, siasn, decrees)
    try:
        while True:
            # First a wait, then a look: a test that sends with a sender of its own sets a long interval
            # and knows this loop sends nothing meanwhile.
            await asyncio.sleep(seconds)
            try:
                await sender.send_due()
            except Exception:
                log.warning("sending SIASN pushes failed; trying again in %s s", seconds, exc_info=True)
    finally:
        await siasn.aclose()
        await decrees.aclose()


# --- what HR sees and does ------------------------------------------------------------------------------


async def get_push(connection: AsyncConnection, push_id: UUID) -> Push:
    push = await repository.get(connection, push_id)
    if push is None:
        raise NotFound(f"no SIASN push {push_id}")
    return push


async def retry_push(uow: UnitOfWork, push: Push) -> Push:
    """A failed push is sent again from where it stopped (a saved jabatan is not saved again)."""
    if not await repository.reopen(uow.connection, push.id, clock.now()):
        raise Conflict(
            f"SIASN push {push.id} is {push.state.value}: only a failed push is retried",
            code="siasn-push-not-failed",
        )
    await uow.commit()
    return await get_push(uow.connection, push.id)


async def list_pushes(
    connection: AsyncConnection,
    *,
    kind: PushKind | None = None,
    mutation_id: str | None,
    agency_code: str | None,
    state: PushState | None,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[Push]:
    return await repository.search(
        connection,
        kind=kind,
        mutation_id=mutation_id,
        agency_code=agency_code,
        state=state,
        scope=scope,
        limit=limit,
        after=after,
    )
