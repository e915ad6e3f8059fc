"""Use cases of development plans: built when a mutation becomes effective (ARCHITECTURE.md §5, step 4), on
request, or after an appraisal predicate of Butuh Perbaikan or below; recomputed while nobody has accepted
them; adjusted and accepted by the employee and the supervisor."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.catalogue import ProgrammeRepository, SessionRepository
from services.training.adapters.enrolments import EnrolmentRepository
from services.training.adapters.plans import PlanFilter, PlanRepository
from services.training.adapters.readmodels import EmployeeRow, ReadModels
from services.training.domain.catalogue import Programme
from services.training.domain.competencies import competency_key
from services.training.domain.development import (
    COACHING_FORMS,
    COACHING_PREDICATES,
    Acceptance,
    Choice,
    Colleague,
    DevelopmentPlan,
    Gap,
    ItemKind,
    Mentor,
    PlanItem,
    PlanSource,
    Side,
    choose_mentor,
    coaching_item,
    competency_gaps,
    gap_item,
    job_person_match,
    own_sides,
    recommend,
    recommend_coaching,
    require_party,
)
from services.training.service import audit
from services.training.service.access import acting_for, manages, supervises, today
from services.training.service.people import supervisor_of
from services.training.service.references import referred_employee, referred_position
from shared import clock
from shared.contracts import training as contracts
from shared.contracts.appraisal import EvaluationFinalised
from shared.contracts.mutation import ProposalEffective
from shared.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.principal import STAFF_ROLES, Principal
from shared.references import References
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Composition:
    """A plan's content as computed from what this service knows now."""

    items: list[PlanItem]
    job_person_match: Decimal | None
    mentor: Mentor | None
    supervisor_nip: str | None
    position_name: str | None
    standard_known: bool


def _relevant(programme: Programme, gaps: Sequence[Gap], coaching: bool) -> bool:
    if coaching and programme.form in COACHING_FORMS:
        return True
    return any(programme.level_developed(g.competency) is not None for g in gaps)


async def _compose(
    connection: AsyncConnection, *, nip: str, unit_id: str | None, position_id: str | None, coaching: bool
) -> Composition:
    read_models = ReadModels(connection)
    position = await read_models.position(position_id) if position_id else None
    standard = position.competency_standard if position else {}
    assessed = (await read_models.competencies([nip]))[nip]
    gaps = competency_gaps(standard, assessed)
    programmes = [p for p in await ProgrammeRepository(connection).active() if _relevant(p, gaps, coaching)]
    sessions = await SessionRepository(connection).upcoming_options([p.id for p in programmes], today())
    completed = await EnrolmentRepository(connection).completed_programmes(nip)
    items = [gap_item(gap, recommend(gap, programmes, sessions, completed)) for gap in gaps]
    if coaching:
        items.append(coaching_item(recommend_coaching(gaps, programmes, sessions, completed)))
    employee = await read_models.employee(nip)
    mentee = Colleague(nip, employee.name, employee.rank_code, employee.tmt_cpns) if employee else None
    colleagues = await read_models.colleagues(unit_id) if unit_id else []
    return Composition(
        items=items,
        job_person_match=job_person_match(standard, assessed) if position else None,
        mentor=choose_mentor(mentee, gaps, colleagues) if unit_id else None,
        supervisor_nip=await supervisor_of(connection, nip, unit_id, position_id),
        position_name=position.name if position else None,
        standard_known=position is not None,
    )


def _state(plan: DevelopmentPlan) -> dict[str, object]:
    return {
        "plan_id": str(plan.id),
        "nip": plan.nip,
        "agency_code": plan.agency_code,
        "unit_id": plan.unit_id,
        "position_id": plan.position_id,
        "source": plan.source.value,
        "mutation_id": plan.mutation_id,
        "status": plan.status.value,
        "job_person_match": plan.job_person_match,
        "supervisor_nip": plan.supervisor_nip,
        "mentor_nip": plan.mentor.nip if plan.mentor else None,
        "items": [
            contracts.PlanItem(
                kind=item.kind.value,
                competency=item.competency,
                required_level=item.required_level,
                current_level=item.current_level,
                programme_id=str(item.programme_id) if item.programme_id else None,
                session_id=str(item.session_id) if item.session_id else None,
                target_date=item.target_date,
            )
            for item in plan.items
        ],
        "employee_accepted": plan.employee_acceptance is not None,
        "supervisor_accepted": plan.supervisor_acceptance is not None,
        "version": plan.version,
    }


def _publish(uow: UnitOfWork, plan: DevelopmentPlan, *, created: bool, caused_by: CloudEvent | None) -> None:
    kind, model = (
        ("created", contracts.DevelopmentPlanCreated)
        if created
        else ("updated", contracts.DevelopmentPlanUpdated)
    )
    uow.publish(
        new_event(
            f"asn.training.development-plan.{kind}",
            subject=plan.nip,
            agency=plan.agency_code,
            data=model.model_validate(_state(plan)),
            caused_by=caused_by,
        )
    )


async def _create(
    uow: UnitOfWork,
    *,
    nip: str,
    agency_code: str,
    unit_id: str | None,
    position_id: str | None,
    source: PlanSource,
    reason: str | None,
    mutation_id: str | None = None,
    appraisal_reference: str | None = None,
    caused_by: CloudEvent | None = None,
) -> DevelopmentPlan:
    found = await _compose(
        uow.connection,
        nip=nip,
        unit_id=unit_id,
        position_id=position_id,
        coaching=source is PlanSource.APPRAISAL,
    )
    plan = DevelopmentPlan(
        id=uuid4(),
        nip=nip,
        agency_code=agency_code,
        unit_id=unit_id,
        position_id=position_id,
        position_name=found.position_name,
        source=source,
        items=found.items,
        job_person_match=found.job_person_match,
        supervisor_nip=found.supervisor_nip,
        mentor=found.mentor,
        standard_known=found.standard_known,
        mutation_id=mutation_id,
        appraisal_reference=appraisal_reference,
        reason=reason,
    )
    await PlanRepository(uow.connection).add(plan)
    _publish(uow, plan, created=True, caused_by=caused_by)
    return plan


async def plan_for_mutation(uow: UnitOfWork, effective: ProposalEffective, *, caused_by: CloudEvent) -> None:
    """The saga's training step: a plan from the gap to the new position's standard (once per mutation)."""
    repository = PlanRepository(uow.connection)
    if await repository.search(PlanFilter(mutation_id=effective.mutation_id), limit=1, after=None):
        return
    decree = f", decree {effective.decree_number}" if effective.decree_number else ""
    await _create(
        uow,
        nip=effective.nip,
        agency_code=effective.to_agency_code,
        unit_id=effective.to_unit_id,
        position_id=effective.to_position_id,
        source=PlanSource.MUTATION,
        reason=f"mutation effective {effective.tmt}{decree}",
        mutation_id=effective.mutation_id,
        caused_by=caused_by,
    )
    await uow.commit()


async def plan_for_appraisal(
    uow: UnitOfWork, evaluation: EvaluationFinalised, *, caused_by: CloudEvent
) -> None:
    """Coaching for a predicate of Butuh Perbaikan or below; one open appraisal plan per person, kept up to
    date by later evaluations, and withdrawn when an objection lifts the predicate that made it."""
    repository = PlanRepository(uow.connection)
    reference = f"{evaluation.year}/{evaluation.period}"
    open_plans = await repository.open_plans(nip=evaluation.nip, source=PlanSource.APPRAISAL)
    if evaluation.predicate not in COACHING_PREDICATES:
        for plan in open_plans:
            if plan.appraisal_reference == reference and plan.withdraw():
                await repository.save(plan)
                _publish(uow, plan, created=False, caused_by=caused_by)
        await uow.commit()
        return
    employee = await ReadModels(uow.connection).employee(evaluation.nip)
    unit_id = employee.unit_id if employee else None
    position_id = employee.position_id if employee else None
    reason = f"appraisal {reference}: {evaluation.predicate.replace('_', ' ')}"
    if not open_plans:
        await _create(
            uow,
            nip=evaluation.nip,
            agency_code=evaluation.agency_code,
            unit_id=unit_id,
            position_id=position_id,
            source=PlanSource.APPRAISAL,
            reason=reason,
            appraisal_reference=reference,
            caused_by=caused_by,
        )
    else:
        plan = open_plans[-1]
        found = await _compose(
            uow.connection, nip=plan.nip, unit_id=unit_id, position_id=position_id, coaching=True
        )
        plan.unit_id, plan.position_id = unit_id, position_id
        plan.appraisal_reference, plan.reason = reference, reason
        _recompute(plan, found)
        await repository.save(plan)
        _publish(uow, plan, created=False, caused_by=caused_by)
    await uow.commit()


def _recompute(plan: DevelopmentPlan, found: Composition) -> bool:
    return plan.recompute(
        items=found.items,
        job_person_match=found.job_person_match,
        mentor=found.mentor,
        supervisor_nip=found.supervisor_nip,
        position_name=found.position_name,
        standard_known=found.standard_known,
    )


async def refresh_open_plans(
    uow: UnitOfWork, *, nip: str | None = None, position_id: str | None = None, caused_by: CloudEvent
) -> None:
    """Recompute the plans nobody has accepted yet after newer facts: a position's standard (also one that
    reached this service after the mutation did) or a new assessment. The caller commits."""
    repository = PlanRepository(uow.connection)
    for plan in await repository.open_plans(nip=nip, position_id=position_id):
        found = await _compose(
            uow.connection,
            nip=plan.nip,
            unit_id=plan.unit_id,
            position_id=plan.position_id,
            coaching=plan.source is PlanSource.APPRAISAL,
        )
        if _recompute(plan, found):
            await repository.save(plan)
            _publish(uow, plan, created=False, caused_by=caused_by)


async def plan_on_request(
    uow: UnitOfWork, principal: Principal, *, nip: str, position_id: str | None, reason: str | None
) -> DevelopmentPlan:
    """A plan toward the person's current position, or toward another one (e.g. a planned move); the plan
    belongs to the agency of the position, which must lie inside the caller's agencies too."""
    read_models = ReadModels(uow.connection)
    references = References(principal)
    employee = await referred_employee(references, read_models, "nip", nip, or_self=True)
    target = (
        await referred_position(references, read_models, "position_id", position_id)
        if position_id is not None
        else None
    )
    references.settle()
    assert employee is not None
    supervisor = await supervisor_of(uow.connection, nip, employee.unit_id, employee.position_id)
    if not (
        principal.is_self(nip)
        or supervises(principal, supervisor)
        or manages(principal, employee.agency_code)
    ):
        raise Forbidden("only the employee, their supervisor or the agency's HR unit ask for a plan")
    unit_id, agency_code = employee.unit_id, employee.agency_code
    if target is not None:
        unit_id, agency_code = target.unit_id, target.agency_code
    plan = await _create(
        uow,
        nip=nip,
        agency_code=agency_code,
        unit_id=unit_id,
        position_id=position_id or employee.position_id,
        source=PlanSource.REQUEST,
        reason=reason,
    )
    await uow.commit()
    return plan


async def _plan(connection: AsyncConnection, plan_id: UUID) -> DevelopmentPlan:
    plan = await PlanRepository(connection).get(plan_id)
    if plan is None:
        raise NotFound(f"no development plan {plan_id}")
    return plan


def _own_sides(principal: Principal, plan: DevelopmentPlan) -> list[Side]:
    return own_sides(plan, nip=principal.nip, is_supervisor=supervises(principal, plan.supervisor_nip))


async def get_plan(connection: AsyncConnection, principal: Principal, plan_id: UUID) -> DevelopmentPlan:
    plan = await _plan(connection, plan_id)
    if not supervises(principal, plan.supervisor_nip):
        principal.require_employee_access(plan.nip, plan.agency_code)
    return plan


async def search_plans(
    connection: AsyncConnection,
    principal: Principal,
    where: PlanFilter,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[DevelopmentPlan]:
    """Employees see their own plans; supervisors those they supervise; staff those of their agencies."""
    repository = PlanRepository(connection)
    if where.nip is not None and principal.is_self(where.nip):
        return await repository.search(where, limit=limit, after=after)
    if where.supervisor_nip is not None and supervises(principal, where.supervisor_nip):
        return await repository.search(where, limit=limit, after=after)
    if not principal.has_role(*STAFF_ROLES):
        raise Forbidden("employees see their own plans: filter by your NIP")
    if principal.agencies is not None:
        allowed = (
            principal.agencies if where.agency_codes is None else where.agency_codes & principal.agencies
        )
        where = PlanFilter(
            nip=where.nip,
            agency_codes=frozenset(allowed),
            supervisor_nip=where.supervisor_nip,
            status=where.status,
            source=where.source,
            mutation_id=where.mutation_id,
        )
    return await repository.search(where, limit=limit, after=after)


async def _mentor(read_models: ReadModels, plan: DevelopmentPlan, colleague: EmployeeRow) -> Mentor:
    levels = {
        competency_key(k): v
        for k, v in (await read_models.competencies([colleague.nip]))[colleague.nip].items()
    }
    covers = tuple(
        item.competency
        for item in plan.items
        if item.kind is ItemKind.COMPETENCY_GAP
        and item.competency
        and item.required_level is not None
        and levels.get(competency_key(item.competency), 0) >= item.required_level
    )
    return Mentor(colleague.nip, colleague.name, colleague.rank_code, covers)


async def _referred_choices(
    references: References, connection: AsyncConnection, choices: Sequence[Choice]
) -> None:
    """Each chosen programme exists and each chosen session is one of it; any agency's catalogue may be
    chosen from (it is open to everyone), so no scope applies."""
    programmes = await ProgrammeRepository(connection).get_many(
        sorted({c.programme_id for c in choices if c.programme_id}, key=str)
    )
    sessions = SessionRepository(connection)
    for i, choice in enumerate(choices):
        if choice.programme_id is not None and choice.programme_id not in programmes:
            references.unknown(f"items.{i}.programme_id", "programme", choice.programme_id)
        if choice.session_id is not None:
            session = await sessions.get(choice.session_id)
            if session is None:
                references.unknown(f"items.{i}.session_id", "session", choice.session_id)
            elif session.programme_id != choice.programme_id:
                references.mismatch(f"items.{i}.session_id", "not a session of the chosen programme")


async def adjust_plan(
    uow: UnitOfWork,
    principal: Principal,
    plan_id: UUID,
    *,
    expected_version: int,
    choices: Sequence[Choice],
    mentor_nip: str | None,
    change_mentor: bool,
) -> DevelopmentPlan:
    """The employee, the supervisor or HR choose other programmes, sessions, dates or another mentor; the
    plan then waits for both acceptances again. Choices already made change nothing: no version, no event."""
    plan = await _plan(uow.connection, plan_id)
    require_party(_own_sides(principal, plan), manages_agency=manages(principal, plan.agency_code))
    check_version(plan.version, expected_version, f"development plan {plan_id}")
    read_models, references = ReadModels(uow.connection), References(principal)
    await _referred_choices(references, uow.connection, choices)
    colleague = None
    if change_mentor and mentor_nip:
        colleague = await referred_employee(references, read_models, "mentor_nip", mentor_nip, or_self=True)
        if colleague is not None and mentor_nip == plan.nip:
            references.mismatch("mentor_nip", "the plan's own employee cannot mentor it")
    references.settle()
    mentor = await _mentor(read_models, plan, colleague) if colleague is not None else None
    if not plan.adjust(choices, mentor=mentor, keep_mentor=not change_mentor):
        return plan
    await PlanRepository(uow.connection).save(plan)
    _publish(uow, plan, created=False, caused_by=None)
    await uow.commit()
    return plan


async def accept_plan(
    uow: UnitOfWork,
    principal: Principal,
    plan_id: UUID,
    *,
    expected_version: int,
    side: Side | None,
    on_behalf_reason: str | None,
) -> DevelopmentPlan:
    """The caller accepts for their side, or the agency's HR unit enters a side's acceptance for them (given
    on paper), saying why; the plan is accepted once the employee and the supervisor have."""
    plan = await _plan(uow.connection, plan_id)
    own = _own_sides(principal, plan)
    may_enter = manages(principal, plan.agency_code)
    if side is None:
        require_party(own, manages_agency=may_enter)
        if len(own) != 1:
            raise InvalidInput(
                "name the side you accept for: the employee or the supervisor",
                errors=[FieldProblem(field="side", message="required", value=None)],
            )
        side = own[0]
    whose = plan.person_of(side)
    reason = acting_for(
        principal,
        f"the plan's {side.value} {whose or '(not known)'}",
        field="side",
        acts_themself=side in own,
        may_enter_for_them=may_enter,
        on_behalf_reason=on_behalf_reason,
    )
    check_version(plan.version, expected_version, f"development plan {plan_id}")
    now = clock.now()
    plan.accept(side, Acceptance(principal.subject, now, whose, reason))
    await PlanRepository(uow.connection).save(plan)
    if reason is not None:
        await audit.plan_accepted_on_behalf(
            uow, plan, side, entered_by=principal.subject, reason=reason, at=now
        )
    _publish(uow, plan, created=False, caused_by=None)
    await uow.commit()
    return plan
