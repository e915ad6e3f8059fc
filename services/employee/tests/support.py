"""Helpers the employee service's tests share: the agencies (and an organisation) a record refers to."""

import uuid
from typing import Any

import httpx

from shared.testing import define_agencies


async def define_position(
    client: httpx.AsyncClient, agency_code: str, name: str = "Analis"
) -> dict[str, Any]:
    """A new unit of the agency with one position; answers the position (with its `unit_id`)."""
    await define_agencies(client, agency_code)
    unit = await client.post(
        "/api/v1/units", json={"agency_code": agency_code, "name": f"Bidang {name}", "kind": "bidang"}
    )
    assert unit.status_code == 201, unit.text
    position = await client.post(
        "/api/v1/positions",
        json={
            "unit_id": unit.json()["id"],
            "name": name,
            "type": "pelaksana",
            "job_class": 7,
            "authorised_headcount": 5,
        },
    )
    assert position.status_code == 201, position.text
    found: dict[str, Any] = position.json()
    return found


# An organisation with ids known beforehand, so rows of a file can name them: in each agency, units
# 0..UNITS-1 with one position each.
UNITS = 3
_IDS = uuid.UUID("5f0c8a52-2b1e-4c55-9a3e-7e3f1d2c4b60")


def unit_id(agency_code: str, k: int) -> str:
    return str(uuid.uuid5(_IDS, f"unit {agency_code} {k}"))


def position_id(agency_code: str, k: int) -> str:
    return str(uuid.uuid5(_IDS, f"position {agency_code} {k}"))


async def define_organisation(client: httpx.AsyncClient, *agency_codes: str) -> None:
    """The agencies, and in each `UNITS` units of one position, through the organisation's imports."""
    await define_agencies(client, *agency_codes)
    units = "id,agency_code,name,kind\n" + "".join(
        f"{unit_id(code, k)},{code},Bidang {k},bidang\n" for code in agency_codes for k in range(UNITS)
    )
    positions = "id,unit_id,name,type,job_class,authorised_headcount\n" + "".join(
        f"{position_id(code, k)},{unit_id(code, k)},Analis {k},pelaksana,7,30\n"
        for code in agency_codes
        for k in range(UNITS)
    )
    for kind, content in (("units", units), ("positions", positions)):
        job = await client.post(
            f"/api/v1/{kind}/imports",
            params={"wait": "true"},
            files={"file": (f"{kind}.csv", content.encode(), "text/csv")},
        )
        assert job.status_code == 200 and job.json()["state"] == "succeeded", job.text
