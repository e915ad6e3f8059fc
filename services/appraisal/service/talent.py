"""Use cases of talent management (PermenPANRB 3/2020): the agency's potential policy, potential
assessments, and each employee's 9-box position from the latest annual predicate x potential."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import TalentRepository
from services.appraisal.domain.talent import (
    PERFORMANCE_OF,
    SUCCESSION_POOL,
    Potential,
    PotentialPolicy,
    box_of,
    job_person_match,
)
from shared.contracts.appraisal import PotentialAssessed, TalentBoxChanged
from shared.errors import NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.uow import UnitOfWork


async def policy_of(connection: AsyncConnection, agency_code: str) -> tuple[PotentialPolicy, int]:
    return await TalentRepository(connection).policy(agency_code)


async def set_policy(
    uow: UnitOfWork, agency_code: str, policy: PotentialPolicy, *, expected_version: int
) -> int:
    """Replace the agency's potential policy; version 0 is the default policy, never stored."""
    repository = TalentRepository(uow.connection)
    _, version = await repository.policy(agency_code)
    check_version(version, expected_version, f"the talent policy of {agency_code}")
    new_version = await repository.put_policy(agency_code, policy, expected_version=expected_version)
    await uow.commit()
    return new_version


@dataclass(frozen=True)
class PotentialAssessment:
    id: UUID
    nip: str
    agency_code: str
    assessed_on: date
    job_person_match: Decimal
    scores: Mapping[str, Decimal]
    score: Decimal
    potential: Potential
    source: str | None


async def assess_potential(
    uow: UnitOfWork,
    *,
    nip: str,
    agency_code: str,
    assessed_on: date,
    actual: Mapping[str, int],
    required: Mapping[str, int],
    scores: Mapping[str, Decimal],
    source: str | None,
) -> PotentialAssessment:
    """Record an assessment: job-person match, the potential score under the agency's policy, its band."""
    repository = TalentRepository(uow.connection)
    policy, _ = await repository.policy(agency_code)
    match = job_person_match(actual, required)
    score = policy.score(match, scores)
    assessment = PotentialAssessment(
        uuid4(), nip, agency_code, assessed_on, match, dict(scores), score, policy.potential(score), source
    )
    await repository.add_assessment(
        {
            "id": assessment.id,
            "nip": nip,
            "agency_code": agency_code,
            "assessed_on": assessed_on,
            "job_person_match": match,
            "scores": {name: str(value) for name, value in scores.items()},
            "score": score,
            "potential": assessment.potential.value,
            "source": source,
        }
    )
    uow.publish(
        new_event(
            "asn.appraisal.potential.assessed",
            subject=nip,
            agency=agency_code,
            data=PotentialAssessed(
                nip=nip,
                agency_code=agency_code,
                assessed_on=assessed_on,
                job_person_match=match,
                scores=dict(scores),
                score=score,
                potential=assessment.potential.value,
            ),
        )
    )
    await refresh_positions(uow, [nip])
    await uow.commit()
    return assessment


async def refresh_positions(
    uow: UnitOfWork, nips: Sequence[str], *, caused_by: CloudEvent | None = None
) -> None:
    """Recompute the 9-box position of each employee and publish the boxes that changed; the caller
    commits. The agency is the employee's current one when the employee read model knows it."""
    repository = TalentRepository(uow.connection)
    annual = await repository.latest_annual(nips)
    potentials = await repository.latest_potentials(nips)
    agencies = await repository.current_agencies(nips)
    current = await repository.positions(nips)
    for nip in nips:
        standing, assessed = annual.get(nip), potentials.get(nip)
        known = standing or assessed
        if known is None:
            continue
        agency = agencies.get(nip, known.agency_code)
        box = box_of(standing.predicate, assessed.potential) if standing and assessed else None
        await repository.put_position(
            nip,
            {
                "agency_code": agency,
                "position_type": standing.position_type if standing else None,
                "year": standing.year if standing else None,
                "predicate": standing.predicate.value if standing else None,
                "potential": assessed.potential.value if assessed else None,
                "box": box,
            },
        )
        previous = current.get(nip)
        previous_box = previous.box if previous is not None else None
        if box is None or box == previous_box:
            continue
        assert standing is not None and assessed is not None
        uow.publish(
            new_event(
                "asn.appraisal.talent.box-changed",
                subject=nip,
                agency=agency,
                caused_by=caused_by,
                data=TalentBoxChanged(
                    nip=nip,
                    agency_code=agency,
                    position_type=standing.position_type,
                    year=standing.year,
                    predicate=standing.predicate.value,
                    performance=PERFORMANCE_OF[standing.predicate].value,
                    potential=assessed.potential.value,
                    previous_box=previous_box,
                    box=box,
                    in_succession_pool=box in SUCCESSION_POOL,
                ),
            )
        )


async def position_of(connection: AsyncConnection, nip: str) -> Row[Any]:
    position = await TalentRepository(connection).position(nip)
    if position is None:
        raise NotFound(f"no annual predicate or potential recorded for {nip} yet")
    return position


async def grid(connection: AsyncConnection, agency_code: str, position_type: str | None) -> dict[int, int]:
    """Employees per box, every box listed."""
    counts = await TalentRepository(connection).grid(agency_code, position_type)
    return {box: counts.get(box, 0) for box in range(9, 0, -1)}


async def succession_pool(
    connection: AsyncConnection,
    *,
    agency_code: str,
    position_type: str | None,
    limit: int,
    after_nip: str | None,
) -> list[Row[Any]]:
    """Boxes 7-9 of the agency, by NIP."""
    return await TalentRepository(connection).boxed(
        agency_code=agency_code,
        boxes=SUCCESSION_POOL,
        position_type=position_type,
        limit=limit,
        after_nip=after_nip,
    )
