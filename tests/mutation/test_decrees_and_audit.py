"""Decrees under concurrency and the audit log under attack, on the real database: decrees of one register
issued in parallel get consecutive numbers, never the same one; amendments and revocations are new
numbered versions; one altered or deleted audit row makes verification fail at that row."""

import asyncio

import pytest
from sqlalchemy import delete, func, select, update

from services.employee.app import create_app as create_employee_app
from services.mutation.adapters.tables import audit_log, decree_registers
from services.mutation.app import create_app as create_mutation_app
from services.mutation.tests.support import (
    MAMUJU,
    PROVINCE,
    as_,
    reviewed_round,
)
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

PEOPLE = 6
SIGNATORY = {"name": "Drs. H. Ali Baal Masdar, M.Si.", "title": "Gubernur Sulawesi Barat"}
# The Gubernur signs on paper; the office enters his decrees.
ON_PAPER = "SK ditandatangani basah oleh Gubernur"


async def test_decrees_issued_in_parallel_in_one_register_never_share_a_number(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    gubernur = as_(settings, "approver", agencies=[PROVINCE], name="gubernur")
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        proposals = await reviewed_round(employee, mutation, mutation_app, PEOPLE)

        async def issue(proposal: dict):
            return await mutation.post(
                f"/api/v1/mutations/{proposal['id']}/decree",
                json={
                    "tmt": "2027-01-02",
                    "place": "Mamuju",
                    "signatory": SIGNATORY,
                    "on_behalf_reason": ON_PAPER,
                },
                headers={"If-Match": f'W/"{proposal["version"]}"', **gubernur},
            )

        # Each proposal's decree asked for twice at once: one wins, the other is told the proposal moved on.
        answers = await asyncio.gather(*(issue(p) for p in proposals for _ in range(2)))
        issued = [a.json() for a in answers if a.status_code == 201]
        refused = [a for a in answers if a.status_code != 201]
        assert len(issued) == PEOPLE and {r.status_code for r in refused} <= {409, 412}
        numbers = [d["number"] for d in issued]
        assert len(set(numbers)) == PEOPLE
        assert sorted(d["sequence"] for d in issued) == list(range(1, PEOPLE + 1))
        assert {d["register_code"] for d in issued} == {PROVINCE}
        async with mutation_app.state.runtime.db.connect() as connection:
            last = await connection.scalar(select(decree_registers.c.last_number))
        assert last == PEOPLE

        # An amendment and a revocation are new numbered decrees; the old versions stay.
        first = issued[0]
        amended = await mutation.post(
            f"/api/v1/decrees/{first['id']}/amendments",
            json={"reason": "Perubahan TMT", "tmt": "2027-02-01", "on_behalf_reason": ON_PAPER},
        )
        assert amended.status_code == 201, amended.text
        assert (amended.json()["kind"], amended.json()["sequence"], amended.json()["version"]) == (
            "amendment",
            PEOPLE + 1,
            2,
        )
        again = await mutation.post(
            f"/api/v1/decrees/{first['id']}/amendments", json={"reason": "lagi", "on_behalf_reason": ON_PAPER}
        )
        assert again.status_code == 409
        revoked = await mutation.post(
            f"/api/v1/decrees/{amended.json()['id']}/revocation",
            json={"reason": "Pegawai diperlukan di asal", "on_behalf_reason": ON_PAPER},
        )
        assert revoked.status_code == 201 and revoked.json()["sequence"] == PEOPLE + 2
        versions = (await mutation.get(f"/api/v1/mutations/{first['mutation_id']}/decrees")).json()
        assert [(v["kind"], v["status"]) for v in versions] == [
            ("original", "superseded"),
            ("amendment", "revoked"),
            ("revocation", "in_force"),
        ]
        cancelled = (await mutation.get(f"/api/v1/mutations/{first['mutation_id']}")).json()
        assert cancelled["state"] == "cancelled"
        pdf = await mutation.get(f"/api/v1/decrees/{revoked.json()['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_tampering_with_one_audit_row_makes_verification_fail_at_that_row(make_settings):
    employee_app = create_employee_app(await make_settings("employee"))
    settings = await make_settings("mutation")
    mutation_app = create_mutation_app(settings)
    auditor = as_(settings, "auditor", agencies=None, name="auditor")
    async with serve_in_process(employee_app) as employee, serve_in_process(mutation_app) as mutation:
        await reviewed_round(employee, mutation, mutation_app, 2)
        verified = (await mutation.get("/api/v1/audit/verify", headers=auditor)).json()
        assert verified["valid"] and verified["head_seq"] >= 10
        hr = as_(settings, "hr_officer", agencies=[MAMUJU])
        assert (await mutation.get("/api/v1/audit/verify", headers=hr)).status_code == 403

        db = mutation_app.state.runtime.db
        async with db.connect() as connection:
            row = (await connection.execute(select(audit_log).where(audit_log.c.seq == 5))).one()
            forged = {**row.data, "state": "rejected"}
            await connection.execute(update(audit_log).where(audit_log.c.seq == 5).values(data=forged))
            await connection.commit()
        broken = (await mutation.get("/api/v1/audit/verify", headers=auditor)).json()
        assert not broken["valid"] and broken["first_bad_seq"] == 5 and "altered" in broken["problem"]
        assert broken["checked"] == 4

        async with db.connect() as connection:
            await connection.execute(update(audit_log).where(audit_log.c.seq == 5).values(data=row.data))
            await connection.commit()
        assert (await mutation.get("/api/v1/audit/verify", headers=auditor)).json()["valid"]

        async with db.connect() as connection:
            await connection.execute(delete(audit_log).where(audit_log.c.seq == 7))
            await connection.commit()
            remaining = await connection.scalar(select(func.count()).select_from(audit_log))
        gone = (await mutation.get("/api/v1/audit/verify", headers=auditor)).json()
        assert not gone["valid"] and gone["first_bad_seq"] == 7 and "missing" in gone["problem"]
        assert remaining == verified["head_seq"] - 1
