"""Every event type the platform knows, its payload model per `dataversion`, and where it travels.

Consumers dead-letter types missing here and versions a type does not list; the gateway's AsyncAPI
document is generated from this table.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from shared.contracts import appraisal, employee, mutation, training


@dataclass(frozen=True)
class EventSpec:
    type: str
    versions: dict[str, type[BaseModel]]

    @property
    def topic(self) -> str:
        return topic_of_service(self.type.split(".")[1])

    @property
    def description(self) -> str:
        latest = self.versions[max(self.versions, key=int)]
        return (latest.__doc__ or "").strip()


def topic_of_service(service: str) -> str:
    return f"asn.{service}.events"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


CATALOGUE: dict[str, EventSpec] = {
    spec.type: spec
    for spec in [
        EventSpec("asn.employee.employee.registered", {"1": employee.EmployeeRegistered}),
        EventSpec("asn.employee.employee.updated", {"1": employee.EmployeeUpdated}),
        EventSpec("asn.employee.employee.status-changed", {"1": employee.EmployeeStatusChanged}),
        EventSpec("asn.employee.employee.rank-changed", {"1": employee.EmployeeRankChanged}),
        EventSpec("asn.employee.employee.position-changed", {"1": employee.EmployeePositionChanged}),
        EventSpec("asn.employee.employee.competencies-assessed", {"1": employee.CompetenciesAssessed}),
        EventSpec("asn.employee.employee.move-failed", {"1": employee.EmployeeMoveFailed}),
        EventSpec("asn.mutation.proposal.effective", {"1": mutation.ProposalEffective}),
        EventSpec("asn.mutation.proposal.proposed", {"1": mutation.ProposalProposed}),
        EventSpec("asn.mutation.proposal.submitted", {"1": mutation.ProposalSubmitted}),
        EventSpec("asn.mutation.proposal.step-approved", {"1": mutation.ProposalStepApproved}),
        EventSpec("asn.mutation.proposal.returned", {"1": mutation.ProposalReturned}),
        EventSpec("asn.mutation.proposal.rejected", {"1": mutation.ProposalRejected}),
        EventSpec("asn.mutation.proposal.withdrawn", {"1": mutation.ProposalWithdrawn}),
        EventSpec("asn.mutation.proposal.cancelled", {"1": mutation.ProposalCancelled}),
        EventSpec("asn.mutation.proposal.completed", {"1": mutation.ProposalCompleted}),
        EventSpec("asn.mutation.proposal.failed", {"1": mutation.ProposalFailed}),
        EventSpec("asn.mutation.proposal.rule-overridden", {"1": mutation.RuleOverridden}),
        EventSpec("asn.mutation.proposal.employee-responded", {"1": mutation.EmployeeResponded}),
        EventSpec("asn.mutation.proposal.objection-answered", {"1": mutation.ObjectionAnswered}),
        EventSpec("asn.mutation.decree.issued", {"1": mutation.DecreeIssued}),
        EventSpec("asn.mutation.decree.amended", {"1": mutation.DecreeAmended}),
        EventSpec("asn.mutation.decree.revoked", {"1": mutation.DecreeRevoked}),
        EventSpec("asn.mutation.round.proposed", {"1": mutation.RoundProposed}),
        EventSpec("asn.employee.agency.defined", {"1": employee.AgencyDefined}),
        EventSpec("asn.employee.agency.updated", {"1": employee.AgencyUpdated}),
        EventSpec("asn.employee.unit.defined", {"1": employee.UnitDefined}),
        EventSpec("asn.employee.unit.updated", {"1": employee.UnitUpdated}),
        EventSpec("asn.employee.position.defined", {"1": employee.PositionDefined}),
        EventSpec("asn.employee.position.updated", {"1": employee.PositionUpdated}),
        EventSpec("asn.employee.workload.assessed", {"1": employee.WorkloadAssessed}),
        EventSpec("asn.employee.siasn.identity-changed", {"1": employee.SiasnIdentityChanged}),
        EventSpec("asn.employee.siasn.difference-accepted", {"1": employee.SiasnDifferenceDecided}),
        EventSpec("asn.employee.siasn.difference-rejected", {"1": employee.SiasnDifferenceDecided}),
        EventSpec("asn.employee.siasn.push-sent", {"1": employee.SiasnPushSent}),
        EventSpec("asn.employee.siasn.push-failed", {"1": employee.SiasnPushFailed}),
        EventSpec("asn.appraisal.evaluation.finalised", {"1": appraisal.EvaluationFinalised}),
        EventSpec("asn.appraisal.period.finalised", {"1": appraisal.PeriodFinalised}),
        EventSpec("asn.appraisal.potential.assessed", {"1": appraisal.PotentialAssessed}),
        EventSpec("asn.appraisal.talent.box-changed", {"1": appraisal.TalentBoxChanged}),
        EventSpec("asn.training.participant.enrolled", {"1": training.ParticipantEnrolled}),
        EventSpec("asn.training.participant.completed", {"1": training.ParticipantCompleted}),
        EventSpec("asn.training.certificate.issued", {"1": training.CertificateIssued}),
        EventSpec("asn.training.certificate.expiring", {"1": training.CertificateExpiring}),
        EventSpec("asn.training.follow-up.requested", {"1": training.FollowUpRequested}),
        EventSpec("asn.training.development-plan.created", {"1": training.DevelopmentPlanCreated}),
        EventSpec("asn.training.development-plan.updated", {"1": training.DevelopmentPlanUpdated}),
    ]
}


def spec_of(event_type: str) -> EventSpec | None:
    return CATALOGUE.get(event_type)
