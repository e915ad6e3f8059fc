"""A small province for the mutation tests, built through the employee service's API so the mutation
service learns it from the real events: Sulawesi Barat (7600) with the kabupaten Majene (7605) and Mamuju
(7602), one HR unit in each, positions with competency standards and an ABK, and employees in Majene.

Appraisal predicates arrive as the appraisal service's events, published on the broker."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx

from shared.contracts.appraisal import EvaluationFinalised
from shared.events.envelope import CloudEvent, new_event
from shared.testing import auth_headers, eventually, principal

PROVINCE, MAJENE, MAMUJU = "7600", "7605", "7602"
STANDARD = {"Integritas": 3, "Kerjasama": 3, "Manajemen ASN": 3}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

# The whole file of an agency-initiated move between agencies (Peraturan BKN 5/2019 Pasal 3).
FILE_FOR_VERIFICATION = (
    "pns_status",
    "target_abk",
    "no_disciplinary_process",
    "latest_rank_decree",
    "latest_position_decree",
    "appraisal_two_years",
    "no_study_leave_or_bond",
    "destination_proposal",
    "no_audit_findings",
)


def nip_of(i: int) -> str:
    """The i-th of a series of valid NIPs (born 1985, CPNS 2010, alternating gender)."""
    birth = date(1985, 1, 1).replace(month=1 + i % 12, day=1 + i % 28)
    gender = 1 + i % 2
    return f"{birth:%Y%m%d}201001{gender}{i % 999 + 1:03d}"


def employee_body(i: int, *, unit_id: str, position_id: str, agency_code: str = MAJENE, **extra: Any) -> dict:
    nip = nip_of(i)
    birth = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    return {
        "nip": nip,
        "name": f"Pegawai Uji {i}",
        "birth_date": birth.isoformat(),
        "gender": "M" if nip[14] == "1" else "F",
        "agency_code": agency_code,
        "unit_id": unit_id,
        "position_id": position_id,
        "position_tmt": "2021-01-04",
        "rank_code": "III/c",
        "rank_tmt": "2018-04-01",
        **extra,
    }


@dataclass
class Province:
    majene_unit: str
    mamuju_unit: str
    origin_position: str
    target_position: str
    full_position: str
    nips: list[str] = field(default_factory=list)


async def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def build_province(employee: httpx.AsyncClient, *, people: int = 1, target_needs: int = 3) -> Province:
    for code, name, kind in (
        (PROVINCE, "Pemerintah Provinsi Sulawesi Barat", "province"),
        (MAJENE, "Pemerintah Kabupaten Majene", "kabupaten"),
        (MAMUJU, "Pemerintah Kabupaten Mamuju", "kabupaten"),
    ):
        await _ok(
            await employee.post(
                "/api/v1/agencies", json={"code": code, "name": name, "kind": kind, "province_code": PROVINCE}
            ),
            201,
        )
    units = {}
    for code, name in ((MAJENE, "BKPSDM Kabupaten Majene"), (MAMUJU, "BKPSDM Kabupaten Mamuju")):
        made = await _ok(
            await employee.post(
                "/api/v1/units",
                json={"agency_code": code, "name": name, "kind": "badan", "location": name[-6:]},
            ),
            201,
        )
        units[code] = made["id"]
    positions = {}
    for key, unit, headcount in (
        ("origin", units[MAJENE], 10),
        ("target", units[MAMUJU], target_needs),
        ("full", units[MAMUJU], 1),
    ):
        made = await _ok(
            await employee.post(
                "/api/v1/positions",
                json={
                    "unit_id": unit,
                    "name": "Analis Sumber Daya Manusia Aparatur" + (" (penuh)" if key == "full" else ""),
                    "type": "fungsional",
                    "job_class": 8,
                    "authorised_headcount": headcount,
                    "competency_standard": STANDARD,
                    "minimum_rank": "III/a",
                },
            ),
            201,
        )
        positions[key] = made["id"]
    # The ABK: target_needs people's worth of work in the target position, one in the full one.
    for key, persons in (("target", target_needs), ("full", 1)):
        minutes_a_year = persons * 1250 * 60
        await _ok(
            await employee.put(
                f"/api/v1/positions/{positions[key]}/tasks",
                json={
                    "tasks": [
                        {
                            "name": "Menyusun analisis kebutuhan pegawai",
                            "yearly_volume": minutes_a_year // 100,
                            "output_unit": "dokumen",
                            "time_norm_minutes": 100,
                        }
                    ]
                },
                headers={"If-Match": 'W/"0"'},
            )
        )
    province = Province(
        units[MAJENE], units[MAMUJU], positions["origin"], positions["target"], positions["full"]
    )
    for i in range(people):
        body = employee_body(i, unit_id=units[MAJENE], position_id=positions["origin"])
        await _ok(await employee.post("/api/v1/employees", json=body), 201)
        await _ok(
            await employee.post(
                f"/api/v1/employees/{body['nip']}/competencies",
                json=[
                    {"competency": name, "level": level, "assessed_on": "2026-03-01"}
                    for name, level in STANDARD.items()
                ],
            )
        )
        province.nips.append(body["nip"])
    return province


def evaluation_finalised(nip: str, year: int, predicate: str) -> CloudEvent:
    """The appraisal service's final annual evaluation of `nip` for `year`, as it would publish it."""
    return new_event(
        "asn.appraisal.evaluation.finalised",
        subject=nip,
        agency=MAJENE,
        data=EvaluationFinalised(
            nip=nip,
            skp_id=f"skp-{nip}-{year}",
            period_id=f"period-{year}",
            agency_code=MAJENE,
            year=year,
            period="annual",
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
            results="sesuai_ekspektasi",
            behaviour="sesuai_ekspektasi",
            behaviour_values={},
            predicate=predicate,
            position_type="fungsional",
            credit_points=None,
            finalised_at=datetime(year + 1, 1, 15, tzinfo=UTC),
        ),
    )


async def publish_predicates(mutation_app: Any, nip: str, predicates: dict[int, str]) -> None:
    """The appraisal service's final annual evaluations, as it would publish them."""
    bus = mutation_app.state.runtime.bus
    for year, predicate in predicates.items():
        event = evaluation_finalised(nip, year, predicate)
        await bus.publish("asn.appraisal.events", nip.encode(), event.to_json())


async def wait_for_read_models(mutation: httpx.AsyncClient, province: Province) -> None:
    """Until the mutation service has the target's ABK, every employee, and their competencies."""

    async def ready() -> bool:
        target = await mutation.get(f"/api/v1/mutation/positions/{province.target_position}")
        full = await mutation.get(f"/api/v1/mutation/positions/{province.full_position}")
        if target.status_code != 200 or target.json()["staff_needed"] is None:
            return False
        if full.status_code != 200 or full.json()["staff_needed"] is None:
            return False
        for nip in province.nips:
            if (await mutation.get(f"/api/v1/mutation/employees/{nip}")).status_code != 200:
                return False
        return True

    await eventually(ready, timeout=30, what="the organisation and employees in the mutation read models")


async def wait_for_predicates(mutation: httpx.AsyncClient, nip: str, count: int) -> None:
    async def arrived() -> bool:
        found = await mutation.get(f"/api/v1/mutation/employees/{nip}/predicates")
        return found.status_code == 200 and len(found.json()["items"]) >= count

    await eventually(arrived, what=f"{count} predicates of {nip}")


async def upload_file(
    mutation: httpx.AsyncClient, proposal_id: str, kinds: tuple[str, ...] = FILE_FOR_VERIFICATION, **kw: Any
) -> list[dict]:
    made = []
    for kind in kinds:
        response = await mutation.post(
            f"/api/v1/mutations/{proposal_id}/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
            **kw,
        )
        made.append(await _ok(response, 201))
    return made


def as_(
    settings: Any,
    *roles: str,
    agencies: list[str] | None = None,
    nip: str | None = None,
    name: str = "tester",
):
    """Headers acting as someone: `as_(settings, "hr_officer", agencies=["7602"])`."""
    return auth_headers(settings, principal(*roles, agencies=agencies, nip=nip, subject=name))


async def step(
    mutation: httpx.AsyncClient, proposal: dict, action: str, headers: dict | None = None, **body: Any
) -> httpx.Response:
    return await mutation.post(
        f"/api/v1/mutations/{proposal['id']}/transitions",
        json={"action": action, **body},
        headers={"If-Match": f'W/"{proposal["version"]}"', **(headers or {})},
    )


FULL_FILE = (*FILE_FOR_VERIFICATION, "origin_release")


async def reviewed_round(employee, mutation, mutation_app, people: int) -> list[dict]:
    """A round of `people` proposals taken through every step up to the decree."""
    province = await build_province(employee, people=people, target_needs=people + 2)
    await wait_for_read_models(mutation, province)
    for nip in province.nips:
        await publish_predicates(mutation_app, nip, {2024: "baik", 2025: "baik"})
    for nip in province.nips:
        await wait_for_predicates(mutation, nip, 2)
    made = await mutation.post(
        "/api/v1/mutations/rounds",
        json={
            "name": "Mutasi antar-kabupaten Semester II 2026",
            "items": [
                {"nip": nip, "target_position_id": province.target_position, "reason": "Pemerataan"}
                for nip in province.nips
            ],
        },
    )
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["size"] == people and created["states"] == {"draft": people}
    for proposal in created["proposals"]:
        await upload_file(mutation, proposal["id"], FULL_FILE)
    for action in ("submit", "verify", "release", "accept", "review"):
        outcomes = await mutation.post(
            f"/api/v1/mutations/rounds/{created['id']}/transitions", json={"action": action}
        )
        assert outcomes.status_code == 200, outcomes.text
        assert all(o["ok"] for o in outcomes.json()), outcomes.json()
    counts = (await mutation.get(f"/api/v1/mutations/rounds/{created['id']}")).json()["states"]
    assert counts == {"technically_reviewed": people}
    listed = await mutation.get(f"/api/v1/mutations?round_id={created['id']}&limit=500")
    return listed.json()["items"]
