"""Aggregated views: one answer assembled from several services at once.

Each view is a table of parts (which service, which path); the parts are fetched concurrently in an
`asyncio.TaskGroup`, each with its own timeout, with the caller's internal token, so every service applies
its own fine rules. A part that fails - the service is down, too slow, refuses, or does not offer that
resource yet - is named in `missing` with the reason, and the rest of the view is still answered. Only a
failure of a part the view cannot exist without (the employee record of a dossier) fails the whole view.
"""

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from pydantic import BaseModel, Field

from services.gateway.proxy import UpstreamPool, context_headers
from shared.errors import DomainError, Forbidden, NotFound, UpstreamTimeout, UpstreamUnavailable

log = logging.getLogger(__name__)

Reason = Literal["timeout", "unavailable", "not-found", "forbidden", "error"]
# 404 and 405: the service has no such resource, or does not offer that route yet.
REASON_OF_STATUS: dict[int, Reason] = {404: "not-found", 405: "not-found", 403: "forbidden"}


@dataclass(frozen=True)
class Part:
    """One piece of a view: GET `path` (with `{placeholders}`) from `service`, with query parameters."""

    name: str
    service: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    # The view cannot exist without it: its 404 or 403 is the view's, and its outage fails the view.
    required: bool = False


class MissingPart(BaseModel):
    part: str
    service: str
    reason: Reason = Field(
        description="timeout, unavailable, not-found (the service has no such resource "
        "or does not offer it yet), forbidden, or error"
    )
    status: int | None = Field(default=None, description="the service's HTTP status, when it answered")


DOSSIER_PARTS: Sequence[Part] = (
    Part("record", "employee", "/api/v1/employees/{nip}", required=True),
    Part("history", "employee", "/api/v1/employees/{nip}/history"),
    Part("appraisals", "appraisal", "/api/v1/skp", {"nip": "{nip}", "limit": "100"}),
    Part("talent", "appraisal", "/api/v1/talent/employees/{nip}"),
    Part("mutations", "mutation", "/api/v1/mutations", {"nip": "{nip}", "limit": "100"}),
    Part("training", "training", "/api/v1/jp/{nip}"),
    Part("development_plans", "training", "/api/v1/development-plans", {"nip": "{nip}", "limit": "100"}),
)

AGENCY_OVERVIEW_PARTS: Sequence[Part] = (
    Part("staffing", "employee", "/api/v1/workload", {"agency": "{agency}", "level": "agency", "limit": "1"}),
    Part(
        "staffing_gaps",
        "employee",
        "/api/v1/workload",
        {"agency": "{agency}", "level": "unit", "status": "under", "sort": "-gap", "limit": "20"},
    ),
    Part("talent_grid", "appraisal", "/api/v1/talent/grid", {"agency": "{agency}"}),
    Part("appraisal_periods", "appraisal", "/api/v1/appraisal-periods", {"agency": "{agency}", "limit": "5"}),
    Part(
        "open_mutations",
        "mutation",
        "/api/v1/mutations",
        {"agency": "{agency}", "open": "true", "limit": "100"},
    ),
    Part(
        "overdue_mutations",
        "mutation",
        "/api/v1/mutations",
        {"agency": "{agency}", "overdue": "true", "limit": "100"},
    ),
    Part("jp_compliance", "training", "/api/v1/jp/compliance", {"agency": "{agency}"}),
)

PROVINCE_OVERVIEW_PARTS: Sequence[Part] = (
    Part(
        "staffing",
        "employee",
        "/api/v1/workload",
        {"province": "{province}", "level": "agency", "sort": "-gap", "limit": "500"},
    ),
    Part(
        "open_mutations",
        "mutation",
        "/api/v1/mutations",
        {"province": "{province}", "open": "true", "limit": "100"},
    ),
    Part(
        "overdue_mutations",
        "mutation",
        "/api/v1/mutations",
        {"province": "{province}", "overdue": "true", "limit": "100"},
    ),
    Part("jp_compliance", "training", "/api/v1/jp/compliance", {"province": "{province}"}),
)


@dataclass
class Assembled:
    parts: dict[str, Any]
    missing: list[MissingPart]

    @property
    def complete(self) -> bool:
        return not self.missing


class Aggregator:
    def __init__(self, pool: UpstreamPool, timeout_seconds: float) -> None:
        self.pool = pool
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def assemble(self, parts: Sequence[Part], values: Mapping[str, str], token: str) -> Assembled:
        async with asyncio.TaskGroup() as group:
            tasks = {part.name: group.create_task(self._fetch(part, values, token)) for part in parts}
        found: dict[str, Any] = {}
        missing: list[MissingPart] = []
        for part in parts:
            result = tasks[part.name].result()
            if isinstance(result, MissingPart):
                if part.required:
                    raise _required_failure(part, result)
                missing.append(result)
                found[part.name] = None
            else:
                found[part.name] = result
        return Assembled(found, missing)

    async def _fetch(self, part: Part, values: Mapping[str, str], token: str) -> Any:
        """The part's JSON, or why it is missing; never raises, so one part cannot cancel the others."""
        path = part.path.format(**values)
        query = {key: value.format(**values) for key, value in part.query.items()}
        headers = {
            "authorization": f"Bearer {token}",
            "accept": "application/json",
            **dict(context_headers()),
        }
        try:
            async with self.pool.session(part.service).get(
                self.pool.base_url(part.service) + path,
                params=query,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            ) as answer:
                if answer.status == 200:
                    return json.loads(await answer.read())
                await answer.read()
                reason: Reason = REASON_OF_STATUS.get(answer.status) or "error"
                return MissingPart(part=part.name, service=part.service, reason=reason, status=answer.status)
        except TimeoutError:
            return MissingPart(part=part.name, service=part.service, reason="timeout")
        except (aiohttp.ClientError, ValueError) as error:
            log.warning("view part %s from %s failed: %r", part.name, part.service, error)
            return MissingPart(part=part.name, service=part.service, reason="unavailable")


def _required_failure(part: Part, missing: MissingPart) -> DomainError:
    if missing.reason == "not-found":
        return NotFound(f"{part.name} not found")
    if missing.reason == "forbidden":
        return Forbidden(f"{part.name} is outside your scope")
    if missing.reason == "timeout":
        return UpstreamTimeout(f"The {part.service} service did not answer in time.")
    return UpstreamUnavailable(f"The {part.service} service is unavailable.")
