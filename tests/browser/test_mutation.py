"""Mutation in the browser: an HR officer proposes and reads why a check failed; a proposal goes through
its approvals to a decree whose PDF is downloaded; an employee objects to a proposal about them."""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from shared import clock
from shared.testing import eventually
from tests.browser.support import PHONE, Session, WebPlatform, api_as

pytestmark = pytest.mark.browser

RANKS = [f"{group}/{letter}" for group in ("I", "II", "III", "IV") for letter in "abcde"]
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _province_positions(client: httpx.AsyncClient, province: str) -> list[dict[str, Any]]:
    answer = await client.get(
        "/api/v1/workload", params={"agency": province, "level": "position", "limit": 500}
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["items"]
    return rows


async def _employees(client: httpx.AsyncClient, agency: str) -> list[dict[str, Any]]:
    answer = await client.get(
        "/api/v1/employees", params={"agency": agency, "status": "active", "limit": 200}
    )
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["items"] if e["position_id"] and e["employment_type"] == "PNS"]


async def _candidates(web_platform: WebPlatform, client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Active PNS of the province agency, none of them the demo accounts' people."""
    demo = web_platform.demo
    taken = {demo["employee_nip"], demo["supervisor_nip"], demo.get("approver_nip")}
    return [e for e in await _employees(client, demo["province_agency_code"]) if e["nip"] not in taken]


async def _someone(web_platform: WebPlatform, client: httpx.AsyncClient, index: int) -> dict[str, Any]:
    """One of the candidates, by the rank-ordered list from the top; `index` keeps tests apart."""
    people = sorted(
        await _candidates(web_platform, client), key=lambda e: (-RANKS.index(e["rank_code"]), e["nip"])
    )
    return people[index]


async def _propose(client: httpx.AsyncClient, nip: str, position_id: str) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/mutations",
        json={"nip": nip, "target_position_id": position_id, "reason": "Pemerataan pegawai sesuai ABK"},
    )
    assert created.status_code == 201, created.text
    proposal: dict[str, Any] = created.json()
    return proposal


async def _open_proposal(page: Page, proposal_id: str) -> None:
    await page.evaluate("f => { location.hash = f; }", f"#/mutasi/{proposal_id}")
    # Fresh from the server, as another person's steps may have changed it meanwhile.
    await page.reload()
    await expect(page.get_by_role("heading", name="Tindakan Anda")).to_be_visible()


async def _act(page: Page, action: str, reason: str | None = None) -> None:
    await page.get_by_role("button", name=action, exact=True).click()
    if reason is not None:
        await page.get_by_role("dialog").get_by_label("Alasan").fill(reason)
        await page.get_by_role("dialog").get_by_role("button", name=action).click()
    await expect(page.get_by_test_id("feedback")).to_contain_text(f"Tindakan \u201c{action}\u201d berhasil.")


async def test_an_hr_officer_proposes_a_move_and_reads_why_a_check_failed(
    web: Session, web_platform: WebPlatform
):
    demo = web_platform.demo
    province = demo["province_agency_code"]
    async with api_as(web_platform, "bkd.prov") as client:
        # Someone less than two years in their post: moving them needs an organisational reason, and
        # without one the minimum-posting check fails.
        today = clock.today()
        recent = (date(today.year - 2, today.month, 1) + timedelta(days=31)).isoformat()
        person = next(
            e for e in await _candidates(web_platform, client) if (e["position_tmt"] or "") > recent
        )
        room = next(
            p
            for p in await _province_positions(client, province)
            if p["gap"] > 0 and p["id"] != person["position_id"]
        )

    await web.login("bkd.prov")
    await web.page.get_by_role("link", name="Mutasi", exact=True).click()
    await web.page.get_by_role("link", name="Usulan baru").click()
    await web.page.get_by_label("Nama atau NIP").fill(person["nip"])
    await web.page.get_by_role("button", name="Cari").click()
    await expect(web.page.get_by_role("radio")).to_be_checked()
    await web.page.get_by_label("Instansi tujuan").select_option(province)
    target = web.page.get_by_label("Jabatan tujuan", exact=True)
    await expect(target.locator(f'option[value="{room["id"]}"]')).to_have_count(1)
    await target.select_option(room["id"])
    # The job-person match per competency shows as soon as person and position are chosen.
    await expect(web.page.get_by_test_id("match-preview")).to_contain_text("Job-person match:")
    await web.page.get_by_label("Alasan mutasi").fill("Pemerataan pegawai sesuai ABK")
    await web.page.get_by_role("button", name="Periksa syarat dan simpan draf").click()

    checks = web.page.get_by_test_id("checks")
    await expect(checks).to_contain_text("syarat tidak terpenuhi")
    failed = checks.locator('[data-rule="minimum_posting"]')
    await expect(failed).to_have_attribute("data-outcome", "fail")
    await expect(failed).to_contain_text("Tidak memenuhi")
    await expect(failed).to_contain_text("Masa jabatan minimal")
    await expect(failed).to_contain_text(
        re.compile(
            r"Baru \d+ tahun pada jabatan sekarang \(minimal 2 tahun\) dan tidak ada alasan organisasi"
        )
    )
    await expect(failed).to_contain_text("Dasar: PP 11/2017 Pasal 190")
    # The competency match names its selection band and is explained per competency too.
    match = checks.locator('[data-rule="competency_match"]')
    if await match.get_attribute("data-outcome") == "pass":
        await checks.get_by_text("syarat yang terpenuhi").click()
    await expect(match).to_contain_text(
        re.compile(r"Job-person match [\d.,]+%: (memenuhi|masih memenuhi|kurang memenuhi) syarat \(")
    )


async def test_a_proposal_goes_through_its_approvals_to_a_downloaded_decree(
    web: Session, other: Session, web_platform: WebPlatform, tmp_path: Path
):
    demo = web_platform.demo
    async with api_as(web_platform, "bkd.prov") as client:
        person = await _someone(web_platform, client, 1)
        room = next(
            p
            for p in await _province_positions(client, demo["province_agency_code"])
            if p["gap"] > 0 and p["id"] != person["position_id"]
        )
        proposal = await _propose(client, person["nip"], room["id"])
    blocking = [c for c in proposal["checks"] if c["blocking"]]
    document = tmp_path / "berkas.pdf"
    document.write_bytes(MINIMAL_PDF)
    approver, officer = web.page, other.page

    await web.login("ppk.prov")
    await _open_proposal(approver, proposal["id"])
    # A failed check blocks every decision until the approver overrides it with a reason.
    for check in blocking:
        await approver.get_by_role("button", name=f"Kesampingkan syarat {check['title']}").click()
        await approver.get_by_role("dialog").get_by_label("Alasan").fill("Kebutuhan organisasi mendesak")
        await approver.get_by_role("dialog").get_by_role("button", name="Kesampingkan").click()
        await expect(approver.get_by_test_id("feedback")).to_contain_text("dikesampingkan")

    await other.login("bkd.prov")
    await _open_proposal(officer, proposal["id"])
    await _act(officer, "Ajukan")
    documents = officer.get_by_test_id("documents")
    await expect(documents.get_by_text(re.compile("Berkas yang masih kurang|Berkas lengkap"))).to_be_visible()
    uploaded = 0
    while await documents.get_by_text("Berkas yang masih kurang").count():
        await documents.get_by_label("Berkas", exact=True).set_input_files(str(document))
        await documents.get_by_role("button", name="Unggah").click()
        uploaded += 1
        await expect(documents.get_by_role("button", name="Unduh", exact=True)).to_have_count(uploaded)
    await expect(documents.get_by_text("Berkas lengkap.")).to_be_visible()
    await _act(officer, "Verifikasi")

    await _open_proposal(approver, proposal["id"])
    await _act(approver, "Terima (instansi tujuan)")
    await approver.get_by_role("button", name="Terbitkan SK").click()
    await approver.get_by_role("dialog").get_by_label("Tempat penetapan").fill("Palu")
    await approver.get_by_role("dialog").get_by_role("button", name="Terbitkan SK").click()
    await expect(approver.get_by_test_id("feedback")).to_contain_text("SK telah diterbitkan.")
    # A TMT of today takes effect at once.
    await expect(approver.locator(".lead")).to_contain_text(re.compile("SK terbit|Berlaku|Selesai"))
    timeline = approver.get_by_test_id("timeline")
    for step in (
        "Ajukan oleh bkd.prov",
        "Verifikasi oleh bkd.prov",
        "Terima (instansi tujuan) oleh ppk.prov",
        "Terbitkan SK oleh ppk.prov",
    ):
        await expect(timeline).to_contain_text(step)

    async with approver.expect_download() as started:
        await approver.get_by_role("button", name="Unduh PDF").first.click()
    decree = await started.value
    saved = tmp_path / decree.suggested_filename
    await decree.save_as(saved)
    assert decree.suggested_filename.startswith("SK-")
    assert decree.suggested_filename.endswith(".pdf")
    assert saved.read_bytes().startswith(b"%PDF-")

    # Once the move is made, HR reads where it stands in SIASN (the demo province is synchronised with it).
    async def moved() -> bool:
        async with api_as(web_platform, "bkd.prov") as client:
            answer = await client.get(f"/api/v1/mutations/{proposal['id']}")
        return answer.json()["state"] in ("effective", "completed")

    await eventually(moved, timeout=60, what="the mutation to take effect")
    await _open_proposal(officer, proposal["id"])
    summary = officer.get_by_role("definition").filter(
        has_text=re.compile("Menunggu|Sedang dikirim|Terkirim|Gagal")
    )
    await expect(summary).to_have_count(1)


async def test_an_employee_objects_to_a_proposal_about_them(phone: Session, web_platform: WebPlatform):
    demo = web_platform.demo
    async with api_as(web_platform, "bkd.prov") as client:
        me = (await client.get(f"/api/v1/employees/{demo['employee_nip']}")).json()
        room = next(
            p
            for p in await _province_positions(client, demo["province_agency_code"])
            if p["id"] != me["position_id"] and p["gap"] > 0
        )
        proposal = await _propose(client, demo["employee_nip"], room["id"])
        submitted = await client.post(
            f"/api/v1/mutations/{proposal['id']}/transitions",
            json={"action": "submit"},
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert submitted.status_code == 200, submitted.text

    await phone.login("pegawai")
    await phone.page.get_by_role("tab", name="Usulan mutasi saya").click()
    panel = phone.page.get_by_role("tabpanel", name="Usulan mutasi saya")
    await panel.get_by_role("button", name="Ajukan keberatan").first.click()
    dialog = phone.page.get_by_role("dialog")
    await dialog.get_by_label("Alasan").fill("Saya sedang merawat orang tua yang sakit di kota ini.")
    await dialog.get_by_role("button", name="Ajukan keberatan").click()
    await expect(panel.get_by_text("Keberatan Anda telah diajukan")).to_be_visible()
    await expect(panel.get_by_text("Keberatan", exact=True).first).to_be_visible()
    width = await phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    async with api_as(web_platform, "ppk.prov") as approver:
        waiting = (await approver.get("/api/v1/mutations/objections")).json()
    assert [o["reason"] for o in waiting if o["mutation_id"] == proposal["id"]] == [
        "Saya sedang merawat orang tua yang sakit di kota ini."
    ]
