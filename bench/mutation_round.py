"""A mutation round of 500 proposals on PostgreSQL: created and checked as one batch, then moved through
every approval step (submit, verify, origin release, destination acceptance, BKN review) round-wide, then
decreed one by one (number from the register, PDF, hash). Prints the time per proposal of each stage.

The read models are filled by the service's own event handlers (the events the employee and appraisal
services would send), so the checks read what they read in production: 500 PNS in Kabupaten Majene, 50
positions in Kabupaten Mamuju with an ABK need of 12 each, competencies and two years of predicates.
Each step re-runs the 13 eligibility rules before it decides (as every decision does).

    .venv/bin/python bench/mutation_round.py [--proposals 500] [--database-url postgresql://...]
"""

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import asyncpg
from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from asn.migrations import upgrade
from services.mutation.adapters.documents import FileStore
from services.mutation.adapters.tables import documents, metadata
from services.mutation.domain.decree import Signatory
from services.mutation.domain.documents import DocumentKind
from services.mutation.domain.workflow import Action
from services.mutation.events.handlers import SUBSCRIPTIONS
from services.mutation.service import decrees, proposals
from services.mutation.service.proposals import ProposalDraft
from shared.contracts.appraisal import EvaluationFinalised
from shared.contracts.employee import (
    AgencyDefined,
    CompetenciesAssessed,
    CompetencyLevel,
    EmployeeRegistered,
    PositionDefined,
    UnitDefined,
    WorkloadAssessed,
    WorkloadFigures,
)
from shared.events.envelope import new_event
from shared.principal import system_principal
from shared.runtime import ServiceRuntime
from shared.settings import Settings

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
PROVINCE, MAJENE, MAMUJU = "7600", "7605", "7602"
STANDARD = {"Integritas": 3, "Kerjasama": 3, "Manajemen ASN": 3}
TARGETS = 50
PDF = b"%PDF-1.4\n%%EOF\n"


def nip_of(i: int) -> str:
    birth = date(1975 + i % 15, 1 + i % 12, 1 + i % 28)
    return f"{birth:%Y%m%d}200801{1 + i % 2}{i // 180 + 1:03d}"


async def feed(runtime: ServiceRuntime, people: int) -> None:
    """The events the employee and appraisal services would publish, applied by the mutation service's own
    handlers in one transaction."""
    handlers: dict[str, list[Any]] = defaultdict(list)
    for subscription in SUBSCRIPTIONS:  # every handler of a type, in order, as the inbox runs them
        handlers[subscription.type].append(subscription.handle)
    events: list[tuple[str, BaseModel]] = []
    for code, kind, name in (
        (PROVINCE, "province", "Provinsi Sulawesi Barat"),
        (MAJENE, "kabupaten", "Kabupaten Majene"),
        (MAMUJU, "kabupaten", "Kabupaten Mamuju"),
    ):
        data: BaseModel = AgencyDefined(code=code, name=name, kind=kind, province_code=PROVINCE, version=1)
        events.append(("asn.employee.agency.defined", data))
    for unit, agency in (("u-majene", MAJENE), ("u-mamuju", MAMUJU)):
        data = UnitDefined(
            unit_id=unit, agency_code=agency, parent_id=None, name=f"BKPSDM {agency}", kind="badan", version=1
        )
        events.append(("asn.employee.unit.defined", data))
    positions = [("p-origin", "u-majene", MAJENE)] + [
        (f"p-target-{i}", "u-mamuju", MAMUJU) for i in range(TARGETS)
    ]
    for position, unit, agency in positions:
        data = PositionDefined(
            position_id=position,
            unit_id=unit,
            agency_code=agency,
            name="Analis SDM Aparatur",
            type="fungsional",
            job_class=8,
            authorised_headcount=12,
            competency_standard=STANDARD,
            minimum_rank="III/a",
            minimum_education=None,
            retirement_age=58,
            version=1,
        )
        events.append(("asn.employee.position.defined", data))
        figures = WorkloadFigures(
            workload_hours=15000,
            staff_needed_exact=12,
            staff_needed=12,
            present=0,
            gap=12,
            efficiency=None,
            band=None,
        )
        events.append(
            (
                "asn.employee.workload.assessed",
                WorkloadAssessed(
                    position_id=position,
                    unit_id=unit,
                    agency_code=agency,
                    tasks=1,
                    tasks_version=1,
                    position=figures,
                    unit=figures,
                ),
            )
        )
    for i in range(people):
        nip = nip_of(i)
        registered = EmployeeRegistered(
            nip=nip,
            name=f"Pegawai {i}",
            agency_code=MAJENE,
            unit_id="u-majene",
            position_id="p-origin",
            position_tmt=date(2021, 1, 4),
            birth_date=date(int(nip[:4]), int(nip[4:6]), int(nip[6:8])),
            gender="M" if i % 2 == 0 else "F",
            employment_type="PNS",
            status="active",
            rank_code="III/b",
        )
        events.append(("asn.employee.employee.registered", registered))
        levels = [
            CompetencyLevel(competency=c, level=lv, assessed_on=date(2026, 3, 1))
            for c, lv in STANDARD.items()
        ]
        events.append(
            ("asn.employee.employee.competencies-assessed", CompetenciesAssessed(nip=nip, assessments=levels))
        )
        for year in (2024, 2025):
            events.append(
                (
                    "asn.appraisal.evaluation.finalised",
                    EvaluationFinalised(
                        nip=nip,
                        skp_id=f"skp-{i}-{year}",
                        period_id=f"p-{year}",
                        agency_code=MAJENE,
                        year=year,
                        period="annual",
                        starts_on=date(year, 1, 1),
                        ends_on=date(year, 12, 31),
                        results="sesuai_ekspektasi",
                        behaviour="sesuai_ekspektasi",
                        behaviour_values={},
                        predicate="baik",
                        position_type="fungsional",
                        credit_points=None,
                        finalised_at=datetime(year + 1, 1, 10, tzinfo=UTC),
                    ),
                )
            )
    async with runtime.uow() as uow:
        for event_type, data in events:
            event = new_event(event_type, subject="bench", data=data)
            for handle in handlers[event_type]:
                await handle(uow, event, type(data).model_validate(event.data))
        await uow.complete()


async def attach_files(runtime: ServiceRuntime, store: FileStore, ids: list[uuid.UUID]) -> None:
    """The whole Perban 5/2019 file of every proposal (not timed: uploads are the HR officers' work)."""
    kinds = [k for k in DocumentKind if k not in (DocumentKind.PERSONAL_REQUEST, DocumentKind.OTHER)]
    rows = []
    now = datetime.now(UTC)
    for proposal_id in ids:
        for kind in kinds:
            key, digest = store.put(f"documents/{proposal_id}", PDF, ".pdf")
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "proposal_id": proposal_id,
                    "kind": kind.value,
                    "filename": f"{kind.value}.pdf",
                    "content_type": "application/pdf",
                    "size": len(PDF),
                    "sha256": digest,
                    "storage_key": key,
                    "uploaded_by": "bench",
                    "uploaded_at": now,
                }
            )
    async with runtime.uow() as uow:
        await uow.connection.execute(insert(documents), rows)
        await uow.complete()


async def run(database_url: str, people: int, var_dir: Path) -> None:
    settings = Settings(service="mutation", database_url=database_url, var_dir=var_dir, log_json=False)
    runtime = ServiceRuntime(settings, metadata=metadata, subscriptions=SUBSCRIPTIONS)
    store = FileStore(var_dir / "mutation")
    principal = system_principal("bench")
    try:
        await feed(runtime, people)
        drafts = [
            ProposalDraft(nip_of(i), f"p-target-{i % TARGETS}", "Pemerataan pegawai sesuai ABK")
            for i in range(people)
        ]
        started = time.perf_counter()
        async with runtime.uow() as uow:
            made = await proposals.create_batch(uow, principal, drafts, "Mutasi Semester II 2026")
        created = time.perf_counter() - started
        outcomes = {str(p.check_outcome) for p in made.proposals}
        print(
            f"{people} proposals created and checked in one batch: {created:.2f} s, "
            f"{created / people * 1000:.1f} ms per proposal (check outcomes: {sorted(outcomes)})"
        )
        await attach_files(runtime, store, [p.id for p in made.proposals])

        total_steps = 0.0
        for action in (Action.SUBMIT, Action.VERIFY, Action.RELEASE, Action.ACCEPT, Action.REVIEW):
            started = time.perf_counter()
            async with runtime.uow() as uow:
                results = await proposals.take_round_step(uow, principal, made.id, action, reason=None)
            elapsed = time.perf_counter() - started
            total_steps += elapsed
            refused = [r for r in results if not r.ok]
            if refused:
                sys.exit(f"{action.value}: {len(refused)} refused, e.g. {refused[0].problem}")
            checked = " (checks re-run)" if action is not Action.SUBMIT else ""
            per = elapsed / people * 1000
            print(f"  {action.value:<8} round-wide{checked}: {elapsed:.2f} s, {per:.1f} ms per proposal")

        signatory = Signatory("Gubernur Sulawesi Barat", "Gubernur Sulawesi Barat")
        started = time.perf_counter()
        for proposal in made.proposals:
            async with runtime.uow() as uow:
                fresh = await proposals.get_proposal(uow.connection, proposal.id)
                await decrees.issue_decree(
                    uow,
                    principal,
                    store,
                    proposal.id,
                    tmt=date(2027, 1, 2),
                    place="Mamuju",
                    signatory=signatory,
                    on_behalf_reason="SK ditandatangani basah oleh Gubernur",
                    expected_version=fresh.version,
                )
        decreed = time.perf_counter() - started
        print(
            f"  decree   one by one (checks, register number, PDF, hash): {decreed:.2f} s, "
            f"{decreed / people * 1000:.1f} ms per proposal"
        )
        per = (created + total_steps + decreed) / people * 1000
        print(
            f"check + transition, all stages: {per:.1f} ms per proposal "
            f"({(created + total_steps) / people * 1000:.1f} ms without the decree)"
        )
    finally:
        await runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("ASN_BENCH_DATABASE_URL", DEFAULT_POSTGRES))
    args = parser.parse_args()
    admin_url = make_url(args.database_url).set(drivername="postgresql")
    name = f"asn_bench_mutation_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        sys.exit(f"no PostgreSQL at {admin_url.render_as_string(hide_password=True)}: {error}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade("mutation", url)
        with TemporaryDirectory() as var_dir:
            asyncio.run(run(url, args.proposals, Path(var_dir)))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
