"""Aggregated views: the employee dossier and the agency and province overviews."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.gateway.api.deps import GatewayDep, InternalTokenDep
from services.gateway.service.views import (
    AGENCY_OVERVIEW_PARTS,
    DOSSIER_PARTS,
    PROVINCE_OVERVIEW_PARTS,
    Assembled,
    MissingPart,
)
from shared.auth import PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["aggregated views"])

Json = dict[str, Any] | None


class Partial(BaseModel):
    complete: bool = Field(description="false when a part is missing; `missing` says which and why")
    missing: list[MissingPart]


class DossierPublic(Partial):
    nip: str
    record: Json = Field(description="the employee record (employee service)")
    history: Json = Field(description="rank and position history (employee service)")
    appraisals: Json = Field(description="SKPs, newest periods included (appraisal service)")
    talent: Json = Field(description="9-box position (appraisal service)")
    mutations: Json = Field(description="mutation proposals of the person (mutation service)")
    training: Json = Field(description="JP this year and completions (training service)")
    development_plans: Json = Field(description="development plans (training service)")


class AgencyOverviewPublic(Partial):
    agency_code: str
    staffing: Json = Field(description="headcount (present) against the ABK need, and the EU band")
    staffing_gaps: Json = Field(description="units most short of staff by ABK")
    talent_grid: Json = Field(description="employees per 9-box")
    appraisal_periods: Json = Field(description="appraisal years and their finalised distributions")
    open_mutations: Json
    overdue_mutations: Json
    jp_compliance: Json = Field(description="who is below 20 JP this year")


class ProvinceOverviewPublic(Partial):
    province_code: str
    staffing: Json = Field(description="each agency of the province: present against the ABK need")
    open_mutations: Json
    overdue_mutations: Json
    jp_compliance: Json


def _fields(assembled: Assembled) -> dict[str, Any]:
    return {**assembled.parts, "complete": assembled.complete, "missing": assembled.missing}


@router.get("/dossiers/{nip}", response_model=DossierPublic)
async def dossier(nip: str, gateway: GatewayDep, token: InternalTokenDep) -> DossierPublic:
    """One employee from every service at once; a part a service cannot give now is listed in `missing`."""
    assembled = await gateway.views.assemble(DOSSIER_PARTS, {"nip": nip}, token)
    return DossierPublic(nip=nip, **_fields(assembled))


@router.get("/overviews/agencies/{agency_code}", response_model=AgencyOverviewPublic)
async def agency_overview(
    agency_code: str, gateway: GatewayDep, principal: PrincipalDep, token: InternalTokenDep
) -> AgencyOverviewPublic:
    """An agency at a glance: staffing against ABK, appraisal distribution, mutations, JP compliance."""
    principal.require_agency(agency_code)
    assembled = await gateway.views.assemble(AGENCY_OVERVIEW_PARTS, {"agency": agency_code}, token)
    return AgencyOverviewPublic(agency_code=agency_code, **_fields(assembled))


@router.get("/overviews/provinces/{province_code}", response_model=ProvinceOverviewPublic)
async def province_overview(
    province_code: str, gateway: GatewayDep, principal: PrincipalDep, token: InternalTokenDep
) -> ProvinceOverviewPublic:
    """A province at a glance: each agency's staffing, mutations and JP compliance."""
    principal.require_agency(province_code)
    assembled = await gateway.views.assemble(PROVINCE_OVERVIEW_PARTS, {"province": province_code}, token)
    return ProvinceOverviewPublic(province_code=province_code, **_fields(assembled))
