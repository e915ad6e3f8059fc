"""The proposal API as its users meet it: who may propose and see what, bad input that changes nothing, stale
ETags, checks that block a decision until an approver overrides them, the employee's objection, the SLA's
overdue list, the file of documents with its checksums, and the agency's versioned policy."""

import hashlib
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, select, update

from services.employee.app import create_app as create_employee_app
from services.mutation.adapters.tables import documents, proposals
from services.mutation.app import create_app as create_mutation_app
from services.mutation.tests.support import (
    MAJENE,
    MAMUJU,
    PDF,
    as_,
    build_province,
    publish_predicates,
    step,
    upload_file,
    wait_for_predicates,
    wait_for_read_models,
)
from shared import clock
from shared.testing import serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]


async def _count(app, table) -> int:
    async with app.state.runtime.db.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)))


@pytest.fixture
async def world(make_settings):
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
        yield settings, mutation_app, mutation, province


async def test_who_may_propose_and_see_and_bad_input_changes_nothing(world):
    settings, app, mutation, province = world
    andi, budi, _ = province.nips
    hr_mamuju = as_(settings, "hr_officer", agencies=[MAMUJU])
    hr_elsewhere = as_(settings, "hr_officer", agencies=["7101"])
    body = {"nip": andi, "target_position_id": province.target_position, "reason": "Pemerataan"}

    anonymous = await mutation.post("/api/v1/mutations", json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    foreign = await mutation.post("/api/v1/mutations", json=body, headers=hr_elsewhere)
    assert foreign.status_code == 403 and foreign.json()["type"] == "/problems/reference-scope"
    assert [e["field"] for e in foreign.json()["errors"]] == ["target_position_id"]
    unknown = await mutation.post(
        "/api/v1/mutations", json={**body, "nip": "199901012020011001"}, headers=hr_mamuju
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "nip"
    batch = await mutation.post(
        "/api/v1/mutations/rounds",
        json={
            "name": "Putaran",
            "items": [body, {**body, "nip": budi, "target_position_id": "no-such-position"}, body],
        },
        headers=hr_mamuju,
    )
    assert batch.status_code == 422
    assert {(e["line"], e["field"]) for e in batch.json()["errors"]} == {
        (2, "target_position_id"),
        (3, "nip"),
    }
    assert await _count(app, proposals) == 0

    made = await mutation.post("/api/v1/mutations", json=body, headers=hr_mamuju)
    assert made.status_code == 201
    twice = await mutation.post("/api/v1/mutations", json=body, headers=hr_mamuju)
    assert twice.status_code == 422 and "open mutation proposal" in twice.json()["errors"][0]["message"]

    # Budi asks for his own move: a self-request, whatever the body says.
    budi_self = as_(settings, "employee", nip=budi, name="budi")
    own = await mutation.post(
        "/api/v1/mutations",
        json={"nip": budi, "target_position_id": province.target_position, "reason": "Ikut suami"},
        headers=budi_self,
    )
    assert own.status_code == 201 and own.json()["initiator"] == "self_request"
    assert own.json()["actions"] == ["submit", "withdraw"]
    seen = (await mutation.get("/api/v1/mutations", headers=budi_self)).json()["items"]
    assert [p["nip"] for p in seen] == [budi]
    assert (
        await mutation.get(f"/api/v1/mutations/{made.json()['id']}", headers=budi_self)
    ).status_code == 404
    assert len((await mutation.get("/api/v1/mutations", headers=hr_mamuju)).json()["items"]) == 2
    assert (await mutation.get("/api/v1/mutations", headers=hr_elsewhere)).json()["items"] == []
    majene = as_(settings, "hr_officer", agencies=[MAJENE])
    page = (await mutation.get("/api/v1/mutations?limit=1", headers=majene)).json()
    rest = (
        await mutation.get(f"/api/v1/mutations?limit=1&cursor={page['next_cursor']}", headers=majene)
    ).json()
    assert len(page["items"]) == len(rest["items"]) == 1 and rest["next_cursor"] is None

    proposal = made.json()
    no_etag = await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/transitions", json={"action": "submit"}
    )
    assert no_etag.status_code == 428
    assert (await step(mutation, proposal, "submit", hr_mamuju)).status_code == 200
    stale = await step(mutation, proposal, "withdraw", hr_mamuju, reason="batal")
    assert stale.status_code == 412
    issue_here = await step(mutation, {**proposal, "version": 2}, "issue_decree")
    assert issue_here.status_code == 422


async def test_a_failed_check_blocks_until_an_approver_overrides_it(world):
    settings, _app, mutation, province = world
    andi = province.nips[0]
    hr_mamuju = as_(settings, "hr_officer", agencies=[MAMUJU], name="hr-mamuju")
    ppk_mamuju = as_(settings, "approver", agencies=[MAMUJU], name="ppk-mamuju")
    proposal = (
        await mutation.post(
            "/api/v1/mutations",
            json={"nip": andi, "target_position_id": province.full_position, "reason": "Penguatan"},
            headers=hr_mamuju,
        )
    ).json()
    room = next(c for c in proposal["checks"] if c["rule"] == "target_room")
    assert room["outcome"] == "pass"  # the full position still has its one seat free
    filler = (
        await mutation.post(
            "/api/v1/mutations",
            json={
                "nip": province.nips[1],
                "target_position_id": province.full_position,
                "reason": "Pengisian",
            },
            headers=hr_mamuju,
        )
    ).json()
    await upload_file(mutation, filler["id"], headers=hr_mamuju)
    for action in ("submit", "verify"):
        filler = (await step(mutation, filler, action, hr_mamuju)).json()

    await upload_file(mutation, proposal["id"], headers=hr_mamuju)
    proposal = (await step(mutation, proposal, "submit", hr_mamuju)).json()
    blocked = await step(mutation, proposal, "verify", hr_mamuju)
    assert blocked.status_code == 409 and blocked.json()["type"] == "/problems/checks-failed"
    assert [e["field"] for e in blocked.json()["errors"]] == ["target_room"]
    assert "1 already coming" in blocked.json()["errors"][0]["message"]
    not_hers = await step(
        mutation, proposal, "verify", hr_mamuju, overrides=[{"rule": "target_room", "reason": "Saya setuju"}]
    )
    assert not_hers.status_code == 403
    overridden = await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/overrides",
        json={"rule": "target_room", "reason": "Formasi tambahan disetujui PPK"},
        headers={"If-Match": f'W/"{proposal["version"]}"', **ppk_mamuju},
    )
    assert overridden.status_code == 200, overridden.text
    proposal = overridden.json()
    room = next(c for c in proposal["checks"] if c["rule"] == "target_room")
    assert (room["outcome"], room["blocking"]) == ("fail", False) and "overridden" in room["reason"]
    verified = await step(mutation, proposal, "verify", hr_mamuju)
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    explained = (await mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation")).json()
    assert explained["overrides"][0]["approver"] == "ppk-mamuju"
    assert explained["check_runs"][-1]["trigger"] == "verify"
    assert {r["trigger"] for r in explained["check_runs"]} == {"create", "override", "verify"}


async def test_the_employee_objects_and_the_approver_answers(world):
    settings, _app, mutation, province = world
    andi = province.nips[0]
    andi_self = as_(settings, "employee", nip=andi, name="andi")
    ppk_majene = as_(settings, "approver", agencies=[MAJENE], name="ppk-majene")
    proposal = (
        await mutation.post(
            "/api/v1/mutations",
            json={"nip": andi, "target_position_id": province.target_position, "reason": "Rotasi"},
        )
    ).json()
    await upload_file(mutation, proposal["id"])
    for action in ("submit", "verify"):
        proposal = (await step(mutation, proposal, action)).json()
    bare = await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/responses", json={"response": "objected"}, headers=andi_self
    )
    assert bare.status_code == 422
    objected = await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/responses",
        json={"response": "objected", "reason": "Orang tua sakit di Majene"},
        headers=andi_self,
    )
    assert objected.status_code == 201 and objected.json()["open_objections"] == 1
    waiting = (await mutation.get("/api/v1/mutations/objections", headers=ppk_majene)).json()
    assert [(o["nip"], o["reason"]) for o in waiting] == [(andi, "Orang tua sakit di Majene")]
    held = await step(mutation, objected.json(), "release", ppk_majene)
    assert held.status_code == 409 and held.json()["type"] == "/problems/objection-open"
    answered = await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/responses/{waiting[0]['id']}/answer",
        json={"decision": "dismissed", "note": "Kebutuhan organisasi; cuti pendampingan diberikan"},
        headers=ppk_majene,
    )
    assert answered.status_code == 200 and answered.json()["open_objections"] == 0
    released = await step(mutation, answered.json(), "release", ppk_majene)
    assert released.status_code == 200 and released.json()["state"] == "origin_released"
    explained = (
        await mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation", headers=andi_self)
    ).json()
    assert explained["responses"][0]["state"] == "dismissed"
    assert (await mutation.get("/api/v1/mutations/objections", headers=ppk_majene)).json() == []


async def test_overdue_files_are_listed(world):
    _settings, app, mutation, province = world
    made = []
    for nip in province.nips[:2]:
        proposal = (
            await mutation.post(
                "/api/v1/mutations",
                json={"nip": nip, "target_position_id": province.target_position, "reason": "Rotasi"},
            )
        ).json()
        await upload_file(mutation, proposal["id"])
        for action in ("submit", "verify"):
            proposal = (await step(mutation, proposal, action)).json()
        made.append(proposal)
    assert made[0]["due_at"] is not None and not made[0]["overdue"]
    late = clock.now() - timedelta(days=16)
    async with app.state.runtime.db.connect() as connection:
        # Verified 16 days ago: past the 15-day SLA.
        await connection.execute(
            update(proposals)
            .where(proposals.c.id == UUID(made[0]["id"]))
            .values(verified_at=late, due_at=late + timedelta(days=15))
        )
        await connection.commit()
    overdue = (await mutation.get("/api/v1/mutations?overdue=true")).json()["items"]
    assert [(p["id"], p["overdue"]) for p in overdue] == [(made[0]["id"], True)]


async def test_the_file_keeps_checksums_and_refuses_what_is_not_a_document(world):
    settings, app, mutation, province = world
    proposal = (
        await mutation.post(
            "/api/v1/mutations",
            json={
                "nip": province.nips[0],
                "target_position_id": province.target_position,
                "reason": "Rotasi",
            },
        )
    ).json()
    url = f"/api/v1/mutations/{proposal['id']}/documents"
    fake = await mutation.post(
        url, data={"kind": "pns_status"}, files={"file": ("sk.pdf", b"MZ not a pdf", "application/pdf")}
    )
    assert fake.status_code == 422
    wrong = await mutation.post(
        url, data={"kind": "pns_status"}, files={"file": ("sk.exe", PDF, "application/x-msdownload")}
    )
    assert wrong.status_code == 422
    # Outside the proposal's agencies a write is refused as such; a read still finds nothing.
    outsider = as_(settings, "hr_officer", agencies=["7101"])
    assert (
        await mutation.post(
            url,
            data={"kind": "pns_status"},
            files={"file": ("a.pdf", PDF, "application/pdf")},
            headers=outsider,
        )
    ).status_code == 403
    assert (await mutation.get(url, headers=outsider)).status_code == 404
    assert await _count(app, documents) == 0

    (stored,) = await upload_file(mutation, proposal["id"], ("pns_status",))
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()
    got = await mutation.get(f"{url}/{stored['id']}")
    assert got.status_code == 200 and got.content == PDF and got.headers["ETag"] == f'"{stored["sha256"]}"'
    listed = (await mutation.get(url)).json()
    assert [d["kind"] for d in listed] == ["pns_status"]
    explained = (await mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation")).json()
    assert (
        "pns_status" not in explained["missing_documents"] and "target_abk" in explained["missing_documents"]
    )

    for path in (settings.var_dir / "mutation" / "documents").rglob("*.pdf"):
        path.write_bytes(PDF + b"% changed\n")
    altered = await mutation.get(f"{url}/{stored['id']}")
    assert altered.status_code == 409 and altered.json()["type"] == "/problems/file-altered"


async def test_an_agency_publishes_a_policy_version_and_checks_name_it(world):
    settings, _app, mutation, province = world
    policy_url = f"/api/v1/mutation-policies/{MAMUJU}"
    defaults = await mutation.get(policy_url)
    assert defaults.json()["version"] == 0 and defaults.json()["settings"]["min_posting_years"] == 2
    hr = as_(settings, "hr_officer", agencies=[MAMUJU])
    ppk = as_(settings, "approver", agencies=[MAMUJU], name="ppk-mamuju")
    change = {"warn_only": ["target_room"], "sla_days": 10, "note": "Formasi darurat tenaga kesehatan"}
    assert (await mutation.put(policy_url, json=change, headers=ppk)).status_code == 428
    assert (
        await mutation.put(policy_url, json=change, headers={"If-Match": 'W/"0"', **hr})
    ).status_code == 403
    bad = await mutation.put(
        policy_url, json={"warn_only": ["no_such_rule"]}, headers={"If-Match": 'W/"0"', **ppk}
    )
    assert bad.status_code == 422
    published = await mutation.put(policy_url, json=change, headers={"If-Match": 'W/"0"', **ppk})
    assert published.status_code == 200 and published.json()["version"] == 1
    assert (
        await mutation.put(policy_url, json=change, headers={"If-Match": 'W/"0"', **ppk})
    ).status_code == 412

    proposal = (
        await mutation.post(
            "/api/v1/mutations",
            json={
                "nip": province.nips[0],
                "target_position_id": province.target_position,
                "reason": "Rotasi",
            },
        )
    ).json()
    assert proposal["policy"] == {"agency_code": MAMUJU, "version": 1}
    versions = (await mutation.get(f"{policy_url}/versions")).json()
    assert [(v["version"], v["created_by"]) for v in versions] == [(1, "ppk-mamuju")]
