"""The write matrix of the appraisal service: every write route x every role x (own / other agency in the
path) x (own / other agency referenced in the body), through the gateway and straight at the service.

In the path, "own" is a period, an SKP or a policy of the callers' kabupaten, "other" one of the other
province's kabupaten; a route that creates with no id in its path (a period, an SKP, an assessment) has the
agency of what it creates in that place: the period's `agency_code`, the SKP's period, the assessment's
`agency_code`. In the body, the people it names (approver, appraiser, reviewer, who records or decides, the
assessed employee) work in the own or the other kabupaten.

Every caller's account has the NIP `self` (the agency system has none). A route naming who acts (the
appraiser rating, who records a realisation, writes feedback, objects, decides an objection or overrides
the distribution) is matrixed for each way of acting (api/access.py):
- on someone's behalf (the main cells): the body names a person the SKP names who is not `self`, with
  `on_behalf_reason`: only the agency's record keepers may enter it; a decision (an override, an objection's
  decision) is never made on someone's behalf, so its main cells name `self` as the decider;
- as themself (own path, own body): the SKP names `self` in that place: every role that may change
  anything, acting as its own NIP;
- naming another without a reason, or deciding for another: refused to everyone.
After the matrix, the same world checks that each such refusal names the acting field, and that the auditor
reads and verifies through the gateway the appraisal audit chain the matrix wrote.

Each cell gets its own period, SKP, point or objection, made through the appraisal service as the platform
(`Stock`), which enters the appraisers' forms on their behalf: the service allows one SKP per person and
period and one period per agency and year, so the SKPs come from a pool of people registered once per world.
"""

from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from itertools import count
from typing import Any, ClassVar

import httpx
import pytest

from services.appraisal.app import create_app
from services.appraisal.tests.support import CORE_VALUES, PAST_YEAR, RATINGS_FOR
from shared.principal import Role
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

Permits = Callable[[Role, Cell], bool]

KEEPERS = frozenset({Role.ADMIN, Role.HR_OFFICER})
RECORDERS = KEEPERS | {Role.INTEGRATION}
PLANNERS = RECORDERS | {Role.SUPERVISOR}
FINALISERS = KEEPERS | {Role.APPROVER}
# A person acting themself: every role that may change anything; read-only accounts may not, and the agency
# system has no NIP.
SELF_ACTORS = frozenset({Role.ADMIN, Role.HR_OFFICER, Role.APPROVER, Role.SUPERVISOR, Role.EMPLOYEE})
NOBODY: frozenset[Role] = frozenset()
# Appraised people registered per side: one SKP each per period, and every period of a side takes a year of
# its own, in the past (a point is rated from its end); three for each caller keep the years enough.
POOL = len(Role) * 3
FIRST_YEAR = 2000  # the earliest year the API takes
OPENED_FROM = 2030  # the years the cells open, which nothing rates
MONTHS = tuple(f"M{month:02d}" for month in range(1, 13))
INDICATOR = {
    "description": "Laporan analisis jabatan",
    "target": {"quantity": 4, "quantity_unit": "laporan", "quality_percent": 90, "time_months": 12},
}
PAPER_FORM = "Formulir bertanda tangan diserahkan ke BKPSDM"


@dataclass(frozen=True)
class Parties:
    """The people an SKP names besides the appraised (who come from the path side's pool)."""

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


def _rating(predicate: str) -> dict[str, Any]:
    results, behaviour = RATINGS_FOR[predicate]
    return {
        "results": results,
        "behaviour": behaviour,
        "behaviour_values": dict.fromkeys(CORE_VALUES, behaviour),
    }


class Stock:
    """What the cells' requests need in one world, made through the appraisal service as the platform."""

    # A cell's build is given the world alone: `of` finds the world's stock.
    _of: ClassVar[dict[int, "Stock"]] = {}

    def __init__(self, w: World, appraisal: httpx.AsyncClient, parties: dict[str, Parties]) -> None:
        self.world = w
        self.appraisal = appraisal
        self.parties = parties
        self._past_years = {side: count(PAST_YEAR, -1) for side in BOTH_SIDES}
        self._opened_years = {side: count(OPENED_FROM) for side in BOTH_SIDES}
        self._seats: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._finals: dict[tuple[str, Parties, bool], list[dict[str, Any]]] = defaultdict(list)
        self._monthly: dict[tuple[str, str], Monthly] = {}
        self._own_monthly: Monthly | None = None
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

    def past_year(self, side: str) -> int:
        """A year of the side's agency without a period yet, whose every point is over."""
        year = next(self._past_years[side])
        assert year >= FIRST_YEAR, f"the {side} agency has used every past year the API takes"
        return year

    def opened_year(self, side: str) -> int:
        return next(self._opened_years[side])

    async def period(
        self, side: str, *, frequency: str = "semester", approver: str | None = None
    ) -> dict[str, Any]:
        """A fresh appraisal year of the side's agency."""
        body = {
            "agency_code": self.agency(side),
            "year": self.past_year(side),
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

    async def planned(self, path: str, parties: Parties) -> dict[str, Any]:
        """A fresh SKP of the path side's agency naming `parties` as appraiser and reviewer."""
        period_id, nip = await self.seat(path)
        return await self.plan(period_id, nip, parties)

    async def rated(self, skp: dict[str, Any], point: str, predicate: str = "baik") -> dict[str, Any]:
        """The appraiser's signed form, entered by the platform on their behalf."""
        body = {"appraiser_nip": skp["appraiser_nip"], **_rating(predicate), "on_behalf_reason": PAPER_FORM}
        url = f"/api/v1/skp/{skp['id']}/evaluations/{point}"
        return await self._as_platform("PUT", url, json=body, headers=_if_match(skp))

    async def final(self, path: str, parties: Parties, *, objected: bool = False) -> dict[str, Any]:
        """An SKP like `planned` whose S1 evaluation is final (and objected to): made a period at a time,
        rated within the Istimewa period's caps (a majority, and at most 70%, Sangat Baik)."""
        batch = self._finals[(path, parties, objected)]
        if not batch:
            period = await self.period(path)
            appraised = self.parties[path].appraised
            excellent = len(appraised) // 2 + 1
            skps = [
                await self.rated(
                    await self.plan(period["id"], nip, parties),
                    "S1",
                    "sangat_baik" if i < excellent else "baik",
                )
                for i, nip in enumerate(appraised)
            ]
            finalisation = f"/api/v1/appraisal-periods/{period['id']}/points/S1/finalisation"
            await self._as_platform("POST", finalisation, json={})
            for skp in skps:
                if objected:
                    skp = await self._as_platform(
                        "POST",
                        f"/api/v1/skp/{skp['id']}/evaluations/S1/objections",
                        json={
                            "nip": skp["nip"],
                            "reason": "Realisasi melebihi target",
                            "on_behalf_reason": PAPER_FORM,
                        },
                    )
                batch.append(skp)
        return batch.pop()

    async def own_final(self) -> tuple[dict[str, Any], str]:
        """An SKP of `self` in the own agency and a point of it just finalised, no one objected to yet: the
        points of a monthly period, one at a time."""
        own = self._own_monthly
        if own is None or not own.months:
            period = await self.period(OWN_SIDE, frequency="monthly")
            skp = await self.plan(period["id"], self.world.people["self"], self.parties[OWN_SIDE])
            own = self._own_monthly = Monthly(period["id"], skp, list(MONTHS))
        month = own.months.pop(0)
        # An objection to the month before moved the SKP on.
        current = await self._as_platform("GET", f"/api/v1/skp/{own.skp['id']}")
        own.skp = await self.rated(current, month)
        finalisation = f"/api/v1/appraisal-periods/{own.period_id}/points/{month}/finalisation"
        await self._as_platform("POST", finalisation, json={})
        return own.skp, month

    async def point(self, side: str, approver: str) -> tuple[str, str]:
        """A monthly period of the side's agency, `approver` its approver, and a point of it ready to
        finalise: its one SKP rated."""
        monthly = self._monthly.get((side, approver))
        if monthly is None or not monthly.months:
            period = await self.period(side, frequency="monthly", approver=approver)
            skp = await self.plan(period["id"], self.parties[side].appraised[0], self.parties[side])
            monthly = self._monthly[(side, approver)] = Monthly(period["id"], skp, list(MONTHS))
        month = monthly.months.pop(0)
        monthly.skp = await self.rated(monthly.skp, month)
        return monthly.period_id, month

    async def revisable(self, side: str) -> dict[str, Any]:
        """The side's period the revisions change, as it is now."""
        if side not in self._revisable:
            self._revisable[side] = (await self.period(side))["id"]
        return await self._as_platform("GET", f"/api/v1/appraisal-periods/{self._revisable[side]}")

    async def policy_version(self, path: str) -> str:
        answer = await self.appraisal.get(path)
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


def _appraised_by_self(w: World) -> Parties:
    """The own side's parties with `self` as the appraiser."""
    return replace(_party(w, OWN_SIDE), appraiser=w.people["self"])


def _reviewed_by_self(w: World, side: str) -> Parties:
    """The body side's parties with `self` as the reviewer when that side is the own one."""
    parties = _party(w, side)
    return replace(parties, reviewer=w.people["self"]) if side == OWN_SIDE else parties


# -- appraisal years and their finalisation -----------------------------------------------------------------


async def open_period(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    body = {
        "agency_code": stock.agency(cell.path),
        "year": stock.opened_year(cell.path),
        "frequency": "quarterly",
        "approver_nip": _party(w, cell.body).appraiser,
    }
    return Request("POST", "/api/v1/appraisal-periods", json=body)


async def revise_period(w: World, cell: Cell, role: Role) -> Request:
    period = await Stock.of(w).revisable(cell.path)
    body = {"approver_nip": _party(w, cell.body).reviewer, "objection_window_days": w.serial() % 300}
    return Request("PATCH", f"/api/v1/appraisal-periods/{period['id']}", json=body, headers=_if_match(period))


def _finalisation(period_id: str, point: str, approver: str) -> Request:
    body = {"override": {"approver_nip": approver, "reason": "Ditetapkan PPK"}}
    return Request("POST", f"/api/v1/appraisal-periods/{period_id}/points/{point}/finalisation", json=body)


async def finalise_point(w: World, cell: Cell, role: Role) -> Request:
    # The override names the period's approver, who overrides themself: the callers' own NIP in the own
    # agency.
    me, outsider = w.people["self"], w.people["outsider"]
    period_id, point = await Stock.of(w).point(cell.path, approver=me if cell.path == OWN_SIDE else outsider)
    return _finalisation(period_id, point, me if cell.body == OWN_SIDE else outsider)


async def override_for_the_approver(w: World, cell: Cell, role: Role) -> Request:
    boss = w.people["boss"]
    period_id, point = await Stock.of(w).point(OWN_SIDE, approver=boss)
    return _finalisation(period_id, point, boss)


# -- SKP planning and the work on it during the year --------------------------------------------------------


async def plan_skp(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    period_id, nip = await stock.seat(cell.path)
    return Request("POST", "/api/v1/skp", json=stock.skp_body(period_id, nip, _party(w, cell.body)))


async def assign(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, _party(w, cell.path))
    parties = _party(w, cell.body)
    # Swapped, so the request changes the SKP on the own side as well.
    body = {"appraiser_nip": parties.reviewer, "reviewer_nip": parties.appraiser}
    return Request("PATCH", f"/api/v1/skp/{skp['id']}", json=body, headers=_if_match(skp))


async def add_indicator(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, _party(w, cell.path))
    return Request("POST", f"/api/v1/skp/{skp['id']}/indicators", json=INDICATOR)


def _realisation(skp: dict[str, Any], recorded_by: str, reason: str | None) -> Request:
    indicator = skp["indicators"][0]["id"]
    body = {"recorded_by": recorded_by, "quantity": 2, "evidence": "Dua laporan, arsip bidang"}
    return Request(
        "PUT",
        f"/api/v1/skp/{skp['id']}/indicators/{indicator}/realisations/S1",
        json={**body, **({"on_behalf_reason": reason} if reason else {})},
        headers=_if_match(skp),
    )


def _feedback(skp: dict[str, Any], author: str, reason: str | None) -> Request:
    body = {"author_nip": author, "note": "Percepat laporan triwulan"}
    return Request(
        "POST",
        f"/api/v1/skp/{skp['id']}/feedback",
        json={**body, **({"on_behalf_reason": reason} if reason else {})},
    )


def _rating_of(skp: dict[str, Any], appraiser: str, reason: str | None) -> Request:
    body = {"appraiser_nip": appraiser, **_rating("baik")}
    return Request(
        "PUT",
        f"/api/v1/skp/{skp['id']}/evaluations/S1",
        json={**body, **({"on_behalf_reason": reason} if reason else {})},
        headers=_if_match(skp),
    )


def _objection(skp: dict[str, Any], objector: str, reason: str | None, point: str = "S1") -> Request:
    body = {"nip": objector, "reason": "Realisasi melebihi target"}
    return Request(
        "POST",
        f"/api/v1/skp/{skp['id']}/evaluations/{point}/objections",
        json={**body, **({"on_behalf_reason": reason} if reason else {})},
    )


def _decision(skp: dict[str, Any], decider: str) -> Request:
    objection = skp["objections"][0]["id"]
    body = {"decider_nip": decider, "decision": "rejected", "note": "Bukti tidak cukup"}
    return Request("POST", f"/api/v1/skp/{skp['id']}/objections/{objection}/decision", json=body)


async def record_realisation(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, _party(w, cell.body))
    return _realisation(skp, skp["appraiser_nip"], PAPER_FORM)


async def record_own_realisation(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(OWN_SIDE, _appraised_by_self(w))
    return _realisation(skp, w.people["self"], None)


async def record_realisation_without_reason(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(OWN_SIDE, _party(w, OWN_SIDE))
    return _realisation(skp, skp["appraiser_nip"], None)


async def give_feedback(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, _party(w, cell.body))
    return _feedback(skp, skp["appraiser_nip"], PAPER_FORM)


async def give_own_feedback(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(OWN_SIDE, _appraised_by_self(w))
    return _feedback(skp, w.people["self"], None)


async def give_feedback_without_reason(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(OWN_SIDE, _party(w, OWN_SIDE))
    return _feedback(skp, skp["appraiser_nip"], None)


# -- ratings, objections and their decisions ----------------------------------------------------------------


async def rate(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(cell.path, _party(w, cell.body))
    return _rating_of(skp, skp["appraiser_nip"], PAPER_FORM)


async def rate_as_appraiser(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(OWN_SIDE, _appraised_by_self(w))
    return _rating_of(skp, w.people["self"], None)


async def rate_without_reason(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).planned(OWN_SIDE, _party(w, OWN_SIDE))
    return _rating_of(skp, skp["appraiser_nip"], None)


async def file_objection(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).final(cell.path, _party(w, cell.path))
    # The appraised person objects; with the body on the other side, an employee of that agency is named.
    objector = skp["nip"] if cell.body == cell.path else _party(w, cell.body).appraiser
    return _objection(skp, objector, PAPER_FORM)


async def file_own_objection(w: World, cell: Cell, role: Role) -> Request:
    skp, month = await Stock.of(w).own_final()
    return _objection(skp, w.people["self"], None, month)


async def file_objection_without_reason(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).final(OWN_SIDE, _party(w, OWN_SIDE))
    return _objection(skp, skp["nip"], None)


async def decide_objection(w: World, cell: Cell, role: Role) -> Request:
    # The SKP's reviewer decides themself: `self` when the body is the own side.
    skp = await Stock.of(w).final(cell.path, _reviewed_by_self(w, cell.body), objected=True)
    return _decision(skp, skp["reviewer_nip"])


async def decide_for_the_reviewer(w: World, cell: Cell, role: Role) -> Request:
    skp = await Stock.of(w).final(OWN_SIDE, _party(w, OWN_SIDE), objected=True)
    return _decision(skp, skp["reviewer_nip"])


# -- policies -----------------------------------------------------------------------------------------------


async def set_talent_policy(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    path = f"/api/v1/talent/policies/{stock.agency(cell.path)}"
    body = {"medium_from": 60, "high_from": 80 + w.serial() % 10, "weights": {"learning_agility": 2}}
    return Request("PUT", path, json=body, headers={"If-Match": await stock.policy_version(path)})


async def set_appraisal_policy(w: World, cell: Cell, role: Role) -> Request:
    stock = Stock.of(w)
    path = f"/api/v1/appraisal/policies/{stock.agency(cell.path)}"
    body = {"annual_rating_grace_days": w.serial() % 60 + 1}
    return Request("PUT", path, json=body, headers={"If-Match": await stock.policy_version(path)})


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
    *,
    permits: Permits | None = None,
) -> WriteRoute:
    return WriteRoute(
        method,
        template,
        "appraisal",
        build,
        allowed,
        body_varies=body_field is not None,
        body_field=body_field,
        permits=permits,
    )


def _own_cell_only(method: str, template: str, build: Build, allowed: frozenset[Role]) -> WriteRoute:
    """One way of acting, in the own agency only (the main cells vary the agencies)."""
    return WriteRoute(method, template, "appraisal", build, allowed, path_varies=False, body_varies=False)


def _deciders(role: Role, cell: Cell) -> bool:
    """The reviewer deciding themself: whichever agency's SKP names them."""
    return role in SELF_ACTORS and cell.body == OWN_SIDE


PERIODS = "/api/v1/appraisal-periods"
FINALISATION = PERIODS + "/{period_id}/points/{point}/finalisation"
SKP = "/api/v1/skp/{skp_id}"
REALISATION = SKP + "/indicators/{indicator_id}/realisations/{point}"
EVALUATION = SKP + "/evaluations/{point}"
OBJECTIONS = SKP + "/evaluations/{point}/objections"
DECISION = SKP + "/objections/{objection_id}/decision"
ROUTES = [
    # appraisal years and their finalisation
    _route("POST", PERIODS, open_period, KEEPERS, "approver_nip"),
    _route("PATCH", PERIODS + "/{period_id}", revise_period, KEEPERS, "approver_nip"),
    _route("POST", FINALISATION, finalise_point, FINALISERS, "override.approver_nip"),
    _own_cell_only("POST", FINALISATION, override_for_the_approver, NOBODY),
    # SKP planning and the work on it during the year
    _route("POST", "/api/v1/skp", plan_skp, PLANNERS, "appraiser_nip"),
    _route("PATCH", SKP, assign, KEEPERS, "appraiser_nip"),
    _route("POST", SKP + "/indicators", add_indicator, RECORDERS, None),
    _route("PUT", REALISATION, record_realisation, RECORDERS, "recorded_by"),
    _own_cell_only("PUT", REALISATION, record_own_realisation, SELF_ACTORS),
    _own_cell_only("PUT", REALISATION, record_realisation_without_reason, NOBODY),
    _route("POST", SKP + "/feedback", give_feedback, RECORDERS, "author_nip"),
    _own_cell_only("POST", SKP + "/feedback", give_own_feedback, SELF_ACTORS),
    _own_cell_only("POST", SKP + "/feedback", give_feedback_without_reason, NOBODY),
    # ratings, objections and their decisions
    _route("PUT", EVALUATION, rate, RECORDERS, "appraiser_nip"),
    _own_cell_only("PUT", EVALUATION, rate_as_appraiser, SELF_ACTORS),
    _own_cell_only("PUT", EVALUATION, rate_without_reason, NOBODY),
    _route("POST", OBJECTIONS, file_objection, RECORDERS, "nip"),
    _own_cell_only("POST", OBJECTIONS, file_own_objection, SELF_ACTORS),
    _own_cell_only("POST", OBJECTIONS, file_objection_without_reason, NOBODY),
    _route("POST", DECISION, decide_objection, SELF_ACTORS, "decider_nip", permits=_deciders),
    _own_cell_only("POST", DECISION, decide_for_the_reviewer, NOBODY),
    # policies and talent
    _route("PUT", "/api/v1/talent/policies/{agency_code}", set_talent_policy, KEEPERS, None),
    _route("PUT", "/api/v1/appraisal/policies/{agency_code}", set_appraisal_policy, KEEPERS, None),
    _route("POST", "/api/v1/talent/assessments", assess_potential, RECORDERS, "nip"),
]


async def test_every_write_route_of_the_appraisal_service_is_in_the_matrix(make_settings: Any) -> None:
    app = create_app(await make_settings("appraisal"))
    require_every_route(app.openapi(), ROUTES)


async def test_each_role_writes_appraisals_only_within_its_agencies(make_settings: Any) -> None:
    # One world for every route: starting one takes longer than the cells of a few routes.
    async with world(make_settings) as w, Stock.made(w):
        cells = await run_matrix(w, ROUTES)
        await _acting_for_another_is_refused_naming_the_field(w)
        await _the_auditor_verifies_the_chain_the_matrix_wrote(w)
    assert cells == sum(len(route.cells) for route in ROUTES) * len(Role) * 2 == 960


# Who, acting for someone else, is refused, and the field the refusal must name.
REFUSED_FOR_ANOTHER: list[tuple[Build, Role, str]] = [
    (rate_without_reason, Role.HR_OFFICER, "appraiser_nip"),
    (rate, Role.SUPERVISOR, "appraiser_nip"),
    (rate, Role.APPROVER, "appraiser_nip"),
    (record_realisation_without_reason, Role.INTEGRATION, "recorded_by"),
    (record_realisation, Role.EMPLOYEE, "recorded_by"),
    (give_feedback_without_reason, Role.ADMIN, "author_nip"),
    (give_feedback, Role.SUPERVISOR, "author_nip"),
    (file_objection_without_reason, Role.HR_OFFICER, "nip"),
    (file_objection, Role.EMPLOYEE, "nip"),
    (decide_for_the_reviewer, Role.HR_OFFICER, "decider_nip"),
    (decide_for_the_reviewer, Role.SUPERVISOR, "decider_nip"),
    (override_for_the_approver, Role.HR_OFFICER, "override.approver_nip"),
    (override_for_the_approver, Role.APPROVER, "override.approver_nip"),
]


async def _acting_for_another_is_refused_naming_the_field(w: World) -> None:
    own = Cell(OWN_SIDE, OWN_SIDE)
    wrong = []
    for build, role, field in REFUSED_FOR_ANOTHER:
        request = await build(w, own, role)
        answer = await w.door.request(
            request.method,
            request.path,
            json=request.json,
            headers={**request.headers, **w.callers[role].access},
        )
        named = {problem.get("field") for problem in answer.json().get("errors", [])}
        if answer.status_code != 403 or field not in named:
            wrong.append(f"{build.__name__} as {role}: {answer.status_code} {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)


async def _the_auditor_verifies_the_chain_the_matrix_wrote(w: World) -> None:
    auditor, hr = w.callers[Role.AUDITOR], w.callers[Role.HR_OFFICER]
    verified = await w.door.get("/api/v1/appraisal/audit/verify", headers=auditor.access)
    assert verified.status_code == 200 and verified.json()["valid"], verified.text
    assert (await w.door.get("/api/v1/appraisal/audit/verify", headers=hr.access)).status_code == 403
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = (await w.door.get("/api/v1/appraisal/audit", params=params, headers=auditor.access)).json()
        entries += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(entries) == verified.json()["head_seq"]
    actions = {entry["action"] for entry in entries}
    assert {
        "period.point-finalised",
        "skp.rated-on-behalf",
        "skp.realisation-on-behalf",
        "skp.feedback-on-behalf",
        "skp.objection-on-behalf",
        "skp.objection-decided",
        "appraisal-policy.set",
    } <= actions
    entered_by_hr = {e["action"] for e in entries if e["actor"] == hr.principal.subject}
    assert "skp.rated-on-behalf" in entered_by_hr
