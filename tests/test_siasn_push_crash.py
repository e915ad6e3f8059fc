"""SIGKILL the employee service while SIASN has saved a push's jabatan but not yet answered: once restarted,
the push reads SIASN's rw-jabatan, adopts the row and is sent, with one `save` in all."""

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asn.dev import Platform
from services.employee.siasn.adapters import pushes as repository
from services.employee.siasn.domain.pushes import PushOrder
from services.employee.siasn.fake import API_BASE, create_app
from services.employee.siasn.tests.support import ServedFake, small_agency
from services.employee.siasn.tests.test_pushes import (
    DECREE_ID,
    NIP,
    PDF,
    PNS_ID,
    TARGET_POSITION,
    TARGET_UNIT,
    decree_service,
)
from services.employee.tests.support import define_organisation
from shared import clock
from shared.db import Database
from shared.net import free_port
from shared.settings import with_async_driver
from shared.testing import DatabaseFactory, eventually, serving
from tests.support import INTERNAL_SECRET, internal_headers, platform_environment

pytestmark = pytest.mark.integration

SAVE = API_BASE + "/jabatan/unorjabatan/save"


class HeldSaves:
    """SIASN handles a save and then holds its answer back until released (a slow gateway)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.holding = True
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != SAVE or not self.holding:
            await self.app(scope, receive, send)
            return

        async def swallow(message: Message) -> None:
            pass

        await self.app(scope, receive, swallow)
        self.held.set()
        await self.release.wait()


async def test_a_service_killed_between_save_and_answer_does_not_save_twice(
    database_factory: DatabaseFactory, tmp_path
):
    state = small_agency()
    held = HeldSaves(create_app(state))
    database_url = await database_factory.create("employee", tmp_path)
    async with serving(held) as siasn_url, serving(decree_service(INTERNAL_SECRET, [])) as mutation_url:
        fake = ServedFake(state, siasn_url)
        siasn_env = {
            f"ASN_{name.upper()}": str(
                value.get_secret_value() if hasattr(value, "get_secret_value") else value
            )
            for name, value in fake.settings().model_dump().items()
            if name.startswith("siasn_") and value is not None
        }
        platform = Platform(
            var_dir=tmp_path / "var",
            broker_port=free_port(),
            service_ports={"employee": free_port()},
            database_urls={"employee": database_url},
            extra_env={
                **platform_environment(),
                **siasn_env,
                "ASN_SIASN_PUSH_INTERVAL_SECONDS": "0.1",
                "ASN_SIASN_PUSH_LEASE_SECONDS": "1",
                "ASN_SIASN_PUSH_RETRY_SECONDS": "0.1",
                "ASN_MUTATION_URL": mutation_url,
            },
        )
        await asyncio.to_thread(platform.start)
        try:
            async with httpx.AsyncClient(
                base_url=platform.url("employee"), headers=internal_headers(), timeout=10
            ) as employee:
                await _linked_records(employee, state)
                push_id = await _push(database_url)
                await eventually(held.held.is_set, timeout=30, what="SIASN to have handled the save")
                assert len(state.saves) == 1
                platform.kill("employee")
                held.holding = False
                held.release.set()

            await asyncio.to_thread(platform.restart, "employee")
            async with httpx.AsyncClient(
                base_url=platform.url("employee"), headers=internal_headers(), timeout=10
            ) as employee:

                async def sent() -> dict | None:
                    answer = await employee.get(f"/api/v1/siasn/pushes/{push_id}")
                    return answer.json() if answer.json().get("state") == "sent" else None

                push = await eventually(sent, timeout=60, what="the push sent after the restart")
        finally:
            held.release.set()
            await asyncio.to_thread(platform.stop)

    assert len(state.saves) == 1, "the jabatan was saved twice"
    assert push["rw_jabatan_id"] == state.people[NIP].riwayat["jabatan"][-1]["id"]
    assert push["attempts"] == 2
    assert state.syncs == [PNS_ID]
    assert [upload.content for upload in state.uploads] == [PDF]


async def _linked_records(employee: httpx.AsyncClient, state) -> None:
    await define_organisation(employee, "7602")
    person = {
        "nip": NIP,
        "name": "Andi Mappaseng",
        "birth_date": "1985-03-12",
        "gender": "M",
        "agency_code": "7602",
        "unit_id": TARGET_UNIT,
        "position_id": TARGET_POSITION,
        "position_tmt": "2026-12-01",
    }
    assert (await employee.post("/api/v1/employees", json=person)).status_code == 201
    jabatan = state.referensi["jabatan-fungsional-umum"][0]["id"]
    for kind, ref, siasn_id in (
        ("agency", "7602", state.instansi_id),
        ("unit", TARGET_UNIT, state.unors[1]["Id"]),
        ("position", TARGET_POSITION, jabatan),
        ("employee", NIP, PNS_ID),
    ):
        linked = await employee.put(f"/api/v1/siasn/identities/{kind}/{ref}", json={"siasn_id": siasn_id})
        assert linked.status_code == 200, linked.text
    state.add_person({"id": PNS_ID, "nipBaru": NIP, "nipLama": "", "nama": "Andi Mappaseng"})


async def _push(database_url: str) -> uuid.UUID:
    """The push the saga's handler writes with the move (the move itself is the saga tests' subject)."""
    order = PushOrder(
        mutation_id=str(uuid.uuid4()),
        nip=NIP,
        agency_code="7602",
        unit_id=TARGET_UNIT,
        position_id=TARGET_POSITION,
        tmt=date(2026, 12, 1),
        decree_number="800/12/BKD/2026",
        decree_date=date(2026, 11, 20),
        decree_id=DECREE_ID,
        jenis_mutasi="MJ",
    )
    database = Database(with_async_driver(database_url))
    try:
        async with database.connect() as connection:
            # Due at once: the service's business clock starts again from the test's start when it starts.
            push_id = await repository.add(connection, order, clock.now() - timedelta(days=1))
            await connection.commit()
    finally:
        await database.dispose()
    return push_id
