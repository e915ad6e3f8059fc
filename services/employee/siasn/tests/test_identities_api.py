"""SIASN identities over HTTP: a record is linked to its SIASN id once per scope, within the caller's
agencies, with its event; a bad or taken id is refused naming `siasn_id` and changes nothing."""

import pytest
from sqlalchemy import func, select

from services.employee.adapters.tables import outbox
from services.employee.app import create_app
from services.employee.tests.support import define_organisation, position_id, unit_id
from shared.principal import Role
from shared.testing import auth_headers, principal, serve_in_process
from tests.support import employee_payload

pytestmark = pytest.mark.integration

UNOR = "A5EB03E23BECF6A0E040640A040252AD"
JABATAN = "8ae483a8682f9a7f01686ac7d9f80a1b"


async def _events(app) -> int:
    async with app.state.runtime.db.connect() as connection:
        return (
            await connection.execute(
                select(func.count()).where(outbox.c.type == "asn.employee.siasn.identity-changed")
            )
        ).scalar_one()


async def test_a_unit_is_linked_to_its_unor_and_unlinked_with_an_event_each(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601")
        unit = unit_id("7601", 0)

        linked = await client.put(f"/api/v1/siasn/identities/unit/{unit}", json={"siasn_id": UNOR.lower()})
        assert linked.status_code == 200, linked.text
        assert linked.json() == {
            "kind": "unit",
            "ref": unit,
            "agency_code": "7601",
            "name": "Bidang 0",
            "unit_id": None,
            "siasn_id": UNOR,  # kept uppercase, whichever case SIASN wrote
        }
        again = await client.put(f"/api/v1/siasn/identities/unit/{unit}", json={"siasn_id": UNOR})
        assert again.status_code == 200
        assert await _events(app) == 1  # the same id again changes nothing

        listed = await client.get(
            "/api/v1/siasn/identities/unit", params={"agency": "7601", "linked": "true"}
        )
        assert [item["ref"] for item in listed.json()["items"]] == [unit]
        unlinked_list = await client.get(
            "/api/v1/siasn/identities/unit", params={"agency": "7601", "linked": "false"}
        )
        assert unit not in [item["ref"] for item in unlinked_list.json()["items"]]
        assert len(unlinked_list.json()["items"]) == 2

        removed = await client.delete(f"/api/v1/siasn/identities/unit/{unit}")
        assert removed.status_code == 204
        assert (await client.get(f"/api/v1/siasn/identities/unit/{unit}")).json()["siasn_id"] is None
        assert await _events(app) == 2


async def test_an_id_is_unique_where_siasn_keeps_it_unique(make_settings):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        first, second = unit_id("7601", 0), unit_id("7601", 1)
        assert (
            await client.put(f"/api/v1/siasn/identities/unit/{first}", json={"siasn_id": UNOR})
        ).status_code == 200

        taken = await client.put(f"/api/v1/siasn/identities/unit/{second}", json={"siasn_id": UNOR})
        assert taken.status_code == 409
        assert taken.json()["type"].endswith("/siasn-id-taken")
        assert [e["field"] for e in taken.json()["errors"]] == ["siasn_id"]
        assert first in taken.json()["detail"]
        # Another agency's unit is another unor: unique per agency, not nationally.
        other_agency = await client.put(
            f"/api/v1/siasn/identities/unit/{unit_id('7602', 0)}", json={"siasn_id": UNOR}
        )
        assert other_agency.status_code == 200

        # One jabatan fungsional is many of our positions, one per unit.
        for k in range(2):
            answer = await client.put(
                f"/api/v1/siasn/identities/position/{position_id('7601', k)}", json={"siasn_id": JABATAN}
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["unit_id"] == unit_id("7601", k)

        person = employee_payload(1, agency_code="7601")
        assert (await client.post("/api/v1/employees", json=person)).status_code == 201
        other = employee_payload(2, agency_code="7602")
        assert (await client.post("/api/v1/employees", json=other)).status_code == 201
        pns_id = "B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6"
        ok = await client.put(f"/api/v1/siasn/identities/employee/{person['nip']}", json={"siasn_id": pns_id})
        assert ok.status_code == 200
        # A person is one record nationally.
        twice = await client.put(
            f"/api/v1/siasn/identities/employee/{other['nip']}", json={"siasn_id": pns_id}
        )
        assert twice.status_code == 409
        assert await _events(app) == 5


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("unit/{unit}", {"siasn_id": "not a guid"}, 422, "siasn_id"),
        ("unit/{unit}", {"siasn_id": "A5EB03E2\x00"}, 422, "siasn_id"),
        ("unit/{unit}", {"siasn_id": UNOR, "name": "x"}, 422, "name"),
        ("unit/{unit}", {"siasn_id": 12345678}, 422, "siasn_id"),
        ("unit/00000000-0000-0000-0000-000000000000", {"siasn_id": UNOR}, 404, None),
        ("unit/not-a-uuid", {"siasn_id": UNOR}, 404, None),
        ("team/{unit}", {"siasn_id": UNOR}, 422, "kind"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    make_settings, path, body, status, field
):
    app = create_app(await make_settings("employee"))
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601")
        answer = await client.put(
            "/api/v1/siasn/identities/" + path.format(unit=unit_id("7601", 0)), json=body
        )
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        if field:
            assert field in [e["field"] for e in answer.json()["errors"]]
        assert await _events(app) == 0


async def test_another_agencys_records_are_out_of_reach(make_settings):
    settings = await make_settings("employee")
    app = create_app(settings)
    async with serve_in_process(app) as client:
        await define_organisation(client, "7601", "7602")
        officer = auth_headers(settings, principal(Role.HR_OFFICER, agencies=["7601"]))
        foreign = unit_id("7602", 0)

        put = await client.put(
            f"/api/v1/siasn/identities/unit/{foreign}", json={"siasn_id": UNOR}, headers=officer
        )
        assert put.status_code == 403
        assert (
            await client.get(f"/api/v1/siasn/identities/unit/{foreign}", headers=officer)
        ).status_code == 403
        assert (
            await client.delete(f"/api/v1/siasn/identities/unit/{foreign}", headers=officer)
        ).status_code == 403
        listed = await client.get("/api/v1/siasn/identities/unit", headers=officer)
        assert {item["agency_code"] for item in listed.json()["items"]} == {"7601"}
        asked = await client.get("/api/v1/siasn/identities/unit", params={"agency": "7602"}, headers=officer)
        assert asked.status_code == 403
        employee = auth_headers(
            settings, principal(Role.EMPLOYEE, agencies=["7601"], nip="197501012005011001")
        )
        mine = await client.put(
            f"/api/v1/siasn/identities/unit/{unit_id('7601', 0)}", json={"siasn_id": UNOR}, headers=employee
        )
        assert mine.status_code == 403
        assert await _events(app) == 0
