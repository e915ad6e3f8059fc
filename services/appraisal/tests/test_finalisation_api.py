"""Finalising an evaluation point over HTTP: every violation of the distribution shows with its counts and
nothing changes until the ratings are fixed or the period's approver overrides with a reason; a final
evaluation can be objected to within the window and the objection's decision keeps both verdicts."""

import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    APPRAISER,
    APPROVER,
    BELOW,
    MEETS,
    OUTSIDER,
    REVIEWER,
    STAFF,
    as_person,
    finalise,
    if_match,
    nip,
    open_period,
    outbox_events,
    plan_skp,
    rate,
    register,
)
from shared.principal import Role
from shared.testing import serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]


async def test_a_distribution_the_organisation_predicate_forbids_is_refused_until_overridden(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(0), nip(1), nip(2))
        period = await open_period(client, organisation_predicate="baik")
        skps = [await plan_skp(client, period["id"], nip(i)) for i in range(3)]
        for skp in skps:
            assert (await rate(client, skp, "S1", "baik")).status_code == 200

        refused = await finalise(client, period["id"], "S1")
        assert refused.status_code == 409
        body = refused.json()
        assert body["type"] == "/problems/distribution-violated"
        counts = {e["field"]: e["value"] for e in body["errors"]}
        assert counts == {
            "distribution.baik-max-baik": {
                "predicates": ["baik"],
                "limit": "at most",
                "allowed": 2,
                "actual": 3,
                "population": 3,
            },
            "distribution.baik-some-butuh-perbaikan-kurang": {
                "predicates": ["butuh_perbaikan", "kurang"],
                "limit": "at least",
                "allowed": 1,
                "actual": 0,
                "population": 3,
            },
        }
        preview = (
            await client.get(f"/api/v1/appraisal-periods/{period['id']}/points/S1/distribution")
        ).json()
        assert preview["counts"]["baik"] == 3 and not preview["final"]
        assert [v["rule"] for v in preview["violations"]] == [
            "baik-max-baik",
            "baik-some-butuh-perbaikan-kurang",
        ]

        # Someone acting themself who is not the period's approver cannot override.
        outsider = as_person(app, OUTSIDER, Role.APPROVER)
        by_outsider = await finalise(client, period["id"], "S1", override_by=OUTSIDER, as_=outsider)
        assert by_outsider.status_code == 403 and by_outsider.json()["type"] == "/problems/not-the-approver"
        unchanged = (await client.get(f"/api/v1/appraisal-periods/{period['id']}")).json()
        assert unchanged["version"] == period["version"]
        assert all(p["finalisation"] is None for p in unchanged["points"])
        assert await outbox_events(app, "asn.appraisal.evaluation.finalised") == []

        approver = as_person(app, APPROVER, Role.APPROVER)
        overridden = await finalise(client, period["id"], "S1", override_by=APPROVER, as_=approver)
        assert overridden.status_code == 200, overridden.text
        assert overridden.json()["overridden_by"] == APPROVER
        assert overridden.json()["override_reason"] == "ditetapkan PPK"
        assert len(overridden.json()["violations"]) == 2

        (announced,) = await outbox_events(app, "asn.appraisal.period.finalised")
        assert announced["data"]["counts"]["baik"] == 3 and announced["data"]["overridden_by"] == APPROVER
        evaluations = await outbox_events(app, "asn.appraisal.evaluation.finalised")
        assert sorted(e["subject"] for e in evaluations) == [nip(0), nip(1), nip(2)]
        assert {(e["data"]["period"], e["data"]["predicate"], e["agency"]) for e in evaluations} == {
            ("S1", "baik", "7601")
        }
        current = (await client.get(f"/api/v1/skp/{skps[0]['id']}")).json()
        assert (await rate(client, current, "S1", "sangat_baik")).status_code == 409
        again = await finalise(client, period["id"], "S1", override_by=APPROVER, as_=approver)
        assert again.status_code == 409


async def test_fixing_the_ratings_lets_the_point_finalise_without_override(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(0), nip(1), nip(2), nip(9))
        period = await open_period(client, organisation_predicate=None)
        skps = [await plan_skp(client, period["id"], nip(i)) for i in range(3)]
        await rate(client, skps[0], "annual", "baik")
        missing = await finalise(client, period["id"], "annual")
        assert missing.status_code == 409 and missing.json()["type"] == "/problems/ratings-missing"
        assert [e["value"] for e in missing.json()["errors"]] == [nip(1), nip(2)]

        await rate(client, skps[1], "annual", "baik")
        await rate(client, skps[2], "annual", "butuh_perbaikan")
        no_predicate = await finalise(client, period["id"], "annual")
        assert no_predicate.json()["type"] == "/problems/organisation-predicate-missing"
        stale = await client.patch(
            f"/api/v1/appraisal-periods/{period['id']}",
            json={"organisation_predicate": "baik"},
            headers={"If-Match": 'W/"0"'},
        )
        assert stale.status_code == 412
        fixed_cadence = await client.patch(
            f"/api/v1/appraisal-periods/{period['id']}",
            json={"frequency": "monthly"},
            headers=if_match(period),
        )
        assert fixed_cadence.status_code == 422 and fixed_cadence.json()["errors"][0]["field"] == "frequency"
        revised = await client.patch(
            f"/api/v1/appraisal-periods/{period['id']}",
            json={"organisation_predicate": "baik"},
            headers=if_match(period),
        )
        assert revised.status_code == 200, revised.text

        finalised = await finalise(client, period["id"], "annual")
        assert finalised.status_code == 200, finalised.text
        assert finalised.json()["violations"] == [] and finalised.json()["overridden_by"] is None
        assert finalised.json()["counts"] == {
            "sangat_baik": 0,
            "baik": 2,
            "butuh_perbaikan": 1,
            "kurang": 0,
            "sangat_kurang": 0,
        }
        late = await client.post(
            "/api/v1/skp",
            json={
                "period_id": period["id"],
                "nip": nip(9),
                "appraiser_nip": skps[0]["appraiser_nip"],
                "position_type": "pelaksana",
                "indicators": [{k: skps[0]["indicators"][0][k] for k in ("description", "target")}],
            },
        )
        assert late.status_code == 409 and late.json()["type"] == "/problems/period-closed"


async def test_an_objection_is_decided_by_the_appraisers_supervisor_and_history_keeps_both(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        employee = nip(1)
        skp = await plan_skp(client, period["id"], employee)
        rated = (await rate(client, skp, "annual", "butuh_perbaikan")).json()
        objections = f"/api/v1/skp/{skp['id']}/evaluations/annual/objections"
        as_employee = as_person(app, employee, Role.EMPLOYEE)
        early = await client.post(
            objections, json={"nip": employee, "reason": "Target tercapai"}, headers=as_employee
        )
        assert early.status_code == 409  # not final yet
        assert (await finalise(client, period["id"], "annual")).status_code == 200

        by_other = await client.post(
            objections, json={"nip": APPRAISER, "reason": "x"}, headers=as_person(app, APPRAISER)
        )
        assert by_other.status_code == 403 and by_other.json()["type"] == "/problems/not-the-employee"
        filed = await client.post(
            objections, json={"nip": employee, "reason": "Realisasi 12 dari 12 laporan"}, headers=as_employee
        )
        assert filed.status_code == 201, filed.text
        (objection,) = filed.json()["objections"]
        assert objection["original"]["predicate"] == "butuh_perbaikan" and objection["decision"] is None
        assert filed.json()["version"] == rated["version"] + 1
        assert objection["entered_by"] is None and objection["on_behalf_reason"] is None
        twice = await client.post(objections, json={"nip": employee, "reason": "lagi"}, headers=as_employee)
        assert twice.status_code == 409 and twice.json()["type"] == "/problems/already-objected"

        decision = f"/api/v1/skp/{skp['id']}/objections/{objection['id']}/decision"
        upheld = {"decision": "upheld", "note": "Bukti lengkap", "results": MEETS, "behaviour": MEETS}
        by_appraiser = await client.post(
            decision, json={**upheld, "decider_nip": APPRAISER}, headers=as_person(app, APPRAISER)
        )
        assert by_appraiser.status_code == 403 and by_appraiser.json()["type"] == "/problems/not-the-reviewer"
        reviewer = as_person(app, REVIEWER)
        decided = await client.post(decision, json={**upheld, "decider_nip": REVIEWER}, headers=reviewer)
        assert decided.status_code == 200, decided.text
        (kept,) = decided.json()["objections"]
        assert (kept["decision"], kept["original"]["predicate"], kept["revised"]["predicate"]) == (
            "upheld",
            "butuh_perbaikan",
            "baik",
        )
        (evaluation,) = decided.json()["evaluations"]
        assert evaluation["predicate"] == "baik" and evaluation["finalised_at"] is not None
        again = await client.post(
            decision, json={**upheld, "decider_nip": REVIEWER, "decision": "rejected"}, headers=reviewer
        )
        assert again.status_code == 409

        revisions = await outbox_events(app, "asn.appraisal.evaluation.finalised")
        assert [(e["data"]["predicate"], e["data"]["objection_id"]) for e in revisions] == [
            ("butuh_perbaikan", None),
            ("baik", objection["id"]),
        ]


async def test_a_rejected_objection_leaves_the_evaluation(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF, nip(1))
        period = await open_period(client)
        employee = nip(1)
        skp = await plan_skp(client, period["id"], employee)
        await rate(client, skp, "S1", "kurang")
        await finalise(client, period["id"], "S1")
        filed = await client.post(
            f"/api/v1/skp/{skp['id']}/evaluations/S1/objections",
            json={"nip": employee, "reason": "keberatan"},
            headers=as_person(app, employee, Role.EMPLOYEE),
        )
        objection = filed.json()["objections"][0]["id"]
        decision = f"/api/v1/skp/{skp['id']}/objections/{objection}/decision"
        reviewer = as_person(app, REVIEWER)
        with_ratings = await client.post(
            decision,
            json={"decider_nip": REVIEWER, "decision": "rejected", "note": "x", "results": BELOW},
            headers=reviewer,
        )
        assert with_ratings.status_code == 422
        rejected = await client.post(
            decision,
            json={"decider_nip": REVIEWER, "decision": "rejected", "note": "Bukti tidak cukup"},
            headers=reviewer,
        )
        assert rejected.status_code == 200
        assert rejected.json()["evaluations"][0]["predicate"] == "kurang"
        assert rejected.json()["objections"][0]["revised"] is None
        assert len(await outbox_events(app, "asn.appraisal.evaluation.finalised")) == 1
