"""The ids a write names, checked before anything changes: each must be known to the mutation service's read
models, hold together with the rest (a position in a unit of its own agency) and lie inside the caller's
agencies; else the answer names the field (and the line of a round) and nothing is written. A change that
changes nothing writes nothing either."""

import pytest
from sqlalchemy import func, insert, select

from services.employee.app import create_app as create_employee_app
from services.mutation.adapters.tables import (
    decrees,
    eligibility_policies,
    outbox,
    positions,
    proposals,
    relatives,
)
from services.mutation.app import create_app as create_mutation_app
from services.mutation.placement.adapters.tables import placement_rounds
from services.mutation.tests.support import (
    MAJENE,
    MAMUJU,
    as_,
    build_province,
    reviewed_round,
    wait_for_read_models,
)
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

UNKNOWN_NIP = "199901012020011001"


async def _count(app, table) -> int:
    async with app.state.runtime.db.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)))


@pytest.fixture
async def world(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        province = await build_province(employee, people=2)
        await wait_for_read_models(mutation, province)
        yield settings, mutation_app, mutation, province


def _fields(answer) -> list[tuple[int | None, str]]:
    return [(e.get("line"), e["field"]) for e in answer.json()["errors"]]


async def test_a_position_whose_unit_is_unknown_or_of_another_agency_is_refused_naming_it(world):
    settings, app, mutation, province = world
    # Unit and position events travel on different partitions: a position may arrive before its unit.
    async with app.state.runtime.db.connect() as connection:
        for position_id, unit_id in (
            ("jabatan-dini", "unit-belum-dikenal"),
            ("jabatan-nyasar", province.majene_unit),
        ):
            await connection.execute(
                insert(positions).values(
                    position_id=position_id,
                    unit_id=unit_id,
                    agency_code=MAMUJU,
                    name="Analis Kepegawaian",
                    type="fungsional",
                    job_class=8,
                    authorised_headcount=5,
                    competency_standard={},
                    retirement_age=58,
                    version=1,
                )
            )
        await connection.commit()
    hr_mamuju = as_(settings, "hr_officer", agencies=[MAMUJU])
    andi, budi = province.nips
    for position_id, says in (("jabatan-dini", "not known yet"), ("jabatan-nyasar", f"agency {MAJENE}")):
        refused = await mutation.post(
            "/api/v1/mutations",
            json={"nip": andi, "target_position_id": position_id, "reason": "Pemerataan"},
            headers=hr_mamuju,
        )
        assert refused.status_code == 422, refused.text
        assert _fields(refused) == [(None, "target_position_id")]
        assert says in refused.json()["errors"][0]["message"]
    in_a_round = await mutation.post(
        "/api/v1/mutations/rounds",
        json={
            "name": "Putaran",
            "items": [
                {"nip": andi, "target_position_id": province.target_position, "reason": "Pemerataan"},
                {"nip": budi, "target_position_id": "jabatan-nyasar", "reason": "Pemerataan"},
            ],
        },
        headers=hr_mamuju,
    )
    assert in_a_round.status_code == 422 and _fields(in_a_round) == [(2, "target_position_id")]
    assert await _count(app, proposals) == 0 and await _count(app, outbox) == 0


async def test_unknown_people_units_and_agencies_in_a_body_are_refused_naming_each_field(world):
    _settings, app, mutation, province = world
    andi = province.nips[0]
    unknown_relative = await mutation.post(
        f"/api/v1/mutation/employees/{andi}/relatives",
        json={"relative_nip": UNKNOWN_NIP, "relation": "spouse"},
    )
    assert unknown_relative.status_code == 422 and _fields(unknown_relative) == [(None, "relative_nip")]
    oneself = await mutation.post(
        f"/api/v1/mutation/employees/{andi}/relatives", json={"relative_nip": andi, "relation": "spouse"}
    )
    assert oneself.status_code == 422 and _fields(oneself) == [(None, "relative_nip")]
    assert await _count(app, relatives) == 0

    round_body = {
        "name": "Pemerataan 2027",
        "scope": {"kind": "agency", "code": MAJENE},
        "pool": [{"kind": "long_posting"}, {"kind": "explicit", "nips": [andi, UNKNOWN_NIP]}],
        "unit_limits": [{"unit_id": "unit-tak-ada", "release_limit": 1}],
    }
    unknown_names = await mutation.post("/api/v1/placement-rounds", json=round_body)
    assert unknown_names.status_code == 422
    assert _fields(unknown_names) == [(None, "pool.1.nips.1"), (None, "unit_limits.0.unit_id")]
    nowhere = await mutation.post(
        "/api/v1/placement-rounds", json={**round_body, "scope": {"kind": "agency", "code": "7699"}}
    )
    assert nowhere.status_code == 422 and (None, "scope.code") in _fields(nowhere)
    not_a_province = await mutation.post(
        "/api/v1/placement-rounds",
        json={
            **round_body,
            "pool": [{"kind": "long_posting"}],
            "unit_limits": [],
            "scope": {"kind": "province", "code": MAJENE},
        },
    )
    assert not_a_province.status_code == 422 and _fields(not_a_province) == [(None, "scope.code")]
    assert await _count(app, placement_rounds) == 0

    policy = await mutation.put(
        "/api/v1/mutation-policies/7699", json={"sla_days": 10}, headers={"If-Match": 'W/"0"'}
    )
    assert policy.status_code == 422 and _fields(policy) == [(None, "agency_code")]
    unknown_rule = await mutation.put(
        f"/api/v1/mutation-policies/{MAJENE}",
        json={"warn_only": ["no_such_rule"]},
        headers={"If-Match": 'W/"0"'},
    )
    assert unknown_rule.status_code == 422 and _fields(unknown_rule) == [(None, "warn_only")]
    assert await _count(app, eligibility_policies) == 0


async def test_a_proposal_into_a_position_of_another_agency_is_refused_naming_it(world):
    settings, app, mutation, province = world
    andi = province.nips[0]
    body = {"nip": andi, "target_position_id": province.target_position, "reason": "Pemerataan"}
    # Peraturan BKN 5/2019 Pasal 3: the receiving agency proposes; Andi's own agency may not send him.
    origin = await mutation.post(
        "/api/v1/mutations", json=body, headers=as_(settings, "hr_officer", agencies=[MAJENE])
    )
    assert origin.status_code == 403 and origin.json()["type"] == "/problems/reference-scope"
    assert _fields(origin) == [(None, "target_position_id")]
    assert await _count(app, proposals) == 0
    receiving = await mutation.post(
        "/api/v1/mutations", json=body, headers=as_(settings, "hr_officer", agencies=[MAMUJU])
    )
    assert receiving.status_code == 201, receiving.text


async def test_a_change_that_changes_nothing_keeps_the_version(world):
    _settings, app, mutation, province = world
    created = await mutation.post(
        "/api/v1/placement-rounds",
        json={
            "name": "Pemerataan 2027",
            "scope": {"kind": "agency", "code": MAJENE},
            "pool": [{"kind": "long_posting", "min_years": 5}],
            "unit_limits": [{"unit_id": province.majene_unit, "release_limit": 2}],
        },
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/placement-rounds/{created.json()['id']}"
    same = await mutation.patch(
        url,
        json={
            "name": "Pemerataan 2027",
            "pool": [{"kind": "long_posting", "min_years": 5}],
            "weights": {"distance": created.json()["weights"]["distance"]},
            "unit_limits": [{"unit_id": province.majene_unit, "release_limit": 2}],
        },
        headers={"If-Match": 'W/"1"'},
    )
    assert same.status_code == 200, same.text
    assert same.headers["ETag"] == 'W/"1"' and same.json() == created.json()
    stale = await mutation.patch(url, json={"name": "Pemerataan 2027"}, headers={"If-Match": 'W/"0"'})
    assert stale.status_code == 412
    renamed = await mutation.patch(url, json={"name": "Pemerataan 2028"}, headers={"If-Match": 'W/"1"'})
    assert renamed.status_code == 200 and renamed.headers["ETag"] == 'W/"2"'

    url = f"/api/v1/mutation-policies/{MAJENE}"
    first = await mutation.put(url, json={"sla_days": 10}, headers={"If-Match": 'W/"0"'})
    assert first.status_code == 200 and first.json()["version"] == 1
    again = await mutation.put(url, json={"sla_days": 10, "note": "lagi"}, headers={"If-Match": 'W/"1"'})
    assert again.status_code == 200 and again.headers["ETag"] == 'W/"1"'
    assert await _count(app, eligibility_policies) == 1


async def test_a_decree_naming_an_unknown_signatory_is_refused_and_nothing_is_issued(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        (proposal,) = await reviewed_round(employee, mutation, mutation_app, 1)
        refused = await mutation.post(
            f"/api/v1/mutations/{proposal['id']}/decree",
            json={
                "tmt": "2027-01-04",
                "place": "Mamuju",
                "signatory": {"name": "Sekretaris Daerah", "title": "Sekretaris Daerah", "nip": UNKNOWN_NIP},
                "on_behalf_reason": "SK ditandatangani basah oleh Sekretaris Daerah",
            },
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert refused.status_code == 422 and _fields(refused) == [(None, "signatory.nip")]
        assert await _count(mutation_app, decrees) == 0
        after = (await mutation.get(f"/api/v1/mutations/{proposal['id']}")).json()
        assert (after["state"], after["version"]) == ("technically_reviewed", proposal["version"])
