"""The SIASN connector against the contract fake served on 127.0.0.1: tokens fetched once, renewed when they
expire or SIASN refuses them, reads retried through 5xx and dropped connections, writes never repeated once
they may have arrived, calls paced, credentials named when refused, and no secret in the logs."""

import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from pydantic import ValidationError

from services.employee.settings import EmployeeSettings
from services.employee.siasn.adapters.client import (
    CredentialsRejected,
    SiasnClient,
    SiasnRefused,
    SiasnUnavailable,
    UncertainWrite,
)
from services.employee.siasn.fake import (
    API_BASE,
    GATEWAY_TOKEN_PATH,
    REFERENSI_BASE,
    SSO_TOKEN_PATH,
    create_app,
)
from services.employee.siasn.tests.support import (
    KNOWN_NIP,
    UNKNOWN_NIP,
    ManualClock,
    ServedFake,
    client_of,
    served_fake,
)
from shared.testing import serving

pytestmark = pytest.mark.integration

SAVE = "/jabatan/unorjabatan/save"


@pytest.fixture
async def fake() -> AsyncIterator[ServedFake]:
    async with served_fake() as served:
        yield served


def save_body(fake: ServedFake, nip: str = KNOWN_NIP, **changes: Any) -> dict[str, Any]:
    person = fake.state.people[nip]
    return {
        "id": "",
        "pnsId": person.pns_id,
        "instansiId": fake.state.instansi_id,
        "instansiIndukId": fake.state.instansi_id,
        "satuanKerjaId": fake.state.satuan_kerja_id,
        "unorId": fake.state.unors[3]["Id"],
        "jenisJabatan": "4",
        "eselonId": "",
        "jabatanFungsionalId": "",
        "jabatanFungsionalUmumId": fake.state.referensi["jabatan-fungsional-umum"][0]["id"],
        "nomorSk": "821/77/BKPSDM/2026",
        "tanggalSk": "01-12-2026",
        "tmtJabatan": "07-12-2026",
        "tmtPelantikan": "",
        "jenisMutasiId": "MU",
        "jenisPenugasanId": "D",
        "subJabatanId": "",
        "tmtMutasi": "07-12-2026",
        "path": [],
        **changes,
    }


async def test_both_tokens_are_fetched_once_and_cached_across_calls(fake):
    async with client_of(fake) as siasn:
        assert (await siasn.data_utama(KNOWN_NIP) or {})["nipBaru"] == KNOWN_NIP
        assert await siasn.riwayat("jabatan", KNOWN_NIP)
        assert await siasn.riwayat("golongan", KNOWN_NIP)
        assert await siasn.ref_unor()
        assert await siasn.referensi("golongan")

    assert (fake.state.gateway_tokens_issued, fake.state.sso_tokens_issued) == (1, 1)
    assert fake.api_calls() == 4


async def test_a_token_past_its_lifetime_is_renewed_before_the_call_that_needs_it(fake):
    clock = ManualClock()
    fake.state.clock = clock
    async with client_of(fake, clock=clock) as siasn:
        await siasn.data_utama(KNOWN_NIP)
        clock.advance(3600)  # the gateway token's hour; the SSO token has 12
        await siasn.data_utama(KNOWN_NIP)
        clock.advance(43200)
        await siasn.data_utama(KNOWN_NIP)

    assert (fake.state.gateway_tokens_issued, fake.state.sso_tokens_issued) == (3, 2)
    assert fake.api_calls() == 3  # renewed ahead of time: no call was refused


async def test_tokens_expired_at_siasn_mid_run_are_renewed_without_the_caller_noticing(fake):
    async with client_of(fake) as siasn:
        await siasn.data_utama(KNOWN_NIP)
        fake.state.expire_tokens()
        assert await siasn.riwayat("jabatan", KNOWN_NIP)

    assert (fake.state.gateway_tokens_issued, fake.state.sso_tokens_issued) == (2, 2)
    assert fake.api_calls() == 3  # the refused call and its repetition


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(401, {"code": "900901", "message": "invalid or expired jwt"}, id="expired-jwt"),
        pytest.param(200, {"code": 0, "data": "Token SSO mismatch"}, id="sso-mismatch-on-200"),
        pytest.param(403, {"code": "900900", "message": "Invalid Credentials"}, id="invalid-credentials"),
        pytest.param(500, {"message": "Runtime Error", "description": "Error"}, id="runtime-error"),
    ],
)
async def test_siasn_s_token_messages_make_the_client_renew_both_tokens(fake, status, body):
    async with client_of(fake) as siasn:
        await siasn.data_utama(KNOWN_NIP)
        fake.state.fail(status, body=body)
        assert await siasn.data_utama(KNOWN_NIP)

    assert (fake.state.gateway_tokens_issued, fake.state.sso_tokens_issued) == (2, 2)


async def test_a_suspended_subscription_is_refused_without_renewing(fake):
    fake.state.fail(500, body={"message": "Runtime Error", "description": "API SUSPENDED"})
    async with client_of(fake) as siasn:
        with pytest.raises(SiasnRefused, match="Runtime Error"):
            await siasn.data_utama(KNOWN_NIP)

    assert fake.state.gateway_tokens_issued == 1


async def test_a_token_siasn_keeps_refusing_is_named_after_one_renewal(fake):
    fake.state.fail(200, body={"code": 0, "data": "Token SSO mismatch"}, count=None)
    async with client_of(fake) as siasn:
        with pytest.raises(CredentialsRejected, match="SSO"):
            await siasn.data_utama(KNOWN_NIP)

    assert fake.api_calls() == 2


async def test_a_5xx_then_an_answer_is_retried(fake):
    fake.state.fail(503, count=2)
    async with client_of(fake) as siasn:
        assert await siasn.riwayat("golongan", KNOWN_NIP)

    assert fake.api_calls() == 3


@pytest.mark.parametrize("truncated", [False, True], ids=["before-any-byte", "mid-body"])
async def test_a_dropped_connection_is_retried(fake, truncated):
    fake.state.drop(truncated=truncated)
    async with client_of(fake) as siasn:
        assert await siasn.data_utama(KNOWN_NIP)

    assert fake.api_calls() == 2


@pytest.mark.parametrize(
    ("truncated", "what"),
    [(False, "without sending a response"), (True, "without sending complete message body")],
    ids=["before-any-byte", "mid-body"],
)
async def test_the_fake_really_drops_the_connection(fake, truncated, what):
    # The drop relies on how uvicorn closes a connection whose answer failed; a 500 would pass the retries.
    fake.state.drop(truncated=truncated)
    async with httpx.AsyncClient(base_url=fake.url, trust_env=False) as raw:
        with pytest.raises(httpx.RemoteProtocolError, match=what):
            await raw.get(API_BASE + "/pns/data-utama/" + KNOWN_NIP)


async def test_siasn_still_failing_after_every_attempt_is_unavailable(fake):
    fake.state.fail(502, count=None)
    async with client_of(fake, siasn_attempts=4) as siasn:
        with pytest.raises(SiasnUnavailable, match="4 attempts"):
            await siasn.data_utama(KNOWN_NIP)

    assert fake.api_calls() == 4


async def test_nothing_listening_is_unavailable():
    async with served_fake() as gone:
        settings = gone.settings()
    async with SiasnClient(settings, trust_env=False) as siasn:
        with pytest.raises(SiasnUnavailable, match="gateway token"):
            await siasn.data_utama(KNOWN_NIP)


async def test_a_wrong_consumer_secret_is_named(fake):
    async with client_of(fake, siasn_consumer_secret="not-the-secret") as siasn:
        with pytest.raises(CredentialsRejected, match="consumer key and secret") as refused:
            await siasn.data_utama(KNOWN_NIP)

    assert "not-the-secret" not in str(refused.value)
    assert fake.api_calls() == 0


async def test_a_wrong_sso_password_is_named(fake):
    async with client_of(fake, siasn_password="not-the-password") as siasn:
        with pytest.raises(CredentialsRejected, match="SSO username and password") as refused:
            await siasn.data_utama(KNOWN_NIP)

    assert "not-the-password" not in str(refused.value)
    assert fake.api_calls() == 0


async def test_a_wrong_sso_client_id_is_named(fake):
    async with client_of(fake, siasn_sso_client_id="another-agency") as siasn:
        with pytest.raises(CredentialsRejected, match="SSO client id"):
            await siasn.data_utama(KNOWN_NIP)


async def test_a_ready_made_sso_token_is_used_instead_of_the_password_grant(fake):
    ready = fake.state.issue_sso_token()
    async with client_of(fake, siasn_sso_token=ready, siasn_password="") as siasn:
        assert await siasn.data_utama(KNOWN_NIP)
        fake.state.expire_tokens()  # an operator must set a new one: the client cannot
        with pytest.raises(CredentialsRejected, match="ASN_SIASN_SSO_TOKEN"):
            await siasn.data_utama(KNOWN_NIP)

    assert fake.state.sso_tokens_issued == 1
    assert not fake.state.arrivals_at(SSO_TOKEN_PATH)


async def test_a_save_that_met_a_5xx_after_reaching_siasn_is_not_repeated(fake):
    fake.state.fail(504, path=API_BASE + SAVE, after_handling=True)
    async with client_of(fake) as siasn:
        with pytest.raises(UncertainWrite):
            await siasn.save_unor_jabatan(save_body(fake))
        # What the caller does next: read, and find the save was done.
        rows = await siasn.riwayat("jabatan", KNOWN_NIP)

    assert len(fake.state.saves) == 1
    assert any(row["nomorSk"] == "821/77/BKPSDM/2026" for row in rows)


@pytest.mark.parametrize("truncated", [False, True], ids=["before-any-byte", "mid-body"])
async def test_a_save_whose_connection_dropped_is_not_repeated(fake, truncated):
    fake.state.drop(path=API_BASE + SAVE, after_handling=True, truncated=truncated)
    async with client_of(fake) as siasn:
        with pytest.raises(UncertainWrite):
            await siasn.save_unor_jabatan(save_body(fake))

    assert len(fake.state.saves) == 1


async def test_a_save_is_repeated_when_it_cannot_have_been_done(fake):
    fake.state.fail(429, path=API_BASE + SAVE)  # throttled: refused before any work
    async with client_of(fake) as siasn:
        await siasn.data_utama(KNOWN_NIP)
        fake.state.expire_tokens()  # the gateway refuses the token: the backend never saw the save
        rw_jabatan_id = await siasn.save_unor_jabatan(save_body(fake))

    assert [save["nomorSk"] for save in fake.state.saves] == ["821/77/BKPSDM/2026"]
    assert fake.api_calls(SAVE) == 3
    assert rw_jabatan_id in {row["id"] for row in fake.state.people[KNOWN_NIP].riwayat["jabatan"]}


async def test_a_save_told_it_is_safe_to_repeat_is_retried(fake):
    fake.state.fail(503, path=API_BASE + SAVE)
    async with client_of(fake) as siasn:
        assert await siasn.save_unor_jabatan(save_body(fake), retry_uncertain=True)

    assert fake.api_calls(SAVE) == 2


async def test_a_save_siasn_refuses_carries_siasn_s_message(fake):
    async with client_of(fake) as siasn:
        with pytest.raises(SiasnRefused, match="nomorSk wajib diisi"):
            await siasn.save_unor_jabatan(save_body(fake, nomorSk=""))


async def test_an_uploaded_document_goes_into_a_save_and_reads_back_keyed_by_its_dok_id(fake):
    async with client_of(fake) as siasn:
        path = await siasn.upload_document(b"%PDF-1.4 SK", "sk.pdf", "872")
        rw_jabatan_id = await siasn.save_unor_jabatan(save_body(fake, path=[path]))
        await siasn.sync_jabatan(fake.state.people[KNOWN_NIP].pns_id)
        rows = await siasn.riwayat("jabatan", KNOWN_NIP)
        data_utama = await siasn.data_utama(KNOWN_NIP)

    assert path["dok_id"] == "872" and path["dok_uri"]
    assert fake.state.uploads[0].content == b"%PDF-1.4 SK"
    saved = next(row for row in rows if row["id"] == rw_jabatan_id)
    assert saved["path"]["872"]["dok_uri"] == path["dok_uri"]
    assert data_utama is not None and data_utama["tmtJabatan"] == "07-12-2026"


async def test_the_pace_spaces_the_calls(fake):
    async with client_of(fake, siasn_pace_seconds=0.2) as siasn:
        for kind in ("jabatan", "golongan", "pendidikan", "diklat"):
            await siasn.riwayat(kind, KNOWN_NIP)  # type: ignore[arg-type]

    arrivals = [arrival.at for arrival in fake.state.arrivals_at(API_BASE)]
    assert len(arrivals) == 4
    # Unpaced, these calls arrive milliseconds apart; a little slack for a busy machine's scheduling.
    assert all(later - earlier >= 0.15 for earlier, later in itertools.pairwise(arrivals))
    assert arrivals[-1] - arrivals[0] >= 0.55


async def test_the_logs_hold_no_token_secret_or_password(fake, caplog):
    caplog.set_level(logging.DEBUG)
    async with client_of(fake) as siasn:
        await siasn.data_utama(KNOWN_NIP)
        fake.state.expire_tokens()
        fake.state.fail(503)
        await siasn.riwayat("jabatan", KNOWN_NIP)
        await siasn.referensi("golongan")
    async with client_of(fake, siasn_password="a-wrong-password-123") as siasn:
        with pytest.raises(CredentialsRejected):
            await siasn.data_utama(KNOWN_NIP)

    secrets = [
        fake.state.consumer_key,
        fake.state.consumer_secret,
        next(iter(fake.state.users.values())),
        "a-wrong-password-123",
        *fake.state.gateway_tokens,
        *fake.state.sso_tokens,
    ]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert [secret for secret in secrets if secret in logged] == []
    ours = [record for record in caplog.records if record.name == "services.employee.siasn.adapters.client"]
    assert {"ok", "token-rejected", "retrying"} <= {record.__dict__["outcome"] for record in ours}
    assert any(record.__dict__["siasn_path"] == "/pns/rw-jabatan/{nip}" for record in ours)
    assert all(isinstance(record.__dict__["duration_ms"], int) for record in ours)


async def test_referensi_comes_whole_in_either_shape(fake):
    assert "eselon" in fake.state.bare_referensi and "golongan" not in fake.state.bare_referensi
    async with client_of(fake, siasn_page_size=5) as siasn:
        golongan = await siasn.referensi("golongan")
        eselon = await siasn.referensi("eselon")

    assert [item["id"] for item in golongan] == [item["id"] for item in fake.state.referensi["golongan"]]
    assert len(golongan) == 17 and len(eselon) == len(fake.state.referensi["eselon"])


async def test_referensi_whose_paging_siasn_ignores_comes_once(fake):
    fake.state.referensi["agama"] = [{"id": str(code), "nama": f"agama {code}"} for code in range(1, 8)]

    async def whole_list() -> list[dict[str, str]]:
        return fake.state.referensi["agama"]  # whatever limit and offset say

    app = create_app(fake.state)
    app.router.routes.insert(0, APIRoute(REFERENSI_BASE + "/agama/search", whole_list))
    async with serving(app) as url, client_of(ServedFake(fake.state, url), siasn_page_size=7) as siasn:
        assert len(await siasn.referensi("agama")) == 7


async def test_referensi_is_called_with_the_gateway_token_alone(fake):
    async with client_of(fake, siasn_sso_token_url=fake.url + "/nowhere") as siasn:
        assert await siasn.referensi("jenis-jabatan")

    assert fake.state.sso_tokens_issued == 0


async def test_ref_unor_gathers_every_page(fake):
    async with client_of(fake, siasn_page_size=4) as siasn:
        unors = await siasn.ref_unor()

    assert [unor["Id"] for unor in unors] == [unor["Id"] for unor in fake.state.unors]
    assert fake.api_calls("/referensi/ref-unor") == -(-len(fake.state.unors) // 4)


async def test_an_unknown_nip_has_no_data_utama_and_no_riwayat(fake):
    async with client_of(fake) as siasn:
        assert await siasn.data_utama(UNKNOWN_NIP) is None
        assert await siasn.riwayat("jabatan", UNKNOWN_NIP) == []


async def test_a_wrong_api_base_is_refused_not_taken_for_an_unknown_nip(fake):
    async with client_of(fake, siasn_api_url=fake.url + "/apisiasn/9.9") as siasn:
        with pytest.raises(SiasnRefused):
            await siasn.data_utama(KNOWN_NIP)


def test_enabled_siasn_needs_its_addresses_and_credentials():
    with pytest.raises(ValidationError, match="ASN_SIASN_API_URL"):
        EmployeeSettings(service="employee", siasn_enabled=True)
    token_only = EmployeeSettings(
        service="employee",
        siasn_enabled=True,
        siasn_api_url="https://siasn.test/apisiasn/1.0",
        siasn_referensi_url="https://siasn.test/referensi_siasn/1",
        siasn_gateway_token_url="https://siasn.test" + GATEWAY_TOKEN_PATH,
        siasn_consumer_key="key",
        siasn_consumer_secret="secret",
        siasn_sso_token="ready-made",
    )
    assert token_only.siasn_password.get_secret_value() == ""
