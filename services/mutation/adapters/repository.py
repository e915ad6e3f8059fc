"""Loads and saves mutation proposals and what hangs off them (check runs, transitions, overrides,
responses), and gathers the facts the eligibility rules need (Core SQLAlchemy on the caller's connection)."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, RowMapping, and_, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import (
    agencies,
    appraisal_predicates,
    check_runs,
    competencies,
    decrees,
    employees,
    mutation_rounds,
    overrides,
    positions,
    proposals,
    relatives,
    responses,
    service_bonds,
    transitions,
    units,
)
from services.mutation.domain.eligibility import Report
from services.mutation.domain.mutation_types import AgencyKind, AgencyRef, MutationType
from services.mutation.domain.workflow import (
    IN_FLIGHT,
    OPEN_STATES,
    Initiator,
    Placement,
    Proposal,
    State,
    Transition,
)
from shared.errors import PreconditionFailed

# --- proposals -------------------------------------------------------------------------------------------


def _row_values(p: Proposal) -> dict[str, Any]:
    return {
        "nip": p.nip,
        "employee_name": p.employee_name,
        "mutation_type": p.mutation_type.value,
        "initiator": p.initiator.value,
        "state": p.state.value,
        "round_id": p.round_id,
        "plan_ref": p.plan_ref,
        "explanation": p.explanation,
        "origin_agency_code": p.origin.agency_code,
        "origin_unit_id": p.origin.unit_id,
        "origin_position_id": p.origin.position_id,
        "target_agency_code": p.target.agency_code,
        "target_unit_id": p.target.unit_id,
        "target_position_id": p.target.position_id,
        "target_province_code": p.target_province_code,
        "reason": p.reason,
        "organisational_reason": p.organisational_reason,
        "proposed_tmt": p.proposed_tmt,
        "submitted_at": p.submitted_at,
        "verified_at": p.verified_at,
        "due_at": p.due_at,
        "decided_at": p.decided_at,
        "tmt": p.tmt,
        "decree_id": p.decree_id,
        "decree_number": p.decree_number,
        "failure_reason": p.failure_reason,
        "employee_response": p.employee_response,
        "open_objections": p.open_objections,
        "check_outcome": p.check_outcome,
        "policy_agency_code": p.policy_agency_code,
        "policy_version": p.policy_version,
        "created_by": p.created_by,
        "on_behalf_reason": p.on_behalf_reason,
        "created_at": p.created_at,
        "updated_at": p.updated_at or p.created_at,
        "version": p.version,
    }


def proposal_of(row: Row[Any] | Mapping[str, Any]) -> Proposal:
    r = row._mapping if isinstance(row, Row) else row
    return Proposal(
        id=r["id"],
        nip=r["nip"],
        employee_name=r["employee_name"],
        mutation_type=MutationType(r["mutation_type"]),
        initiator=Initiator(r["initiator"]),
        origin=Placement(r["origin_agency_code"], r["origin_unit_id"], r["origin_position_id"]),
        target=Placement(r["target_agency_code"], r["target_unit_id"], r["target_position_id"]),
        target_province_code=r["target_province_code"],
        reason=r["reason"],
        created_at=r["created_at"],
        created_by=r["created_by"],
        organisational_reason=r["organisational_reason"],
        proposed_tmt=r["proposed_tmt"],
        state=State(r["state"]),
        round_id=r["round_id"],
        plan_ref=r["plan_ref"],
        explanation=r["explanation"],
        submitted_at=r["submitted_at"],
        verified_at=r["verified_at"],
        due_at=r["due_at"],
        decided_at=r["decided_at"],
        tmt=r["tmt"],
        decree_id=r["decree_id"],
        decree_number=r["decree_number"],
        failure_reason=r["failure_reason"],
        employee_response=r["employee_response"],
        open_objections=r["open_objections"],
        check_outcome=r["check_outcome"],
        policy_agency_code=r["policy_agency_code"],
        policy_version=r["policy_version"],
        on_behalf_reason=r["on_behalf_reason"],
        version=r["version"],
        updated_at=r["updated_at"],
    )


@dataclass(frozen=True)
class ProposalFilter:
    agencies: frozenset[str] | None = None  # the caller's scope: origin or target in it
    agency_code: str | None = None
    nip: str | None = None
    states: Collection[str] | None = None
    round_id: UUID | None = None
    overdue_at: datetime | None = None
    updated_since: datetime | None = None
    mutation_type: str | None = None


class ProposalRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add_many(self, items: Sequence[Proposal]) -> None:
        if items:
            await self.connection.execute(insert(proposals), [{"id": p.id, **_row_values(p)} for p in items])

    async def get(self, proposal_id: UUID) -> Proposal | None:
        row = (await self.connection.execute(select(proposals).where(proposals.c.id == proposal_id))).first()
        return None if row is None else proposal_of(row)

    async def due_effective(self, on: date, *, limit: int) -> list[Proposal]:
        """Decreed proposals whose TMT has come, oldest first; rows another replica is already handling are
        skipped (SKIP LOCKED) and those taken stay locked until the transaction ends."""
        rows = await self.connection.execute(
            select(proposals)
            .where(proposals.c.state == State.DECREE_ISSUED.value, proposals.c.tmt <= on)
            .order_by(proposals.c.tmt, proposals.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [proposal_of(row) for row in rows]

    async def with_open_proposals(self, nips: Sequence[str]) -> set[str]:
        """Those of `nips` who have a proposal still open."""
        rows = await self.connection.scalars(
            select(proposals.c.nip).where(
                proposals.c.nip.in_(list(nips)), proposals.c.state.in_([s.value for s in OPEN_STATES])
            )
        )
        return set(rows)

    async def decree_dates(self, decree_ids: Collection[UUID]) -> dict[UUID, date]:
        """The day each decree was signed, as its content records it."""
        if not decree_ids:
            return {}
        rows = await self.connection.execute(
            select(decrees.c.id, decrees.c.content).where(decrees.c.id.in_(list(decree_ids)))
        )
        return {row.id: date.fromisoformat(row.content["signed_on"]) for row in rows}

    async def save(self, proposal: Proposal, *, expected_version: int) -> None:
        """Write the proposal if nobody changed it since it was read (optimistic: concurrent decisions on one
        proposal cannot both pass)."""
        result = await self.connection.execute(
            update(proposals)
            .where(proposals.c.id == proposal.id, proposals.c.version == expected_version)
            .values(_row_values(proposal))
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"proposal {proposal.id} was changed by someone else; reload it")

    async def search(
        self, where: ProposalFilter, *, limit: int, after: tuple[datetime, UUID] | None
    ) -> list[Proposal]:
        t = proposals
        query = select(t).order_by(t.c.created_at, t.c.id).limit(limit)
        conditions = []
        if where.agencies is not None:
            # A province's office also sees the moves between its kabupaten/kota: the Gubernur decides them.
            conditions.append(
                or_(
                    t.c.origin_agency_code.in_(where.agencies),
                    t.c.target_agency_code.in_(where.agencies),
                    and_(
                        t.c.mutation_type == "between_regencies_in_province",
                        t.c.target_province_code.in_(where.agencies),
                    ),
                )
            )
        if where.agency_code is not None:
            conditions.append(
                or_(t.c.origin_agency_code == where.agency_code, t.c.target_agency_code == where.agency_code)
            )
        if where.nip is not None:
            conditions.append(t.c.nip == where.nip)
        if where.states:
            conditions.append(t.c.state.in_(list(where.states)))
        if where.round_id is not None:
            conditions.append(t.c.round_id == where.round_id)
        if where.overdue_at is not None:
            conditions.append(t.c.due_at < where.overdue_at)
        if where.updated_since is not None:
            conditions.append(t.c.updated_at >= where.updated_since)
        if where.mutation_type is not None:
            conditions.append(t.c.mutation_type == where.mutation_type)
        if after is not None:
            conditions.append(
                or_(t.c.created_at > after[0], and_(t.c.created_at == after[0], t.c.id > after[1]))
            )
        if conditions:
            query = query.where(*conditions)
        return [proposal_of(row) for row in await self.connection.execute(query)]

    async def due_for_effect(self, on: date, *, limit: int) -> list[UUID]:
        t = proposals
        rows = await self.connection.scalars(
            select(t.c.id)
            .where(t.c.state == State.DECREE_ISSUED.value, t.c.tmt <= on)
            .order_by(t.c.tmt, t.c.id)
            .limit(limit)
        )
        return list(rows)

    async def round_counts(self, round_id: UUID) -> dict[str, int]:
        t = proposals
        rows = await self.connection.execute(
            select(t.c.state, func.count()).where(t.c.round_id == round_id).group_by(t.c.state)
        )
        return {state: count for state, count in rows}

    # --- what hangs off a proposal -----------------------------------------------------------------------

    async def add_check_run(self, proposal_id: UUID, trigger: str, report: Report, at: datetime) -> UUID:
        (run_id,) = await self.add_check_runs([(proposal_id, report)], trigger, at)
        return run_id

    async def add_check_runs(
        self, runs: Sequence[tuple[UUID, Report]], trigger: str, at: datetime, *, ids: Sequence[UUID] = ()
    ) -> list[UUID]:
        ids = list(ids) or [uuid4() for _ in runs]
        rows = [
            {
                "id": run_id,
                "proposal_id": proposal_id,
                "trigger": trigger,
                "outcome": report.outcome.value,
                "policy_agency_code": report.policy_agency_code,
                "policy_version": report.policy_version,
                "results": [r.as_dict() for r in report.results],
                "at": at,
            }
            for run_id, (proposal_id, report) in zip(ids, runs, strict=True)
        ]
        if rows:
            await self.connection.execute(insert(check_runs), rows)
        return ids

    async def latest_check_run(self, proposal_id: UUID) -> RowMapping | None:
        row = (
            await self.connection.execute(
                select(check_runs)
                .where(check_runs.c.proposal_id == proposal_id)
                .order_by(check_runs.c.at.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else row._mapping

    async def add_transitions(self, rows: Sequence[tuple[UUID, Transition, str, UUID | None]]) -> None:
        """(proposal id, transition, actor's roles, check run id) per transition."""
        if not rows:
            return
        await self.connection.execute(
            insert(transitions),
            [
                {
                    "id": uuid4(),
                    "proposal_id": proposal_id,
                    "action": t.action.value,
                    "from_state": t.from_state.value,
                    "to_state": t.to_state.value,
                    "actor": t.actor,
                    "actor_roles": roles,
                    "reason": t.reason,
                    "reason_code": t.reason_code,
                    "reason_params": dict(t.reason_params) or None,
                    "on_behalf_of": t.on_behalf.of if t.on_behalf else None,
                    "on_behalf_reason": t.on_behalf.reason if t.on_behalf else None,
                    "check_run_id": run_id,
                    "at": t.at,
                }
                for proposal_id, t, roles, run_id in rows
            ],
        )

    async def transitions_of(self, proposal_id: UUID) -> list[RowMapping]:
        rows = await self.connection.execute(
            select(transitions, check_runs.c.outcome.label("check_outcome"))
            .outerjoin(check_runs, check_runs.c.id == transitions.c.check_run_id)
            .where(transitions.c.proposal_id == proposal_id)
            .order_by(transitions.c.at, transitions.c.id)
        )
        return [row._mapping for row in rows]

    async def check_runs_of(self, proposal_id: UUID) -> list[RowMapping]:
        rows = await self.connection.execute(
            select(check_runs).where(check_runs.c.proposal_id == proposal_id).order_by(check_runs.c.at)
        )
        return [row._mapping for row in rows]

    async def overrides_of(self, proposal_id: UUID) -> list[RowMapping]:
        rows = await self.connection.execute(
            select(overrides).where(overrides.c.proposal_id == proposal_id).order_by(overrides.c.at)
        )
        return [row._mapping for row in rows]

    async def add_override(
        self, proposal_id: UUID, rule: str, reason: str, approver: str, at: datetime
    ) -> None:
        await self.connection.execute(
            overrides.delete().where(overrides.c.proposal_id == proposal_id, overrides.c.rule == rule)
        )
        await self.connection.execute(
            insert(overrides).values(
                proposal_id=proposal_id, rule=rule, reason=reason, approver=approver, at=at
            )
        )

    async def add_response(
        self, proposal_id: UUID, nip: str, response: str, reason: str | None, at: datetime
    ) -> UUID:
        response_id = uuid4()
        await self.connection.execute(
            insert(responses).values(
                id=response_id,
                proposal_id=proposal_id,
                nip=nip,
                response=response,
                reason=reason,
                at=at,
                state="open" if response == "objected" else "closed",
            )
        )
        return response_id

    async def get_response(self, response_id: UUID) -> RowMapping | None:
        row = (await self.connection.execute(select(responses).where(responses.c.id == response_id))).first()
        return None if row is None else row._mapping

    async def answer_response(
        self, response_id: UUID, decision: str, note: str, by: str, at: datetime
    ) -> None:
        await self.connection.execute(
            update(responses)
            .where(responses.c.id == response_id)
            .values(state=decision, answer=note, answered_by=by, answered_at=at)
        )

    async def responses_of(self, proposal_id: UUID) -> list[RowMapping]:
        rows = await self.connection.execute(
            select(responses).where(responses.c.proposal_id == proposal_id).order_by(responses.c.at)
        )
        return [row._mapping for row in rows]

    async def open_objections(self, agencies_in_scope: frozenset[str] | None, limit: int) -> list[RowMapping]:
        query = (
            select(
                responses, proposals.c.origin_agency_code, proposals.c.target_agency_code, proposals.c.state
            )
            .join(proposals, proposals.c.id == responses.c.proposal_id)
            .where(responses.c.state == "open")
            .order_by(responses.c.at)
            .limit(limit)
        )
        if agencies_in_scope is not None:
            query = query.where(
                or_(
                    proposals.c.origin_agency_code.in_(agencies_in_scope),
                    proposals.c.target_agency_code.in_(agencies_in_scope),
                )
            )
        return [row._mapping for row in await self.connection.execute(query)]

    # --- rounds ------------------------------------------------------------------------------------------

    async def add_round(self, **values: Any) -> None:
        await self.connection.execute(insert(mutation_rounds).values(**values))

    async def get_round(self, round_id: UUID) -> RowMapping | None:
        row = (
            await self.connection.execute(select(mutation_rounds).where(mutation_rounds.c.id == round_id))
        ).first()
        return None if row is None else row._mapping


# --- facts for the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionInfo:
    position_id: str
    unit_id: str
    agency_code: str
    name: str
    job_class: int
    minimum_rank: str | None
    competency_standard: Mapping[str, int]
    retirement_age: int
    staff_needed: int | None


def _agency_of(row: Row[Any]) -> AgencyRef:
    return AgencyRef(row.code, AgencyKind(row.kind), row.province_code, row.name)


class FactsReader:
    """Reads the read models, one query per method. Agencies, units and positions are remembered for the
    reader's life (one use case): a round of hundreds of proposals names the same few again and again."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._memo: dict[tuple[str, str], Any] = {}

    async def _remembered(self, kind: str, key: str, load: Any) -> Any:
        if (kind, key) not in self._memo:
            self._memo[kind, key] = await load(key)
        return self._memo[kind, key]

    async def employee(self, nip: str) -> RowMapping | None:
        row = (await self.connection.execute(select(employees).where(employees.c.nip == nip))).first()
        return None if row is None else row._mapping

    async def agency(self, code: str) -> AgencyRef | None:
        found: AgencyRef | None = await self._remembered("agency", code, self._agency)
        return found

    async def _agency(self, code: str) -> AgencyRef | None:
        row = (await self.connection.execute(select(agencies).where(agencies.c.code == code))).first()
        return None if row is None else _agency_of(row)

    async def unit(self, unit_id: str) -> RowMapping | None:
        found: RowMapping | None = await self._remembered("unit", unit_id, self._unit)
        return found

    async def _unit(self, unit_id: str) -> RowMapping | None:
        row = (await self.connection.execute(select(units).where(units.c.unit_id == unit_id))).first()
        return None if row is None else row._mapping

    async def position(self, position_id: str) -> PositionInfo | None:
        found: PositionInfo | None = await self._remembered("position", position_id, self._position)
        return found

    async def _position(self, position_id: str) -> PositionInfo | None:
        row = (
            await self.connection.execute(select(positions).where(positions.c.position_id == position_id))
        ).first()
        if row is None:
            return None
        return PositionInfo(
            row.position_id,
            row.unit_id,
            row.agency_code,
            row.name,
            row.job_class,
            row.minimum_rank,
            dict(row.competency_standard or {}),
            row.retirement_age,
            row.staff_needed,
        )

    async def position_row(self, position_id: str) -> RowMapping | None:
        row = (
            await self.connection.execute(select(positions).where(positions.c.position_id == position_id))
        ).first()
        return None if row is None else row._mapping

    async def competencies(self, nip: str) -> dict[str, int]:
        rows = await self.connection.execute(
            select(competencies.c.competency, competencies.c.level).where(competencies.c.nip == nip)
        )
        return {name: level for name, level in rows}

    async def predicates(self, nip: str) -> dict[int, str]:
        rows = await self.connection.execute(
            select(appraisal_predicates.c.year, appraisal_predicates.c.predicate).where(
                appraisal_predicates.c.nip == nip
            )
        )
        return {year: predicate for year, predicate in rows}

    async def service_bond_until(self, nip: str) -> date | None:
        until: date | None = await self.connection.scalar(
            select(service_bonds.c.until).where(service_bonds.c.nip == nip)
        )
        return until

    async def present(self, position_id: str) -> int:
        """Bezetting as this service knows it: active employees holding the position now."""
        return int(
            await self.connection.scalar(
                select(func.count())
                .select_from(employees)
                .where(employees.c.position_id == position_id, employees.c.status == "active")
            )
            or 0
        )

    async def in_flight(self, position_id: str, *, excluding: UUID | None) -> tuple[int, int]:
        """(coming in, going out) of a position by other proposals under decision or decreed."""
        t = proposals
        states = [s.value for s in IN_FLIGHT]
        others = t.c.id != excluding if excluding is not None else true()
        rows = await self.connection.execute(
            select(
                func.count().filter(t.c.target_position_id == position_id),
                func.count().filter(t.c.origin_position_id == position_id),
            ).where(
                t.c.state.in_(states),
                or_(t.c.target_position_id == position_id, t.c.origin_position_id == position_id),
                others,
            )
        )
        incoming, outgoing = rows.one()
        return int(incoming), int(outgoing)

    async def relatives_around(
        self, nip: str, unit_id: str, agency_code: str, head_position_id: str | None
    ) -> tuple[list[str], bool, list[str]]:
        """Recorded relatives (either direction) working in the target unit, heading it, or elsewhere in
        the target agency."""
        ties = await self.connection.execute(
            select(relatives.c.nip, relatives.c.relative_nip).where(
                or_(relatives.c.nip == nip, relatives.c.relative_nip == nip)
            )
        )
        kin = {b if a == nip else a for a, b in ties}
        if not kin:
            return [], False, []
        rows = await self.connection.execute(
            select(employees.c.nip, employees.c.unit_id, employees.c.position_id).where(
                employees.c.nip.in_(kin),
                employees.c.agency_code == agency_code,
                employees.c.status == "active",
            )
        )
        in_unit, heads, in_agency = [], False, []
        for row in rows:
            if row.unit_id == unit_id:
                in_unit.append(row.nip)
            else:
                in_agency.append(row.nip)
            if head_position_id is not None and row.position_id == head_position_id:
                heads = True
        return sorted(in_unit), heads, sorted(in_agency)
