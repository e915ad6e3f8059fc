"""A completed mutation's push to SIASN, against the SIASN fake on loopback: the decree PDF fetched from the
mutation service's route (a stand-in here, checking the internal token) and uploaded as SK Jabatan, the
riwayat jabatan saved once with the decree's number, date and TMT, data-utama refreshed. A 5xx and a lost
answer are survived without a second save; a refusal fails the push with SIASN's message until HR retries;
HR of another agency neither sees nor retries it."""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from services.employee.adapters.tables import outbox
from services.employee.app import create_app
from services.employee.settings import employee_settings
from services.employee.siasn.fake import API_BASE
from services.employee.siasn.tests.support import ServedFake, served_fake
from services.employee.tests.support import define_organisation, position_id, unit_id
from shared.auth import verify_internal_token
from shared.contracts.mutation import ProposalEffective
from shared.events.envelope import new_event
from shared.principal import Principal, Role
from shared.testing import auth_headers, eventually, principal, serve_in_process, serving

pytestmark = pytest.mark.integration

NIP = "198503122010011001"
PNS_ID = "8AE483A8682F9A7F01686AC7D9F80A1B"
DECREE_ID = str(uuid.uuid4())
DECREE_NUMBER = "800/12/BKD/2026"
PDF = b"%PDF-1.7\n% the decree of a mutation\n%%EOF\n"
ORIGIN_UNIT, ORIGIN_POSITION = unit_id("7601", 0), position_id("7601", 0)
TARGET_UNIT, TARGET_POSITION = unit_id("7602", 1), position_id("7602", 1)


@dataclass
class Pushing:
    app: FastAPI
    client: httpx.AsyncClient
    fake: ServedFake
    decree_calls: list[Principal]

    @property
    def unor_id(self) -> str:
        return str(self.fake.state.unors[1]["Id"])

    @property
    def jabatan_id(self) -> str:
        return str(self.fake.state.referensi["jabatan-fungsional-umum"][0]["id"])

    async def mutation_effective(self, mutation_id: str) -> None:
        event = new_event(
            "asn.mutation.proposal.effective",
            subject=NIP,
            agency="7602",
            data=ProposalEffective(
                mutation_id=mutation_id,
                nip=NIP,
                to_agency_code="7602",
                to_unit_id=TARGET_UNIT,
                to_position_id=TARGET_POSITION,
                tmt="2026-12-01",
                decree_number=DECREE_NUMBER,
                decree_date="2026-11-20",
                decree_id=DECREE_ID,
                from_agency_code="7601",
                mutation_type="antar-instansi",
            ),
        )
        await self.app.state.runtime.bus.publish("asn.mutation.events", NIP.encode(), event.to_json())

    async def push_of(self, mutation_id: str, state: str | None = None) -> dict[str, Any] | None:
        answer = await self.client.get("/api/v1/siasn/pushes", params={"mutation_id": mutation_id})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        if not items or (state is not None and items[0]["state"] != state):
            return None
        found: dict[str, Any] = items[0]
        return found

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        async with self.app.state.runtime.db.connect() as connection:
            rows = await connection.scalars(select(outbox.c.payload).where(outbox.c.type == event_type))
            return [json.loads(row)["data"] for row in rows]


def decree_service(secret: str, calls: list[Principal]) -> FastAPI:
    """The mutation service's decree PDF route as the push uses it: an internal token or 401."""
    app = FastAPI()

    @app.get("/api/v1/decrees/{decree_id}/pdf")
    async def pdf(decree_id: str, request: Request) -> Response:
        _, _, token = request.headers.get("authorization", "").partition(" ")
        caller = verify_internal_token(token, secret)
        calls.append(caller)
        if decree_id != DECREE_ID:
            return Response(status_code=404)
        filename = f"SK-{DECREE_NUMBER.replace('/', '-')}.pdf"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(PDF, media_type="application/pdf", headers=headers)

    return app


@asynccontextmanager
async def pushing(make_settings: Any, **overrides: Any) -> AsyncIterator[Pushing]:
    calls: list[Principal] = []
    async with served_fake() as fake:
        base = await make_settings("employee")
        secret = base.internal_token_secret.get_secret_value()
        async with serving(decree_service(secret, calls)) as mutation_url:
            values = fake.settings().model_dump()
            siasn = {k: v for k, v in values.items() if k.startswith("siasn_")}
            siasn.update(siasn_push_interval_seconds=0.05, siasn_push_retry_seconds=0.05, **overrides)
            settings = employee_settings(base, mutation_url=mutation_url, **siasn)
            app = create_app(settings)
            async with serve_in_process(app) as client:
                world = Pushing(app, client, fake, calls)
                await _records(world)
                yield world


async def _records(world: Pushing) -> None:
    """Andi in 7601, moving to 7602; the target agency, unit, position and Andi linked to SIASN."""
    client, state = world.client, world.fake.state
    await define_organisation(client, "7601", "7602")
    andi = {
        "nip": NIP,
        "name": "Andi Mappaseng",
        "birth_date": "1985-03-12",
        "gender": "M",
        "agency_code": "7601",
        "unit_id": ORIGIN_UNIT,
        "position_id": ORIGIN_POSITION,
        "position_tmt": "2019-01-02",
    }
    assert (await client.post("/api/v1/employees", json=andi)).status_code == 201
    for kind, ref, siasn_id in (
        ("agency", "7602", state.instansi_id),
        ("unit", TARGET_UNIT, world.unor_id),
        ("position", TARGET_POSITION, world.jabatan_id),
        ("employee", NIP, PNS_ID),
    ):
        linked = await client.put(f"/api/v1/siasn/identities/{kind}/{ref}", json={"siasn_id": siasn_id})
        assert linked.status_code == 200, linked.text
    state.add_person(
        {
            "id": PNS_ID,
            "nipBaru": NIP,
            "nipLama": "",
            "nama": "Andi Mappaseng",
            "instansiKerjaNama": "Pemerintah Kabupaten Mamuju",
            "satuanKerjaKerjaNama": "Pemerintah Kabupaten Mamuju",
        }
    )


async def test_a_completed_mutation_reaches_siasn_once_with_its_decree(make_settings):
    async with pushing(make_settings) as world:
        mutation_id = str(uuid.uuid4())
        await world.mutation_effective(mutation_id)

        push = await eventually(lambda: world.push_of(mutation_id, "sent"), timeout=30, what="the push sent")
        state = world.fake.state
        (save,) = state.saves
        (upload,) = state.uploads
        assert (upload.id_ref_dokumen, upload.content) == ("872", PDF)
        assert upload.filename == "SK-800-12-BKD-2026.pdf"
        assert save == {
            "id": "",
            "pnsId": PNS_ID,
            "instansiId": state.instansi_id,
            "instansiIndukId": state.instansi_id,
            "satuanKerjaId": state.instansi_id,
            "unorId": world.unor_id,
            "jenisJabatan": "4",
            "eselonId": "",
            "jabatanFungsionalId": "",
            "jabatanFungsionalUmumId": world.jabatan_id,
            "nomorSk": DECREE_NUMBER,
            "tanggalSk": "20-11-2026",
            "tmtJabatan": "01-12-2026",
            "tmtPelantikan": "",
            "tmtMutasi": "01-12-2026",
            "jenisMutasiId": "MJ",
            "jenisPenugasanId": "D",
            "subJabatanId": "",
            "path": [upload.path],
        }
        assert state.syncs == [PNS_ID]
        saved = state.people[NIP].riwayat["jabatan"][-1]
        assert push["rw_jabatan_id"] == saved["id"]
        assert (push["step"], push["attempts"], push["message"]) == ("synced", 1, None)
        # The decree was read as HR of the agency the person moved to, nothing wider.
        (caller,) = world.decree_calls
        assert (caller.roles, caller.agencies) == (frozenset({Role.HR_OFFICER}), frozenset({"7602"}))
        (sent,) = await world.events("asn.employee.siasn.push-sent")
        assert (sent["mutation_id"], sent["rw_jabatan_id"]) == (mutation_id, saved["id"])


async def test_a_5xx_on_save_is_retried_later_and_saves_once(make_settings):
    async with pushing(make_settings) as world:
        # The 5xx comes after SIASN did nothing: the push waits and tries again, reading rw-jabatan first.
        world.fake.state.fail(503, path=API_BASE + "/jabatan/unorjabatan/save")
        mutation_id = str(uuid.uuid4())
        await world.mutation_effective(mutation_id)

        push = await eventually(lambda: world.push_of(mutation_id, "sent"), timeout=30, what="the push sent")
        assert len(world.fake.state.saves) == 1
        assert push["attempts"] == 2
        assert world.fake.api_calls("/pns/rw-jabatan") >= 1


async def test_an_answer_lost_after_siasn_saved_is_adopted_not_saved_again(make_settings):
    async with pushing(make_settings) as world:
        world.fake.state.drop(path=API_BASE + "/jabatan/unorjabatan/save", after_handling=True)
        mutation_id = str(uuid.uuid4())
        await world.mutation_effective(mutation_id)

        push = await eventually(lambda: world.push_of(mutation_id, "sent"), timeout=30, what="the push sent")
        state = world.fake.state
        assert len(state.saves) == 1
        assert push["rw_jabatan_id"] == state.people[NIP].riwayat["jabatan"][-1]["id"]
        assert state.syncs == [PNS_ID]


async def test_a_refusal_fails_the_push_with_siasns_message_and_hr_retries_it(make_settings):
    async with pushing(make_settings) as world:
        refusal = {"success": False, "message": "Unor tidak aktif", "mapData": ""}
        world.fake.state.fail(400, path=API_BASE + "/jabatan/unorjabatan/save", body=refusal)
        mutation_id = str(uuid.uuid4())
        await world.mutation_effective(mutation_id)

        push = await eventually(
            lambda: world.push_of(mutation_id, "failed"), timeout=30, what="the push failed"
        )
        assert (push["step"], push["message"]) == ("uploaded", "Unor tidak aktif")
        (failed,) = await world.events("asn.employee.siasn.push-failed")
        assert (failed["mutation_id"], failed["message"]) == (mutation_id, "Unor tidak aktif")

        outsider = auth_headers(
            world.app.state.runtime.settings, principal(Role.HR_OFFICER, agencies=["7601"])
        )
        hidden = await world.client.get("/api/v1/siasn/pushes", headers=outsider)
        assert hidden.status_code == 200 and hidden.json()["items"] == []
        assert (
            await world.client.get(f"/api/v1/siasn/pushes/{push['id']}", headers=outsider)
        ).status_code == 404
        refused = await world.client.post(f"/api/v1/siasn/pushes/{push['id']}/retry", headers=outsider)
        assert refused.status_code == 403
        assert (await world.push_of(mutation_id, "failed")) is not None

        hr = auth_headers(world.app.state.runtime.settings, principal(Role.HR_OFFICER, agencies=["7602"]))
        seen = await world.client.get("/api/v1/siasn/pushes", params={"state": "failed"}, headers=hr)
        assert [item["id"] for item in seen.json()["items"]] == [push["id"]]
        retried = await world.client.post(f"/api/v1/siasn/pushes/{push['id']}/retry", headers=hr)
        assert retried.status_code == 200, retried.text
        assert retried.json()["state"] == "waiting"
        again = await world.client.post(f"/api/v1/siasn/pushes/{push['id']}/retry", headers=hr)
        assert again.status_code == 409

        sent = await eventually(lambda: world.push_of(mutation_id, "sent"), timeout=30, what="the push sent")
        # The refused save was looked for in rw-jabatan (not there) and made again; the PDF is not
        # uploaded again.
        assert len(world.fake.state.saves) == 1
        assert len(world.fake.state.uploads) == 1
        assert sent["rw_jabatan_id"] == world.fake.state.people[NIP].riwayat["jabatan"][-1]["id"]


async def test_missing_siasn_ids_fail_the_push_with_what_is_missing(make_settings):
    async with pushing(make_settings) as world:
        unlinked = await world.client.delete(f"/api/v1/siasn/identities/unit/{TARGET_UNIT}")
        assert unlinked.status_code == 204
        mutation_id = str(uuid.uuid4())
        await world.mutation_effective(mutation_id)

        push = await eventually(
            lambda: world.push_of(mutation_id, "failed"), timeout=30, what="the push failed"
        )
        assert f"the unor id of unit {TARGET_UNIT}" in push["message"]
        assert world.fake.state.saves == []


async def test_no_push_is_recorded_while_siasn_is_off(make_settings):
    async with pushing(make_settings, siasn_enabled=False) as world:
        mutation_id = str(uuid.uuid4())
        await world.mutation_effective(mutation_id)
        await eventually(
            lambda: world.events("asn.employee.employee.position-changed"), timeout=30, what="the move"
        )
        assert await world.push_of(mutation_id) is None
