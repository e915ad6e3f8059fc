"""The shell: signing in as each demo role, the navigation and agency each one sees, signing out, an
expired session, keyboard use, a phone-sized screen, and that the browser talks to the gateway only."""

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.support import PHONE, Session

pytestmark = pytest.mark.browser

PROVINCE = "Pemerintah Provinsi Sulawesi Tengah"
NAVIGATION = {
    "admin": [
        "Beranda",
        "Pegawai",
        "Beban kerja",
        "Mutasi",
        "Rencana penempatan",
        "Penilaian kinerja",
        "Pengembangan kompetensi",
        "Sinkronisasi SIASN",
        "Audit",
    ],
    "bkd.prov": [
        "Beranda",
        "Pegawai",
        "Beban kerja",
        "Mutasi",
        "Rencana penempatan",
        "Penilaian kinerja",
        "Pengembangan kompetensi",
        "Sinkronisasi SIASN",
    ],
    "ppk.prov": ["Beranda", "Pegawai", "Beban kerja", "Mutasi", "Rencana penempatan", "Penilaian kinerja"],
    "bkn": ["Beranda", "Pegawai", "Mutasi", "Sinkronisasi SIASN"],
    "auditor": ["Beranda", "Pegawai", "Mutasi", "Audit"],
    "atasan": ["Beranda", "Pegawai", "Penilaian kinerja", "Pengembangan kompetensi", "Layanan mandiri"],
    "pegawai": ["Layanan mandiri"],
}
AGENCY = {
    "admin": f"{PROVINCE} dan",
    "bkd.prov": PROVINCE,
    "ppk.prov": PROVINCE,
    "bkn": "Semua instansi",
    "auditor": "Semua instansi",
    "atasan": PROVINCE,
    "pegawai": PROVINCE,
}
ROLE = {
    "admin": "Administrator",
    "bkd.prov": "Petugas kepegawaian",
    "ppk.prov": "Pejabat berwenang (PPK)",
    "bkn": "Peninjau BKN",
    "auditor": "Auditor",
    "atasan": "Atasan langsung",
    "pegawai": "Pegawai",
}


@pytest.mark.parametrize("username", list(NAVIGATION))
async def test_each_role_signs_in_and_sees_its_own_navigation_and_agency(web: Session, username: str):
    await web.login(username)

    navigation = web.page.get_by_role("navigation", name="Navigasi utama")
    await expect(navigation.get_by_role("link")).to_have_text(NAVIGATION[username])
    await expect(web.page.get_by_test_id("user-agency")).to_contain_text(AGENCY[username])
    await expect(web.page.locator(".who-role")).to_contain_text(ROLE[username])
    # Each role lands on the first page of its navigation, and that page renders without an error.
    await expect(web.page.get_by_role("heading", level=1)).to_have_text(NAVIGATION[username][0])
    await expect(web.page.locator("main [role=alert]")).to_have_count(0)

    await web.page.get_by_role("button", name="Keluar").click()
    await expect(web.page.get_by_text("Anda telah keluar.")).to_be_visible()
    await expect(web.page.get_by_label("Nama pengguna")).to_be_visible()


async def test_a_wrong_password_is_refused_in_indonesian(web: Session):
    await web.open("/")
    await web.page.get_by_label("Nama pengguna").fill("bkd.prov")
    await web.page.get_by_label("Kata sandi").fill("salah-sekali")
    await web.page.get_by_role("button", name="Masuk").click()
    await expect(web.page.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
    await expect(web.page.get_by_role("button", name="Keluar")).to_have_count(0)


async def test_pages_a_role_may_not_use_are_refused(web: Session):
    await web.login("pegawai")
    await web.go("#/audit")
    await expect(web.page.get_by_role("heading", level=1)).to_have_text("Tidak berwenang")


async def test_an_ended_session_sends_the_user_back_to_sign_in(web: Session):
    await web.login("bkd.prov")
    access = await web.page.evaluate("JSON.parse(sessionStorage.getItem('asn.session')).access_token")
    # The session ends elsewhere (another tab signs out): access and refresh tokens stop working.
    async with httpx.AsyncClient(base_url=web.base_url) as client:
        ended = await client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {access}"})
        assert ended.status_code == 204

    await web.go("#/pegawai")

    await expect(web.page.get_by_text("Sesi Anda telah berakhir. Silakan masuk kembali.")).to_be_visible()
    await expect(web.page.get_by_label("Nama pengguna")).to_be_visible()
    assert await web.page.evaluate("sessionStorage.getItem('asn.session')") is None


async def test_signing_in_and_moving_around_works_from_the_keyboard(web: Session):
    await web.open("/")
    await expect(web.page.get_by_label("Nama pengguna")).to_be_focused()
    await web.page.keyboard.type("bkd.prov")
    await web.page.keyboard.press("Tab")
    await web.page.keyboard.type("rahasia123")
    await web.page.keyboard.press("Enter")
    # After each page change the focus is on the page's heading, where a screen reader starts reading.
    await expect(web.page.get_by_role("heading", level=1, name="Beranda")).to_be_focused()
    # The skip link, first in the page, shows when it has the focus and takes it to the page's content.
    skip = web.page.get_by_role("link", name="Langsung ke konten utama")
    await expect(skip).not_to_be_in_viewport()
    await skip.focus()
    await expect(skip).to_be_in_viewport()
    await web.page.keyboard.press("Enter")
    await expect(web.page.locator("main")).to_be_focused()
    # A navigation link followed with Enter moves the focus to the new page's heading.
    await web.page.get_by_role("link", name="Pegawai", exact=True).focus()
    await web.page.keyboard.press("Enter")
    await expect(web.page.get_by_role("heading", level=1, name="Pegawai")).to_be_focused()


async def test_self_service_fits_a_390_px_phone(phone: Session):
    await phone.login("pegawai")
    page = phone.page
    assert page.viewport_size == PHONE
    await expect(page.get_by_role("heading", level=1)).to_have_text("Layanan mandiri")
    # The navigation folds behind the menu button on a phone.
    navigation = page.get_by_role("navigation", name="Navigasi utama")
    await expect(navigation).to_be_hidden()
    await page.get_by_role("button", name="Menu").click()
    await expect(navigation.get_by_role("link", name="Layanan mandiri")).to_be_visible()
    await page.get_by_role("button", name="Menu").click()

    for tab, shows in [
        ("Data saya", "Identitas"),
        ("SKP saya", "SKP tahun"),
        ("Usulan mutasi saya", "Usulan mutasi atas nama Anda"),
        ("Pengembangan & JP", "JP saya tahun ini"),
    ]:
        await page.get_by_role("tab", name=tab).click()
        panel = page.get_by_role("tabpanel", name=tab)
        await expect(panel.get_by_text(shows).first).to_be_visible()
        await expect(panel.get_by_role("alert")).to_have_count(0)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{tab}: the page is {width}px wide on a {PHONE['width']}px screen"


async def test_the_browser_talks_to_the_gateway_only(web: Session):
    await web.login("admin")
    for fragment, heading in [
        ("#/beranda", "Beranda"),
        ("#/pegawai", "Pegawai"),
        ("#/beban-kerja", "Beban kerja"),
        ("#/mutasi", "Mutasi"),
        ("#/penempatan", "Rencana penempatan"),
        ("#/penilaian", "Penilaian kinerja"),
        ("#/kompetensi", "Pengembangan kompetensi"),
        ("#/audit", "Audit"),
    ]:
        await web.go(fragment)
        await expect(web.page.get_by_role("heading", level=1)).to_have_text(heading)
        await expect(web.page.locator("main")).not_to_have_attribute("aria-busy", "true")
        await web.page.wait_for_load_state("networkidle")
        # Every page renders whole: no part of it reports an error.
        await expect(web.page.locator("main [role=alert]")).to_have_count(0)

    assert len(web.requests) > 20
    assert any("/static/vendor/plotly/plotly.min.js" in url for url in web.requests)
    assert web.foreign_requests() == []
