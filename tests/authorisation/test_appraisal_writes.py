"""The write matrix of the appraisal service: every write route x every role x (own / other agency in the
path) x (own / other agency referenced in the body), through the gateway and straight at the service.

In the path, "own" is a period, an SKP or a talent policy of the callers' kabupaten, "other" one of the other
province's kabupaten; a route that creates with no id in its path (a period, an SKP, an assessment) has the
agency of what it creates in that place: the period's `agency_code`, the SKP's period, the assessment's
`agency_code`. In the body, the people it names (approver, appraiser, reviewer, who records or decides, the
assessed employee) work in the own or the other kabupaten.

Every caller's account has the NIP `self`, and no SKP here names `self`: the cells test roles and agencies
(the record keepers acting for the people the SKP names), not a person acting for themself. Only a
finalisation override names `self`, as the period's approver, so the approver role can finalise.

Each cell gets its own period, SKP, point or objection, made through the appraisal service as the platform
(`Stock`): the service allows one SKP per person and period and one period per agency and year, so the
SKPs come from a pool of people registered once per world.
"""

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any, ClassVar

import httpx
import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import CORE_VALUES, MEETS
from shared.auth import Role
from shared.testing import eventually
from tests.authorisation.world import OTHER_SIDE, OWN_SIDE, World, world
from tests.authorisation.writes import (
    BOTH_SIDES,
    Build,
    Cell,
    Request,
    WriteRoute,
    require_every_route,
    run_matrix,
)
from tests.support import employee_payload

pytestmark = pytest.mark.integration

KEEPERS = frozenset({Role.ADMIN, Role.HR_OFFICER})
RECORDERS = KEEPERS | {Role.INTEGRATION}
PLANNERS = RECORDERS | {Role.SUPERVISOR}
FINALISERS = KEEPERS | {Role.APPROVER}
# Appraised people registered per side: as many as the callers x ways of one cell, so a batch of final SKPs
# (one period's) lasts exactly one cell.
POOL = len(Role) * 2
MONTHS = tuple(f"M{month:02d}" for month in range(1, 13))
INDICATOR = {
    "description": "Laporan analisis jabatan",
    "target": {"quantity": 4, "quantity_unit": "laporan", "quality_percent": 90, "time_months": 12},
}


@dataclass(frozen=True)
class Parties:
    """The people of one side an SKP names."""

    appraised: tuple[str, ...]  # none of them is a caller, an appraiser or a reviewer
    appraiser: str
    reviewer: str


@dataclass
class Monthly:
    """A monthly period whose points the finalisation cells take one by one, and its one SKP."""

    period_id: str
    skp: dict[str, Any]
    months: list[str]


def _if_match(resource: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'W/"{resource["version"]}"'}


class Stock:
    """What the cells' requests need in one world, made through the appraisal service as the platform."""

    # A cell's build is given the world alone: `of` finds the world's stock.
    _of: ClassVar[dict[int, "Stock"]] = {}

    def __init__(self, w: World, appraisal: httpx.AsyncClient, parties: dict[str, Parties]) -> None:
        self.world = w
        self.appraisal = appraisal
        self.parties = parties
        self._years = {side: count(2000) for side in BOTH_SIDES}
        self._seats: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._finals: dict[tuple[str, str, bool], list[dict[str, Any]]] = defaultdict(list)
        self._monthly: dict[str, Monthly] = {}
        self._revisable: dict[str, str] = {}

    @classmethod
    def of(cls, w: World) -> "Stock":
        return cls._of[id(w)]

    @classmethod
    @asynccontextmanager
    async def made(cls, w: World) -> AsyncIterator["Stock"]:
        parties = {side: await _register(w, side) for side in BOTH_SIDES}
        async with w.service("appraisal") as appraisal:
            await _known_to_appraisal(w, appraisal, parties)
            stock = cls._of[id(w)] = cls(w, appraisal, parties)
            try:
                yield stock
            finally:
                del cls._of[id(w)]

    async def _as_platform(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        answer = await self.appraisal.request(method, path, **request)
        assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text}"
        found: dict[str, Any] = answer.json()
        return found

    def agency(self, side: str) -> str:
        return self.world.sides[side].agency

    def next_year(self, side: str) -> int:
        return next(self._years[side])

    async def period(
        self, side: str, *, frequency: str = "semester", approver: str | None = None
    ) -> dict[str, Any]:
        """A fresh appraisal year of the side's agency."""
        body = {
            "agency_code": self.agency(side),
            "year": self.next_year(side),
            "frequency": frequency,
            "approver_nip": approver or self.parties[side].appraiser,
            "organisation_predicate": "istimewa",
        }
        return await self._as_platform("POST", "/api/v1/appraisal-periods", json=body)

    def skp_body(self, period_id: str, nip: str, parties: Parties) -> dict[str, Any]:
        return {
            "period_id": period_id,
            "nip": nip,
            "appraiser_nip": parties.appraiser,
            "reviewer_nip": parties.reviewer,
            "position_type": "pelaksana",
            "indicators": [INDICATOR],
        }

    async def seat(self, side: str) -> tuple[str, str]:
        """A period of the side's agency and an employee of it without an SKP in that period yet."""
        seats = self._seats[side]
        if not seats:
            period = await self.period(side)
            seats.extend((period["id"], nip) for nip in self.parties[side].appraised)
        return seats.pop()

    async def plan(self, period_id: str, nip: str, parties: Parties) -> dict[str, Any]:
        return await self._as_platform("POST", "/api/v1/skp", json=self.skp_body(period_id, nip, parties))

    async def planned(self, path: str, body: str) -> dict[str, Any]:
        """A fresh SKP of the path side's agency, its appraiser and reviewer of the body side."""
        period_id, nip = await self.seat(path)
        return await self.plan(period_id, nip, self.parties[body])

    async def rated(self, skp: dict[str, Any], point: str) -> dict[str, Any]:
        body = {
            "appraiser_nip": skp["appraiser_nip"],
            "results": MEETS,
            "behaviour": MEETS,
            "behaviour_values": dict.fromkeys(CORE_VALUES, MEETS),
        }
        url = f"/api/v1/skp/{skp['id']}/evaluations/{point}"
        return await self._as_platform("PUT", url, json=body, headers=_if_match(skp))

    async def final(self, path: str, body: str, *, objected: bool = False) -> dict[str, Any]:
        """An SKP like `planned` whose S1 evaluation is final (and objected to): made a period at a time."""
        batch = self._finals[(path, body, objected)]
        if not batch:
            period = await self.period(path)
            skps = [
                await self.rated(await self.plan(period["id"], nip, self.parties[body]), "S1")
                for nip in self.parties[path].appraised
            ]
            finalisation = f"/api/v1/appraisal-periods/{period['id']}/points/S1/finalisation"
            await self._as_platform("POST", finalisation, json={})
            for skp in skps:
                if objected:
                    skp = await self._as_platform(
                        "POST",
                        f"/api/v1/skp/{skp['id']}/evaluations/S1/objections",
                        json={"nip": skp["nip"], "reason": "Realisasi melebihi target"},
                    )
                batch.append(skp)
        return batch.pop()

    async def point(self, side: str, approver: str) -> tuple[str, str]:
        """A monthly period of the side's agency and a point of it ready to finalise: its one SKP rated."""
        monthly = self._monthly.get(side)
        if monthly is None or not monthly.months:
            period = await self.period(side, frequency="monthly", approver=approver)
            skp = await self.plan(period["id"], self.parties[side].appraised[0], self.parties[side])
            monthly = self._monthly[side] = Monthly(period["id"], skp, list(MONTHS))
        month = monthly.months.pop(0)
        monthly.skp = await self.rated(monthly.skp, month)
        return monthly.period_id, month

    async def revisable(self, side: str) -> dict[str, Any]:
        """The side's period the revisions change, as it is now."""
        if side not in self._revisable:
            self._revisable[side] = (await self.period(side))["id"]
        return await self._as_platform("GET", f"/api/v1/appraisal-periods/{self._revisable[side]}")

    async def policy_version(self, side: str) -> str:
        answer = await self.appraisal.get(f"/api/v1/talent/policies/{self.agency(side)}")
        assert answer.status_code == 200, answer.text
        return answer.headers["etag"]


async def _register(w: World, side: str) -> Parties:
    """The side's appraised people, and (on the other side, which has a single person in the world) a
    reviewer, registered at the employee service in the side's unit and position."""
    where = w.sides[side]
    fresh = POOL + (1 if side == OTHER_SIDE else 0)
    nips = []
    async with w.service("employee") as employee:
        for _ in range(fresh):
            person = employee_payload(w.serial(), agency_code=where.agency)
            answer = await employee.post(
                "/api/v1/employees",
                json={
                    **person,
                    "nik": "7601011203850001",
                    "unit_id": where.unit,
                    "position_id": where.position,
                },
            )
            assert answer.status_code == 201, answer.text
            nips.append(person["nip"])
    if side == OWN_SIDE:
        return Parties(tuple(nips), appraiser=w.people["boss"], reviewer=w.people["colleague"])
    return Parties(tuple(nips[:POOL]), appraiser=w.people["outsider"], reviewer=nips[POOL])


async def _known_to_appraisal(w: World, appraisal: httpx.AsyncClient, parties: dict[str, Parties]) -> None:
    """Every agency and person the cells name in the appraisal service's read models."""
    waiting = {f"/api/v1/appraisal/agencies/{w.sides[side].agency}" for side in BOTH_SIDES}
    people = {nip for p in parties.values() for nip in (*p.appraised, p.appraiser, p.reviewer)}
    waiting |= {f"/api/v1/appraisal/employees/{nip}" for nip in people}

    async def known() -> bool:
        for path in sorted(waiting):
            if (await appraisal.get(path)).status_code == 200:
                waiting.discard(path)
        return not waiting

    await eventually(known, timeout=60, what="the cells' agencies and people in the appraisal read models")


def _party(w: World, side: str) -> Parties:
    return Stock.of(w).parties[side]


# -- appraisal years and their finalisation -----------------------------------------------------------------


async def open_period(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    body = {
        "agency_code": stock.agency(cell.path),
        "year": stock.next_year(cell.path),
        "frequency": "quarterly",
        "approver_nip": _party(w, cell.body).appraiser,
    }
    return Request("POST", "/api/v1/appraisal-periods", json=body)


async def revise_period(w: World, cell: Cell, role: Role) -> Request:
    period = await Stock.of(w).revisable(cell.path)
    body = {"approver_nip": _party(w, cell.body).reviewer, "objection_window_days": w.serial() % 300}
    return Request("PATCH", f"/api/v1/appraisal-periods/{period['id']}", json=body, headers=_if_match(period))


async def finalise_point(w: World, cell: Cell, role: Role) -> Request:
    # The override names the period's approver: the callers' own NIP in the own agency.
    me, outsider = w.people["self"], w.people["outsider"]
    period_id, point = await Stock.of(w).point(cell.path, approver=me if cell.path == OWN_SIDE else outsider)
    approver = me if cell.body == OWN_SIDE else outsider
    body = {"override": {"approver_nip": approver, "reason": "Ditetapkan PPK"}}
    return Request("POST", f"/api/v1/appraisal-periods/{period_id}/points/{point}/finalisation", json=body)


# -- SKP planning and the work on it during the year --------------------------------------------------------


async def plan_skp(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    period_id, nip = await stock.seat(cell.path)
    return Request("POST", "/api/v1/skp", json=stock.skp_body(period_id, nip, _party(w, cell.body)))


async def assign(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, cell.path)
    parties = _party(w, cell.body)
    # Swapped, so the request changes the SKP on the own side as well.
    body = {"appraiser_nip": parties.reviewer, "reviewer_nip": parties.appraiser}
    return Request("PATCH", f"/api/v1/skp/{skp['id']}", json=body, headers=_if_match(skp))


async def add_indicator(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, cell.path)
    return Request("POST", f"/api/v1/skp/{skp['id']}/indicators", json=INDICATOR)


async def record_realisation(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, cell.body)
    indicator = skp["indicators"][0]["id"]
    body = {"recorded_by": skp["appraiser_nip"], "quantity": 2, "evidence": "Dua laporan, arsip bidang"}
    return Request(
        "PUT",
        f"/api/v1/skp/{skp['id']}/indicators/{indicator}/realisations/S1",
        json=body,
        headers=_if_match(skp),
    )


async def give_feedback(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, cell.body)
    body = {"author_nip": skp["appraiser_nip"], "note": "Percepat laporan triwulan"}
    return Request("POST", f"/api/v1/skp/{skp['id']}/feedback", json=body)


# -- ratings, objections and their decisions ----------------------------------------------------------------


async def rate(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, cell.body)
    body = {
        "appraiser_nip": skp["appraiser_nip"],
        "results": MEETS,
        "behaviour": MEETS,
        "behaviour_values": dict.fromkeys(CORE_VALUES, MEETS),
    }
    return Request("PUT", f"/api/v1/skp/{skp['id']}/evaluations/S1", json=body, headers=_if_match(skp))


async def file_objection(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).final(cell.path, cell.path)
    # The appraised person objects; with the body on the other side, an employee of that agency is named.
    objector = skp["nip"] if cell.body == cell.path else _party(w, cell.body).appraiser
    body = {"nip": objector, "reason": "Realisasi melebihi target"}
    return Request("POST", f"/api/v1/skp/{skp['id']}/evaluations/S1/objections", json=body)


async def decide_objection(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).final(cell.path, cell.body, objected=True)
    objection = skp["objections"][0]["id"]
    body = {"decider_nip": skp["reviewer_nip"], "decision": "rejected", "note": "Bukti tidak cukup"}
    return Request("POST", f"/api/v1/skp/{skp['id']}/objections/{objection}/decision", json=body)


# -- talent -------------------------------------------------------------------------------------------------


async def set_policy(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    body = {"medium_from": 60, "high_from": 80 + w.serial() % 10, "weights": {"learning_agility": 2}}
    return Request(
        "PUT",
        f"/api/v1/talent/policies/{stock.agency(cell.path)}",
        json=body,
        headers={"If-Match": await stock.policy_version(cell.path)},
    )


async def assess_potential(w: World, cell: Cell, role: Role) -> Request:
    body = {
        "nip": _party(w, cell.body).appraised[0],
        "agency_code": Stock.of(w).agency(cell.path),
        "assessed_on": "2026-11-02",
        "actual": {"Integritas": 3, "Kerjasama": 4},
        "required": {"Integritas": 3, "Kerjasama": 3},
    }
    return Request("POST", "/api/v1/talent/assessments", json=body)


def _route(
    method: str,
    template: str,
    build: Build,
    allowed: frozenset[Role],
    body_field: str | None,
) -> WriteRoute:
    return WriteRoute(
        method,
        template,
        "appraisal",
        build,
        allowed,
        body_varies=body_field is not None,
        body_field=body_field,
    )


PERIODS = "/api/v1/appraisal-periods"
SKP = "/api/v1/skp/{skp_id}"
ROUTES = [
    # appraisal years and their finalisation
    _route("POST", PERIODS, open_period, KEEPERS, "approver_nip"),
    _route("PATCH", PERIODS + "/{period_id}", revise_period, KEEPERS, "approver_nip"),
    _route(
        "POST",
        PERIODS + "/{period_id}/points/{point}/finalisation",
        finalise_point,
        FINALISERS,
        "override.approver_nip",
    ),
    # SKP planning and the work on it during the year
    _route("POST", "/api/v1/skp", plan_skp, PLANNERS, "appraiser_nip"),
    _route("PATCH", SKP, assign, KEEPERS, "appraiser_nip"),
    _route("POST", SKP + "/indicators", add_indicator, RECORDERS, None),
    _route(
        "PUT",
        SKP + "/indicators/{indicator_id}/realisations/{point}",
        record_realisation,
        RECORDERS,
        "recorded_by",
    ),
    _route("POST", SKP + "/feedback", give_feedback, RECORDERS, "author_nip"),
    # ratings, objections and their decisions
    _route("PUT", SKP + "/evaluations/{point}", rate, RECORDERS, "appraiser_nip"),
    _route("POST", SKP + "/evaluations/{point}/objections", file_objection, RECORDERS, "nip"),
    _route("POST", SKP + "/objections/{objection_id}/decision", decide_objection, RECORDERS, "decider_nip"),
    # talent
    _route("PUT", "/api/v1/talent/policies/{agency_code}", set_policy, KEEPERS, None),
    _route("POST", "/api/v1/talent/assessments", assess_potential, RECORDERS, "nip"),
]


async def test_every_write_route_of_the_appraisal_service_is_in_the_matrix(make_settings: Any) -> None:
    app = create_app(await make_settings("appraisal"))
    require_every_route(app.openapi(), ROUTES)


async def test_each_role_writes_appraisals_only_within_its_agencies(make_settings: Any) -> None:
    # One world for every route: starting one takes longer than the cells of a few routes.
    async with world(make_settings) as w, Stock.made(w):
        cells = await run_matrix(w, ROUTES)
    assert cells == sum(len(route.cells) for route in ROUTES) * len(Role) * 2 == 768
