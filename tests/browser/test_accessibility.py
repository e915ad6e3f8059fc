"""WCAG 2.1 AA checks the browser can make on the rendered pages: text contrast (1.4.3) and a name for every
form control (1.3.1, 4.1.2)."""

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import Session

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text(encoding="utf-8")


async def _check(page: Page, where: str) -> None:
    await expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")
    await page.wait_for_load_state("networkidle")
    assert await page.evaluate(f"({CHECKS}).lowContrast()") == [], f"low contrast on {where}"
    assert await page.evaluate(f"({CHECKS}).unnamedControls()") == [], f"unnamed controls on {where}"


async def test_the_pages_have_enough_contrast_and_named_controls(web: Session):
    await web.open("/")
    await _check(web.page, "the sign-in page")
    await web.login("bkd.prov")
    for fragment in (
        "#/beranda",
        "#/pegawai",
        "#/beban-kerja",
        "#/mutasi",
        "#/mutasi/baru",
        "#/penilaian",
        "#/kompetensi",
        "#/penempatan",
        "#/siasn",
    ):
        await web.go(fragment)
        await _check(web.page, fragment)
    await web.page.get_by_role("link", name="Penilaian kinerja").click()
    await web.page.get_by_role("tab", name="Grid 9-box").click()
    await _check(web.page, "the 9-box grid")


async def test_self_service_on_a_phone_has_enough_contrast(phone: Session):
    await phone.login("pegawai")
    for tab in ("Data saya", "SKP saya", "Usulan mutasi saya", "Pengembangan & JP"):
        await phone.page.get_by_role("tab", name=tab).click()
        await _check(phone.page, tab)
