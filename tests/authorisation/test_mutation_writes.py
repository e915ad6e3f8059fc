"""The write matrix of the mutation service: every write route x every role x (own / other agency in the
path) x (own / other agency named in the body), through the gateway and straight at the service.

Who may write where follows the regulation (DOMAIN.md, "Mutation") and is spelt out per route in `permits`.
Two rules reach on purpose beyond the caller's agency: the receiving agency proposes the move of a person
of any agency (Peraturan BKN 5/2019 Pasal 3), and a relative recorded for the conflict-of-interest rule
may work in any agency (a move into another agency meets its conflicts there). Everything else a body names
outside the caller's agencies is refused naming the field.

Where a body names whose act it is, the matrix asks both ways: the caller's own act, and another's entered
for them. A self-requested move is the employee's own: they file it, or an HR officer enters it for them
saying why (`on_behalf_reason`); anyone else naming another person is refused naming `nip`. A decree is its
signatory's: the deciding official enters it themself (the signatory's NIP is theirs), or the office's
approver enters it for them saying why. An allowed answer shows who entered it and why, beside whose act it
is (`entered_by`, `on_behalf_reason`: none for the caller's own act). Accepting or objecting is the
employee's own answer, which nobody gives for them (the responses route's other proposals).

What a cell acts on (a proposal in some state, a decree, a placement round or plan) is made as the
platform. A cell that may change it gets its own, made fresh; the cells that must be refused share one per
route and side, which nothing changes unless a cell is wrongly allowed (and that cell fails the matrix).
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.mutation.app import create_app as mutation_app
from services.mutation.domain.eligibility import RULES_BY_NAME
from shared.auth import mint_internal_token
from shared.principal import Principal, Role
from shared.testing import eventually
from tests.authorisation.world import OTHER_SIDE, OWN_SIDE, World, world
from tests.authorisation.writes import (
    OWN_OWN,
    Cell,
    Outcome,
    Request,
    WriteRoute,
    answered,
    require_every_route,
    run_matrix,
)
from tests.support import employee_payload

pytestmark = pytest.mark.integration

ADMIN, HR, APPROVER, BKN = Role.ADMIN, Role.HR_OFFICER, Role.APPROVER, Role.BKN_REVIEWER
SUPERVISOR, EMPLOYEE, AUDITOR, AGENCY_SYSTEM = Role.SUPERVISOR, Role.EMPLOYEE, Role.AUDITOR, Role.INTEGRATION
PLANNERS = (HR, APPROVER, ADMIN)
SIDES = (OWN_SIDE, OTHER_SIDE)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# What verification asks of a move within one agency (Peraturan BKN 5/2019 Pasal 3).
VERIFICATION_FILE = (
    "pns_status",
    "target_abk",
    "no_disciplinary_process",
    "latest_rank_decree",
    "latest_position_decree",
    "appraisal_two_years",
    "no_study_leave_or_bond",
)
FUTURE_TMT, PAST_TMT = "2027-01-04", "2026-12-01"
ON_BEHALF = "Surat bertanda tangan basah diterima di loket"
PEOPLE_AT_ONCE = 16

Permits = Callable[[Role, Cell], bool]


def own_path(*roles: Role) -> Permits:
    return lambda role, cell: role in roles and cell.path == OWN_SIDE


def own_only(*roles: Role) -> Permits:
    return lambda role, cell: role in roles and cell == OWN_OWN


@dataclass(frozen=True)
class Post:
    """Where people move in one agency: a second unit, and a position of it whose ABK asks for many more
    people than it has (of the job family and class of the world's position, so placement pairs them)."""

    unit: str
    position: str


class Platform:
    """The platform's own hand: makes, as the system, what the cells act on."""

    def __init__(self, world: World, clients: dict[str, httpx.AsyncClient], secret: str) -> None:
        self.world = world
        self.employee, self.mutation = clients["employee"], clients["mutation"]
        self.secret = secret
        self.posts: dict[str, Post] = {}
        self.kin: dict[str, str] = {}  # someone of each agency to record as a relative
        self.candidate: dict[str, str] = {}  # someone of each agency that placement rounds name and leave
        self._people: dict[tuple[str, bool], list[str]] = {}
        self._registering: dict[tuple[str, bool], asyncio.Lock] = {}

    def headers_of(self, principal: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_internal_token(principal, self.secret, ttl_seconds=3600)}"}

    async def set_up(self) -> None:
        codes = [self.world.sides[side].agency for side in SIDES]

        async def agencies_known() -> bool:
            found = [await self.mutation.get(f"/api/v1/mutation/agencies/{code}") for code in codes]
            return all(f.status_code == 200 for f in found)

        await eventually(agencies_known, timeout=60, what="the agencies in the mutation read model")
        for code in codes:
            # The matrix is about who may write, not about eligibility: no rule blocks a decision here.
            answer = await self.mutation.put(
                f"/api/v1/mutation-policies/{code}",
                json={"disabled": sorted(RULES_BY_NAME)},
                headers={"If-Match": 'W/"0"'},
            )
            assert answer.status_code == 200, answer.text
        for side in SIDES:
            self.posts[side] = await self._post(side)
        self.kin = {OWN_SIDE: self.world.people["boss"], OTHER_SIDE: await self.person(OTHER_SIDE)}
        self.candidate = {side: await self.person(side) for side in SIDES}

        async def known() -> bool:
            for side in SIDES:
                for position in (self.posts[side].position, self.world.sides[side].position):
                    found = await self.mutation.get(f"/api/v1/mutation/positions/{position}")
                    if found.status_code != 200 or found.json()["staff_needed"] is None:
                        return False
            return True

        await eventually(known, timeout=60, what="the positions people move to, with their ABK")

    async def _post(self, side: str) -> Post:
        place = self.world.sides[side]
        unit = await self.employee.post(
            "/api/v1/units", json={"agency_code": place.agency, "name": "Bidang Tujuan", "kind": "bidang"}
        )
        assert unit.status_code == 201, unit.text
        position = await self.employee.post(
            "/api/v1/positions",
            json={
                "unit_id": unit.json()["id"],
                "name": f"Analis Uji {place.agency}",
                "type": "pelaksana",
                "job_class": 7,
                "authorised_headcount": 500,
            },
        )
        assert position.status_code == 201, position.text
        # The world's position needs one person and has many: its unit may release them to the new one.
        await self._workload(place.position, people=1)
        await self._workload(position.json()["id"], people=300)
        return Post(unit.json()["id"], position.json()["id"])

    async def _workload(self, position_id: str, *, people: int) -> None:
        task = {
            "name": "Menyusun analisis",
            "yearly_volume": people * 1250 * 60 // 100,
            "output_unit": "dokumen",
            "time_norm_minutes": 100,
        }
        answer = await self.employee.put(
            f"/api/v1/positions/{position_id}/tasks", json={"tasks": [task]}, headers={"If-Match": 'W/"0"'}
        )
        assert answer.status_code == 200, answer.text

    # --- people ---------------------------------------------------------------------------------------------

    async def person(self, side: str, *, suspended: bool = False) -> str:
        """Someone of the agency on `side` no proposal names yet; `suspended`: whom the employee service will
        refuse to move."""
        async with self._registering.setdefault((side, suspended), asyncio.Lock()):
            waiting = self._people.setdefault((side, suspended), [])
            if not waiting:
                waiting += await self._register(side, suspended)
            return waiting.pop()

    async def _register(self, side: str, suspended: bool) -> list[str]:
        place = self.world.sides[side]

        async def one() -> str:
            body = employee_payload(self.world.serial(), agency_code=place.agency)
            answer = await self.employee.post(
                "/api/v1/employees",
                json={
                    **body,
                    "nik": "7601011203850001",
                    "unit_id": place.unit,
                    "position_id": place.position,
                },
            )
            assert answer.status_code == 201, answer.text
            if suspended:
                answer = await self.employee.post(
                    f"/api/v1/employees/{body['nip']}/status",
                    json={"status": "suspended", "effective_date": "2026-12-01"},
                )
                assert answer.status_code == 200, answer.text
            return str(body["nip"])

        nips = await asyncio.gather(*(one() for _ in range(PEOPLE_AT_ONCE)))

        async def known() -> bool:
            found = await asyncio.gather(
                *(self.mutation.get(f"/api/v1/mutation/employees/{n}") for n in nips)
            )
            return all(f.status_code == 200 for f in found)

        await eventually(known, timeout=60, what="new people in the mutation read model")
        return list(nips)

    # --- proposals ------------------------------------------------------------------------------------------

    async def proposal(self, side: str, state: str = "draft", *, nip: str | None = None) -> dict[str, Any]:
        """A proposal moving someone of `side` into its post, taken to `state` (draft, submitted or
        destination_accepted)."""
        made = await self.mutation.post(
            "/api/v1/mutations",
            json={
                "nip": nip or await self.person(side),
                "target_position_id": self.posts[side].position,
                "reason": "Pemerataan pegawai",
            },
        )
        assert made.status_code == 201, made.text
        proposal: dict[str, Any] = made.json()
        if state == "draft":
            return proposal
        if state == "destination_accepted":
            for kind in VERIFICATION_FILE:
                answer = await self.mutation.post(
                    f"/api/v1/mutations/{proposal['id']}/documents",
                    files={"kind": (None, kind), "file": (f"{kind}.pdf", PDF, "application/pdf")},
                )
                assert answer.status_code == 201, answer.text
        for action in ("submit", "verify", "accept"):
            proposal = await self.step(proposal, action)
            if proposal["state"] == state:
                return proposal
        raise AssertionError(f"no way to {state}")

    async def step(self, proposal: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        answer = await self.mutation.post(
            f"/api/v1/mutations/{proposal['id']}/transitions",
            json={"action": action, **body},
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def own_proposal_of_the_callers(self) -> dict[str, Any]:
        """A submitted proposal moving the person every caller is."""
        await self.free_the_callers()
        return await self.proposal(OWN_SIDE, "submitted", nip=self.world.people["self"])

    async def free_the_callers(self) -> None:
        """Withdraw what moves the person every caller is: a person has one open proposal at a time."""
        found = await self.mutation.get(
            "/api/v1/mutations",
            params={"nip": self.world.people["self"], "state": ["draft", "submitted"], "limit": 500},
        )
        assert found.status_code == 200, found.text
        for proposal in found.json()["items"]:
            await self.step(proposal, "withdraw", reason="diganti usulan baru")

    async def objection(self, side: str) -> tuple[dict[str, Any], str]:
        """A submitted proposal its employee objected to, and the objection's id."""
        proposal = await self.proposal(side, "submitted")
        person = Principal(
            subject=f"pegawai-{proposal['nip']}",
            roles=frozenset({Role.EMPLOYEE}),
            agencies=frozenset({self.world.sides[side].agency}),
            nip=proposal["nip"],
        )
        answer = await self.mutation.post(
            f"/api/v1/mutations/{proposal['id']}/responses",
            json={"response": "objected", "reason": "Orang tua sakit"},
            headers=self.headers_of(person),
        )
        assert answer.status_code == 201, answer.text
        explained = await self.mutation.get(f"/api/v1/mutations/{proposal['id']}/explanation")
        (objection,) = explained.json()["responses"]
        return answer.json(), objection["id"]

    async def decree(self, side: str, *, tmt: str = FUTURE_TMT, nip: str | None = None) -> dict[str, Any]:
        """A decree in force for a proposal of `side`, which is `decree_issued` until its TMT comes."""
        proposal = await self.proposal(side, "destination_accepted", nip=nip)
        answer = await self.mutation.post(
            f"/api/v1/mutations/{proposal['id']}/decree",
            json={
                "tmt": tmt,
                "place": "Mamuju",
                "signatory": {"name": "Bupati", "title": "Bupati"},
                "on_behalf_reason": ON_BEHALF,
            },
            headers={"If-Match": f'W/"{proposal["version"]}"'},
        )
        assert answer.status_code == 201, answer.text
        decree: dict[str, Any] = answer.json()
        return decree

    async def failed(self, side: str) -> dict[str, Any]:
        """A proposal whose move the employee service refused (the person is suspended)."""
        decree = await self.decree(side, tmt=PAST_TMT, nip=await self.person(side, suspended=True))

        async def refused() -> dict[str, Any] | None:
            found: dict[str, Any] = (
                await self.mutation.get(f"/api/v1/mutations/{decree['mutation_id']}")
            ).json()
            return found if found["state"] == "failed" else None

        found: dict[str, Any] = await eventually(refused, timeout=60, what="the refused move")
        return found

    # --- placement ------------------------------------------------------------------------------------------

    async def placement(
        self, side: str, stage: str = "draft", *, candidate: str | None = None
    ) -> dict[str, Any]:
        """A placement round of `side` naming one candidate, at `stage`: draft, solved (with its plan) or
        approved (the plan moves the candidate)."""
        made = await self.mutation.post(
            "/api/v1/placement-rounds",
            json={
                "name": "Pemerataan Uji",
                "scope": {"kind": "agency", "code": self.world.sides[side].agency},
                "pool": [{"kind": "explicit", "nips": [candidate or self.candidate[side]]}],
            },
        )
        assert made.status_code == 201, made.text
        placement: dict[str, Any] = {"round": made.json()}
        if stage == "draft":
            return placement
        job = await self.mutation.post(f"/api/v1/placement-rounds/{made.json()['id']}/solutions?wait=true")
        assert job.status_code == 200 and job.json()["state"] == "succeeded", job.text
        placement["plan"] = job.json()["result"]
        if stage == "approved":
            assert placement["plan"]["moves"] == 1, placement
            answer = await self.mutation.post(
                f"/api/v1/placement-rounds/{made.json()['id']}/plans/{placement['plan']['plan_id']}/approval",
                headers={"If-Match": 'W/"1"'},
            )
            assert answer.status_code == 200, answer.text
        return placement


class Kept:
    """What the cells of one route act on, by key (the side it belongs to): made fresh for a cell that may
    change it, else shared. `stock` makes ahead, side by side, what the cells will take."""

    def __init__(self, make: Callable[[Any], Awaitable[Any]]) -> None:
        self._make = make
        self._shared: dict[Hashable, Any] = {}
        self._ready: dict[Hashable, list[Any]] = {}

    async def take(self, key: Hashable, *, fresh: bool) -> Any:
        if fresh:
            ready = self._ready.get(key)
            return ready.pop() if ready else await self._make(key)
        if key not in self._shared:
            self._shared[key] = await self._make(key)
        return self._shared[key]

    async def stock(
        self, fresh: Counter[Hashable], shared: set[Hashable], at_once: asyncio.Semaphore
    ) -> None:
        async def made(key: Hashable) -> tuple[Hashable, Any]:
            async with at_once:
                return key, await self._make(key)

        wanted = [key for key, count in fresh.items() for _ in range(count)]
        for key, found in await asyncio.gather(*(made(key) for key in [*wanted, *shared])):
            if key in shared and key not in self._shared:
                self._shared[key] = found
            else:
                self._ready.setdefault(key, []).append(found)


def by_path(cell: Cell) -> Hashable:
    return cell.path


@dataclass(frozen=True)
class Route:
    """One write route of the matrix, with what its cells act on (`fixtures`, keyed by `key_of(cell)`; None:
    made as the cell is built)."""

    write: WriteRoute
    fixtures: Kept | None
    key_of: Callable[[Cell], Hashable]
    writes: Permits

    async def stock(self, at_once: asyncio.Semaphore) -> None:
        if self.fixtures is None:
            return
        fresh: Counter[Hashable] = Counter()
        shared: set[Hashable] = set()
        for role in Role:
            for cell in self.write.cells:
                key = self.key_of(cell)
                if key is None:
                    continue
                if self.writes(role, cell):
                    fresh[key] += 2  # through the gateway, then straight at the service
                else:
                    shared.add(key)
        await self.fixtures.stock(fresh, shared, at_once)


Build = Callable[[Cell, bool], Awaitable[Request]]


def route(
    method: str,
    template: str,
    build: Build,
    permits: Permits,
    *,
    fixtures: Kept | None = None,
    key_of: Callable[[Cell], Hashable] = by_path,
    through_gateway: Permits | None = None,
    path_varies: bool = True,
    body_varies: bool = False,
    body_field: str | None = None,
    outcome: Outcome = answered,
) -> Route:
    """A route of the matrix whose build learns whether its cell may write (and so needs its own fixture)."""

    def writes(role: Role, cell: Cell) -> bool:
        return permits(role, cell) or (through_gateway or permits)(role, cell)

    async def build_cell(_world: World, cell: Cell, role: Role) -> Request:
        return await build(cell, writes(role, cell))

    write = WriteRoute(
        method,
        template,
        "mutation",
        build_cell,
        allowed=frozenset(role for role in Role if permits(role, OWN_OWN)),
        path_varies=path_varies,
        body_varies=body_varies,
        body_field=body_field,
        permits=permits,
        permits_through_gateway=through_gateway,
        outcome=outcome,
    )
    return Route(write, fixtures, key_of, writes)


def entry_shown(whose: Callable[[dict[str, Any]], str | None], entrant: str, caller_nip: str) -> Outcome:
    """An allowed write's answer shows who entered whose act: nobody for the caller's own act (`whose` the
    answer names is the callers' NIP), else the account that entered it (`entrant` of the answer) and why."""

    def outcome(answer: httpx.Response) -> tuple[int, Any]:
        status, body = answered(answer)
        if not 200 <= status < 300:
            return status, body
        own = whose(body) == caller_nip
        expected = (None, None) if own else (body[entrant], ON_BEHALF)
        shown = (body["entered_by"], body["on_behalf_reason"])
        if shown != expected:
            return 590, f"the answer shows the entry {shown}, not {expected}"
        return status, body

    return outcome


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'W/"{version}"'}


def proposal_routes(platform: Platform) -> list[Route]:
    async def round_of(side: str) -> dict[str, Any]:
        item = {
            "nip": await platform.person(side),
            "target_position_id": platform.posts[side].position,
            "reason": "Pemerataan pegawai",
        }
        made = await platform.mutation.post(
            "/api/v1/mutations/rounds", json={"name": "Putaran", "items": [item]}
        )
        assert made.status_code == 201, made.text
        found: dict[str, Any] = made.json()
        return found

    people_named = Kept(lambda side: platform.person(side))
    people_moved = Kept(lambda side: platform.person(side))
    people_in_rounds = Kept(lambda side: platform.person(side))
    rounds = Kept(round_of)
    drafts = Kept(lambda side: platform.proposal(side))
    checked = Kept(lambda side: platform.proposal(side))
    overridden = Kept(lambda side: platform.proposal(side))
    filed = Kept(lambda side: platform.proposal(side))
    submitted = Kept(lambda side: platform.proposal(side, "submitted"))
    objections = Kept(lambda side: platform.objection(side))
    failed = Kept(lambda side: platform.failed(side))
    accepted = Kept(lambda side: platform.proposal(side, "destination_accepted"))
    amended = Kept(lambda side: platform.decree(side))
    revoked = Kept(lambda side: platform.decree(side))
    accepted_to_sign = Kept(lambda side: platform.proposal(side, "destination_accepted"))
    amended_signing = Kept(lambda side: platform.decree(side))
    revoked_signing = Kept(lambda side: platform.decree(side))
    colleagues = Kept(lambda _: platform.person(OWN_SIDE))
    colleagues_entered = Kept(lambda _: platform.person(OWN_SIDE))
    me = platform.world.people["self"]

    def self_request(nip: str) -> dict[str, Any]:
        target = platform.posts[OWN_SIDE].position
        return {
            "nip": nip,
            "target_position_id": target,
            "reason": "Ikut pasangan",
            "initiator": "self_request",
        }

    request_shown = entry_shown(lambda p: p["nip"], "created_by", me)
    decree_shown = entry_shown(lambda d: d["signatory"]["nip"], "issued_by", me)

    async def propose_person(cell: Cell, fresh: bool) -> Request:
        nip = await people_named.take(cell.body, fresh=fresh)
        body = {"nip": nip, "target_position_id": platform.posts[OWN_SIDE].position, "reason": "Pemerataan"}
        return Request("POST", "/api/v1/mutations", body)

    async def propose_position(cell: Cell, fresh: bool) -> Request:
        nip = await people_moved.take(OWN_SIDE, fresh=fresh)
        body = {"nip": nip, "target_position_id": platform.posts[cell.body].position, "reason": "Pemerataan"}
        return Request("POST", "/api/v1/mutations", body)

    async def propose_round(cell: Cell, fresh: bool) -> Request:
        nip = await people_in_rounds.take(OWN_SIDE, fresh=fresh)
        item = {"nip": nip, "target_position_id": platform.posts[cell.body].position, "reason": "Pemerataan"}
        return Request("POST", "/api/v1/mutations/rounds", {"name": "Putaran", "items": [item]})

    async def round_step(cell: Cell, fresh: bool) -> Request:
        made = await rounds.take(cell.path, fresh=fresh)
        return Request("POST", f"/api/v1/mutations/rounds/{made['id']}/transitions", {"action": "submit"})

    async def step(cell: Cell, fresh: bool) -> Request:
        p = await drafts.take(cell.path, fresh=fresh)
        path = f"/api/v1/mutations/{p['id']}/transitions"
        return Request("POST", path, {"action": "submit"}, if_match(p["version"]))

    async def retry(cell: Cell, fresh: bool) -> Request:
        p = await failed.take(cell.path, fresh=fresh)
        return Request("POST", f"/api/v1/mutations/{p['id']}/retry", None, if_match(p["version"]))

    async def recheck(cell: Cell, fresh: bool) -> Request:
        p = await checked.take(cell.path, fresh=fresh)
        return Request("POST", f"/api/v1/mutations/{p['id']}/checks")

    async def override(cell: Cell, fresh: bool) -> Request:
        p = await overridden.take(cell.path, fresh=fresh)
        body = {"rule": "appraisal_predicate", "reason": "Predikat dinilai ulang"}
        return Request("POST", f"/api/v1/mutations/{p['id']}/overrides", body, if_match(p["version"]))

    async def respond(cell: Cell, fresh: bool) -> Request:
        if cell.path == OWN_SIDE:
            p = await platform.own_proposal_of_the_callers()
        else:
            p = await submitted.take(cell.path, fresh=fresh)
        body = {"response": "objected", "reason": "Keluarga di tempat asal"}
        return Request("POST", f"/api/v1/mutations/{p['id']}/responses", body)

    async def answer(cell: Cell, fresh: bool) -> Request:
        p, objection = await objections.take(cell.path, fresh=fresh)
        body = {"decision": "dismissed", "note": "Kebutuhan organisasi"}
        return Request("POST", f"/api/v1/mutations/{p['id']}/responses/{objection}/answer", body)

    async def upload(cell: Cell, fresh: bool) -> Request:
        p = await filed.take(cell.path, fresh=fresh)
        files = {"kind": (None, "pns_status"), "file": ("sk.pdf", PDF, "application/pdf")}
        return Request("POST", f"/api/v1/mutations/{p['id']}/documents", files=files)

    async def own_request(cell: Cell, fresh: bool) -> Request:
        # Own body: the caller asks for their own move; other: a colleague's request, entered for them.
        await platform.free_the_callers()
        if cell.body == OWN_SIDE:
            return Request("POST", "/api/v1/mutations", self_request(me))
        colleague = await colleagues.take("any", fresh=fresh)
        return Request(
            "POST", "/api/v1/mutations", {**self_request(colleague), "on_behalf_reason": ON_BEHALF}
        )

    async def request_for_a_colleague(cell: Cell, fresh: bool) -> Request:
        # Own body: entered saying why; other: without the reason.
        body = self_request(await colleagues_entered.take(cell.body, fresh=fresh))
        if cell.body == OWN_SIDE:
            body["on_behalf_reason"] = ON_BEHALF
        return Request("POST", "/api/v1/mutations", body)

    def signatory(cell: Cell) -> dict[str, str]:
        return {"name": "Sekretaris Daerah", "title": "Sekretaris Daerah", "nip": platform.kin[cell.body]}

    def signing(cell: Cell) -> dict[str, Any]:
        """Own body: the caller signs; other: a colleague signed, and the caller does not say why they
        enter it."""
        nip = me if cell.body == OWN_SIDE else platform.kin[OWN_SIDE]
        return {"signatory": {"name": "Pejabat Pembina Kepegawaian", "title": "Bupati", "nip": nip}}

    def for_the_signatory(cell: Cell) -> dict[str, Any]:
        return {"signatory": signatory(cell), "on_behalf_reason": ON_BEHALF}

    def issue(made: Kept, signed: Callable[[Cell], dict[str, Any]]) -> Build:
        async def build(cell: Cell, fresh: bool) -> Request:
            p = await made.take(cell.path, fresh=fresh)
            body = {"tmt": FUTURE_TMT, "place": "Mamuju", **signed(cell)}
            return Request("POST", f"/api/v1/mutations/{p['id']}/decree", body, if_match(p["version"]))

        return build

    def amend(made: Kept, signed: Callable[[Cell], dict[str, Any]]) -> Build:
        async def build(cell: Cell, fresh: bool) -> Request:
            d = await made.take(cell.path, fresh=fresh)
            body = {"reason": "TMT diubah", "tmt": "2027-02-01", **signed(cell)}
            return Request("POST", f"/api/v1/decrees/{d['id']}/amendments", body)

        return build

    def revoke(made: Kept, signed: Callable[[Cell], dict[str, Any]]) -> Build:
        async def build(cell: Cell, fresh: bool) -> Request:
            d = await made.take(cell.path, fresh=fresh)
            body = {"reason": "Pegawai diperlukan di asal", **signed(cell)}
            return Request("POST", f"/api/v1/decrees/{d['id']}/revocation", body)

        return build

    def receiving_agency(role: Role, cell: Cell) -> bool:
        # The receiving agency proposes the move of a person of any agency (Peraturan BKN 5/2019 Pasal 3).
        return role in (HR, ADMIN)

    # Every caller who is a person is the employee of the proposal in their own agency.
    people = (ADMIN, HR, APPROVER, BKN, SUPERVISOR, EMPLOYEE, AUDITOR)
    employee_of_it = own_path(*people)
    decider = own_only(APPROVER)  # the PPK of the agency decides a move within it

    def own_or_entered(role: Role, cell: Cell) -> bool:
        # Anyone who is a person asks for their own move; an HR officer enters a colleague's for them.
        return role in people if cell.body == OWN_SIDE else role is HR

    def not_the_auditor(permits: Permits) -> Permits:
        # Auditors change nothing through the door, not even their own file.
        return lambda role, cell: role is not AUDITOR and permits(role, cell)

    def decree_routes(
        made: tuple[Kept, Kept, Kept], signed: Callable[[Cell], dict[str, Any]], body_field: str
    ) -> list[Route]:
        builds = (issue(made[0], signed), amend(made[1], signed), revoke(made[2], signed))
        templates = (
            "/api/v1/mutations/{proposal_id}/decree",
            "/api/v1/decrees/{decree_id}/amendments",
            "/api/v1/decrees/{decree_id}/revocation",
        )
        return [
            route(
                "POST",
                template,
                build,
                decider,
                fixtures=fixtures,
                body_varies=True,
                body_field=body_field,
                outcome=decree_shown,
            )
            for template, build, fixtures in zip(templates, builds, made, strict=True)
        ]

    return [
        route(
            "POST",
            "/api/v1/mutations",
            propose_person,
            receiving_agency,
            fixtures=people_named,
            key_of=lambda cell: cell.body,
            path_varies=False,
            body_varies=True,
        ),
        route(
            "POST",
            "/api/v1/mutations",
            propose_position,
            own_only(HR, ADMIN),
            fixtures=people_moved,
            key_of=lambda cell: OWN_SIDE,
            path_varies=False,
            body_varies=True,
            body_field="target_position_id",
        ),
        route(
            "POST",
            "/api/v1/mutations/rounds",
            propose_round,
            own_only(HR, ADMIN),
            fixtures=people_in_rounds,
            key_of=lambda cell: OWN_SIDE,
            path_varies=False,
            body_varies=True,
            body_field="target_position_id",
        ),
        route(
            "POST",
            "/api/v1/mutations/rounds/{round_id}/transitions",
            round_step,
            own_path(HR),
            fixtures=rounds,
        ),
        route("POST", "/api/v1/mutations/{proposal_id}/transitions", step, own_path(HR), fixtures=drafts),
        route(
            "POST",
            "/api/v1/mutations/{proposal_id}/retry",
            retry,
            own_path(HR, APPROVER, ADMIN),
            fixtures=failed,
        ),
        route(
            "POST",
            "/api/v1/mutations/{proposal_id}/checks",
            recheck,
            lambda role, cell: role is BKN or own_path(HR, APPROVER, ADMIN)(role, cell),
            fixtures=checked,
        ),
        route(
            "POST",
            "/api/v1/mutations/{proposal_id}/overrides",
            override,
            own_path(APPROVER, ADMIN),
            fixtures=overridden,
        ),
        route(
            "POST",
            "/api/v1/mutations/{proposal_id}/responses",
            respond,
            employee_of_it,
            # Auditors change nothing through the door, not even their own file.
            through_gateway=lambda role, cell: role is not AUDITOR and employee_of_it(role, cell),
            fixtures=submitted,
            key_of=lambda cell: None if cell.path == OWN_SIDE else cell.path,
        ),
        route(
            "POST",
            "/api/v1/mutations/{proposal_id}/responses/{response_id}/answer",
            answer,
            own_path(APPROVER, ADMIN),
            fixtures=objections,
        ),
        route(
            "POST",
            "/api/v1/mutations/{proposal_id}/documents",
            upload,
            lambda role, cell: (
                role is BKN or own_path(ADMIN, HR, APPROVER, SUPERVISOR, AGENCY_SYSTEM)(role, cell)
            ),
            fixtures=filed,
        ),
        # A signatory of another agency is refused; one of the caller's is entered for them, saying why.
        *decree_routes((accepted, amended, revoked), for_the_signatory, "signatory.nip"),
        # The caller signs themself; a colleague's signature entered without saying why is refused.
        *decree_routes((accepted_to_sign, amended_signing, revoked_signing), signing, "on_behalf_reason"),
        route(
            "POST",
            "/api/v1/mutations",
            own_request,
            own_or_entered,
            through_gateway=not_the_auditor(own_or_entered),
            fixtures=colleagues,
            key_of=lambda cell: "any" if cell.body == OTHER_SIDE else None,
            path_varies=False,
            body_varies=True,
            body_field="nip",
            outcome=request_shown,
        ),
        route(
            "POST",
            "/api/v1/mutations",
            request_for_a_colleague,
            own_only(HR),
            fixtures=colleagues_entered,
            key_of=lambda cell: cell.body,
            path_varies=False,
            body_varies=True,
            body_field="on_behalf_reason",
            outcome=request_shown,
        ),
    ]


def record_routes(platform: Platform) -> list[Route]:
    async def policy(cell: Cell, fresh: bool) -> Request:
        code = platform.world.sides[cell.path].agency
        current = await platform.mutation.get(f"/api/v1/mutation-policies/{code}")
        version = current.json()["version"]
        # Each version a cell publishes differs from the one in force.
        body = {"sla_days": 15 + version % 2}
        return Request("PUT", f"/api/v1/mutation-policies/{code}", body, if_match(version))

    async def relative(cell: Cell, fresh: bool) -> Request:
        nip = platform.world.sides[cell.path].person
        body = {"relative_nip": platform.kin[cell.body], "relation": "sibling"}
        return Request("POST", f"/api/v1/mutation/employees/{nip}/relatives", body)

    async def bond(cell: Cell, fresh: bool) -> Request:
        nip = platform.world.sides[cell.path].person
        body = {"until": "2027-12-31", "basis": "Perjanjian tugas belajar"}
        return Request("PUT", f"/api/v1/mutation/employees/{nip}/service-bond", body)

    return [
        route("PUT", "/api/v1/mutation-policies/{agency_code}", policy, own_path(APPROVER, ADMIN)),
        # A relative may work in any agency: a move into another agency meets its conflicts of interest there.
        route(
            "POST",
            "/api/v1/mutation/employees/{nip}/relatives",
            relative,
            own_path(HR, ADMIN),
            body_varies=True,
        ),
        route("PUT", "/api/v1/mutation/employees/{nip}/service-bond", bond, own_path(HR, ADMIN)),
    ]


def placement_routes(platform: Platform) -> list[Route]:
    async def approved_of(side: str) -> dict[str, Any]:
        return await platform.placement(side, "approved", candidate=await platform.person(side))

    changed = Kept(lambda side: platform.placement(side))
    solved = Kept(lambda side: platform.placement(side))
    explored = Kept(lambda side: platform.placement(side, "solved"))
    approved = Kept(lambda side: platform.placement(side, "solved"))
    published = Kept(approved_of)

    def plan_path(found: dict[str, Any]) -> str:
        return f"/api/v1/placement-rounds/{found['round']['id']}/plans/{found['plan']['plan_id']}"

    async def create(cell: Cell, fresh: bool) -> Request:
        body = {
            "name": "Pemerataan",
            "scope": {"kind": "agency", "code": platform.world.sides[cell.body].agency},
            "pool": [{"kind": "explicit", "nips": [platform.candidate[cell.body]]}],
        }
        return Request("POST", "/api/v1/placement-rounds", body)

    async def change(cell: Cell, fresh: bool) -> Request:
        found = await changed.take(cell.path, fresh=fresh)
        body = {"unit_limits": [{"unit_id": platform.posts[cell.body].unit, "intake_limit": 5}]}
        return Request("PATCH", f"/api/v1/placement-rounds/{found['round']['id']}", body, if_match(1))

    async def solve(cell: Cell, fresh: bool) -> Request:
        found = await solved.take(cell.path, fresh=fresh)
        return Request("POST", f"/api/v1/placement-rounds/{found['round']['id']}/solutions?wait=true")

    async def what_if(cell: Cell, fresh: bool) -> Request:
        found = await explored.take(cell.path, fresh=fresh)
        pair = {"nip": platform.candidate[cell.body], "position_id": platform.posts[cell.body].position}
        return Request("POST", f"{plan_path(found)}/what-ifs?wait=true", {"forbids": [pair]})

    async def approve(cell: Cell, fresh: bool) -> Request:
        found = await approved.take(cell.path, fresh=fresh)
        return Request("POST", f"{plan_path(found)}/approval", None, if_match(1))

    async def publish(cell: Cell, fresh: bool) -> Request:
        found = await published.take(cell.path, fresh=fresh)
        return Request("POST", f"{plan_path(found)}/publication", None, if_match(2))

    async def cancel_job(world: World, cell: Cell, role: Role) -> Request:
        """A solve of a fresh round of the path's agency: the caller's own where it may solve there, else an
        HR officer's of that agency (a job cancelled by someone else is unknown to them)."""
        if cell.path == OWN_SIDE and role in PLANNERS:
            submitter = world.callers[role].internal
        else:
            agency = world.sides[cell.path].agency
            submitter = platform.headers_of(Principal(f"hr.{agency}", frozenset({HR}), frozenset({agency})))
        found = await platform.placement(cell.path)
        answer = await platform.mutation.post(
            f"/api/v1/placement-rounds/{found['round']['id']}/solutions", headers=submitter
        )
        assert answer.status_code == 202, answer.text
        return Request("DELETE", f"/api/v1/mutation/jobs/{answer.json()['id']}")

    job_route = WriteRoute(
        "DELETE",
        "/api/v1/mutation/jobs/{job_id}",
        "mutation",
        cancel_job,
        frozenset(PLANNERS),
        body_varies=False,
        hidden=True,
    )

    return [
        route(
            "POST",
            "/api/v1/placement-rounds",
            create,
            own_only(*PLANNERS),
            path_varies=False,
            body_varies=True,
            body_field="scope.code",
        ),
        route(
            "PATCH",
            "/api/v1/placement-rounds/{round_id}",
            change,
            own_only(*PLANNERS),
            fixtures=changed,
            body_varies=True,
            body_field="unit_id",
        ),
        route(
            "POST",
            "/api/v1/placement-rounds/{round_id}/solutions",
            solve,
            own_path(*PLANNERS),
            fixtures=solved,
        ),
        route(
            "POST",
            "/api/v1/placement-rounds/{round_id}/plans/{plan_id}/what-ifs",
            what_if,
            own_only(*PLANNERS),
            fixtures=explored,
            body_varies=True,
            body_field="nip",
        ),
        route(
            "POST",
            "/api/v1/placement-rounds/{round_id}/plans/{plan_id}/approval",
            approve,
            own_path(APPROVER, ADMIN),
            fixtures=approved,
        ),
        # Publishing proposes the plan's moves: the approver approves, HR or the administration proposes.
        route(
            "POST",
            "/api/v1/placement-rounds/{round_id}/plans/{plan_id}/publication",
            publish,
            own_path(HR, ADMIN),
            fixtures=published,
        ),
        # Each caller's cell holds its own job or someone else's: made as the cell is built.
        Route(job_route, None, by_path, own_only(*PLANNERS)),
    ]


async def test_who_may_write_through_every_write_route_of_the_mutation_service(make_settings: Any) -> None:
    async with world(make_settings) as built, AsyncExitStack() as stack:
        secret = built.gateway.state.gateway.settings.internal_token_secret.get_secret_value()
        # As the platform, like `built.service(name)`, but idle connections are dropped well before the
        # server's keep-alive (5 s) ends them: set-up comes in bursts, and a connection reused just as the
        # server closes it fails the request.
        clients = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=built.urls[name],
                    headers=built.system,
                    timeout=30,
                    limits=httpx.Limits(keepalive_expiry=1),
                )
            )
            for name in ("employee", "mutation")
        }
        platform = Platform(built, clients, secret)
        routes = proposal_routes(platform) + record_routes(platform) + placement_routes(platform)
        require_every_route(mutation_app().openapi(), [r.write for r in routes])
        await platform.set_up()
        at_once = asyncio.Semaphore(6)
        await asyncio.gather(*(r.stock(at_once) for r in routes))
        await run_matrix(built, [r.write for r in routes])
