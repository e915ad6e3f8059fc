"""The other pages people work in: the overview's charts lead to the lists behind them, the workload
analysis recomputes as tasks are edited, and the auditor verifies the decision log's chain."""

import re

import pytest
from playwright.async_api import expect

from tests.browser.support import Session, WebPlatform, api_as

pytestmark = pytest.mark.browser


async def test_a_bar_of_the_overview_leads_to_the_list_behind_it(web: Session):
    await web.login("bkd.prov")
    gaps = web.page.get_by_role("region", name="Kesenjangan pegawai per unit (ABK)")
    bar = gaps.locator(".chart .point path").first
    await expect(bar).to_be_visible()
    # Where a person would click: plotly's own layer above the bars receives the mouse.
    box = await bar.bounding_box()
    assert box is not None
    await web.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await expect(web.page.get_by_role("heading", level=1)).to_have_text("Beban kerja")
    await expect(web.page.get_by_text("Jabatan di unit")).to_be_visible()
    await expect(web.page.locator("tbody tr").first).to_be_visible()

    # Without a mouse: the same list from the chart's list of links.
    await web.go("#/beranda")
    bands = web.page.get_by_role("region", name="Sebaran band efisiensi (EJ/EU)")
    await bands.get_by_text("Lihat sebagai daftar").click()
    await bands.get_by_role("link").first.click()
    await expect(web.page).to_have_url(re.compile(r"#/beban-kerja\?.*band=A"))
    await expect(web.page.get_by_label("Band efisiensi")).to_have_value("A")


async def test_editing_a_positions_tasks_recomputes_its_workload_live(
    web: Session, web_platform: WebPlatform
):
    async with api_as(web_platform, "bkd.prov") as client:
        rows = (
            await client.get(
                "/api/v1/workload",
                params={
                    "agency": web_platform.demo["province_agency_code"],
                    "level": "position",
                    "limit": 50,
                },
            )
        ).json()["items"]
        position = rows[0]
        tasks = (await client.get(f"/api/v1/positions/{position['id']}/tasks")).json()["tasks"]
    first = tasks[0]

    await web.login("bkd.prov")
    await web.go(f"#/beban-kerja/jabatan/{position['id']}")
    hours = web.page.get_by_test_id("hours")
    await expect(hours).not_to_have_text("")
    before = await hours.inner_text()
    volume = web.page.get_by_label("Volume per tahun, tugas 1")
    await expect(volume).to_have_value(re.compile(rf"^{int(first['yearly_volume'])}"))
    new_volume = int(first["yearly_volume"]) + 600
    await volume.fill(str(new_volume))
    # 600 more outputs at the task's norm: the hours change before anything is saved.
    await expect(hours).not_to_have_text(before)
    await web.page.get_by_role("button", name="Simpan ABK").click()
    await expect(
        web.page.get_by_text(re.compile(r"ABK tersimpan\. Kebutuhan jabatan kini \d+ orang\."))
    ).to_be_visible()

    await web.page.reload()
    await expect(web.page.get_by_label("Volume per tahun, tugas 1")).to_have_value(str(new_volume))
    async with api_as(web_platform, "bkd.prov") as client:
        saved = (await client.get(f"/api/v1/positions/{position['id']}/tasks")).json()
    assert saved["tasks"][0]["yearly_volume"] == new_volume


async def test_the_auditor_verifies_the_decision_logs_chain(web: Session):
    await web.login("auditor")
    await expect(web.page.get_by_role("heading", level=1)).to_have_text("Beranda")
    await web.page.get_by_role("link", name="Audit").click()
    await web.page.get_by_role("button", name="Verifikasi rantai").click()
    await expect(web.page.get_by_test_id("verify-result")).to_contain_text(
        re.compile(r"Rantai utuh: \d+ catatan")
    )
