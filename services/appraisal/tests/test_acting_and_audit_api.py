"""Who acts is who is recorded: an HR officer enters an absent appraiser's rating only as an entry on their
behalf, with a reason, which the SKP shows and the audit chain keeps; nobody overrides the distribution or
decides an objection on someone else's behalf; every finalisation and override lands in the appraisal
service's own hash chain, which auditors read and verify, and which names a tampered row."""

import pytest
from sqlalchemy import delete, select, update

from services.appraisal.adapters.tables import audit_log
from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    APPRAISER,
    APPROVER,
    CORE_VALUES,
    MEETS,
    OUTSIDER,
    REVIEWER,
    STAFF,
    as_person,
    finalise,
    if_match,
    nip,
    open_period,
    plan_skp,
    rate,
    register,
)
from shared.principal import Role
from shared.testing import auth_headers, principal, serve_in_process

pytestmark = pytest.mark.integration

PAPER = "Pejabat penilai dinas luar; formulir penilaian bertanda tangan diserahkan ke BKPSDM"
RATING = {"results": MEETS, "behaviour": MEETS, "behaviour_values": dict.fromkeys(CORE_VALUES, MEETS)}


def fields(answer) -> set[str]:
    return {problem["field"] for problem in answer.json()["errors"]}


def staff(app, role: str, subject: str, *, agencies=("7601",)) -> dict[str, str]:
    """An account without a NIP (an HR officer, an auditor)."""
    return auth_headers(app.state.runtime.settings, principal(role, agencies=agencies, subject=subject))


async def audit_of(client, subject_id: str, auditor: dict[str, str]) -> list[dict]:
    answer = await client.get("/api/v1/appraisal/audit", params={"subject_id": subject_id}, headers=auditor)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_an_hr_officer_rates_in_the_appraisers_name_only_as_a_recorded_entry_with_a_reason(
    make_settings,
):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client, frequency="quarterly")
        skp = await plan_skp(client, period["id"], nip(1))
        url = f"/api/v1/skp/{skp['id']}/evaluations/Q2"
        hr = staff(app, "hr_officer", "bkd.7601")
        auditor = staff(app, "auditor", "auditor", agencies=None)

        silent = await client.put(
            url, json={"appraiser_nip": APPRAISER, **RATING}, headers={**if_match(skp), **hr}
        )
        assert silent.status_code == 403 and silent.json()["type"] == "/problems/acting-as-someone-else"
        assert fields(silent) == {"appraiser_nip", "on_behalf_reason"}
        assert (await client.get(f"/api/v1/skp/{skp['id']}")).json()["evaluations"] == []

        entered = await client.put(
            url,
            json={"appraiser_nip": APPRAISER, **RATING, "on_behalf_reason": PAPER},
            headers={**if_match(skp), **hr},
        )
        assert entered.status_code == 200, entered.text
        (evaluation,) = entered.json()["evaluations"]
        assert (evaluation["rated_by"], evaluation["entered_by"], evaluation["on_behalf_reason"]) == (
            APPRAISER,
            "bkd.7601",
            PAPER,
        )
        (entry,) = await audit_of(client, skp["id"], auditor)
        assert (entry["action"], entry["actor"], entry["subject_type"], entry["agency_code"]) == (
            "skp.rated-on-behalf",
            "bkd.7601",
            "skp",
            "7601",
        )
        assert entry["data"] == {
            "nip": nip(1),
            "year": period["year"],
            "on_behalf_of": APPRAISER,
            "reason": PAPER,
            "point": "Q2",
            "predicate": "baik",
        }

        # The appraiser correcting it themself enters it as themself: there is no one to give a reason for.
        appraiser = as_person(app, APPRAISER)
        with_reason = await client.put(
            url,
            json={"appraiser_nip": APPRAISER, **RATING, "on_behalf_reason": PAPER},
            headers={**if_match(entered.json()), **appraiser},
        )
        assert with_reason.status_code == 422 and fields(with_reason) == {"on_behalf_reason"}
        corrected = await rate(client, entered.json(), "Q2", "sangat_baik", as_=appraiser)
        assert corrected.status_code == 200, corrected.text
        (evaluation,) = corrected.json()["evaluations"]
        assert (evaluation["predicate"], evaluation["entered_by"], evaluation["on_behalf_reason"]) == (
            "sangat_baik",
            None,
            None,
        )

        # Anyone else naming the appraiser is refused, reason or not.
        for who in (as_person(app, OUTSIDER), as_person(app, REVIEWER, Role.APPROVER)):
            impersonating = await client.put(
                url,
                json={"appraiser_nip": APPRAISER, **RATING, "on_behalf_reason": PAPER},
                headers={**if_match(corrected.json()), **who},
            )
            assert impersonating.status_code == 403 and fields(impersonating) == {"appraiser_nip"}
        assert len(await audit_of(client, skp["id"], auditor)) == 1


async def test_nobody_overrides_the_distribution_or_decides_an_objection_on_someone_elses_behalf(
    make_settings,
):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(0), nip(1), nip(2))
        period = await open_period(client, organisation_predicate="baik")
        skps = [await plan_skp(client, period["id"], nip(i)) for i in range(3)]
        for skp in skps:
            assert (await rate(client, skp, "S1", "baik", as_=as_person(app, APPRAISER))).status_code == 200
        hr = staff(app, "hr_officer", "bkd.7601")
        auditor = staff(app, "auditor", "auditor", agencies=None)

        for who in (hr, as_person(app, OUTSIDER, Role.APPROVER)):
            on_behalf = await client.post(
                f"/api/v1/appraisal-periods/{period['id']}/points/S1/finalisation",
                json={"override": {"approver_nip": APPROVER, "reason": "Atas arahan PPK"}},
                headers=who,
            )
            assert on_behalf.status_code == 403, on_behalf.text
            assert on_behalf.json()["type"] == "/problems/acting-as-someone-else"
            assert fields(on_behalf) == {"override.approver_nip"}
        unchanged = (await client.get(f"/api/v1/appraisal-periods/{period['id']}")).json()
        assert all(p["finalisation"] is None for p in unchanged["points"])
        assert await audit_of(client, period["id"], auditor) == []

        approver = as_person(app, APPROVER, Role.APPROVER)
        overridden = await finalise(client, period["id"], "S1", override_by=APPROVER, as_=approver)
        assert overridden.status_code == 200 and overridden.json()["overridden_by"] == APPROVER

        objection = await client.post(
            f"/api/v1/skp/{skps[0]['id']}/evaluations/S1/objections",
            json={
                "nip": nip(0),
                "reason": "Surat keberatan tertulis",
                "on_behalf_reason": "Diserahkan di loket",
            },
            headers=hr,
        )
        assert objection.status_code == 201, objection.text
        (filed,) = objection.json()["objections"]
        assert (filed["filed_by"], filed["entered_by"]) == (nip(0), "bkd.7601")
        decision = f"/api/v1/skp/{skps[0]['id']}/objections/{filed['id']}/decision"
        by_hr = await client.post(
            decision,
            json={"decider_nip": REVIEWER, "decision": "rejected", "note": "Bukti kurang"},
            headers=hr,
        )
        assert by_hr.status_code == 403 and fields(by_hr) == {"decider_nip"}
        by_reviewer = await client.post(
            decision,
            json={"decider_nip": REVIEWER, "decision": "rejected", "note": "Bukti kurang"},
            headers=as_person(app, REVIEWER),
        )
        assert by_reviewer.status_code == 200, by_reviewer.text
        assert [e["action"] for e in await audit_of(client, skps[0]["id"], auditor)] == [
            "skp.objection-on-behalf",
            "skp.objection-decided",
        ]


async def test_overrides_and_finalisations_land_in_the_chain_which_names_a_tampered_row(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(0), nip(1), nip(2))
        period = await open_period(client, organisation_predicate="baik")
        skps = [await plan_skp(client, period["id"], nip(i)) for i in range(3)]
        for skp, (s1, s2) in zip(
            skps, (("baik", "baik"), ("baik", "baik"), ("baik", "butuh_perbaikan")), strict=True
        ):
            rated = await rate(client, skp, "S1", s1, as_=as_person(app, APPRAISER))
            assert (
                await rate(client, rated.json(), "S2", s2, as_=as_person(app, APPRAISER))
            ).status_code == 200
        approver = as_person(app, APPROVER, Role.APPROVER)
        assert (
            await finalise(client, period["id"], "S1", override_by=APPROVER, as_=approver)
        ).status_code == 200
        assert (await finalise(client, period["id"], "S2")).status_code == 200

        auditor = staff(app, "auditor", "auditor", agencies=None)
        overridden, finalised = await audit_of(client, period["id"], auditor)
        assert (overridden["action"], overridden["actor"], overridden["subject_type"]) == (
            "period.point-overridden",
            f"akun-{APPROVER}",
            "appraisal_period",
        )
        assert overridden["data"]["overridden_by"] == APPROVER
        assert overridden["data"]["override_reason"] == "ditetapkan PPK"
        assert overridden["data"]["violations"] == ["baik-max-baik", "baik-some-butuh-perbaikan-kurang"]
        assert (finalised["action"], finalised["data"]["point"], finalised["data"]["overridden_by"]) == (
            "period.point-finalised",
            "S2",
            None,
        )
        hr = staff(app, "hr_officer", "bkd.7601")
        assert (await client.get("/api/v1/appraisal/audit/verify", headers=hr)).status_code == 403
        verified = (await client.get("/api/v1/appraisal/audit/verify", headers=auditor)).json()
        assert verified["valid"] and verified["head_seq"] == finalised["seq"]

        db = app.state.runtime.db
        seq = overridden["seq"]
        async with db.connect() as connection:
            row = (await connection.execute(select(audit_log).where(audit_log.c.seq == seq))).one()
            forged = {**row.data, "override_reason": "sesuai distribusi", "violations": []}
            await connection.execute(update(audit_log).where(audit_log.c.seq == seq).values(data=forged))
            await connection.commit()
        broken = (await client.get("/api/v1/appraisal/audit/verify", headers=auditor)).json()
        assert not broken["valid"] and broken["first_bad_seq"] == seq and "altered" in broken["problem"]

        async with db.connect() as connection:
            await connection.execute(update(audit_log).where(audit_log.c.seq == seq).values(data=row.data))
            await connection.execute(delete(audit_log).where(audit_log.c.seq == seq))
            await connection.commit()
        gone = (await client.get("/api/v1/appraisal/audit/verify", headers=auditor)).json()
        assert not gone["valid"] and gone["first_bad_seq"] == seq and "missing" in gone["problem"]
