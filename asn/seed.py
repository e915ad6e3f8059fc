"""The demo seed: a province (Sulawesi Tengah) generated once and given to each seeded service as that
service takes it - the employee records, the appraisal history, the training catalogue, the demo users."""

import asyncio
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.appraisal.service.seeding import Appraisee
    from services.employee.demo.generator import DemoProvince
    from services.training.demo.catalogue import Demand

SEEDED_SERVICES = ("employee", "appraisal", "training", "gateway")
# The level of a functional position as its name says it, for the demo's SKPs: the appraisal service keeps
# each level's yearly credit coefficient (PermenPANRB 1/2023).
FUNCTIONAL_LEVELS = {
    "Pemula": "pemula",
    "Terampil": "terampil",
    "Mahir": "mahir",
    "Penyelia": "penyelia",
    "Ahli Pertama": "ahli_pertama",
    "Ahli Muda": "ahli_muda",
    "Ahli Madya": "ahli_madya",
    "Ahli Utama": "ahli_utama",
}


def demo_province(*, seed_number: int, employees: int, day: date) -> "DemoProvince":
    """The demo province: the same numbers give the same people."""
    from services.employee.demo.generator import generate

    return generate(seed=seed_number, employees=employees, as_of=day)


def seed_service(
    name: str, province: "DemoProvince", *, day: date, seed_number: int, database_url: str
) -> dict[str, Any]:
    """Seed one service's database from the demo province; what it added (nothing where it is there)."""
    report: dict[str, Any] = {"service": name}
    if name == "employee":
        from services.employee import cli as employee_cli

        report["added"] = employee_cli.seed_demo(province, database_url)
        report["summary"] = province.summary()
    elif name == "gateway":
        from services.gateway.service.demo import DEMO_PASSWORD, ensure_demo_users

        summary = province.summary()
        created = asyncio.run(
            ensure_demo_users(
                province_code=summary["province_agency_code"],
                employee_nip=summary["employee_nip"],
                supervisor_nip=summary["supervisor_nip"],
                approver_nip=summary.get("approver_nip"),
                database_url=database_url,
            )
        )
        report["added"] = {"users": created, "password": DEMO_PASSWORD}
    elif name == "training":
        from services.training import cli as training_cli

        report["added"] = training_cli.seed_demo(
            training_input(province), seed=seed_number, database_url=database_url
        )
    else:
        from services.appraisal import cli as appraisal_cli

        appraisees, approvers = appraisal_input(province)
        report["added"] = appraisal_cli.seed_demo(
            appraisees,
            years=(day.year - 2, day.year - 1),
            approvers=approvers,
            seed=seed_number,
            database_url=database_url,
        )
    return report


def appraisal_input(province: "DemoProvince") -> tuple[list["Appraisee"], dict[str, str]]:
    """The demo province's employees as the appraisal seed takes them (the same NIPs, supervisors and
    positions), and each agency's approver: its regional secretary."""
    from services.appraisal.service.seeding import Appraisee

    positions = {str(p.id): p for p in province.positions}
    supervisors = {str(d.employee.nip): d.supervisor_nip for d in province.employees}
    appraisees, approvers = [], {}
    for demo in province.employees:
        employee = demo.employee
        nip = str(employee.nip)
        position = positions[employee.placement.position_id or ""]
        if demo.supervisor_nip is None:
            approvers[employee.placement.agency_code] = nip
            continue
        reviewer = supervisors.get(demo.supervisor_nip)
        level = next((code for name, code in FUNCTIONAL_LEVELS.items() if name in position.name), None)
        appraisees.append(
            Appraisee(
                nip=nip,
                agency_code=employee.placement.agency_code,
                position_type=position.type.value,
                position_id=str(position.id),
                unit_id=employee.placement.unit_id,
                appraiser_nip=demo.supervisor_nip,
                reviewer_nip=reviewer if reviewer not in (nip, demo.supervisor_nip) else None,
                employed_since=employee.tmt_cpns or employee.birth_date,
                in_service=not employee.status.is_final,
                sanctioned=employee.disciplinary_status.value == "sanctioned",
                functional_level=level if position.type.value == "fungsional" else None,
                actual={name: a.level for name, a in employee.competencies.items()},
                required=dict(position.competency_standard),
            )
        )
    return appraisees, approvers


def training_input(province: "DemoProvince") -> "Demand":
    """The demo province as the training catalogue is drawn for: each agency with the town its classes meet in
    (its capital) and the levels its positions require each competency at; the national competencies."""
    from collections import defaultdict

    from services.employee.domain import competencies
    from services.training.demo.catalogue import Demand, DemoAgency

    required: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for position in province.positions:
        for competency, level in position.competency_standard.items():
            required[position.agency_code][competency].add(level)
    seats: dict[str, str] = {}
    for unit in province.units:
        seats.setdefault(unit.agency_code, unit.location or "")
    agencies = tuple(
        DemoAgency(
            code=agency.code,
            name=agency.name,
            kind=agency.kind.value,
            seat=seats[agency.code],
            required={name: frozenset(levels) for name, levels in required[agency.code].items()},
        )
        for agency in province.agencies
    )
    return Demand(agencies, competencies.MANAGERIAL, competencies.SOCIO_CULTURAL)
