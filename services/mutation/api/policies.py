"""HTTP routes for the eligibility policy of an agency: the version in force, its history, a new version."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from services.mutation.adapters.policies import PolicyVersion
from services.mutation.api.common import IfMatch
from services.mutation.service import policies as service
from shared.auth import PrincipalDep
from shared.deps import ConnectionDep, UowDep
from shared.etag import set_etag, version_from_if_match
from shared.inputs import RequestModel

router = APIRouter(prefix="/api/v1/mutation-policies", tags=["policies"])


class PolicySettings(RequestModel):
    """Send only what changes; the rest is taken from the version in force."""

    min_posting_years: int | None = Field(default=None, description="PP 11/2017 Pasal 190: 2")
    max_posting_years: int | None = Field(default=None, description="PP 11/2017 Pasal 190: 5")
    retirement_margin_months: int | None = Field(default=None, description="fail when BUP is this close: 12")
    retirement_warn_months: int | None = Field(default=None, description="warn when BUP is this close: 24")
    jpm_pass_percent: float | None = Field(default=None, description="job-person match to pass: 80")
    jpm_warn_percent: float | None = Field(default=None, description="below this the match fails: 68")
    minimum_predicate: str | None = Field(default=None, description="Peraturan BKN 5/2019: baik")
    predicate_years: int | None = Field(default=None, description="how many recent years: 2")
    job_class_max_increase: int | None = Field(default=None, description="0: a higher class is a promotion")
    job_class_max_decrease: int | None = Field(default=None, description="warn beyond this drop: 3")
    sla_days: int | None = Field(default=None, description="a complete file is decided within: 15")
    warn_only: list[str] | None = Field(default=None, description="rules whose failure only warns")
    disabled: list[str] | None = Field(default=None, description="rules not run")


class PolicyUpdate(PolicySettings):
    note: str | None = Field(default=None, max_length=500, description="why this version")


class PolicyPublic(BaseModel):
    agency_code: str
    version: int = Field(description="0: no version of its own, the regulation defaults apply")
    settings: dict[str, Any]
    note: str | None
    created_by: str | None
    created_at: datetime | None

    @classmethod
    def of(cls, agency_code: str, found: PolicyVersion) -> "PolicyPublic":
        return cls(
            agency_code=agency_code,
            version=found.policy.version,
            settings=found.policy.settings(),
            note=found.note,
            created_by=found.created_by,
            created_at=found.created_at,
        )


@router.get("/{agency_code}", response_model=PolicyPublic)
async def current(agency_code: str, connection: ConnectionDep, response: Response) -> PolicyPublic:
    """The policy in force for an agency's mutations (its ETag is the version)."""
    found = await service.current(connection, agency_code)
    set_etag(response, found.policy.version)
    return PolicyPublic.of(agency_code, found)


@router.get("/{agency_code}/versions", response_model=list[PolicyPublic])
async def versions(agency_code: str, connection: ConnectionDep) -> list[PolicyPublic]:
    """Every version the agency published, newest first (decisions name the version they used)."""
    return [PolicyPublic.of(agency_code, v) for v in await service.versions(connection, agency_code)]


@router.put("/{agency_code}", response_model=PolicyPublic)
async def publish(
    agency_code: str,
    body: PolicyUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> PolicyPublic:
    """Publish a new version (the agency's approver or an administrator); needs the current ETag."""
    changes = body.model_dump(exclude_unset=True, exclude={"note"})
    found = await service.publish_version(
        uow,
        principal,
        agency_code,
        expected_version=version_from_if_match(if_match),
        changes=changes,
        note=body.note,
    )
    set_etag(response, found.policy.version)
    return PolicyPublic.of(agency_code, found)
