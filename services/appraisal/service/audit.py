"""What the appraisal service writes to its audit chain (ARCHITECTURE.md §6), in the transaction of the act
itself: every finalisation of a point (an override with the rules it set aside and why), every decision on an
objection, every act a record keeper entered on someone's behalf (who entered it, for whom, why) and every
change of an agency's appraisal policy (it decides which distributions pass)."""

from datetime import datetime
from typing import Any

from services.appraisal.adapters.audit_log import log
from services.appraisal.domain.periods import AppraisalPeriod, Finalisation
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.domain.skp import OnBehalf, Skp
from shared import clock
from shared.uow import UnitOfWork

PERIOD, SKP, POLICY = "appraisal_period", "skp", "appraisal_policy"


async def finalised(uow: UnitOfWork, actor: str, period: AppraisalPeriod, finalisation: Finalisation) -> None:
    overridden = finalisation.overridden_by is not None
    await log.append(
        uow.connection,
        [
            {
                "actor": actor,
                "action": "period.point-overridden" if overridden else "period.point-finalised",
                "subject_type": PERIOD,
                "subject_id": str(period.id),
                "agency_code": period.agency_code,
                "data": {
                    "year": period.year,
                    "point": finalisation.point,
                    "population": finalisation.population,
                    "counts": {p.value: n for p, n in finalisation.counts.items()},
                    "violations": [v.rule for v in finalisation.violations],
                    "overridden_by": finalisation.overridden_by,
                    "override_reason": finalisation.override_reason,
                },
            }
        ],
        at=finalisation.finalised_at,
    )


async def on_behalf(
    uow: UnitOfWork, skp: Skp, entry: OnBehalf, *, act: str, of: str, at: datetime, **data: Any
) -> None:
    """An act (`rated`, `realisation`, `feedback`, `objection`) a record keeper entered for `of`."""
    await _skp_entry(
        uow,
        skp,
        entry.entered_by,
        f"skp.{act}-on-behalf",
        {"on_behalf_of": of, "reason": entry.reason, **data},
        at=at,
    )


async def decided(uow: UnitOfWork, skp: Skp, actor: str, *, at: datetime, **data: Any) -> None:
    await _skp_entry(uow, skp, actor, "skp.objection-decided", data, at=at)


async def _skp_entry(
    uow: UnitOfWork, skp: Skp, actor: str, action: str, data: dict[str, Any], *, at: datetime
) -> None:
    await log.append(
        uow.connection,
        [
            {
                "actor": actor,
                "action": action,
                "subject_type": SKP,
                "subject_id": str(skp.id),
                "agency_code": skp.agency_code,
                "data": {"nip": skp.nip, "year": skp.year, **data},
            }
        ],
        at=at,
    )


async def policy_set(
    uow: UnitOfWork, actor: str, agency_code: str, policy: AppraisalPolicy, *, version: int
) -> None:
    await log.append(
        uow.connection,
        [
            {
                "actor": actor,
                "action": "appraisal-policy.set",
                "subject_type": POLICY,
                "subject_id": agency_code,
                "agency_code": agency_code,
                "data": {
                    "version": version,
                    "annual_rating_grace_days": policy.annual_rating_grace_days,
                    "distribution_level": policy.distribution_level.value,
                    "distribution_shares": {c: str(s) for c, s in policy.distribution_shares.items()},
                },
            }
        ],
        at=clock.now(),
    )
