"""Loads and saves development plans with their items (Core SQLAlchemy on the unit of work's connection)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.tables import development_plan_items, development_plans
from services.training.domain.catalogue import Form
from services.training.domain.development import (
    Acceptance,
    DevelopmentPlan,
    ItemKind,
    Mentor,
    PlanItem,
    PlanSource,
    PlanStatus,
    Recommendation,
    Side,
)
from shared import clock
from shared.errors import PreconditionFailed


def _now() -> datetime:
    return clock.now()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _recommendation_json(r: Recommendation) -> dict[str, Any]:
    return {
        "programme_id": str(r.programme_id),
        "code": r.code,
        "title": r.title,
        "form": r.form.value,
        "jp": r.jp,
        "target_level": r.target_level,
        "fit": str(r.fit),
        "session_id": str(r.session_id) if r.session_id else None,
        "starts_on": _iso(r.starts_on),
        "ends_on": _iso(r.ends_on),
        "waitlisted": r.waitlisted,
        "prerequisites_missing": [str(p) for p in r.prerequisites_missing],
    }


def _recommendation_of(data: dict[str, Any]) -> Recommendation:
    return Recommendation(
        programme_id=UUID(data["programme_id"]),
        code=data["code"],
        title=data["title"],
        form=Form(data["form"]),
        jp=data["jp"],
        target_level=data["target_level"],
        fit=Decimal(data["fit"]),
        session_id=UUID(data["session_id"]) if data["session_id"] else None,
        starts_on=_date(data["starts_on"]),
        ends_on=_date(data["ends_on"]),
        waitlisted=data["waitlisted"],
        prerequisites_missing=tuple(UUID(p) for p in data["prerequisites_missing"]),
    )


def _mentor_json(mentor: Mentor | None) -> dict[str, Any] | None:
    if mentor is None:
        return None
    return {
        "nip": mentor.nip,
        "name": mentor.name,
        "rank_code": mentor.rank_code,
        "competencies": list(mentor.competencies),
    }


def _mentor_of(data: dict[str, Any] | None) -> Mentor | None:
    if data is None:
        return None
    return Mentor(data["nip"], data["name"], data["rank_code"], tuple(data["competencies"]))


def _item_of(row: Row[Any]) -> PlanItem:
    return PlanItem(
        kind=ItemKind(row.kind),
        competency=row.competency,
        required_level=row.required_level,
        current_level=row.current_level,
        recommendations=tuple(_recommendation_of(r) for r in row.recommendations),
        programme_id=row.programme_id,
        session_id=row.session_id,
        target_date=row.target_date,
        note=row.note,
    )


def _acceptance(row: Row[Any], side: Side) -> Acceptance | None:
    by, at = getattr(row, f"{side}_accepted_by"), getattr(row, f"{side}_accepted_at")
    if by is None or at is None:
        return None
    nip, reason = getattr(row, f"{side}_accepted_nip"), getattr(row, f"{side}_accepted_on_behalf_reason")
    return Acceptance(by, at, nip, reason)


def _acceptance_values(acceptance: Acceptance | None, side: Side) -> dict[str, Any]:
    return {
        f"{side}_accepted_by": acceptance.by if acceptance else None,
        f"{side}_accepted_at": acceptance.at if acceptance else None,
        f"{side}_accepted_nip": acceptance.nip if acceptance else None,
        f"{side}_accepted_on_behalf_reason": acceptance.on_behalf_reason if acceptance else None,
    }


def _plan_of(row: Row[Any], items: list[PlanItem]) -> DevelopmentPlan:
    return DevelopmentPlan(
        id=row.id,
        nip=row.nip,
        agency_code=row.agency_code,
        unit_id=row.unit_id,
        position_id=row.position_id,
        position_name=row.position_name,
        source=PlanSource(row.source),
        items=items,
        job_person_match=row.job_person_match,
        supervisor_nip=row.supervisor_nip,
        mentor=_mentor_of(row.mentor),
        standard_known=row.standard_known,
        mutation_id=row.mutation_id,
        appraisal_reference=row.appraisal_reference,
        reason=row.reason,
        status=PlanStatus(row.status),
        employee_acceptance=_acceptance(row, Side.EMPLOYEE),
        supervisor_acceptance=_acceptance(row, Side.SUPERVISOR),
        created_at=row.created_at,
        version=row.version,
    )


def _values(plan: DevelopmentPlan) -> dict[str, Any]:
    return {
        "agency_code": plan.agency_code,
        "unit_id": plan.unit_id,
        "position_id": plan.position_id,
        "position_name": plan.position_name,
        "appraisal_reference": plan.appraisal_reference,
        "reason": plan.reason,
        "status": plan.status.value,
        "job_person_match": plan.job_person_match,
        "standard_known": plan.standard_known,
        "supervisor_nip": plan.supervisor_nip,
        "mentor": _mentor_json(plan.mentor),
        **_acceptance_values(plan.employee_acceptance, Side.EMPLOYEE),
        **_acceptance_values(plan.supervisor_acceptance, Side.SUPERVISOR),
    }


@dataclass(frozen=True)
class PlanFilter:
    nip: str | None = None
    agency_codes: frozenset[str] | None = None  # None: every agency
    supervisor_nip: str | None = None
    status: PlanStatus | None = None
    source: PlanSource | None = None
    mutation_id: str | None = None


class PlanRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, plan: DevelopmentPlan) -> None:
        now = _now()
        plan.created_at = now
        await self.connection.execute(
            insert(development_plans).values(
                id=plan.id,
                nip=plan.nip,
                source=plan.source.value,
                mutation_id=plan.mutation_id,
                version=plan.version,
                created_at=now,
                updated_at=now,
                **_values(plan),
            )
        )
        await self._write_items(plan)

    async def save(self, plan: DevelopmentPlan) -> None:
        """Write a changed plan and its items; a concurrent change refuses the save. Counts the version up."""
        result = await self.connection.execute(
            update(development_plans)
            .where(development_plans.c.id == plan.id, development_plans.c.version == plan.version)
            .values(version=plan.version + 1, updated_at=_now(), **_values(plan))
        )
        if result.rowcount != 1:
            raise PreconditionFailed(f"development plan {plan.id} was changed by someone else; reload it")
        plan.version += 1
        await self.connection.execute(
            delete(development_plan_items).where(development_plan_items.c.plan_id == plan.id)
        )
        await self._write_items(plan)

    async def _write_items(self, plan: DevelopmentPlan) -> None:
        if not plan.items:
            return
        await self.connection.execute(
            insert(development_plan_items),
            [
                {
                    "plan_id": plan.id,
                    "ordinal": ordinal,
                    "kind": item.kind.value,
                    "competency": item.competency,
                    "required_level": item.required_level,
                    "current_level": item.current_level,
                    "recommendations": [_recommendation_json(r) for r in item.recommendations],
                    "programme_id": item.programme_id,
                    "session_id": item.session_id,
                    "target_date": item.target_date,
                    "note": item.note,
                }
                for ordinal, item in enumerate(plan.items, start=1)
            ],
        )

    async def get(self, plan_id: UUID) -> DevelopmentPlan | None:
        found = await self._load(select(development_plans).where(development_plans.c.id == plan_id))
        return found[0] if found else None

    async def open_plans(
        self, *, nip: str | None = None, position_id: str | None = None, source: PlanSource | None = None
    ) -> list[DevelopmentPlan]:
        """Plans still proposed and accepted by nobody: those the service may recompute."""
        c = development_plans.c
        query = select(development_plans).where(
            c.status == PlanStatus.PROPOSED.value,
            c.employee_accepted_at.is_(None),
            c.supervisor_accepted_at.is_(None),
        )
        if nip is not None:
            query = query.where(c.nip == nip)
        if position_id is not None:
            query = query.where(c.position_id == position_id)
        if source is not None:
            query = query.where(c.source == source.value)
        return await self._load(query.order_by(c.created_at, c.id))

    async def search(
        self, where: PlanFilter, *, limit: int, after: tuple[datetime, UUID] | None
    ) -> list[DevelopmentPlan]:
        """Newest first."""
        c = development_plans.c
        query = select(development_plans)
        if where.nip is not None:
            query = query.where(c.nip == where.nip)
        if where.agency_codes is not None:
            query = query.where(c.agency_code.in_(sorted(where.agency_codes)))
        if where.supervisor_nip is not None:
            query = query.where(c.supervisor_nip == where.supervisor_nip)
        if where.status is not None:
            query = query.where(c.status == where.status.value)
        if where.source is not None:
            query = query.where(c.source == where.source.value)
        if where.mutation_id is not None:
            query = query.where(c.mutation_id == where.mutation_id)
        if after is not None:
            query = query.where((c.created_at < after[0]) | ((c.created_at == after[0]) & (c.id < after[1])))
        return await self._load(query.order_by(c.created_at.desc(), c.id.desc()).limit(limit))

    async def _load(self, query: Any) -> list[DevelopmentPlan]:
        rows = list(await self.connection.execute(query))
        if not rows:
            return []
        items: dict[UUID, list[PlanItem]] = {row.id: [] for row in rows}
        for item in await self.connection.execute(
            select(development_plan_items)
            .where(development_plan_items.c.plan_id.in_(list(items)))
            .order_by(development_plan_items.c.plan_id, development_plan_items.c.ordinal)
        ):
            items[item.plan_id].append(_item_of(item))
        return [_plan_of(row, items[row.id]) for row in rows]
