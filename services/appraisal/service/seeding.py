"""The demo seed of appraisals: for the last two years, an annual SKP for most employees of the demo province,
rated by their supervisor within the distribution the organisation's predicate allows and finalised; and a
potential assessment for each employee whose competencies were assessed. So the 9-box and the mutation
rule "predicate at least Baik for the last two years" have data.

Input comes from the employee service's demo generator, as plain `Appraisee` values (this service reads no
other service's data). The SKPs are planned, rated and finalised by the domain's own methods, written in
bulk, and announced by the same `outcomes.announce` a finalisation uses: every final evaluation, potential
and 9-box position leaves its event in the outbox. Seeding years that are there already adds nothing.
"""

import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.appraisal.adapters import bulk
from services.appraisal.adapters.repository import functional_levels_all
from services.appraisal.domain import skp as model
from services.appraisal.domain.distribution import OrganisationPredicate
from services.appraisal.domain.periods import (
    ANNUAL,
    AppraisalPeriod,
    DistributionViolated,
    Frequency,
    Override,
    Rated,
)
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.domain.predicate import BehaviourRule, CoreValue, Predicate, Rating
from services.appraisal.domain.skp import Indicator, PositionType, Skp, Target
from services.appraisal.domain.talent import PotentialPolicy, job_person_match
from services.appraisal.service import outcomes
from services.appraisal.service.outcomes import FinalEvaluation
from services.appraisal.service.periods import period_finalised
from shared.contracts.appraisal import PotentialAssessed
from shared.events.envelope import new_event
from shared.uow import UnitOfWork

# (results, behaviour) ratings that give each predicate (PermenPANRB 6/2022 matrix).
RATINGS: Mapping[Predicate, tuple[Rating, Rating]] = {
    Predicate.SANGAT_BAIK: (Rating.ABOVE, Rating.ABOVE),
    Predicate.BAIK: (Rating.MEETS, Rating.MEETS),
    Predicate.BUTUH_PERBAIKAN: (Rating.BELOW, Rating.MEETS),
    Predicate.KURANG: (Rating.MEETS, Rating.BELOW),
    Predicate.SANGAT_KURANG: (Rating.BELOW, Rating.BELOW),
}
INDICATORS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "jpt": (
        ("Meningkatnya capaian indikator kinerja utama perangkat daerah", "indikator"),
        ("Tersusunnya kebijakan teknis perangkat daerah", "dokumen"),
    ),
    "administrator": (
        ("Terlaksananya program bidang sesuai rencana kerja", "program"),
        ("Tersusunnya laporan kinerja bidang", "laporan"),
    ),
    "pengawas": (
        ("Terlaksananya kegiatan subbagian tepat waktu", "kegiatan"),
        ("Tersusunnya laporan kegiatan", "laporan"),
    ),
    "fungsional": (
        ("Terselesaikannya butir kegiatan jabatan fungsional", "kegiatan"),
        ("Tersusunnya laporan hasil kerja", "laporan"),
    ),
    "pelaksana": (
        ("Terselesaikannya layanan administrasi", "berkas"),
        ("Termutakhirkannya data layanan", "data"),
    ),
}


@dataclass(frozen=True)
class Appraisee:
    """An employee of the demo province as appraisal needs them."""

    nip: str
    agency_code: str
    position_type: str
    position_id: str | None
    unit_id: str | None
    appraiser_nip: str | None  # the direct supervisor
    reviewer_nip: str | None  # the supervisor's supervisor
    employed_since: date
    in_service: bool
    sanctioned: bool
    functional_level: str | None  # functional positions only (the service's functional_levels)
    actual: Mapping[str, int]  # assessed competency levels
    required: Mapping[str, int]  # the position's standard


async def seed_appraisals(
    unit_of_work: Callable[[], UnitOfWork],
    appraisees: Sequence[Appraisee],
    *,
    years: Sequence[int],
    approvers: Mapping[str, str],
    seed: int,
) -> dict[str, int]:
    """Appraise the years for each agency of `approvers` (agency -> the approver's NIP), unless one of them
    is there already; returns what was added."""
    rng = random.Random(f"appraisal-{seed}")
    added = {"periods": 0, "skps": 0, "potential_assessments": 0}
    async with unit_of_work() as uow:
        if await bulk.periods_of(uow.connection, list(approvers), list(years)):
            return added
        coefficients = {
            row.code: row.yearly_coefficient for row in await functional_levels_all(uow.connection)
        }
        assessments = _potentials(rng, appraisees, date(max(years) + 1, 1, 15))
        await bulk.add_potential_assessments(uow.connection, assessments)
        await uow.publish_many(
            [
                new_event(
                    "asn.appraisal.potential.assessed",
                    subject=a["nip"],
                    agency=a["agency_code"],
                    data=PotentialAssessed(
                        nip=a["nip"],
                        agency_code=a["agency_code"],
                        assessed_on=a["assessed_on"],
                        job_person_match=a["job_person_match"],
                        scores={},
                        score=a["score"],
                        potential=a["potential"],
                    ),
                )
                for a in assessments
            ]
        )
        strength = {a.nip: rng.random() for a in appraisees}
        by_agency: dict[str, list[Appraisee]] = defaultdict(list)
        for appraisee in appraisees:
            by_agency[appraisee.agency_code].append(appraisee)
        periods, planned = [], []
        finals: list[FinalEvaluation] = []
        for year in sorted(years):
            for agency_code, approver in approvers.items():
                people = [
                    a
                    for a in by_agency[agency_code]
                    if a.appraiser_nip and a.in_service and a.employed_since < date(year, 1, 1)
                ]
                if not people:
                    continue
                period, skps = _appraise(rng, agency_code, year, approver, people, strength, coefficients)
                periods.append(period)
                planned.extend(skps)
                finals.extend(
                    FinalEvaluation(
                        skp_id=s.id,
                        period_id=period.id,
                        nip=s.nip,
                        agency_code=s.agency_code,
                        year=year,
                        position_type=s.position_type.value,
                        evaluation=s.evaluations[ANNUAL],
                    )
                    for s in skps
                )
        await bulk.add_periods(uow.connection, periods)
        await bulk.add_skps(uow.connection, planned)
        for period in periods:
            uow.publish(
                new_event(
                    "asn.appraisal.period.finalised",
                    subject=str(period.id),
                    agency=period.agency_code,
                    data=period_finalised(period, period.finalisations[ANNUAL]),
                )
            )
        await outcomes.announce(uow, finals)
        await uow.commit()
    return {"periods": len(periods), "skps": len(planned), "potential_assessments": len(assessments)}


def _uuid(rng: random.Random) -> UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _appraise(
    rng: random.Random,
    agency_code: str,
    year: int,
    approver: str,
    people: list[Appraisee],
    strength: Mapping[str, float],
    coefficients: Mapping[str, Decimal],
) -> tuple[AppraisalPeriod, list[Skp]]:
    """One agency's year: its period, an SKP per person rated and the annual point finalised."""
    organisation = OrganisationPredicate.ISTIMEWA if rng.random() < 0.3 else OrganisationPredicate.BAIK
    period = AppraisalPeriod(
        id=_uuid(rng),
        agency_code=agency_code,
        year=year,
        frequency=Frequency.SEMESTER,
        approver_nip=approver,
        behaviour_rule=BehaviourRule.SUPERVISOR_OVERALL,
        organisation_predicate=organisation,
    )
    predicates = _predicates(rng, people, organisation, strength)
    annual = period.point(ANNUAL)
    rated_at = datetime(year + 1, 1, 10, 2, 0, tzinfo=UTC)
    skps = []
    for person in people:
        skp = model.plan_skp(
            skp_id=_uuid(rng),
            period_id=period.id,
            year=year,
            nip=person.nip,
            agency_code=agency_code,
            appraiser_nip=person.appraiser_nip or "",
            reviewer_nip=person.reviewer_nip,
            position_type=PositionType(person.position_type),
            position_id=person.position_id,
            unit_id=person.unit_id,
            functional_level=person.functional_level,
            credit_coefficient=coefficients[person.functional_level] if person.functional_level else None,
            indicators=_indicators(rng, person.position_type),
        )
        results, behaviour = RATINGS[predicates[person.nip]]
        skp.rate(
            annual,
            appraiser_nip=skp.appraiser_nip,
            results=results,
            behaviour_values=dict.fromkeys(CoreValue, behaviour),
            behaviour=behaviour,
            rule=period.behaviour_rule,
            at=rated_at,
        )
        skps.append(skp)
    finalised_at = datetime(year + 1, 1, 31, 2, 0, tzinfo=UTC)
    ratings = {person.nip: Rated(person.unit_id, predicates[person.nip]) for person in people}
    policy = AppraisalPolicy()
    try:
        period.finalise(ANNUAL, ratings, None, finalised_at, today=finalised_at.date(), policy=policy)
    except DistributionViolated:
        # A tiny agency cannot always keep every rule; its approver signs off, as the regulation allows.
        override = Override(approver, "ditetapkan PPK: jumlah pegawai terlalu kecil untuk distribusi")
        period.finalise(ANNUAL, ratings, override, finalised_at, today=finalised_at.date(), policy=policy)
    for skp in skps:
        evaluation = skp.evaluations[ANNUAL]
        skp.evaluations[ANNUAL] = replace(evaluation, finalised_at=finalised_at)
    return period, skps


def _predicates(
    rng: random.Random,
    people: list[Appraisee],
    organisation: OrganisationPredicate,
    strength: Mapping[str, float],
) -> dict[str, Predicate]:
    """Predicates following each person's steady strength with some yearly noise, then brought within the
    organisation predicate's caps (PermenPANRB 6/2022): a majority and at most 70% Baik, and some below Baik,
    when the organisation is Baik; a majority and at most 70% Sangat Baik when it is Istimewa."""
    excellent_from = 0.62 if organisation is OrganisationPredicate.ISTIMEWA else 0.78
    predicates: dict[str, Predicate] = {}
    for person in people:
        score = 0.75 * strength[person.nip] + 0.25 * rng.random()
        if person.sanctioned:
            predicates[person.nip] = Predicate.KURANG
        elif score >= excellent_from:
            predicates[person.nip] = Predicate.SANGAT_BAIK
        elif score < 0.04:
            predicates[person.nip] = Predicate.BUTUH_PERBAIKAN
        else:
            predicates[person.nip] = Predicate.BAIK
    nips = sorted(predicates)
    cap = (7 * len(nips)) // 10
    majority = min(len(nips) // 2 + 1, cap)
    capped = Predicate.BAIK if organisation is OrganisationPredicate.BAIK else Predicate.SANGAT_BAIK
    other = Predicate.SANGAT_BAIK if capped is Predicate.BAIK else Predicate.BAIK
    holders = [nip for nip in nips if predicates[nip] is capped]
    rng.shuffle(holders)
    for nip in holders[cap:]:
        predicates[nip] = other
    # The others nearest the capped predicate (the strongest Baik, the weakest Sangat Baik) make up the
    # majority the organisation's predicate asks for.
    nearest = -1 if capped is Predicate.SANGAT_BAIK else 1
    others = sorted(
        (nip for nip in nips if predicates[nip] is other), key=lambda nip: nearest * strength[nip]
    )
    for nip in others[: max(0, majority - len(holders))]:
        predicates[nip] = capped
    below = {Predicate.BUTUH_PERBAIKAN, Predicate.KURANG}
    if (
        organisation is OrganisationPredicate.BAIK
        and len(nips) >= 2
        and below.isdisjoint(predicates.values())
    ):
        weakest = min(nips, key=lambda nip: (strength[nip], nip))
        predicates[weakest] = Predicate.BUTUH_PERBAIKAN
    return predicates


def _indicators(rng: random.Random, position_type: str) -> list[Indicator]:
    chosen = INDICATORS[position_type][: rng.randint(1, 2)]
    return [
        Indicator(
            _uuid(rng),
            description,
            Target(
                quantity=Decimal(rng.choice((4, 6, 12, 24, 50, 100))),
                quantity_unit=unit,
                quality_percent=Decimal(rng.choice((85, 90, 95, 100))),
                time_months=12,
            ),
        )
        for description, unit in chosen
    ]


def _potentials(rng: random.Random, appraisees: Sequence[Appraisee], on: date) -> list[dict[str, Any]]:
    """A potential assessment for each person in service whose competencies were assessed, under the
    agency's default policy (job-person match against the position's standard)."""
    policy = PotentialPolicy()
    rows = []
    for person in appraisees:
        if not person.in_service or not person.actual or not person.required:
            continue
        match = job_person_match(person.actual, person.required)
        score = policy.score(match, {})
        rows.append(
            {
                "id": _uuid(rng),
                "nip": person.nip,
                "agency_code": person.agency_code,
                "assessed_on": on,
                "job_person_match": match,
                "scores": {},
                "score": score,
                "potential": policy.potential(score).value,
                "source": f"Pemetaan talenta {on.year}",
            }
        )
    return rows
