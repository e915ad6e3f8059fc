"""A point is rated from its end and finalised only after it, under the agency's policy (a grace before the
year's end for the annual point); the distribution caps have floors as well as ceilings, with the shares
and the organisation level (agency or work unit) the agency's policy sets."""

from datetime import datetime

import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import (
    STAFF,
    finalise,
    if_match,
    nip,
    open_period,
    plan_skp,
    rate,
    register,
)
from shared import clock
from shared.testing import auth_headers, principal, serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]

POLICY = "/api/v1/appraisal/policies/7601"


def problem(answer) -> str:
    return answer.json()["type"].removeprefix("/problems/")


async def set_policy(client, **values) -> dict:
    current = await client.get(POLICY)
    answer = await client.put(POLICY, json=values, headers={"If-Match": current.headers["etag"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_point_is_rated_from_its_end_and_finalised_only_after_it(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:  # on 2026-12-07
        await register(app, *STAFF, nip(1))
        next_year = await open_period(client, year=2027, frequency="quarterly")
        early = await plan_skp(client, next_year["id"], nip(1))
        not_yet = await rate(client, early, "Q1", "baik")
        assert not_yet.status_code == 409 and problem(not_yet) == "point-not-ended"
        assert "2027-03-31" in not_yet.json()["detail"]
        finalised_early = await finalise(client, next_year["id"], "Q1")
        assert finalised_early.status_code == 409 and problem(finalised_early) == "point-not-over"

        this_year = await open_period(client, year=2026, frequency="quarterly")
        skp = await plan_skp(client, this_year["id"], nip(1))
        for point in ("Q4", "annual"):
            refused = await rate(client, skp, point, "baik")
            assert refused.status_code == 409 and problem(refused) == "point-not-ended"
        rated = await rate(client, skp, "Q3", "baik")
        assert rated.status_code == 200, rated.text
        assert (await finalise(client, this_year["id"], "Q3")).status_code == 200

        # An agency that evaluates the year in December opens the annual rating a month early; the year is
        # still finalised only once it is over.
        policy = await set_policy(client, annual_rating_grace_days=31)
        assert policy["version"] == 1
        annual = await rate(client, rated.json(), "annual", "baik")
        assert annual.status_code == 200, annual.text
        assert (await rate(client, annual.json(), "Q4", "baik")).status_code == 409
        not_over = await finalise(client, this_year["id"], "annual")
        assert not_over.status_code == 409 and problem(not_over) == "point-not-over"
        assert (await client.get(f"/api/v1/appraisal-periods/{this_year['id']}")).json()["points"][-1][
            "finalisation"
        ] is None

        with clock.pinned(datetime(2027, 1, 4, 8, 0, tzinfo=clock.WIB)):
            q4 = await rate(client, annual.json(), "Q4", "baik")
            assert q4.status_code == 200, q4.text
            assert (await finalise(client, this_year["id"], "Q4")).status_code == 200
            assert (await finalise(client, this_year["id"], "annual")).status_code == 200


async def test_an_agency_policy_is_versioned_and_refuses_rules_that_cannot_hold(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        await register(app, *STAFF)
        regulation = await client.get(POLICY)
        assert regulation.status_code == 200 and regulation.headers["etag"] == 'W/"0"'
        rules = {rule["code"]: rule for rule in regulation.json()["distribution_rules"]}
        assert rules["istimewa-majority-sangat-baik"] == {
            "code": "istimewa-majority-sangat-baik",
            "organisation_predicate": "istimewa",
            "limit": "at least",
            "majority": True,
            "predicates": ["sangat_baik"],
            "percent": "50.00",
            "regulation_percent": "50.00",
        }
        assert (await client.put(POLICY, json={"distribution_level": "unit"})).status_code == 428
        contradictory = await client.put(
            POLICY,
            json={"distribution_shares": {"baik-max-baik": 40}},
            headers={"If-Match": 'W/"0"'},
        )
        assert contradictory.status_code == 422
        assert [e["field"] for e in contradictory.json()["errors"]] == [
            "distribution_shares.baik-majority-baik"
        ]
        hr_elsewhere = auth_headers(app.state.runtime.settings, principal("hr_officer", agencies=["7602"]))
        foreign = await client.put(POLICY, json={}, headers={"If-Match": 'W/"0"', **hr_elsewhere})
        assert foreign.status_code == 403

        stricter = await set_policy(client, distribution_shares={"istimewa-max-sangat-baik": 60})
        rules = {rule["code"]: rule for rule in stricter["distribution_rules"]}
        capped = rules["istimewa-max-sangat-baik"]
        assert (capped["percent"], capped["regulation_percent"]) == ("60.00", "70.00")
        same = await client.put(
            POLICY,
            json={"distribution_shares": {"istimewa-max-sangat-baik": 60}},
            headers={"If-Match": 'W/"1"'},
        )
        assert same.status_code == 200 and same.headers["etag"] == 'W/"1"'
        stale = await client.put(POLICY, json={}, headers={"If-Match": 'W/"0"'})
        assert stale.status_code == 412


async def test_an_istimewa_organisation_needs_a_majority_of_sangat_baik(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        people = [nip(i) for i in range(5)]
        await register(app, *STAFF, *people)
        period = await open_period(client, organisation_predicate="istimewa")
        skps = [await plan_skp(client, period["id"], person) for person in people]
        # 1 of 5 Sangat Baik (20%): within "at most 70%", but not "sebagian besar".
        for skp, predicate in zip(skps, ("sangat_baik", "baik", "baik", "baik", "baik"), strict=True):
            assert (await rate(client, skp, "S1", predicate)).status_code == 200
        refused = await finalise(client, period["id"], "S1")
        assert refused.status_code == 409, refused.text
        assert {
            e["field"]: (e["value"]["allowed"], e["value"]["actual"]) for e in refused.json()["errors"]
        } == {"distribution.istimewa-majority-sangat-baik": (3, 1)}


async def test_caps_per_work_unit_check_each_unit_against_its_own_predicate(make_settings):
    app = create_app(await make_settings("appraisal"))
    async with serve_in_process(app) as client:
        bidang_a, bidang_b = [nip(i) for i in range(3)], [nip(i) for i in range(3, 6)]
        await register(app, *STAFF)
        await register(app, *bidang_a, unit="bidang-a")
        await register(app, *bidang_b, unit="bidang-b")
        period = await open_period(client, organisation_predicate="istimewa")
        unknown_unit = await client.patch(
            f"/api/v1/appraisal-periods/{period['id']}",
            json={"unit_predicates": {"bidang-x": "baik"}},
            headers=if_match(period),
        )
        assert unknown_unit.status_code == 422
        assert [e["field"] for e in unknown_unit.json()["errors"]] == ["unit_predicates.bidang-x"]
        revised = await client.patch(
            f"/api/v1/appraisal-periods/{period['id']}",
            json={"unit_predicates": {"bidang-b": "baik"}},
            headers=if_match(period),
        )
        assert revised.status_code == 200 and revised.json()["unit_predicates"] == {"bidang-b": "baik"}
        ratings = dict(
            zip(
                bidang_a + bidang_b,
                ("sangat_baik", "sangat_baik", "baik", "baik", "baik", "butuh_perbaikan"),
                strict=True,
            )
        )
        for person, predicate in ratings.items():
            skp = await plan_skp(client, period["id"], person)
            assert skp["unit_id"] == ("bidang-a" if person in bidang_a else "bidang-b")
            assert (await rate(client, skp, "S1", predicate)).status_code == 200

        # Over the agency (the regulation's default): 2 of 6 Sangat Baik is no majority of an Istimewa agency.
        agency = (await client.get(f"/api/v1/appraisal-periods/{period['id']}/points/S1/distribution")).json()
        assert [(v["unit_id"], v["rule"]) for v in agency["violations"]] == [
            (None, "istimewa-majority-sangat-baik")
        ]
        await set_policy(client, distribution_level="unit")
        per_unit = await client.get(f"/api/v1/appraisal-periods/{period['id']}/points/S1/distribution")
        # Bidang A (Istimewa, the agency's): 2 of 3 Sangat Baik; Bidang B (Baik): 2 of 3 Baik, one below.
        assert per_unit.json()["violations"] == []
        assert (await finalise(client, period["id"], "S1")).status_code == 200
