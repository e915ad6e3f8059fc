"""Sinkronisasi SIASN in the browser: the province's HR officer pulls the agency from SIASN (the contract fake
the platform starts with the demo agency), follows the job to its end, accepts one difference, rejects
another through the selection, reads the problem when a difference was decided meanwhile, and links a unit
that SIASN names otherwise to the unor the page suggests; the page passes the accessibility checks on each
tab, and a BKN reviewer reads it without a button to act."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from services.employee.demo.siasn import SIASN_AGENCY, siasn_id
from tests.browser.support import Session, WebPlatform, api_as

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text(encoding="utf-8")
# A pull of the whole demo agency against the fake: its people one by one, a few hundred at most.
PULL_TIMEOUT_MS = 240_000


async def _accessible(page: Page, where: str) -> None:
    await expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")
    await page.wait_for_load_state("networkidle")
    assert await page.evaluate(f"({CHECKS}).lowContrast()") == [], f"low contrast on {where}"
    assert await page.evaluate(f"({CHECKS}).unnamedControls()") == [], f"unnamed controls on {where}"


async def _open_differences(client: Any) -> list[dict[str, Any]]:
    answer = await client.get(
        "/api/v1/siasn/differences", params={"agency": SIASN_AGENCY, "state": "open", "limit": 500}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_an_hr_officer_pulls_the_agency_and_decides_its_differences(
    web: Session, web_platform: WebPlatform
):
    assert web_platform.demo["province_agency_code"] == SIASN_AGENCY
    page = web.page
    await web.login("bkd.prov")
    await (
        page.get_by_role("navigation", name="Navigasi utama")
        .get_by_role("link", name="Sinkronisasi SIASN")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sinkronisasi SIASN")
    await _accessible(page, "the SIASN page before a pull")

    # The whole agency: the job's progress shows until it ends, then the queue lists what differs.
    await page.get_by_role("button", name="Tarik dari SIASN").click()
    await expect(page.get_by_test_id("job-progress")).to_be_visible()
    done = page.get_by_test_id("pull-progress").get_by_text("Penarikan data SIASN selesai.")
    await expect(done).to_be_visible(timeout=PULL_TIMEOUT_MS)
    await expect(page.get_by_test_id("pull-progress")).to_contain_text("perbedaan baru")
    rows = page.get_by_test_id("difference")
    await expect(rows.first).to_be_visible()
    await expect(page.locator("caption")).to_contain_text("Perbedaan data dengan SIASN")

    async with api_as(web_platform, "bkd.prov") as client:
        opened = await _open_differences(client)
    birth_places = [d for d in opened if d["field"] == "birth_place"]
    others = [d for d in opened if d["field"] != "birth_place"]
    assert birth_places and len(others) >= 2, opened

    # Accept one row: SIASN's birth place becomes ours.
    taken = birth_places[0]
    row = page.locator(f'tr[data-id="{taken["id"]}"]')
    await expect(row).to_contain_text("Tempat lahir")
    await expect(row).to_contain_text("Luwuk")
    await row.get_by_role("button", name=re.compile("^Terima nilai SIASN")).click()
    await expect(page.get_by_test_id("decision-feedback")).to_contain_text("Nilai SIASN diambil")
    await expect(row).to_contain_text("Diterima")
    await expect(row.get_by_role("button")).to_have_count(0)

    # Reject one through the selection and the bulk button.
    kept = others[0]
    kept_row = page.locator(f'tr[data-id="{kept["id"]}"]')
    await kept_row.get_by_role("checkbox").check()
    await page.get_by_role("button", name="Tolak yang dipilih").click()
    await expect(page.get_by_test_id("decision-feedback")).to_contain_text("1 perbedaan ditolak.")
    await expect(kept_row).to_contain_text("Ditolak")

    # Decided elsewhere meanwhile: the page says so with the problem's own message.
    late = others[1]
    async with api_as(web_platform, "bkd.prov") as client:
        answer = await client.post(f"/api/v1/siasn/differences/{late['id']}/reject")
        assert answer.status_code == 200, answer.text
        after = {d["id"]: d for d in await _open_differences(client)}
        person = (await client.get(f"/api/v1/employees/{taken['nip']}")).json()
    assert taken["id"] not in after and kept["id"] not in after
    assert person["birth_place"] == "Luwuk"
    late_row = page.locator(f'tr[data-id="{late["id"]}"]')
    await late_row.get_by_role("button", name=re.compile("^Terima nilai SIASN")).click()
    alert = page.get_by_test_id("decision-feedback").get_by_role("alert")
    await expect(alert).to_contain_text("Perbedaan ini sudah diputuskan.")
    await expect(alert).to_contain_text("rejected")
    await _accessible(page, "the differences after the decisions")

    await page.get_by_role("tab", name="Pengiriman mutasi").click()
    await expect(page.get_by_role("tabpanel").locator("caption")).to_contain_text("Pengiriman mutasi")
    await _accessible(page, "the pushes")

    # The mapping: SIASN's reference list fetched, an unlinked unit offered the unor of its SIASN name.
    await page.get_by_role("tab", name="Pemetaan unit dan jabatan").click()
    await page.get_by_role("button", name="Perbarui referensi SIASN").click()
    await expect(page.get_by_text("Referensi SIASN diperbarui:")).to_be_visible()
    async with api_as(web_platform, "bkd.prov") as client:
        answer = await client.get(
            "/api/v1/siasn/identities/unit", params={"agency": SIASN_AGENCY, "linked": "false"}
        )
        assert answer.status_code == 200, answer.text
        unlinked = answer.json()["items"]
    # One whose name no other unlinked unit shares, so the closest SIASN name is its own unor's.
    names = [u["name"] for u in unlinked]
    unit = next(u for u in unlinked if names.count(u["name"]) == 1)
    units = page.get_by_role("region", name=re.compile("^Unit belum tertaut"))
    unit_row = units.locator("tr").filter(has=page.get_by_role("cell", name=unit["name"], exact=True))
    suggestion = unit_row.get_by_label("Usulan SIASN (paling mirip di atas)")
    await expect(suggestion).to_have_value(siasn_id("unor", unit["ref"]))
    await _accessible(page, "the mapping")
    await unit_row.get_by_role("button", name=f"Tautkan {unit['name']}").click()
    await expect(unit_row).to_contain_text("Tertaut")
    async with api_as(web_platform, "bkd.prov") as client:
        linked = (await client.get(f"/api/v1/siasn/identities/unit/{unit['ref']}")).json()
    assert linked["siasn_id"] == siasn_id("unor", unit["ref"])


async def test_a_bkn_reviewer_reads_the_siasn_page_without_acting(web: Session):
    await web.login("bkn")
    await web.go(f"#/siasn?agency={SIASN_AGENCY}")
    await expect(web.page.get_by_role("heading", level=1)).to_have_text("Sinkronisasi SIASN")
    await expect(web.page.locator("caption")).to_contain_text("Perbedaan data dengan SIASN")
    await expect(web.page.get_by_role("button", name="Tarik dari SIASN")).to_have_count(0)
    await expect(web.page.get_by_role("button", name="Terima yang dipilih")).to_have_count(0)
    await _accessible(web.page, "the SIASN page of a reviewer")
