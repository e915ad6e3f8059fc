"""The authorisation matrix of writes: every write route x every role x (own / other agency in the path) x
(own / other agency referenced in the body), through the gateway (access token: the door's coarse check and
the service's fine rules) and straight at the service (internal token: the fine rules alone).

A route is one `WriteRoute`: it builds a fresh request for each cell (an allowed write changes the world, so
no two cells share a request), says which cells exist for it (a route with no agency in its path has no
"other" path side) and who may write in each. A refusal is 403 (404 where the route hides what its path
names from the caller, e.g. a job); one caused by the body names the field.
`require_every_route` checks that a service's matrix leaves none of its write routes out.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.gateway.routes import owner_of
from shared.principal import Role
from tests.authorisation.world import OTHER_SIDE, OWN_SIDE, World


@dataclass(frozen=True)
class Cell:
    path: str  # OWN_SIDE or OTHER_SIDE: the agency the path's resource belongs to
    body: str  # the agency of the records the body refers to


OWN_OWN = Cell(OWN_SIDE, OWN_SIDE)
BOTH_SIDES = (OWN_SIDE, OTHER_SIDE)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    files: Any = None


Build = Callable[[World, Cell, Role], Awaitable[Request]]
# What an answer means for the matrix: its status and its body (a job's problem, for an import).
Outcome = Callable[[httpx.Response], tuple[int, Any]]


def answered(answer: httpx.Response) -> tuple[int, Any]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    return answer.status_code, body


def job_outcome(answer: httpx.Response) -> tuple[int, Any]:
    """An import answered with its finished job (`wait=true`): a failed job is its problem's status."""
    status, body = answered(answer)
    if status == 200 and isinstance(body, dict) and body.get("state") == "failed":
        return int(body["problem"]["status"]), body["problem"]
    return status, body


@dataclass(frozen=True)
class WriteRoute:
    """One write route of the matrix. `template` is the path as the OpenAPI document names it."""

    method: str
    template: str
    service: str | None  # None: the gateway's own
    build: Build
    allowed: frozenset[Role]  # who may write when everything is in their own agency
    path_varies: bool = True  # False: nothing in the path belongs to an agency
    body_varies: bool = True  # False: the body refers to no agency's records
    body_field: str | None = None  # the field a refusal for an out-of-scope body must name
    # Who may write in each cell, where it is not "allowed roles, in the own/own cell only".
    permits: Callable[[Role, Cell], bool] | None = None
    # Through the gateway, where the door is stricter than the service.
    permits_through_gateway: Callable[[Role, Cell], bool] | None = None
    outcome: Outcome = answered
    # `build` makes the same request whoever asks (it ignores the role): the callers it must refuse may then
    # share one request; otherwise only the two ways of one caller do.
    same_for_every_role: bool = False
    # What the path names is hidden from those who may not write it (a job): the service refuses with 404,
    # as for what does not exist; the gateway's door, which knows nothing of it, may refuse first with 403.
    hidden: bool = False

    @property
    def cells(self) -> list[Cell]:
        paths = BOTH_SIDES if self.path_varies else (OWN_SIDE,)
        bodies = BOTH_SIDES if self.body_varies else (OWN_SIDE,)
        return [Cell(p, b) for p in paths for b in bodies]

    def allows(self, role: Role, cell: Cell, *, through_gateway: bool) -> bool:
        rule = (self.permits_through_gateway if through_gateway else None) or self.permits
        if rule is not None:
            return rule(role, cell)
        return role in self.allowed and cell == OWN_OWN


async def run_matrix(world: World, routes: Iterable[WriteRoute]) -> int:
    """Runs every cell of every route both ways; fails listing every wrong cell. Answers the cell count."""
    failures: list[str] = []
    cells = 0
    async with httpx.AsyncClient(timeout=30) as direct:
        for route in routes:
            # A request that must be refused changes nothing, so the refused callers of a cell share one; an
            # allowed one gets its own, made fresh.
            refused: dict[tuple[Cell, Role | None], Request] = {}
            for role, caller in world.callers.items():
                for cell in route.cells:
                    for through_gateway in (True, False):
                        if not through_gateway and route.service is None:
                            continue
                        cells += 1
                        allowed = route.allows(role, cell, through_gateway=through_gateway)
                        shared = (cell, None if route.same_for_every_role else role)
                        if allowed:
                            request = await route.build(world, cell, role)
                        elif shared in refused:
                            request = refused[shared]
                        else:
                            request = refused[shared] = await route.build(world, cell, role)
                        if through_gateway:
                            answer = await world.door.request(
                                request.method,
                                request.path,
                                json=request.json,
                                files=request.files,
                                headers={**request.headers, **caller.access},
                            )
                        else:
                            assert route.service is not None
                            answer = await direct.request(
                                request.method,
                                world.urls[route.service] + request.path,
                                json=request.json,
                                files=request.files,
                                headers={**request.headers, **caller.internal},
                            )
                        failures += _judge(route, role, cell, through_gateway, allowed, answer)
    assert not failures, f"{len(failures)} cells of {cells} wrong:\n" + "\n".join(failures)
    return cells


def _judge(
    route: WriteRoute, role: Role, cell: Cell, through_gateway: bool, allowed: bool, answer: httpx.Response
) -> list[str]:
    way = "gateway" if through_gateway else "direct"
    where = f"{route.method} {route.template} / {role} / path {cell.path}, body {cell.body} / {way}"
    status, body = route.outcome(answer)
    if allowed:
        if not 200 <= status < 300:
            return [f"{where}: expected success, got {status} {str(body)[:200]}"]
        return []
    refusals = ({403, 404} if through_gateway else {404}) if route.hidden else {403}
    if status not in refusals:
        expected = " or ".join(str(s) for s in sorted(refusals))
        return [f"{where}: expected {expected}, got {status} {str(body)[:200]}"]
    if route.hidden and status == 403 and not str((body or {}).get("type", "")).endswith("/role-required"):
        return [f"{where}: a 403 not of the door's role check tells the path exists: {str(body)[:200]}"]
    # Refused for the body alone (the caller may write here): the refusal names the field.
    own_body = Cell(cell.path, OWN_SIDE)
    refused_for_body = cell.body == OTHER_SIDE and route.allows(
        role, own_body, through_gateway=through_gateway
    )
    if refused_for_body and route.body_field is not None:
        fields = {(p.get("field") or "") for p in (body or {}).get("errors", [])}
        if not any(f == route.body_field or f.endswith("." + route.body_field) for f in fields):
            return [f"{where}: the refusal does not name {route.body_field}: {str(body)[:200]}"]
    return []


def require_every_route(
    openapi: dict[str, Any], routes: Iterable[WriteRoute], *, gateway: bool = False
) -> None:
    """Every write route of the document is in the matrix (the gateway's: only its own routes)."""
    covered = {(r.method.lower(), r.template) for r in routes}
    missing = [
        f"{method.upper()} {path}"
        for path, operations in openapi["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
        and (not gateway or owner_of(path) is None)
        and (method, path) not in covered
    ]
    assert not missing, "write routes missing from the matrix:\n" + "\n".join(sorted(missing))


EVERY_ROLE = frozenset(Role)
