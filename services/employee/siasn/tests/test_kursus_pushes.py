"""A training completion's push to SIASN as a riwayat kursus, against the SIASN fake on loopback: consumed
from the training service's event when ASN_SIASN_PUSH_TRAINING is on, saved once with the completion's
name, JP, dates and certificate number (the certificate PDF uploaded as 881 when one is available), a lost
answer adopted from rw-kursus without a second save, nothing recorded while the setting is off."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.employee.adapters.tables import inbox
from services.employee.app import create_app
from services.employee.settings import EmployeeSettings, employee_settings
from services.employee.siasn.adapters.client import SiasnClient
from services.employee.siasn.fake import API_BASE
from services.employee.siasn.service.pushes import PushSender
from services.employee.siasn.tests.support import ServedFake, served_fake
from services.employee.tests.support import define_organisation, position_id, unit_id
from shared.contracts.training import ParticipantCompleted
from shared.events.envelope import new_event
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration

NIP = "198503122010011001"
PNS_ID = "8AE483A8682F9A7F01686AC7D9F80A1B"
CERTIFICATE = "TEK-01/2026/00001"
PDF = b"%PDF-1.7\n% a training certificate\n%%EOF\n"


@dataclass
class Training:
    app: FastAPI
    client: httpx.AsyncClient
    fake: ServedFake
    settings: EmployeeSettings

    async def completed(self, enrolment_id: str, *, certificate: str | None = CERTIFICATE) -> str:
        """The training service's completion event, published; its event id."""
        event = new_event(
            "asn.training.participant.completed",
            subject=NIP,
            agency="7601",
            data=ParticipantCompleted(
                enrolment_id=enrolment_id,
                nip=NIP,
                agency_code="7601",
                programme_id=str(uuid.uuid4()),
                programme_code="TEK-01",
                title="Pelatihan Teknis Pengadaan Barang/Jasa",
                form="classical",
                session_id=str(uuid.uuid4()),
                completed_on=date(2026, 11, 27),
                jp=30,
                competencies=[],
                attendance_percent=Decimal(100),
                certificate_number=certificate,
                starts_on=date(2026, 11, 24),
                provider="BPSDM Provinsi Sulawesi Barat",
            ),
        )
        await self.app.state.runtime.bus.publish("asn.training.events", NIP.encode(), event.to_json())
        return str(event.id)

    async def push_of(self, enrolment_id: str, state: str | None = None) -> dict[str, Any] | None:
        answer = await self.client.get("/api/v1/siasn/pushes", params={"kind": "kursus"})
        assert answer.status_code == 200, answer.text
        items = [item for item in answer.json()["items"] if item["enrolment_id"] == enrolment_id]
        if not items or (state is not None and items[0]["state"] != state):
            return None
        found: dict[str, Any] = items[0]
        return found

    async def consumed(self, event_id: str) -> bool:
        async with self.app.state.runtime.db.connect() as connection:
            found = await connection.scalar(
                select(inbox.c.type).where(inbox.c.event_id == uuid.UUID(event_id))
            )
        return found is not None


@asynccontextmanager
async def training(make_settings: Any, **overrides: Any) -> AsyncIterator[Training]:
    async with served_fake() as fake:
        base = await make_settings("employee")
        values = fake.settings().model_dump()
        siasn = {k: v for k, v in values.items() if k.startswith("siasn_")}
        siasn.update(
            siasn_push_training=True,
            siasn_push_interval_seconds=0.05,
            siasn_push_retry_seconds=0.05,
            siasn_kursus_jenis_diklat_ids={"classical": "4"},
        )
        siasn.update(overrides)
        settings = employee_settings(base, **siasn)
        app = create_app(settings)
        async with serve_in_process(app) as client:
            world = Training(app, client, fake, settings)
            await _records(world)
            yield world


async def _records(world: Training) -> None:
    """Andi in 7601, he and his agency linked to SIASN."""
    client, state = world.client, world.fake.state
    await define_organisation(client, "7601")
    andi = {
        "nip": NIP,
        "name": "Andi Mappaseng",
        "birth_date": "1985-03-12",
        "gender": "M",
        "agency_code": "7601",
        "unit_id": unit_id("7601", 0),
        "position_id": position_id("7601", 0),
        "position_tmt": "2019-01-02",
    }
    assert (await client.post("/api/v1/employees", json=andi)).status_code == 201
    for kind, ref, siasn_id in (("agency", "7601", state.instansi_id), ("employee", NIP, PNS_ID)):
        linked = await client.put(f"/api/v1/siasn/identities/{kind}/{ref}", json={"siasn_id": siasn_id})
        assert linked.status_code == 200, linked.text
    state.add_person({"id": PNS_ID, "nipBaru": NIP, "nipLama": "", "nama": "Andi Mappaseng"})


async def test_a_training_completion_reaches_siasn_once_as_a_riwayat_kursus(make_settings):
    async with training(make_settings) as world:
        enrolment_id = str(uuid.uuid4())
        await world.completed(enrolment_id)

        push = await eventually(lambda: world.push_of(enrolment_id, "sent"), timeout=30, what="the push sent")
        state = world.fake.state
        (save,) = state.kursus_saves
        assert save == {
            "id": "",
            "pnsOrangId": PNS_ID,
            "instansiId": state.instansi_id,
            "institusiPenyelenggara": "BPSDM Provinsi Sulawesi Barat",
            "jenisDiklatId": "4",
            "jenisKursus": "",
            "jenisKursusSertipikat": "",
            "jumlahJam": 30,
            "lokasiId": "",
            "namaKursus": "Pelatihan Teknis Pengadaan Barang/Jasa",
            "nomorSertipikat": CERTIFICATE,
            "tahunKursus": 2026,
            "tanggalKursus": "24-11-2026",
            "tanggalSelesaiKursus": "27-11-2026",
            "path": [],
        }
        # No certificate PDF is served by the training service: the kursus goes without a document.
        assert state.uploads == [] and state.saves == [] and state.syncs == []
        (saved,) = state.people[NIP].riwayat["kursus"]
        assert (push["kind"], push["rw_kursus_id"], push["mutation_id"]) == ("kursus", saved["id"], None)
        assert (push["step"], push["attempts"], push["certificate_number"]) == ("saved", 1, CERTIFICATE)
        jabatan = await world.client.get("/api/v1/siasn/pushes", params={"kind": "jabatan"})
        assert jabatan.json()["items"] == []


async def test_an_answer_lost_after_siasn_saved_the_kursus_is_adopted_not_saved_again(make_settings):
    async with training(make_settings) as world:
        world.fake.state.drop(path=API_BASE + "/kursus/save", after_handling=True)
        enrolment_id = str(uuid.uuid4())
        await world.completed(enrolment_id)

        push = await eventually(lambda: world.push_of(enrolment_id, "sent"), timeout=30, what="the push sent")
        state = world.fake.state
        assert len(state.kursus_saves) == 1
        (saved,) = state.people[NIP].riwayat["kursus"]
        assert push["rw_kursus_id"] == saved["id"]
        assert world.fake.api_calls("/pns/rw-kursus") >= 1


async def test_a_certificate_pdf_when_there_is_one_goes_with_the_kursus(make_settings):
    class Certificates:
        async def pdf(self, number: str, agency_code: str) -> tuple[bytes, str] | None:
            return (PDF, "sertifikat.pdf") if (number, agency_code) == (CERTIFICATE, "7601") else None

    class NoDecrees:
        async def pdf(self, decree_id: str, agency_code: str) -> tuple[bytes, str]:
            raise AssertionError("a kursus push reads no decree")

    # The service's own loop waits an hour before it looks: this test's sender sends.
    async with training(make_settings, siasn_push_interval_seconds=3600.0) as world:
        enrolment_id = str(uuid.uuid4())
        await world.completed(enrolment_id)
        await eventually(lambda: world.push_of(enrolment_id, "waiting"), timeout=30, what="the push recorded")
        async with SiasnClient(world.settings, trust_env=False) as siasn:
            sender = PushSender(
                world.app.state.runtime, world.settings, siasn, NoDecrees(), certificates=Certificates()
            )
            assert await sender.send_due() == 1

        push = await world.push_of(enrolment_id, "sent")
        assert push is not None
        state = world.fake.state
        (upload,) = state.uploads
        assert (upload.id_ref_dokumen, upload.content) == ("881", PDF)
        (save,) = state.kursus_saves
        assert save["path"] == [upload.path]


async def test_no_kursus_is_pushed_while_the_setting_is_off(make_settings):
    async with training(make_settings, siasn_push_training=False) as world:
        enrolment_id = str(uuid.uuid4())
        event_id = await world.completed(enrolment_id)
        await eventually(lambda: world.consumed(event_id), timeout=30, what="the completion consumed")
        assert await world.push_of(enrolment_id) is None
        assert world.fake.state.kursus_saves == []
