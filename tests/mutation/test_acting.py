"""Acting for someone else is explicit. A person acts as themself; where the regulation lets another enter a
person's act (an HR officer files the employee's own request from their letter; the deciding office's staff
enter the decree its official signed), the one who entered it and why stand beside whose act it is, in the
answer and on the timeline. Nobody answers an employee's proposal for them."""

import pytest

from services.employee.app import create_app as create_employee_app
from services.mutation.app import create_app as create_mutation_app
from services.mutation.tests.support import (
    MAJENE,
    MAMUJU,
    PROVINCE,
    as_,
    build_province,
    employee_body,
    publish_predicates,
    reviewed_round,
    step,
    wait_for_predicates,
    wait_for_read_models,
)
from shared.testing import eventually, serve_in_process

pytestmark = pytest.mark.integration

LETTER = "Surat permohonan pindah Andi tanggal 1 Desember 2026 diterima di loket BKPSDM"
GUBERNUR = {"name": "Drs. H. Ali Baal Masdar, M.Si.", "title": "Gubernur Sulawesi Barat"}
SIGNED_ON_PAPER = "SK ditandatangani Gubernur secara basah; dimasukkan Sekretariat"


def _refused_fields(answer) -> set[str]:
    return {e["field"] for e in answer.json()["errors"]}


@pytest.fixture
async def province_world(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        province = await build_province(employee, people=3)
        await wait_for_read_models(mutation, province)
        for nip in province.nips:
            await publish_predicates(mutation_app, nip, {2024: "baik", 2025: "baik"})
        for nip in province.nips:
            await wait_for_predicates(mutation, nip, 2)
        yield settings, mutation, province


async def test_an_hr_officer_files_an_employees_own_request_for_them_and_says_why(province_world):
    settings, mutation, province = province_world
    andi, budi, _ = province.nips
    hr = as_(settings, "hr_officer", agencies=[MAJENE], name="hr-majene")
    body = {
        "nip": andi,
        "target_position_id": province.target_position,
        "reason": "Mengikuti suami",
        "initiator": "self_request",
    }

    # Andi's own request is his, with nobody to enter it for.
    andi_self = as_(settings, "employee", nip=andi, name="andi")
    mine = await mutation.post(
        "/api/v1/mutations", json={**body, "on_behalf_reason": LETTER}, headers=andi_self
    )
    assert mine.status_code == 422 and _refused_fields(mine) == {"on_behalf_reason"}
    # Budi cannot ask for Andi's move, reason or not.
    budi_self = as_(settings, "employee", nip=budi, name="budi")
    for extra in ({}, {"on_behalf_reason": LETTER}):
        posing = await mutation.post("/api/v1/mutations", json={**body, **extra}, headers=budi_self)
        assert posing.status_code == 403 and posing.json()["type"] == "/problems/acting-as-someone-else"
        assert "nip" in _refused_fields(posing)
    # An agency's own proposal is entered for nobody.
    agency = await mutation.post(
        "/api/v1/mutations",
        json={**body, "initiator": "agency", "on_behalf_reason": LETTER},
        headers=as_(settings, "hr_officer", agencies=[MAMUJU]),
    )
    assert agency.status_code == 422 and _refused_fields(agency) == {"on_behalf_reason"}
    # The HR officer enters Andi's request only saying why.
    silent = await mutation.post("/api/v1/mutations", json=body, headers=hr)
    assert silent.status_code == 403 and silent.json()["type"] == "/problems/acting-as-someone-else"
    assert _refused_fields(silent) == {"nip", "on_behalf_reason"}

    made = await mutation.post("/api/v1/mutations", json={**body, "on_behalf_reason": LETTER}, headers=hr)
    assert made.status_code == 201, made.text
    proposal = made.json()
    assert (proposal["nip"], proposal["initiator"]) == (andi, "self_request")
    assert (proposal["entered_by"], proposal["on_behalf_reason"]) == ("hr-majene", LETTER)
    (proposed,) = (await mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation")).json()[
        "transitions"
    ]
    assert (proposed["action"], proposed["actor"]) == ("propose", "hr-majene")
    assert (proposed["on_behalf_of"], proposed["on_behalf_reason"]) == (andi, LETTER)
    # Andi sees that it was entered for him, and by whom.
    seen = (await mutation.get(f"/api/v1/mutations/{proposal['id']}", headers=andi_self)).json()
    assert (seen["entered_by"], seen["on_behalf_reason"]) == ("hr-majene", LETTER)

    # Budi files his own: nothing was entered for him.
    own = await mutation.post(
        "/api/v1/mutations",
        json={**body, "nip": budi, "reason": "Dekat orang tua"},
        headers=budi_self,
    )
    assert own.status_code == 201, own.text
    assert (own.json()["entered_by"], own.json()["on_behalf_reason"]) == (None, None)
    (filed,) = (await mutation.get(f"/api/v1/mutations/{own.json()['id']}/explanation")).json()["transitions"]
    assert (filed["actor"], filed["on_behalf_of"], filed["on_behalf_reason"]) == ("budi", None, None)


async def test_nobody_accepts_or_objects_to_a_proposal_for_the_employee(province_world):
    settings, mutation, province = province_world
    andi = province.nips[0]
    hr = as_(settings, "hr_officer", agencies=[MAMUJU], name="hr-mamuju")
    made = await mutation.post(
        "/api/v1/mutations",
        json={"nip": andi, "target_position_id": province.target_position, "reason": "Pemerataan"},
        headers=hr,
    )
    proposal = (await step(mutation, made.json(), "submit", hr)).json()
    for who in (hr, as_(settings, "approver", agencies=[MAJENE]), as_(settings, "admin", agencies=None)):
        answer = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/responses",
            json={"response": "objected", "reason": "Keluarga di Majene"},
            headers=who,
        )
        assert answer.status_code == 403 and answer.json()["type"] == "/problems/acting-as-someone-else"
    andi_self = as_(settings, "employee", nip=andi, name="andi")
    answer = await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/responses", json={"response": "accepted"}, headers=andi_self
    )
    assert answer.status_code == 201, answer.text


async def test_a_decree_shows_who_entered_it_for_its_signatory_and_why(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        signed, entered = await reviewed_round(employee, mutation, mutation_app, 2)
        # The Sekretaris Daerah, who signs for the Gubernur's office and issues decrees themself.
        sekda = employee_body(
            90, unit_id=signed["origin"]["unit_id"], position_id=signed["origin"]["position_id"]
        )
        assert (await employee.post("/api/v1/employees", json=sekda)).status_code == 201

        async def known() -> bool:
            return (await mutation.get(f"/api/v1/mutation/employees/{sekda['nip']}")).status_code == 200

        await eventually(known, what="the Sekretaris Daerah in the mutation read model")
        signer = as_(
            settings, "approver", agencies=[PROVINCE, MAJENE, MAMUJU], nip=sekda["nip"], name="sekda"
        )
        staff = as_(settings, "approver", agencies=[PROVINCE], name="staf-gubernur")
        own_signature = {"name": sekda["name"], "title": "Sekretaris Daerah", "nip": sekda["nip"]}

        async def issue(proposal: dict, headers: dict, **body):
            return await mutation.post(
                f"/api/v1/mutations/{proposal['id']}/decree",
                json={"tmt": "2027-01-04", "place": "Mamuju", **body},
                headers={"If-Match": f'W/"{proposal["version"]}"', **headers},
            )

        # Signing it yourself leaves nobody to enter it for.
        refused = await issue(signed, signer, signatory=own_signature, on_behalf_reason=SIGNED_ON_PAPER)
        assert refused.status_code == 422 and _refused_fields(refused) == {"on_behalf_reason"}
        own = await issue(signed, signer, signatory=own_signature)
        assert own.status_code == 201, own.text
        assert own.json()["signatory"] == own_signature
        assert (own.json()["issued_by"], own.json()["entered_by"], own.json()["on_behalf_reason"]) == (
            "sekda",
            None,
            None,
        )

        # The Gubernur signed on paper: the office's staff enter the decree for him, saying so.
        silent = await issue(entered, staff, signatory=GUBERNUR)
        assert silent.status_code == 403 and silent.json()["type"] == "/problems/acting-as-someone-else"
        assert _refused_fields(silent) == {"signatory", "on_behalf_reason"}
        # A signatory's NIP that is not the caller's is still someone else's signature.
        posing = await issue(entered, staff, signatory=own_signature)
        assert posing.status_code == 403 and "on_behalf_reason" in _refused_fields(posing)
        decree = await issue(entered, staff, signatory=GUBERNUR, on_behalf_reason=SIGNED_ON_PAPER)
        assert decree.status_code == 201, decree.text
        assert decree.json()["signatory"] == {**GUBERNUR, "nip": None}
        assert (decree.json()["entered_by"], decree.json()["on_behalf_reason"]) == (
            "staf-gubernur",
            SIGNED_ON_PAPER,
        )
        timeline = (await mutation.get(f"/api/v1/mutations/{entered['id']}/explanation")).json()
        issuing = timeline["transitions"][-1]
        assert (issuing["action"], issuing["actor"]) == ("issue_decree", "staf-gubernur")
        assert (issuing["on_behalf_of"], issuing["on_behalf_reason"]) == (
            f"{GUBERNUR['name']}, {GUBERNUR['title']}",
            SIGNED_ON_PAPER,
        )

        # An amendment keeps the Gubernur's signature: entering it is again an act for him.
        amend = f"/api/v1/decrees/{decree.json()['id']}/amendments"
        unsaid = await mutation.post(amend, json={"reason": "TMT diubah", "tmt": "2027-02-01"}, headers=staff)
        assert unsaid.status_code == 403 and "on_behalf_reason" in _refused_fields(unsaid)
        amended = await mutation.post(
            amend,
            json={"reason": "TMT diubah", "tmt": "2027-02-01", "on_behalf_reason": SIGNED_ON_PAPER},
            headers=staff,
        )
        assert amended.status_code == 201, amended.text
        assert (amended.json()["entered_by"], amended.json()["on_behalf_reason"]) == (
            "staf-gubernur",
            SIGNED_ON_PAPER,
        )
        # The Sekretaris Daerah revokes the decree they signed themself; the cancellation names nobody else.
        revoked = await mutation.post(
            f"/api/v1/decrees/{own.json()['id']}/revocation",
            json={"reason": "Pegawai diperlukan di asal", "signatory": own_signature},
            headers=signer,
        )
        assert revoked.status_code == 201, revoked.text
        assert (revoked.json()["entered_by"], revoked.json()["on_behalf_reason"]) == (None, None)
        cancelled = (await mutation.get(f"/api/v1/mutations/{signed['id']}/explanation")).json()
        last = cancelled["transitions"][-1]
        assert (last["action"], last["actor"], last["on_behalf_of"]) == ("cancel", "sekda", None)
        versions = (await mutation.get(f"/api/v1/mutations/{entered['id']}/decrees")).json()
        assert [(v["kind"], v["entered_by"]) for v in versions] == [
            ("original", "staf-gubernur"),
            ("amendment", "staf-gubernur"),
        ]
