"""Appraisal in the browser: the 9-box grid of an agency drills down to the people in a box."""

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
