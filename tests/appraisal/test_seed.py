"""The demo appraisals: the employee demo's people (same NIPs, supervisors as appraisers) with a final annual
predicate for the last two years within the organisation's caps, potential and the 9-box; idempotent."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from asn.seed import appraisal_input
from services.appraisal.adapters.tables import evaluations, outbox, period_finalisations, skps
from services.appraisal.app import create_app
from services.appraisal.service.seeding import seed_appraisals
from services.employee.demo.generator import generate
from shared.testing import serve_in_process
from shared.uow import UnitOfWork

pytestmark = pytest.mark.integration


async def test_the_demo_people_are_appraised_for_two_years_within_the_caps(make_settings):
    province = generate(seed=4, employees=700, as_of=date(2026, 1, 1))
    appraisees, approvers = appraisal_input(province)
    app = create_app(await make_settings("appraisal"))

    async def seed():
        runtime = app.state.runtime
        return await seed_appraisals(
            lambda: UnitOfWork(runtime.db, outbox),
            appraisees,
            years=(2024, 2025),
            approvers=approvers,
            seed=4,
        )

    async with serve_in_process(app) as client:
        runtime = app.state.runtime
        added = await seed()
        assert added["periods"] == 2 * len(approvers) and added["skps"] > len(appraisees)
        async with runtime.db.connect() as connection:
            rows = list(
                await connection.execute(
                    select(skps.c.nip, skps.c.year, skps.c.appraiser_nip, evaluations.c.predicate)
                    .join(evaluations, evaluations.c.skp_id == skps.c.id)
                    .where(evaluations.c.finalised_at.is_not(None))
                )
            )
            overridden = await connection.scalar(
                select(func.count())
                .select_from(period_finalisations)
                .where(period_finalisations.c.overridden_by.is_not(None))
            )
        supervisors = {str(d.employee.nip): d.supervisor_nip for d in province.employees}
        assert {row.year for row in rows} == {2024, 2025}
        assert all(supervisors[row.nip] == row.appraiser_nip for row in rows)
        predicates = Counter(row.predicate for row in rows)
        assert predicates["baik"] + predicates["sangat_baik"] > 0.9 * len(rows)
        assert predicates["butuh_perbaikan"] + predicates["kurang"] > 0
        assert overridden == 0

        summary = province.summary()
        standing = (await client.get(f"/api/v1/talent/employees/{summary['employee_nip']}")).json()
        assert standing["year"] == 2025 and standing["predicate"] in ("baik", "sangat_baik")
        grid = (await client.get("/api/v1/talent/grid", params={"agency": "7200"})).json()
        assert sum(box["employees"] for box in grid["boxes"]) > 0

        async with runtime.db.connect() as connection:
            events = await connection.scalar(select(func.count()).select_from(outbox))
        assert events >= added["skps"] + added["potential_assessments"] + added["periods"]
        assert await seed() == {"periods": 0, "skps": 0, "potential_assessments": 0}
        async with runtime.db.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(outbox)) == events
