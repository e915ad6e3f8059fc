"""An HR officer of the kabupaten 7201 reaching for the province 7200's people (issue 18): through path ids,
agency and other filters, repeated or odd parameters, exports, other services' read models and the gateway's
aggregated views. Each is refused (403, or 404 for what the caller may not know exists) or answers 200 with
nothing of 7200's people in it. (tests/test_authorisation_matrix.py covers the write routes role by role;
these are the reads, lists, filters and exports.)

The refusals held when probed by hand; these tests keep them.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.gateway.tests.support import access_headers
from shared.principal import Principal, Role
from tests.security.world import KABUPATEN, PROVINCE, World, running_world

pytestmark = pytest.mark.integration

SERVICES = ("employee", "appraisal", "mutation", "training")


@pytest.fixture(scope="module")
async def world(database_factory, broker, tmp_path_factory) -> AsyncIterator[World]:
    async with running_world(database_factory, broker, tmp_path_factory.mktemp("scope"), SERVICES) as running:
        yield running


def reads(world: World) -> list[str]:
    """Requests for 7200's people, phrased every way a list or a record can be asked for."""
    nip = sorted(world.nips(PROVINCE))[0]
    unit = world.units[PROVINCE][0]
    return [
        # path ids
        f"/api/v1/employees/{nip}",
        f"/api/v1/employees/{nip}?reveal=nik",
        f"/api/v1/employees/{nip}/history",
        f"/api/v1/dossiers/{nip}",
        f"/api/v1/overviews/agencies/{PROVINCE}",
        f"/api/v1/overviews/provinces/{PROVINCE}",
        f"/api/v1/talent/employees/{nip}",
        f"/api/v1/appraisal/employees/{nip}",
        f"/api/v1/mutation/employees/{nip}",
        f"/api/v1/mutation/employees/{nip}/predicates",
        f"/api/v1/mutation/employees/{nip}/relatives",
        f"/api/v1/training/employees/{nip}",
        f"/api/v1/jp/{nip}",
        # agency filters
        f"/api/v1/employees?agency={PROVINCE}",
        f"/api/v1/employees?agency={KABUPATEN}&agency={PROVINCE}",
        f"/api/v1/employees?agency={PROVINCE}&agency={KABUPATEN}",
        f"/api/v1/employees?agency={KABUPATEN},{PROVINCE}",
        f"/api/v1/employees?agency={PROVINCE}%20",
        f"/api/v1/employees?agency=%20{PROVINCE}",
        f"/api/v1/employees?agency={PROVINCE}%00",
        f"/api/v1/employees?Agency={PROVINCE}",
        f"/api/v1/employees?agency_code={PROVINCE}",
        f"/api/v1/workload?agency={PROVINCE}",
        f"/api/v1/workload?province={PROVINCE}",
        f"/api/v1/workload?agency={PROVINCE}&level=agency",
        f"/api/v1/talent/grid?agency={PROVINCE}",
        f"/api/v1/talent/succession-pool?agency={PROVINCE}",
        f"/api/v1/skp?agency={PROVINCE}",
        f"/api/v1/mutations?agency_code={PROVINCE}",
        f"/api/v1/enrolments?agency={PROVINCE}",
        f"/api/v1/development-plans?agency={PROVINCE}",
        f"/api/v1/jp/compliance?agency={PROVINCE}",
        f"/api/v1/training/certificates?agency={PROVINCE}",
        # other filters naming 7200's people or organisation, without naming the agency
        f"/api/v1/employees?nip={nip}",
        f"/api/v1/employees?nip={nip[:4]}",
        "/api/v1/employees?name=Pegawai",
        f"/api/v1/employees?unit={unit}",
        "/api/v1/employees?limit=500",
        "/api/v1/employees?status=active",
        f"/api/v1/skp?nip={nip}",
        f"/api/v1/mutations?nip={nip}",
        f"/api/v1/enrolments?nip={nip}",
        f"/api/v1/development-plans?nip={nip}",
        f"/api/v1/development-plans?supervisor={nip}",
        # exports
        "/api/v1/employees/export?format=csv",
        "/api/v1/employees/export?format=xlsx",
        f"/api/v1/employees/export?format=csv&agency={PROVINCE}",
        f"/api/v1/employees/export?format=csv&nip={nip}",
        f"/api/v1/employees/export?format=csv&mapping=siasn&agency={PROVINCE}",
    ]


def leaks(world: World, answer: httpx.Response, asked: str) -> list[str]:
    """7200's people named in an answer (a NIP only when the request did not name it itself)."""
    text = answer.text if "spreadsheet" not in answer.headers.get("content-type", "") else ""
    found = [name for name in world.names(PROVINCE) if name in text]
    found += [nip for nip in world.nips(PROVINCE) if nip in text and nip not in asked]
    return found


async def test_the_province_is_there_to_be_leaked(world):
    """The yardstick: the same lists show 7200's people to a caller of every agency, the officer their own."""
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.admin, timeout=20) as door:
        listed = await door.get(f"/api/v1/employees?agency={PROVINCE}")
        exported = await door.get("/api/v1/employees/export?format=csv")
        dossier = await door.get(f"/api/v1/dossiers/{sorted(world.nips(PROVINCE))[0]}")
    assert {p["nip"] for p in listed.json()["items"]} == world.nips(PROVINCE)
    assert world.names(PROVINCE) <= {name for name in world.names(PROVINCE) if name in exported.text}
    assert dossier.status_code == 200, dossier.text
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.hr_7201, timeout=20) as door:
        own = await door.get("/api/v1/employees")
    assert {p["nip"] for p in own.json()["items"]} == world.nips(KABUPATEN)


async def test_no_read_of_another_agency_answers_with_its_people(world):
    failures: list[str] = []
    requests = reads(world)
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.hr_7201, timeout=20) as door:
        for path in requests:
            answer = await door.get(path)
            what = f"{path}: {answer.status_code}"
            if answer.status_code >= 500:
                failures.append(f"{what} {answer.text[:200]}")
            elif answer.status_code not in (200, 403, 404, 422):
                failures.append(f"{what} {answer.text[:200]}")
            elif found := leaks(world, answer, path):
                failures.append(f"{what} shows {found}")
            elif answer.status_code == 200 and path.startswith(
                f"/api/v1/employees/{sorted(world.nips(PROVINCE))[0]}"
            ):
                failures.append(f"{what} answered a record of 7200")
    assert len(requests) >= 45
    assert not failures, "\n".join(failures)


async def test_a_body_naming_another_agency_is_refused_and_changes_nothing(world):
    nip = sorted(world.nips(PROVINCE))[0]
    colleague = {
        "nip": "198001012010011099",
        "name": "Pegawai Seberang",
        "birth_date": "1980-01-01",
        "gender": "M",
        "agency_code": PROVINCE,
    }
    attempts = [
        ("POST", "/api/v1/employees", colleague),
        (
            "POST",
            f"/api/v1/employees/{nip}/competencies",
            [{"competency": "Integritas", "level": 3, "assessed_on": "2026-01-15"}],
        ),
        ("PATCH", f"/api/v1/employees/{nip}", {"name": "Diubah Dari 7201"}),
        (
            "POST",
            f"/api/v1/employees/{nip}/position",
            {"agency_code": KABUPATEN, "tmt": "2026-12-01", "reason": "pindah"},
        ),
        ("POST", "/api/v1/units", {"agency_code": PROVINCE, "name": "Bidang Seberang", "kind": "bidang"}),
    ]
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=world.hr_7201, timeout=20) as door:
        for method, path, body in attempts:
            answer = await door.request(method, path, json=body, headers={"If-Match": '"1"'})
            assert answer.status_code in (403, 404), (method, path, answer.status_code, answer.text[:200])
            assert not leaks(world, answer, path), (method, path)
    async with httpx.AsyncClient(
        base_url=world.urls["employee"], headers=world.system, timeout=20
    ) as service:
        record = (await service.get(f"/api/v1/employees/{nip}")).json()
        assert record["name"] in world.names(PROVINCE) and record["agency_code"] == PROVINCE
        assert record["competencies"] == []
        assert (await service.get(f"/api/v1/employees/{colleague['nip']}")).status_code == 404
        units = (await service.get("/api/v1/units", params={"agency": PROVINCE})).json()["items"]
        assert "Bidang Seberang" not in {unit["name"] for unit in units}


async def test_a_job_is_unknown_to_all_but_its_submitter_and_the_administrators_of_their_agencies(world):
    """A job's parameters and result name what its submitter worked on: another agency's officer reading it
    by its id gets the answer of a job that does not exist."""
    submitter = Principal("hr.7200", frozenset({Role.HR_OFFICER}), frozenset({PROVINCE}))
    province_admin = Principal("admin.7200", frozenset({Role.ADMIN}), frozenset({PROVINCE, KABUPATEN}))
    kabupaten_admin = Principal("admin.7201", frozenset({Role.ADMIN}), frozenset({KABUPATEN}))
    # Header-only files: each job fails, importing nothing, and is still a job to read.
    imports = {
        "employee": ("/api/v1/employees/imports", "nip,name,birth_date,gender,agency_code\n"),
        "training": ("/api/v1/jp/imports", "nip,title,completed_on,jp\n"),
    }
    for service, (path, header) in imports.items():
        async with httpx.AsyncClient(base_url=world.gateway_url, timeout=20) as door:
            submitted = await door.post(
                path,
                files={"file": ("file.csv", header.encode(), "text/csv")},
                headers=access_headers(world.gateway, submitter),
            )
            assert submitted.status_code == 202, submitted.text
            job = f"/api/v1/{service}/jobs/{submitted.json()['id']}"
            unknown = await door.get(f"/api/v1/{service}/jobs/{uuid.uuid4()}", headers=world.hr_7201)
            assert unknown.status_code == 404, unknown.text
            for stranger in (world.hr_7201, access_headers(world.gateway, kabupaten_admin)):
                answer = await door.get(job, headers=stranger)
                assert answer.status_code == 404, (job, answer.status_code, answer.text[:200])
            for reader in (submitter, province_admin):
                answer = await door.get(job, headers=access_headers(world.gateway, reader))
                assert answer.status_code == 200, (job, reader.subject, answer.text[:200])
            assert (await door.get(job, headers=world.admin)).status_code == 200


async def test_a_job_is_cancelled_by_its_submitter_and_unknown_to_another_agencys_officer(world):
    """A training JP import and a mutation placement solve, each held queued behind a job of the test's:
    cancelling it by its id, another agency's officer (or administrator) gets the answer of a job that does
    not exist and the job waits on; its submitter cancels it, and cancelling again answers it as it is."""
    submitter = Principal("hr.7200", frozenset({Role.HR_OFFICER}), frozenset({PROVINCE}))
    kabupaten_admin = Principal("admin.7201", frozenset({Role.ADMIN}), frozenset({KABUPATEN}))
    owner = access_headers(world.gateway, submitter)
    async with httpx.AsyncClient(base_url=world.gateway_url, headers=owner, timeout=20) as door:
        made = await door.post(
            "/api/v1/placement-rounds",
            json={
                "name": "Pemerataan 7200",
                "scope": {"kind": "agency", "code": PROVINCE},
                "pool": [{"kind": "explicit", "nips": sorted(world.nips(PROVINCE))}],
            },
        )
        assert made.status_code == 201, made.text
        submissions = {
            "training": {
                "url": "/api/v1/jp/imports",
                "files": {"file": ("jp.csv", b"nip,title,completed_on,jp\n", "text/csv")},
            },
            "mutation": {"url": f"/api/v1/placement-rounds/{made.json()['id']}/solutions"},
        }
        for service, submission in submissions.items():
            runner = world.apps[service].state.runtime.jobs
            # Holds the runner's one slot, so the submitted job waits `queued` until the test lets it go.
            release = asyncio.Event()

            async def blocker(progress: Any, release: asyncio.Event = release) -> dict[str, Any]:
                await release.wait()
                return {}

            blocking = await runner.submit("test.blocker", blocker, params={})
            try:
                submitted = await door.post(**submission)
                assert submitted.status_code == 202, (service, submitted.text)
                job = f"/api/v1/{service}/jobs/{submitted.json()['id']}"
                for stranger in (world.hr_7201, access_headers(world.gateway, kabupaten_admin)):
                    refused = await door.delete(job, headers=stranger)
                    assert refused.status_code == 404, (job, refused.status_code, refused.text[:200])
                assert (await door.get(job)).json()["state"] == "queued"
                cancelled = await door.delete(job)
                assert cancelled.status_code == 200, (job, cancelled.text[:200])
                assert cancelled.json()["state"] == "cancelled"
                assert cancelled.json()["problem"]["detail"] == "cancelled by hr.7200"
                again = await door.delete(job)
                assert again.status_code == 200 and again.json()["state"] == "cancelled", again.text
            finally:
                release.set()
                await runner.wait(blocking.id)
            assert (await runner.wait(submitted.json()["id"])).state == "cancelled"
