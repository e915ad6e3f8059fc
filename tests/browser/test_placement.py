"""A placement round in the browser: scope, pool and weights set; the solver runs with its progress shown;
the plan's moves are explained; a what-if is compared side by side; the plan is approved and published as
mutation proposals."""

import json
import re

import pytest
from playwright.async_api import expect

from services.gateway.web import STATIC_DIR
from shared.testing import eventually
from tests.browser.support import Session, WebPlatform, api_as

pytestmark = pytest.mark.browser

CATALOGUE = STATIC_DIR / "i18n" / "id.json"
NUMBER = "[+\u2212-]?\\d[\\d.]*,\\d\\d"  # an Indonesian number with two decimals
# Any sentence of the catalogue's placement reasons, its figures filled in.
REASON_SENTENCE = re.compile(
    "^(?:"
    + "|".join(
        NUMBER.join(re.escape(part) for part in re.split(r"\{\w+\}", text))
        for text in json.loads(CATALOGUE.read_text(encoding="utf-8"))["placement_reasons"].values()
    )
    + ")$"
)


async def _wait_until_placement_has_the_seed(web_platform: WebPlatform, agency: str) -> None:
    """The mutation service learns thousands of people and positions by events after the seed: a round is
    only worth running once it has (a probe round through the API finds moves)."""
    async with api_as(web_platform, "bkd.prov") as client:

        async def moves_found() -> bool:
            created = await client.post(
                "/api/v1/placement-rounds",
                json={
                    "name": "Kesiapan data",
                    "scope": {"kind": "agency", "code": agency},
                    "pool": [{"kind": "long_posting", "min_years": 5}, {"kind": "over_staffed_units"}],
                },
            )
            assert created.status_code == 201, created.text
            job = await client.post(
                f"/api/v1/placement-rounds/{created.json()['id']}/solutions",
                params={"wait": "true"},
                timeout=120,
            )
            assert job.status_code == 200, job.text
            return bool(job.json()["result"]["moves"])

        await eventually(moves_found, timeout=300, interval=5, what="the demo data at the placement solver")


async def test_a_placement_round_runs_and_is_published_as_proposals(
    web: Session, other: Session, web_platform: WebPlatform
):
    agency = web_platform.demo["province_agency_code"]
    await _wait_until_placement_has_the_seed(web_platform, agency)
    officer, approver = web.page, other.page
    # The agency's HR officer sets the round up and runs it.
    await web.login("bkd.prov")
    await officer.get_by_role("link", name="Rencana penempatan").click()
    form = officer.get_by_role("form", name="Putaran baru")
    await form.get_by_label("Nama putaran").fill("Penempatan uji peramban")
    await expect(form.get_by_label("Jenis cakupan")).to_have_value("agency")
    await expect(form.get_by_label("Instansi atau provinsi")).to_have_value(agency)
    await expect(form.get_by_label("Pegawai yang lama di jabatan yang sama")).to_be_checked()
    await expect(form.get_by_label("Pegawai di unit yang kelebihan pegawai (ABK)")).to_be_checked()
    await form.get_by_label("Pilihan lokasi").fill("20")
    await form.get_by_role("button", name="Buat putaran").click()

    await expect(officer.get_by_role("heading", level=1)).to_have_text("Putaran: Penempatan uji peramban")
    await officer.get_by_role("button", name="Jalankan penempatan").click()
    await expect(officer.get_by_test_id("job-progress")).to_be_visible()
    await expect(officer.get_by_text("Rencana selesai disusun.")).to_be_visible(timeout=120_000)

    moves = officer.get_by_role("region", name="Perpindahan dan penjelasannya")
    caption = moves.locator("caption", has_text=re.compile(r"perpindahan$"))
    await expect(caption).to_have_text(re.compile(r"^[1-9][\d.]* perpindahan$"))
    first = moves.locator("tbody tr").first
    await first.get_by_text("Mengapa perpindahan ini?").click()
    await expect(first.get_by_role("cell", name="Kesesuaian kompetensi")).to_be_visible()
    # Numbers are written the Indonesian way, and one that rounds to zero is never a negative zero.
    await expect(first.get_by_role("cell", name=re.compile(r"^\d+,\d\d$")).first).to_be_visible()
    await expect(moves).not_to_contain_text(re.compile("[\u2212-]0,00\\b"))
    # Each move says why in one Indonesian sentence: the catalogue's text for the reason code of the plan.
    reasons = moves.get_by_test_id("move-reason")
    await expect(reasons).to_have_count(
        await moves.locator("table").first.locator(":scope > tbody > tr").count()
    )
    await expect(reasons.first).to_have_text(REASON_SENTENCE)
    await expect(
        officer.get_by_role("region", name="Laporan keadilan").locator("tbody tr")
    ).not_to_have_count(0)

    # What if distance did not count: a new plan, compared with the first side by side.
    what_if = officer.get_by_role("region", name="Bagaimana jika…")
    await what_if.get_by_label("Jarak").fill("0")
    await what_if.get_by_role("button", name="Jalankan bagaimana-jika").click()
    await expect(officer.get_by_role("heading", name="Rencana Bagaimana-jika")).to_be_visible(timeout=120_000)
    await officer.get_by_role("button", name="Bandingkan", exact=True).click()
    comparison = officer.get_by_test_id("comparison")
    await expect(comparison.get_by_role("heading", name="Rencana A")).to_be_visible()
    await expect(comparison.get_by_role("heading", name="Rencana B")).to_be_visible()
    await expect(comparison).to_contain_text("selisih skor")
    round_url = officer.url

    # The plan is approved (the PPK's call at the mutation service; through the gateway today only the
    # administrator may, see the report), then HR publishes it as one round of mutation proposals.
    await other.login("admin")
    await approver.goto(round_url)
    await approver.get_by_role("button", name="Setujui rencana").click()
    await expect(approver.locator(".badge", has_text="Disetujui")).to_be_visible()

    await officer.reload()
    planned = int((await caption.inner_text()).split()[0].replace(".", ""))
    await officer.get_by_role("button", name="Terbitkan sebagai usulan mutasi").click()
    await expect(officer.get_by_text("Rencana ini telah diterbitkan sebagai usulan mutasi.")).to_be_visible()
    await officer.get_by_role("link", name="Lihat usulan mutasinya").click()
    await expect(officer.get_by_role("heading", level=1)).to_have_text("Mutasi")
    # The list loads 50 proposals a page: beyond that the caption says there are more.
    await expect(officer.locator("caption")).to_have_text(
        f"Usulan mutasi: {planned}" if planned <= 50 else "Usulan mutasi: lebih dari 50"
    )
