"""Events published by the appraisal service (topic `asn.appraisal.events`)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Rating = Literal["di_atas_ekspektasi", "sesuai_ekspektasi", "di_bawah_ekspektasi"]
Predicate = Literal["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"]
Potential = Literal["low", "medium", "high"]
Performance = Literal["below", "meets", "above"]


class EvaluationFinalised(BaseModel):
    """An employee's periodic or annual evaluation became final (PermenPANRB 6/2022): when its period's
    point was finalised, and again with `objection_id` when an upheld objection revised it."""

    nip: str
    skp_id: str
    period_id: str
    agency_code: str
    year: int
    period: str = Field(description="the evaluation point: `annual`, or `M01`-`M12`, `Q1`-`Q4`, `S1`-`S2`")
    starts_on: date
    ends_on: date
    results: Rating = Field(description="the supervisor's rating of results (hasil kerja)")
    behaviour: Rating = Field(description="the rating of behaviour (perilaku kerja) against BerAKHLAK")
    behaviour_values: dict[str, Rating] = Field(description="each of the seven BerAKHLAK values")
    predicate: Predicate
    position_type: str
    credit_points: Decimal | None = Field(description="earned by a functional position; none otherwise")
    finalised_at: datetime
    objection_id: str | None = Field(default=None, description="the upheld objection that revised it")


class PeriodViolation(BaseModel):
    rule: str
    message: str
    allowed: int
    actual: int


class PeriodFinalised(BaseModel):
    """An evaluation point of an agency's appraisal year was finalised, with the predicate distribution;
    `violations` lists the rules an authorised approver overrode, with the reason."""

    period_id: str
    agency_code: str
    year: int
    period: str = Field(description="the evaluation point finalised")
    organisation_predicate: str
    population: int
    counts: dict[Predicate, int]
    violations: list[PeriodViolation]
    overridden_by: str | None = None
    override_reason: str | None = None
    finalised_at: datetime


class PotentialAssessed(BaseModel):
    """An employee's potential was assessed (PermenPANRB 3/2020)."""

    nip: str
    agency_code: str
    assessed_on: date
    job_person_match: Decimal = Field(description="Σ min(actual, required) ÷ Σ required, in %")
    scores: dict[str, Decimal] = Field(description="the other assessed scores, 0-100")
    score: Decimal = Field(description="the weighted potential score the cut-offs apply to")
    potential: Potential


class TalentBoxChanged(BaseModel):
    """An employee's place in the 9-box talent grid changed (PermenPANRB 3/2020); boxes 7-9 are the
    succession pool."""

    nip: str
    agency_code: str
    position_type: str | None
    year: int = Field(description="year of the annual predicate the box rests on")
    predicate: Predicate
    performance: Performance
    potential: Potential
    previous_box: int | None
    box: int
    in_succession_pool: bool
