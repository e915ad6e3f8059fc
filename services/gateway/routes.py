"""Which service owns which part of the public API: the first path segment after `/api/v1/` names it.

A segment named after a service (`/api/v1/mutation/...`) holds that service's own read-model views, e.g.
`/api/v1/mutation/employees/{nip}`. Adding a resource to a service means adding its segment here.
"""

from collections.abc import Mapping

API_PREFIX = "/api/v1/"

SEGMENTS_BY_SERVICE: Mapping[str, tuple[str, ...]] = {
    "employee": ("employees", "agencies", "units", "positions", "workload", "siasn", "employee"),
    "appraisal": ("appraisal-periods", "skp", "talent", "appraisal"),
    "mutation": ("mutations", "decrees", "placement-rounds", "mutation-policies", "audit", "mutation"),
    "training": ("programmes", "sessions", "enrolments", "development-plans", "jp", "training"),
}

OWNER_BY_SEGMENT: Mapping[str, str] = {
    segment: service for service, segments in SEGMENTS_BY_SERVICE.items() for segment in segments
}


def owner_of(path: str) -> str | None:
    """The service that answers `path`; None outside /api/v1/ and for a segment no service owns."""
    if not path.startswith(API_PREFIX):
        return None
    segment = path[len(API_PREFIX) :].split("/", 1)[0]
    return OWNER_BY_SEGMENT.get(segment)
