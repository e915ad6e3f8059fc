"""Agencies, units and positions over HTTP: each write stores the change with its event; bad input and
stale ETags get a problem response and change nothing."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import agencies, outbox, positions, units
from services.employee.app import create_app
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

SULBAR = {"code": "7600", "name": "Pemerintah Provinsi Sulawesi Barat", "kind": "province"}
MAMUJU = {"code": "7601", "name": "Pemerintah Kabupaten Mamuju", "kind": "kabupaten", "province_code": "7600"}
MAJENE = {"code": "7605", "name": "Pemerintah Kabupaten Majene", "kind": "kabupaten", "province_code": "7600"}


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def analis(unit_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "name": "Analis SDM Aparatur",
        "type": "fungsional",
        "job_class": 9,
        "authorised_headcount": 2,
        "competency_standard": {"integritas": 3, "Perekat Bangsa": 3, "Manajemen ASN": 3},
        "minimum_rank": "III/a",
        "minimum_education": "S1",
        **changes,
    }


async def organisation(client: httpx.AsyncClient) -> dict[str, str]:
    """A province with two kabupaten; in Mamuju a dinas > bidang > seksi with a position in the bidang."""
    for agency in (SULBAR, MAMUJU, MAJENE):
        await created(client, "/api/v1/agencies", agency)
    dinas = await created(
        client, "/api/v1/units", {"agency_code": "7601", "name": "BKPSDM Mamuju", "kind": "badan"}
    )
    bidang = await created(
        client,
        "/api/v1/units",
        {"agency_code": "7601", "parent_id": dinas["id"], "name": "Bidang Mutasi", "kind": "bidang"},
    )
    seksi = await created(
        client,
        "/api/v1/units",
        {"agency_code": "7601", "parent_id": bidang["id"], "name": "Subbidang Mutasi", "kind": "seksi"},
    )
    majene = await created(
        client, "/api/v1/units", {"agency_code": "7605", "name": "BKPSDM Majene", "kind": "badan"}
    )
    position = await created(client, "/api/v1/positions", analis(bidang["id"]))
    return {
        "dinas": dinas["id"],
        "bidang": bidang["id"],
        "seksi": seksi["id"],
        "majene": majene["id"],
        "position": position["id"],
    }


async def state(app: Any) -> dict[str, Any]:
    """Everything a refused write must leave as it was."""
    async with app.state.runtime.db.connect() as connection:
        counts = {
            table.name: await connection.scalar(select(func.count()).select_from(table))
            for table in (agencies, units, positions, outbox)
        }
        versions = sorted(
            [
                *(await connection.execute(select(agencies.c.code, agencies.c.version))).all(),
                *((str(i), v) for i, v in await connection.execute(select(units.c.id, units.c.version))),
                *(
                    (str(i), v)
                    for i, v in await connection.execute(select(positions.c.id, positions.c.version))
                ),
            ]
        )
    return {"counts": counts, "versions": versions}


async def event_types(app: Any) -> list[str]:
    async with app.state.runtime.db.connect() as connection:
        return list(await connection.scalars(select(outbox.c.type).order_by(outbox.c.seq)))


async def test_defining_agencies_units_and_positions_stores_them_and_writes_their_events(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        province = await client.post("/api/v1/agencies", json=SULBAR)
        assert province.status_code == 201
        assert province.headers["etag"] == 'W/"1"'
        assert province.headers["location"] == "/api/v1/agencies/7600"
        assert province.json()["province_code"] == "7600"
        await created(client, "/api/v1/agencies", MAMUJU)
        badan = await created(
            client, "/api/v1/units", {"agency_code": "7601", "name": "BKPSDM", "kind": "badan"}
        )
        bidang = await created(
            client,
            "/api/v1/units",
            {"agency_code": "7601", "parent_id": badan["id"], "name": "Bidang Mutasi", "kind": "bidang"},
        )
        kepala = await created(
            client, "/api/v1/positions", analis(badan["id"], name="Kepala BKPSDM", type="jpt")
        )
        assert (kepala["retirement_age"], kepala["retirement_age_is_default"]) == (60, True)
        position = await created(client, "/api/v1/positions", analis(bidang["id"]))

        fetched = await client.get(f"/api/v1/positions/{position['id']}")
        assert fetched.headers["etag"] == 'W/"1"'
        body = fetched.json()
        assert body["agency_code"] == "7601"
        assert body["competency_standard"] == {"Integritas": 3, "Perekat Bangsa": 3, "Manajemen ASN": 3}
        assert (body["retirement_age"], body["retirement_age_is_default"]) == (58, True)
        assert (await client.get(f"/api/v1/units/{bidang['id']}")).json()["parent_id"] == badan["id"]
        assert (await client.get("/api/v1/agencies/7601")).json()["province_code"] == "7600"

        assert await event_types(app) == [
            "asn.employee.agency.defined",
            "asn.employee.agency.defined",
            "asn.employee.unit.defined",
            "asn.employee.unit.defined",
            "asn.employee.position.defined",
            "asn.employee.position.defined",
        ]
        async with app.state.runtime.db.connect() as connection:
            last = await connection.scalar(select(outbox.c.payload).order_by(outbox.c.seq.desc()).limit(1))
        event = json.loads(last)
        assert (event["subject"], event["agency"]) == (position["id"], "7601")
        assert event["data"]["minimum_rank"] == "III/a"


Body = Callable[[dict[str, str]], dict[str, Any]]

BAD_DEFINITIONS: list[tuple[str, str, Body, int, str, str]] = [
    ("duplicate agency code", "/api/v1/agencies", lambda org: MAMUJU, 409, "duplicate-agency", "code"),
    (
        "kabupaten of an unknown province",
        "/api/v1/agencies",
        lambda org: {**MAMUJU, "code": "7602", "province_code": "7699"},
        422,
        "invalid-input",
        "province_code",
    ),
    (
        "kabupaten whose province is a kabupaten",
        "/api/v1/agencies",
        lambda org: {**MAMUJU, "code": "7602", "province_code": "7605"},
        422,
        "invalid-input",
        "province_code",
    ),
    (
        "central agency in a province",
        "/api/v1/agencies",
        lambda org: {"code": "4000", "name": "BKN", "kind": "central", "province_code": "7600"},
        422,
        "invalid-input",
        "province_code",
    ),
    (
        "agency code with spaces",
        "/api/v1/agencies",
        lambda org: {**MAMUJU, "code": "76 01"},
        422,
        "invalid-input",
        "code",
    ),
    (
        "unit of an unknown agency",
        "/api/v1/units",
        lambda org: {"agency_code": "9999", "name": "Dinas", "kind": "dinas"},
        422,
        "invalid-input",
        "agency_code",
    ),
    (
        "unit below an unknown unit",
        "/api/v1/units",
        lambda org: {
            "agency_code": "7601",
            "parent_id": "00000000-0000-4000-8000-000000000000",
            "name": "Seksi",
            "kind": "seksi",
        },
        422,
        "invalid-input",
        "parent_id",
    ),
    (
        "unit below a unit of another agency",
        "/api/v1/units",
        lambda org: {"agency_code": "7601", "parent_id": org["majene"], "name": "Seksi", "kind": "seksi"},
        422,
        "invalid-input",
        "parent_id",
    ),
    (
        "unit of an unknown kind",
        "/api/v1/units",
        lambda org: {"agency_code": "7601", "name": "Dinas", "kind": "kementerian"},
        422,
        "invalid-input",
        "kind",
    ),
    (
        "position in an unknown unit",
        "/api/v1/positions",
        lambda org: analis("00000000-0000-4000-8000-000000000000"),
        422,
        "invalid-input",
        "unit_id",
    ),
    (
        "job class 0",
        "/api/v1/positions",
        lambda org: analis(org["bidang"], job_class=0),
        422,
        "invalid-input",
        "job_class",
    ),
    (
        "job class 18",
        "/api/v1/positions",
        lambda org: analis(org["bidang"], job_class=18),
        422,
        "invalid-input",
        "job_class",
    ),
    (
        "unknown rank",
        "/api/v1/positions",
        lambda org: analis(org["bidang"], minimum_rank="III/e"),
        422,
        "invalid-input",
        "minimum_rank",
    ),
    (
        "competency level 6",
        "/api/v1/positions",
        lambda org: analis(org["bidang"], competency_standard={"Integritas": 6}),
        422,
        "invalid-input",
        "competency_standard.Integritas",
    ),
    (
        "negative headcount",
        "/api/v1/positions",
        lambda org: analis(org["bidang"], authorised_headcount=-1),
        422,
        "invalid-input",
        "authorised_headcount",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "problem", "field"),
    [case[1:] for case in BAD_DEFINITIONS],
    ids=[case[0] for case in BAD_DEFINITIONS],
)
async def test_a_bad_definition_gets_a_problem_naming_the_field_and_changes_nothing(
    make_settings, path, body, status, problem, field
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        org = await organisation(client)
        before = await state(app)
        response = await client.post(path, json=body(org))
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        answer = response.json()
        assert answer["type"] == f"/problems/{problem}"
        assert answer["detail"]
        assert field in [e["field"] for e in answer["errors"]]
        assert await state(app) == before


BAD_UPDATES: list[tuple[str, Callable[[dict[str, str]], str], Body, str]] = [
    ("agency renamed to null", lambda org: "/api/v1/agencies/7601", lambda org: {"name": None}, "name"),
    (
        "kabupaten moved to an unknown province",
        lambda org: "/api/v1/agencies/7601",
        lambda org: {"province_code": "7699"},
        "province_code",
    ),
    (
        "unit moved below its own sub-unit",
        lambda org: f"/api/v1/units/{org['dinas']}",
        lambda org: {"parent_id": org["seksi"]},
        "parent_id",
    ),
    (
        "unit moved below itself",
        lambda org: f"/api/v1/units/{org['bidang']}",
        lambda org: {"parent_id": org["bidang"]},
        "parent_id",
    ),
    (
        "unit moved to another agency's unit",
        lambda org: f"/api/v1/units/{org['bidang']}",
        lambda org: {"parent_id": org["majene"]},
        "parent_id",
    ),
    (
        "unit headed by a position of another unit",
        lambda org: f"/api/v1/units/{org['dinas']}",
        lambda org: {"head_position_id": org["position"]},
        "head_position_id",
    ),
    (
        "position with job class 18",
        lambda org: f"/api/v1/positions/{org['position']}",
        lambda org: {"job_class": 18},
        "job_class",
    ),
    (
        "position with an unknown rank",
        lambda org: f"/api/v1/positions/{org['position']}",
        lambda org: {"minimum_rank": "II/e"},
        "minimum_rank",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "field"), [case[1:] for case in BAD_UPDATES], ids=[case[0] for case in BAD_UPDATES]
)
async def test_a_bad_update_gets_a_problem_naming_the_field_and_changes_nothing(
    make_settings, path, body, field
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        org = await organisation(client)
        before = await state(app)
        response = await client.patch(path(org), json=body(org), headers={"If-Match": 'W/"1"'})
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-input"
        assert field in [e["field"] for e in response.json()["errors"]]
        assert await state(app) == before


@pytest.mark.parametrize(
    ("path", "change"),
    [
        (lambda org: "/api/v1/agencies/7601", {"name": "Pemerintah Kabupaten Mamuju (baru)"}),
        (lambda org: f"/api/v1/units/{org['seksi']}", {"parent_id": None, "location": "Kalukku"}),
        (
            lambda org: f"/api/v1/positions/{org['position']}",
            {"authorised_headcount": 4, "retirement_age": 60},
        ),
    ],
    ids=["agency", "unit", "position"],
)
async def test_an_update_needs_the_current_etag(make_settings, path, change):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        url = path(await organisation(client))
        etag = (await client.get(url)).headers["etag"]
        before = await state(app)

        missing = await client.patch(url, json=change)
        assert missing.status_code == 428
        assert missing.json()["type"] == "/problems/precondition-required"
        stale = await client.patch(url, json=change, headers={"If-Match": 'W/"7"'})
        assert stale.status_code == 412
        assert stale.json()["type"] == "/problems/precondition-failed"
        assert await state(app) == before

        updated = await client.patch(url, json=change, headers={"If-Match": etag})
        assert updated.status_code == 200, updated.text
        assert updated.headers["etag"] == 'W/"2"'
        assert all(updated.json()[name] == value for name, value in change.items())
        again = await client.patch(url, json=change, headers={"If-Match": etag})
        assert again.status_code == 412
        assert (await client.get(url)).headers["etag"] == 'W/"2"'
        assert (await event_types(app))[-1].endswith(".updated")


async def test_a_unit_can_move_within_its_agency_and_take_a_head(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        org = await organisation(client)
        moved = await client.patch(
            f"/api/v1/units/{org['seksi']}", json={"parent_id": org["dinas"]}, headers={"If-Match": 'W/"1"'}
        )
        assert moved.json()["parent_id"] == org["dinas"]
        headed = await client.patch(
            f"/api/v1/units/{org['bidang']}",
            json={"head_position_id": org["position"]},
            headers={"If-Match": 'W/"1"'},
        )
        assert headed.status_code == 200, headed.text
        assert headed.json()["head_position_id"] == org["position"]


async def test_unknown_resources_are_not_found(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        for path in (
            "/api/v1/agencies/9999",
            "/api/v1/units/00000000-0000-4000-8000-000000000000",
            "/api/v1/positions/00000000-0000-4000-8000-000000000000",
        ):
            response = await client.get(path)
            assert response.status_code == 404
            assert response.json()["type"] == "/problems/not-found"
