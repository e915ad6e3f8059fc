"""Through the API, on the seeded demo province (Sulawesi Tengah) as the mutation service learns it from the
employee service's events: define a round, solve it, read the plan's explanations, run a what-if, compare
the two plans, read the fairness report, approve and publish the plan as mutation proposals."""

from collections import Counter
from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import func, select

from services.employee.adapters import tables as employee_tables
from services.employee.app import create_app as create_employee_app
from services.employee.demo.generator import generate
from services.employee.service.seeding import seed_province
from services.mutation.adapters.tables import employees, positions, proposals
from services.mutation.app import create_app as create_mutation_app
from services.mutation.placement.domain.explain import REASONS
from shared.testing import auth_headers, eventually, principal, serve_in_process
from shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

AS_OF = date(2026, 1, 1)
PROVINCE_AGENCY = "7200"


async def _count(app, query) -> int:
    async with app.state.runtime.db.connect() as connection:
        return int(await connection.scalar(query))


@pytest.fixture
async def province_world(make_settings):
    province = generate(seed=11, employees=900, as_of=AS_OF)
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    async with serve_in_process(employee_app), serve_in_process(mutation_app) as mutation:
        runtime = employee_app.state.runtime
        await seed_province(
            lambda: UnitOfWork(runtime.db, employee_tables.outbox, runtime.relay.wake, enclosed=True),
            province,
        )

        async def arrived() -> bool:
            people = await _count(mutation_app, select(func.count()).select_from(employees))
            assessed = await _count(
                mutation_app,
                select(func.count()).select_from(positions).where(positions.c.staff_needed.is_not(None)),
            )
            return people == len(province.employees) and assessed == len(province.positions)

        await eventually(arrived, timeout=180, what="the demo province in the mutation read models")
        # The platform's internal token lives a minute; the seed may have taken longer.
        mutation.headers.update(auth_headers(settings))
        yield settings, mutation_app, mutation, province


async def test_a_round_on_the_demo_province_is_solved_explained_compared_and_published(province_world):
    settings, app, mutation, province = province_world
    requester = next(
        d.employee for d in province.employees if d.employee.placement.agency_code == PROVINCE_AGENCY
    )
    body = {
        "name": "Pemerataan pegawai 2026",
        "scope": {"kind": "province", "code": PROVINCE_AGENCY},
        "pool": [
            {"kind": "over_staffed_units"},
            {"kind": "long_posting", "min_years": 5},
            {
                "kind": "self_requests",
                "requests": [{"nip": str(requester.nip), "preferred_locations": ["Palu"]}],
            },
        ],
        "reason": "Pemerataan pegawai sesuai analisis beban kerja",
        "weights": {"preference": 20},
    }

    # bad input changes nothing
    refused = await mutation.post("/api/v1/placement-rounds", json={**body, "weights": {"distance": -1}})
    assert refused.status_code == 422
    foreign = await mutation.post(
        "/api/v1/placement-rounds",
        json=body,
        headers=auth_headers(settings, principal("hr_officer", agencies=["7201"])),
    )
    assert foreign.status_code == 403
    assert (await mutation.get("/api/v1/placement-rounds")).json()["items"] == []

    created = await mutation.post("/api/v1/placement-rounds", json=body)
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    assert created.json()["weights"]["preference"] == 20 and created.json()["state"] == "draft"
    changed = await mutation.patch(
        f"/api/v1/placement-rounds/{round_id}",
        json={"weights": {"distance": 15}},
        headers={"If-Match": 'W/"1"'},
    )
    assert changed.status_code == 200 and changed.headers["ETag"] == 'W/"2"'
    assert changed.json()["weights"]["distance"] == 15 and changed.json()["weights"]["preference"] == 20
    stale = await mutation.patch(
        f"/api/v1/placement-rounds/{round_id}", json={"name": "Lain"}, headers={"If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    assert [r["id"] for r in (await mutation.get("/api/v1/placement-rounds")).json()["items"]] == [round_id]

    job = await mutation.post(f"/api/v1/placement-rounds/{round_id}/solutions", params={"wait": "true"})
    assert job.status_code == 200, job.text
    assert job.json()["state"] == "succeeded", job.json()
    assert job.json()["progress"]["step"] == 4
    plan_id = job.json()["result"]["plan_id"]
    polled = await mutation.get(f"/api/v1/mutation/jobs/{job.json()['id']}")
    assert polled.json()["result"]["plan_id"] == plan_id

    plan = (await mutation.get(f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}")).json()
    assert plan["optimality_gap"] == 0
    assert plan["moves"] > 0
    summary = plan["summary"]
    assert summary["open_seats_after"] < summary["open_seats_before"]
    snapshot = (await mutation.get(f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/snapshot")).json()
    assert snapshot["vacancies"] > 0 and snapshot["eligible_candidates"] > 0
    assert snapshot["rules"]["job_class_above"] == 0  # a move up the classes is a promotion (policy)

    moves = (
        await mutation.get(
            f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/moves", params={"limit": 500}
        )
    ).json()["items"]
    assert len(moves) == plan["moves"]
    assert sum(m["score"] for m in moves) == pytest.approx(plan["total_score"], abs=0.01)
    for move in moves:
        explanation = move["explanation"]
        points = sum(c["points"] for c in explanation["components"].values())
        assert points == pytest.approx(move["score"], abs=0.01)
        assert all(r["reduced_cost"] >= 0 for r in explanation["runners_up"])
        assert explanation["forbid_loss"] is not None and explanation["forbid_loss"] >= 0
        assert move["origin_unit_id"] != move["target_unit_id"]
        # a tie is exactly a plan without the move that scores the same; the reason says which it was
        assert explanation["tie"] == (explanation["forbid_loss"] == 0)
        assert explanation["reason"]["code"] in REASONS
        assert (explanation["reason"]["code"] == "tie_seniority") == explanation["tie"]
        for other in (explanation["best_other_candidate"], explanation["best_other_position"]):
            if other is not None:
                assert other["margin"] == pytest.approx(move["score"] - other["score"], abs=0.002)

    fairness = (await mutation.get(f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/fairness")).json()
    assert {g["dimension"] for g in fairness["groups"]} == {"gender", "rank_group", "age_band"}
    assert fairness["threshold"] == 0.8
    assert all(g["flags"] for g in fairness["flagged"])

    # what-if: the first move forbidden; the plan loses exactly what its explanation said
    first = moves[0]
    what_if = await mutation.post(
        f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/what-ifs",
        params={"wait": "true"},
        json={"forbids": [{"nip": first["nip"], "position_id": first["target_position_id"]}]},
    )
    assert what_if.status_code == 200 and what_if.json()["state"] == "succeeded", what_if.text
    other_id = what_if.json()["result"]["plan_id"]
    other = (await mutation.get(f"/api/v1/placement-rounds/{round_id}/plans/{other_id}")).json()
    assert other["kind"] == "what_if" and other["parent_id"] == plan_id and other["optimality_gap"] == 0
    assert plan["total_score"] - other["total_score"] == pytest.approx(
        first["explanation"]["forbid_loss"], abs=0.002
    )
    unknown = await mutation.post(
        f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/what-ifs",
        json={"locks": [{"nip": "199001012015011001", "position_id": first["target_position_id"]}]},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "locks.0.nip"

    comparison = (
        await mutation.get(
            f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/comparison", params={"with": other_id}
        )
    ).json()
    assert {"nip": first["nip"], "position_id": first["target_position_id"]} in comparison["only_in_a"]
    assert comparison["score_difference"] == pytest.approx(
        other["total_score"] - plan["total_score"], abs=0.01
    )
    assert comparison["units"] and {"ej_before", "ej_after_a", "ej_after_b"} <= set(comparison["units"][0])
    assert comparison["summary_a"]["spread_after"]["ej_std"] >= 0

    listed = (await mutation.get(f"/api/v1/placement-rounds/{round_id}/plans")).json()
    assert [p["id"] for p in listed] == [plan_id, other_id]

    # a unit's own limit: the unit that released most may release one fewer, and the new plan keeps to it
    busiest, most = Counter(m["origin_unit_id"] for m in moves).most_common(1)[0]
    etag = (await mutation.get(f"/api/v1/placement-rounds/{round_id}")).headers["ETag"]
    unknown_unit = await mutation.patch(
        f"/api/v1/placement-rounds/{round_id}",
        json={"unit_limits": [{"unit_id": busiest, "release_limit": 0}, {"unit_id": "no-such-unit"}]},
        headers={"If-Match": etag},
    )
    assert unknown_unit.status_code == 422
    assert [e["field"] for e in unknown_unit.json()["errors"]] == ["unit_limits.1.unit_id"]
    twice = await mutation.patch(
        f"/api/v1/placement-rounds/{round_id}",
        json={"unit_limits": [{"unit_id": busiest}, {"unit_id": busiest, "intake_limit": 1}]},
        headers={"If-Match": etag},
    )
    assert twice.status_code == 422
    limited = await mutation.patch(
        f"/api/v1/placement-rounds/{round_id}",
        json={"unit_limits": [{"unit_id": busiest, "release_limit": most - 1}]},
        headers={"If-Match": etag},
    )
    assert limited.status_code == 200, limited.text
    assert limited.json()["unit_limits"] == [
        {"unit_id": busiest, "release_limit": most - 1, "intake_limit": None}
    ]
    job = await mutation.post(f"/api/v1/placement-rounds/{round_id}/solutions", params={"wait": "true"})
    assert job.json()["state"] == "succeeded", job.json()
    capped_id = job.json()["result"]["plan_id"]
    capped = (
        await mutation.get(
            f"/api/v1/placement-rounds/{round_id}/plans/{capped_id}/moves", params={"limit": 500}
        )
    ).json()["items"]
    out_of_busiest = [m for m in capped if m["origin_unit_id"] == busiest]
    assert len(out_of_busiest) <= most - 1
    if len(out_of_busiest) == most - 1 and out_of_busiest:
        assert all(
            any(b["constraint"] == "release_cap" and b["by_limit"] for b in m["explanation"]["bound"])
            for m in out_of_busiest
        )

    # publish needs approval first, and the ETag read
    mutation.headers.update(auth_headers(settings))
    early = await mutation.post(
        f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/publication", headers={"If-Match": 'W/"1"'}
    )
    assert early.status_code == 409
    outdated = await mutation.post(
        f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/approval", headers={"If-Match": 'W/"7"'}
    )
    assert outdated.status_code == 412
    approved = await mutation.post(
        f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/approval", headers={"If-Match": 'W/"1"'}
    )
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    published = await mutation.post(
        f"/api/v1/placement-rounds/{round_id}/plans/{plan_id}/publication",
        headers={"If-Match": approved.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    mutation_round = UUID(published.json()["mutation_round_id"])
    assert published.json()["state"] == "published" and mutation_round

    async with app.state.runtime.db.connect() as connection:
        made = (
            await connection.execute(
                select(
                    proposals.c.nip,
                    proposals.c.target_position_id,
                    proposals.c.plan_ref,
                    proposals.c.explanation,
                ).where(proposals.c.round_id == mutation_round)
            )
        ).all()
    assert {(p.nip, p.target_position_id) for p in made} == {
        (m["nip"], m["target_position_id"]) for m in moves
    }
    assert {p.plan_ref for p in made} == {f"placement-plan:{plan_id}"}
    assert all(p.explanation["plan_id"] == plan_id and p.explanation["components"] for p in made)

    again = await mutation.post(f"/api/v1/placement-rounds/{round_id}/solutions")
    assert again.status_code == 409
    assert (await mutation.get(f"/api/v1/placement-rounds/{round_id}")).json()["state"] == "published"
