"""Runs the eligibility checks of a proposal: gathers the facts from the read models, applies the policy in
force for the destination agency, and records the run (who can later see what was checked, on which data,
under which policy version)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.policies import overridden_rules, policy_in_force
from services.mutation.adapters.repository import FactsReader, ProposalRepository
from services.mutation.domain.eligibility import (
    Facts,
    Move,
    Person,
    Policy,
    Report,
    Target,
    run_checks,
)
from services.mutation.domain.mutation_types import is_cross_agency
from services.mutation.domain.workflow import Proposal
from shared.errors import Conflict


@dataclass
class PolicyCache:
    """Policies read once per use case (a round of hundreds of proposals asks for the same few)."""

    found: dict[str, Policy] = field(default_factory=dict)

    async def get(self, connection: AsyncConnection, agency_code: str) -> Policy:
        if agency_code not in self.found:
            self.found[agency_code] = await policy_in_force(connection, agency_code)
        return self.found[agency_code]


async def gather_facts(
    connection: AsyncConnection, proposal: Proposal, *, on: date, reader: FactsReader | None = None
) -> Facts:
    reader = reader or FactsReader(connection)
    employee = await reader.employee(proposal.nip)
    target = await reader.position(proposal.target.position_id or "")
    if employee is None or target is None:
        raise Conflict(
            "the employee or the target position is no longer known to the mutation service",
            code="facts-missing",
        )
    current = await reader.position(employee["position_id"]) if employee["position_id"] else None
    person = Person.of(
        employee,
        competencies=await reader.competencies(proposal.nip),
        predicates=await reader.predicates(proposal.nip),
        service_bond_until=await reader.service_bond_until(proposal.nip),
        current_job_class=current.job_class if current else None,
    )
    unit = await reader.unit(target.unit_id)
    incoming, outgoing = await reader.in_flight(target.position_id, excluding=proposal.id)
    in_unit, heads, in_agency = await reader.relatives_around(
        proposal.nip, target.unit_id, target.agency_code, unit["head_position_id"] if unit else None
    )
    return Facts(
        person=person,
        target=Target(
            position_id=target.position_id,
            unit_id=target.unit_id,
            agency_code=target.agency_code,
            job_class=target.job_class,
            minimum_rank=target.minimum_rank,
            competency_standard=target.competency_standard,
            retirement_age=target.retirement_age,
            staff_needed=target.staff_needed,
            present=await reader.present(target.position_id),
            incoming=incoming,
            outgoing=outgoing,
            relatives_in_unit=tuple(in_unit),
            relative_heads_unit=heads,
            relatives_in_agency=tuple(in_agency),
        ),
        move=Move(
            self_requested=proposal.self_requested,
            cross_agency=is_cross_agency(proposal.mutation_type),
            organisational_reason=proposal.organisational_reason,
            checked_on=on,
            tmt=proposal.tmt or proposal.proposed_tmt,
        ),
    )


async def evaluate(
    connection: AsyncConnection,
    proposal: Proposal,
    *,
    at: datetime,
    policies: PolicyCache | None = None,
    reader: FactsReader | None = None,
) -> Report:
    """Run every rule now and note the outcome and the policy on the proposal (nothing is written)."""
    policy = await (policies or PolicyCache()).get(connection, proposal.target.agency_code)
    facts = await gather_facts(connection, proposal, on=at.date(), reader=reader)
    report = run_checks(facts, policy, overridden=await overridden_rules(connection, proposal.id))
    proposal.check_outcome = report.outcome.value
    proposal.policy_agency_code, proposal.policy_version = report.policy_agency_code, report.policy_version
    return report


async def check(
    connection: AsyncConnection,
    proposal: Proposal,
    *,
    trigger: str,
    at: datetime,
    policies: PolicyCache | None = None,
    reader: FactsReader | None = None,
) -> tuple[Report, UUID]:
    """Run every rule now and record the run."""
    report = await evaluate(connection, proposal, at=at, policies=policies, reader=reader)
    run_id = await ProposalRepository(connection).add_check_run(proposal.id, trigger, report, at)
    return report, run_id
