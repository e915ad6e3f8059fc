"""Appraisal in the browser: the 9-box grid of an agency drills down to the people in a box; an HR officer
enters an absent appraiser's signed form on their behalf, which the SKP shows and the auditor finds in the
appraisal service's audit chain."""

import re

import pytest
from playwright.async_api import expect

from tests.browser.support import Session, WebPlatform, api_as

pytestmark = pytest.mark.browser


async def test_the_nine_box_grid_drills_down_to_the_people_in_a_box(web: Session, web_platform: WebPlatform):
    province = web_platform.demo["province_agency_code"]
    async with api_as(web_platform, "bkd.prov") as client:
        grid = (await client.get("/api/v1/talent/grid", params={"agency": province})).json()
    counts = {b["box"]: b["employees"] for b in grid["boxes"]}
    assert sum(counts.values()) > 0, "the demo seed should place people in the 9-box"
    # The fullest box of the succession pool, else the fullest of all.
    pool = {box: n for box, n in counts.items() if box >= 7 and n}
    box = max(pool or counts, key=lambda b: (pool or counts)[b])

    await web.login("bkd.prov")
    await web.page.get_by_role("link", name="Penilaian kinerja").click()
    await web.page.get_by_role("tab", name="Grid 9-box").click()
    cell = web.page.locator(f'button.cell[data-box="{box}"]')
    await expect(cell).to_contain_text(str(counts[box]))
    await cell.click()
    await expect(cell).to_have_attribute("aria-pressed", "true")

    people = web.page.get_by_test_id("box-people")
    await expect(people.locator("caption")).to_have_text(
        f"Pegawai di kotak {box}: {counts[box]}", timeout=60_000
    )
    await expect(people.locator("tbody tr")).to_have_count(counts[box])
    # Each person leads to their dossier, where the same box is marked.
    first = people.locator("tbody tr").first.get_by_role("link")
    await first.click()
    await expect(web.page).to_have_url(re.compile(r"#/pegawai/\d{18}$"))
    await web.page.get_by_role("tab", name="Kinerja & talenta").click()
    await expect(web.page.get_by_text(f"Kotak {box}:").first).to_be_visible()


async def test_a_rating_entered_for_the_appraiser_shows_who_entered_it_and_lands_in_the_audit_chain(
    web: Session, web_platform: WebPlatform
):
    demo = web_platform.demo
    reason = "Formulir bertanda tangan diserahkan, pejabat penilai dinas luar"
    async with api_as(web_platform, "bkd.prov") as client:
        opened = await client.post(
            "/api/v1/appraisal-periods",
            json={
                "agency_code": demo["province_agency_code"],
                "year": 2026,
                "frequency": "quarterly",
                "approver_nip": demo["approver_nip"],
                "organisation_predicate": "baik",
            },
        )
        assert opened.status_code == 201, opened.text
        planned = await client.post(
            "/api/v1/skp",
            json={
                "period_id": opened.json()["id"],
                "nip": demo["employee_nip"],
                "appraiser_nip": demo["supervisor_nip"],
                "position_type": "pelaksana",
                "indicators": [
                    {
                        "description": "Layanan administrasi kepegawaian",
                        "target": {
                            "quantity": 40,
                            "quantity_unit": "berkas",
                            "quality_percent": 90,
                            "time_months": 12,
                        },
                    }
                ],
            },
        )
        assert planned.status_code == 201, planned.text
    skp = planned.json()["id"]

    await web.login("bkd.prov")
    await web.go(f"#/penilaian/skp/{skp}")
    form = web.page.get_by_role("region", name="Masukkan penilaian atas nama pejabat penilai")
    await form.get_by_label("Titik evaluasi").select_option(label="Triwulan 3")
    await form.get_by_label("Alasan memasukkan atas nama pejabat penilai").fill(reason)
    await form.get_by_role("button", name="Simpan penilaian").click()
    await expect(web.page.get_by_text("Penilaian tersimpan.")).to_be_visible()
    await expect(web.page.get_by_test_id("on-behalf")).to_have_text(
        f"Dimasukkan oleh bkd.prov atas nama {demo['supervisor_nip']}: {reason}"
    )

    await web.page.get_by_role("button", name="Keluar").click()
    await web.login("auditor")
    await web.go(f"#/audit?chain=penilaian&subject={skp}")
    await web.page.get_by_role("button", name="Verifikasi rantai").click()
    await expect(web.page.get_by_test_id("verify-result")).to_contain_text(
        re.compile(r"Rantai utuh: \d+ catatan")
    )
    entry = web.page.locator("tbody tr").filter(has_text="Penilaian dimasukkan atas nama pejabat penilai")
    await expect(entry).to_have_count(1)
    await expect(entry).to_contain_text("bkd.prov")
