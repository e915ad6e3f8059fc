"""Pull and reconcile against the SIASN fake on 127.0.0.1: a person's differences queued field by field and
decided both ways (accepted: our record changed by its command, with its event; rejected: unchanged), a
person only SIASN holds registered from it, an agency of 1,000 pulled as a job, tokens expiring mid-run
renewed, a wrong credential named, and SIASN switched off answered with what to set."""

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.employee.adapters.tables import outbox
from services.employee.app import create_app
from services.employee.siasn.fake import SiasnState, demo_agency
from services.employee.siasn.tests.support import ServedFake, served_fake
from shared.principal import Role
from shared.testing import auth_headers, define_agencies, eventually, principal, serve_in_process

pytestmark = pytest.mark.integration

AGENCY = "7601"
OTHER = "7301"


@dataclass
class Served:
    client: httpx.AsyncClient
    fake: ServedFake
    app: Any


@asynccontextmanager
async def platform(make_settings: Any, state: SiasnState, **siasn: Any) -> AsyncIterator[Served]:
    """The employee service with SIASN pointed at the fake, agencies 7601 (linked to the fake's instansi) and
    7301."""
    async with served_fake(state) as fake:
        base = (await make_settings("employee")).model_dump()
        app = create_app(fake.settings(**{**base, **siasn}))
        async with serve_in_process(app) as client:
            await define_agencies(client, AGENCY, OTHER)
            linked = await client.put(
                f"/api/v1/siasn/identities/agency/{AGENCY}", json={"siasn_id": state.instansi_id}
            )
            assert linked.status_code == 200, linked.text
            yield Served(client, fake, app)


async def _events(app: Any, kind: str) -> list[str]:
    async with app.state.runtime.db.connect() as connection:
        rows = await connection.execute(select(outbox.c.key).where(outbox.c.type == kind))
        return [row.key for row in rows]


def _dmy_to_iso(value: str) -> str:
    day, month, year = value.split("-")
    return f"{year}-{month}-{day}"


async def _unit_with_position(
    client: httpx.AsyncClient, name: str, unor: str | None, jabatan: str | None
) -> str:
    unit = await client.post("/api/v1/units", json={"agency_code": AGENCY, "name": name, "kind": "bidang"})
    assert unit.status_code == 201, unit.text
    position = await client.post(
        "/api/v1/positions",
        json={
            "unit_id": unit.json()["id"],
            "name": f"Jabatan {name}",
            "type": "pelaksana",
            "job_class": 7,
            "authorised_headcount": 5,
        },
    )
    assert position.status_code == 201, position.text
    if unor:
        answer = await client.put(
            f"/api/v1/siasn/identities/unit/{unit.json()['id']}", json={"siasn_id": unor}
        )
        assert answer.status_code == 200, answer.text
    if jabatan:
        answer = await client.put(
            f"/api/v1/siasn/identities/position/{position.json()['id']}", json={"siasn_id": jabatan}
        )
        assert answer.status_code == 200, answer.text
    return str(position.json()["id"])


async def _differences(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    answer = await client.get("/api/v1/siasn/differences", params={"limit": 500, **params})
    assert answer.status_code == 200, answer.text
    return {item["field"]: item for item in answer.json()["items"]}


async def _pull(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/siasn/pulls", params={"wait": "true"}, json={"agency_code": AGENCY, **body}
    )
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert job["state"] == "succeeded", job
    return dict(job["result"])


async def test_a_person_is_pulled_and_each_difference_decided_either_way(make_settings):
    state = demo_agency(seed=11, people=3)
    person, newcomer = list(state.people.values())[:2]
    du = person.data_utama
    old_rank, new_rank = person.riwayat["golongan"]
    async with platform(make_settings, state) as served:
        client = served.client
        # Ours: a unit SIASN's unor is not linked to; SIASN's unor and jabatan linked to another of ours.
        ours_position = await _unit_with_position(client, "Lama", None, None)
        jabatan = du["jabatanFungsionalId"] or du["jabatanFungsionalUmumId"]
        siasn_position = await _unit_with_position(client, "Baru", du["unorId"], jabatan)
        registered = await client.post(
            "/api/v1/employees",
            json={
                "nip": person.nip,
                "name": "Nama Lama",
                "back_title": du["gelarBelakang"] or None,
                "birth_date": _dmy_to_iso(du["tglLahir"]),
                "birth_place": "Kota Lama",
                "gender": du["jenisKelamin"],
                "nik": du["nik"],
                "agency_code": AGENCY,
                "position_id": ours_position,
                "position_tmt": _dmy_to_iso(du["tmtCpns"]),
                "tmt_cpns": _dmy_to_iso(du["tmtCpns"]),
                "tmt_pns": _dmy_to_iso(du["tmtPns"]),
                "rank_code": old_rank["golongan"],
                "rank_tmt": _dmy_to_iso(old_rank["tmtGolongan"]),
            },
        )
        assert registered.status_code == 201, registered.text

        result = await _pull(client, nips=[person.nip, newcomer.nip])
        assert result["pulled"] == 2 and result["linked"] == 1 and result["registrable"] == 1, result

        queued = await _differences(client, nip=person.nip)
        assert set(queued) == {"name", "birth_place", "rank", "placement", "education"}, queued
        assert all(d["state"] == "open" for d in queued.values())
        assert queued["name"]["ours"] == "Nama Lama" and queued["name"]["theirs"] == du["nama"]
        assert queued["rank"]["theirs"]["code"] == new_rank["golongan"]
        assert queued["placement"]["theirs"]["position_id"] == siasn_position
        linked = await client.get(f"/api/v1/siasn/identities/employee/{person.nip}")
        assert linked.json()["siasn_id"] == person.pns_id.upper()

        # Accepted: each through its command, with its event.
        for name in ("name", "rank", "placement"):
            accepted = await client.post(f"/api/v1/siasn/differences/{queued[name]['id']}/accept")
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["state"] == "accepted"
        record = (await client.get(f"/api/v1/employees/{person.nip}")).json()
        assert record["name"] == du["nama"]
        assert record["rank_code"] == new_rank["golongan"]
        assert record["position_id"] == siasn_position
        for kind in ("updated", "rank-changed", "position-changed"):
            assert person.nip in await _events(served.app, f"asn.employee.employee.{kind}")
        assert len(await _events(served.app, "asn.employee.siasn.difference-accepted")) == 3

        # Rejected: ours stays.
        rejected = await client.post(f"/api/v1/siasn/differences/{queued['birth_place']['id']}/reject")
        assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
        assert (await client.get(f"/api/v1/employees/{person.nip}")).json()["birth_place"] == "Kota Lama"
        assert await _events(served.app, "asn.employee.siasn.difference-rejected") == [person.nip]

        # No command changes education: refused naming the field, the difference still open.
        refused = await client.post(f"/api/v1/siasn/differences/{queued['education']['id']}/accept")
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["field"] == "education"
        again = await client.post(f"/api/v1/siasn/differences/{queued['name']['id']}/accept")
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "state"

        # Pulled again: the accepted stay accepted, the rejected stays rejected (SIASN holds the same
        # value), the open one keeps its `since`; a change in SIASN reopens the rejected one.
        state.people[person.nip].data_utama["nama"] = du["nama"]
        await _pull(client, nips=[person.nip])
        after = await _differences(client, nip=person.nip)
        assert {f: d["state"] for f, d in after.items()} == {
            "name": "accepted",
            "birth_place": "rejected",
            "rank": "accepted",
            "placement": "accepted",
            "education": "open",
        }
        assert after["education"]["since"] == queued["education"]["since"]
        du["tempatLahir"] = "Kota Baru"
        await _pull(client, nips=[person.nip])
        reopened = (await _differences(client, nip=person.nip))["birth_place"]
        assert reopened["state"] == "open" and reopened["theirs"] == "Kota Baru"
        assert reopened["since"] > queued["birth_place"]["since"] and reopened["decided_by"] is None
        # Ours made equal to SIASN's: resolved at the next pull.
        current = await client.get(f"/api/v1/employees/{person.nip}")
        patched = await client.patch(
            f"/api/v1/employees/{person.nip}",
            json={"birth_place": "Kota Baru"},
            headers={"If-Match": current.headers["etag"]},
        )
        assert patched.status_code == 200, patched.text
        await _pull(client, nips=[person.nip])
        assert (await _differences(client, nip=person.nip))["birth_place"]["state"] == "resolved"

        # A person only SIASN holds: registered from SIASN when accepted, and linked to it.
        record_difference = (await _differences(client, nip=newcomer.nip))["record"]
        assert (
            record_difference["ours"] is None
            and record_difference["theirs"]["name"] == newcomer.data_utama["nama"]
        )
        accepted = await client.post(f"/api/v1/siasn/differences/{record_difference['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        newcomer_record = await client.get(f"/api/v1/employees/{newcomer.nip}")
        assert (
            newcomer_record.status_code == 200
            and newcomer_record.json()["name"] == newcomer.data_utama["nama"]
        )
        assert newcomer.nip in await _events(served.app, "asn.employee.employee.registered")
        linked = await client.get(f"/api/v1/siasn/identities/employee/{newcomer.nip}")
        assert linked.json()["siasn_id"] == newcomer.pns_id.upper()


async def test_decisions_and_pulls_stay_within_the_callers_agencies(make_settings):
    state = demo_agency(seed=12, people=2)
    newcomer = next(iter(state.people.values()))
    async with platform(make_settings, state) as served:
        client = served.client
        await _pull(client, nips=[newcomer.nip])
        difference = (await _differences(client, nip=newcomer.nip))["record"]
        settings = served.app.state.runtime.settings
        outsider = auth_headers(settings, principal(Role.HR_OFFICER, agencies=[OTHER]))
        own = auth_headers(settings, principal(Role.HR_OFFICER, agencies=[AGENCY]))

        refused = await client.post(f"/api/v1/siasn/differences/{difference['id']}/reject", headers=outsider)
        assert refused.status_code == 403, refused.text
        bulk = await client.post(
            "/api/v1/siasn/differences/decisions",
            json={"ids": [difference["id"]], "decision": "reject"},
            headers=outsider,
        )
        assert bulk.status_code == 403 and bulk.json()["errors"][0]["field"] == "ids", bulk.text
        listed = await client.get("/api/v1/siasn/differences", headers=outsider)
        assert listed.json()["items"] == []
        pull = await client.post("/api/v1/siasn/pulls", json={"agency_code": AGENCY}, headers=outsider)
        assert pull.status_code == 403 and pull.json()["errors"][0]["field"] == "agency_code", pull.text

        decided = await client.post(
            "/api/v1/siasn/differences/decisions",
            json={"ids": [difference["id"]], "decision": "reject"},
            headers=own,
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["decided"] == 1 and decided.json()["items"][0]["state"] == "rejected"
        assert (await client.get(f"/api/v1/employees/{newcomer.nip}")).status_code == 404


SIASN_COLUMNS = (
    "nipBaru",
    "nama",
    "gelarDepan",
    "gelarBelakang",
    "tglLahir",
    "tempatLahir",
    "jenisKelamin",
    "nik",
    "statusPegawai",
    "kedudukanPnsNama",
    "tmtCpns",
    "tmtPns",
    "golRuangAkhirId",
    "tmtGolAkhir",
    "instansiKerjaId",
    "id",
)


async def _import_people(client: httpx.AsyncClient, state: SiasnState) -> None:
    """Our register of the agency, from a SIASN extract of its people (without their unor and jabatan)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(SIASN_COLUMNS)
    for person in state.people.values():
        writer.writerow([person.data_utama[name] for name in SIASN_COLUMNS])
    job = await client.post(
        "/api/v1/employees/imports",
        params={"mapping": "siasn", "wait": "true"},
        files={"file": ("siasn.csv", text.getvalue().encode(), "text/csv")},
    )
    assert job.status_code == 200 and job.json()["state"] == "succeeded", job.text[:2000]


async def test_an_agency_of_a_thousand_is_pulled_as_a_job_and_decided_in_bulk(make_settings):
    state = demo_agency(seed=7601, people=1000)
    async with platform(make_settings, state) as served:
        client = served.client
        await _import_people(client, state)
        people = list(state.people.values())
        renamed = people[:20]
        for person in renamed:
            person.data_utama["nama"] = person.data_utama["nama"] + " Putra"

        answer = await client.post("/api/v1/siasn/pulls", json={"agency_code": AGENCY})
        assert answer.status_code == 202, answer.text
        job_path = answer.headers["location"]

        async def finished() -> dict[str, Any] | None:
            job = (await client.get(job_path)).json()
            return job if job["state"] not in ("queued", "running") else None

        job = await eventually(finished, timeout=240, interval=0.2, what="the agency's pull")
        assert job["state"] == "succeeded", job
        assert job["progress"]["pulled"] == 1000 and job["progress"]["total"] == 1000
        result = job["result"]
        assert result["pulled"] == 1000 and result["linked"] == 0 and result["failed"] == 0, result

        names = {}
        cursor = None
        while True:
            params = {"agency": AGENCY, "field": "name", "state": "open", "limit": 7}
            page = await client.get(
                "/api/v1/siasn/differences", params={**params, **({"cursor": cursor} if cursor else {})}
            )
            names.update({item["nip"]: item for item in page.json()["items"]})
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert set(names) == {p.nip for p in renamed}

        decided = await client.post(
            "/api/v1/siasn/differences/decisions",
            json={"ids": [d["id"] for d in names.values()], "decision": "accept"},
        )
        assert decided.status_code == 200 and decided.json()["decided"] == 20, decided.text
        for person in renamed[:3]:
            record = (await client.get(f"/api/v1/employees/{person.nip}")).json()
            assert record["name"] == person.data_utama["nama"]
        assert len(await _events(served.app, "asn.employee.employee.updated")) == 20


async def test_tokens_expired_mid_run_are_renewed_without_losing_the_run(make_settings):
    state = demo_agency(seed=21, people=200)
    async with platform(make_settings, state, siasn_pace_seconds=0.003) as served:
        client = served.client
        nips = sorted(state.people)
        answer = await client.post("/api/v1/siasn/pulls", json={"agency_code": AGENCY, "nips": nips})
        assert answer.status_code == 202, answer.text
        job_path = answer.headers["location"]

        async def under_way() -> bool:
            job = (await client.get(job_path)).json()
            return job["state"] == "running" and 0 < job["progress"].get("pulled", 0) < len(nips)

        await eventually(under_way, timeout=60, interval=0.01, what="the pull under way")
        issued = state.gateway_tokens_issued, state.sso_tokens_issued
        state.expire_tokens()

        async def finished() -> dict[str, Any] | None:
            job = (await client.get(job_path)).json()
            return job if job["state"] not in ("queued", "running") else None

        job = await eventually(finished, timeout=120, interval=0.1, what="the pull's end")
        assert job["state"] == "succeeded", job
        assert job["result"]["pulled"] == 200 and job["result"]["registrable"] == 200
        assert state.gateway_tokens_issued == issued[0] + 1
        assert state.sso_tokens_issued == issued[1] + 1


async def test_a_wrong_credential_fails_the_pull_naming_it(make_settings):
    state = demo_agency(seed=22, people=2)
    async with platform(make_settings, state, siasn_consumer_secret="not-the-secret") as served:
        answer = await served.client.post(
            "/api/v1/siasn/pulls",
            params={"wait": "true"},
            json={"agency_code": AGENCY, "nips": sorted(state.people)},
        )
        job = answer.json()
        assert job["state"] == "failed", job
        problem = job["problem"]
        assert problem["status"] == 502 and problem["type"].endswith("/siasn-credentials-rejected")
        assert "ASN_SIASN_CONSUMER_SECRET" in problem["detail"]
        assert "ASN_SIASN_CONSUMER_KEY" in problem["errors"][0]["field"]
        refreshed = await served.client.post("/api/v1/siasn/references/refresh")
        assert refreshed.status_code == 502 and "ASN_SIASN_CONSUMER_SECRET" in refreshed.json()["detail"]


async def test_reference_lists_are_fetched_kept_and_read_by_name(make_settings):
    state = demo_agency(seed=23, people=1)
    async with platform(make_settings, state) as served:
        client = served.client
        refreshed = await client.post("/api/v1/siasn/references/refresh")
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["lists"] == {
            "ref-unor": len(state.unors),
            **{name: len(items) for name, items in state.referensi.items()},
        }
        found = await client.get("/api/v1/siasn/references/ref-unor", params={"name": "bidang mutasi"})
        items = found.json()["items"]
        assert len(items) == 4 and all("Bidang Mutasi" in item["name"] for item in items)
        assert items[0]["parent_id"] and items[0]["data"]["NamaUnor"] == items[0]["name"]
        seen, cursor = [], None
        while True:
            page = await client.get(
                "/api/v1/siasn/references/golongan",
                params={"limit": 5, **({"cursor": cursor} if cursor else {})},
            )
            seen += [item["id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(item["id"] for item in state.referensi["golongan"])
        unknown = await client.get("/api/v1/siasn/references/agama")
        assert unknown.status_code == 422


async def test_siasn_switched_off_answers_what_to_set(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_agencies(client, AGENCY)
        for path, body in (
            ("/api/v1/siasn/pulls", {"agency_code": AGENCY}),
            ("/api/v1/siasn/references/refresh", None),
        ):
            answer = await client.post(path, json=body)
            assert answer.status_code == 409, answer.text
            problem = answer.json()
            assert problem["type"].endswith("/siasn-disabled")
            assert (
                "ASN_SIASN_ENABLED" in problem["detail"]
                and problem["errors"][0]["field"] == "ASN_SIASN_ENABLED"
            )
        listed = await client.get("/api/v1/siasn/differences")
        assert listed.status_code == 200 and listed.json()["items"] == []
