"""Coarse access at the door: which roles may read, and which may change, each route family (the first
path segment after /api/v1/). The services enforce the fine rules (own record, own agency) themselves; the
gateway only turns away what no role of the caller could ever do, before it costs a service anything.

Adding a resource to the platform means one row here (a unit test checks every routed segment has one).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from services.gateway.routes import SEGMENTS_BY_SERVICE
from shared.principal import Role

ALL = frozenset(Role)
STAFF = frozenset(Role) - {Role.EMPLOYEE}
# Auditors read everything and change nothing but their own verifications.
CHANGERS = frozenset(Role) - {Role.AUDITOR}
HR = frozenset({Role.ADMIN, Role.HR_OFFICER})
HR_AND_SYSTEMS = HR | {Role.INTEGRATION}
NOBODY: frozenset[Role] = frozenset()

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Family:
    readers: frozenset[Role]
    writers: frozenset[Role]
    # Any signed-in caller, even one holding no role yet (their own identity, logging out).
    anyone: bool = False

    def allows(self, method: str, roles: frozenset[Role]) -> bool:
        if self.anyone:
            return True
        wanted = self.readers if method in READ_METHODS else self.writers
        return not wanted.isdisjoint(roles)


FAMILIES: Mapping[str, Family] = {
    # employee service
    "employees": Family(ALL, HR_AND_SYSTEMS),
    "agencies": Family(ALL, frozenset({Role.ADMIN})),
    "units": Family(ALL, HR),
    "positions": Family(ALL, HR),
    "workload": Family(STAFF, HR),
    "employee": Family(STAFF, HR),
    # A service's jobs (/api/v1/<service>/jobs/...): read and cancelled by whoever may submit one; the
    # service lets only the job's submitter or their administrators at it.
    "jobs": Family(STAFF, HR_AND_SYSTEMS | {Role.APPROVER}),
    # SIASN identities and sync: the agency's HR; BKN and auditors read what every agency holds.
    "siasn": Family(HR | {Role.BKN_REVIEWER, Role.AUDITOR}, HR),
    # appraisal service
    "appraisal-periods": Family(ALL, HR | {Role.APPROVER}),
    "skp": Family(ALL, CHANGERS - {Role.BKN_REVIEWER}),
    "talent": Family(STAFF, HR_AND_SYSTEMS),
    "appraisal": Family(STAFF, HR),
    # mutation service
    "mutations": Family(ALL, CHANGERS),
    "decrees": Family(ALL, HR | {Role.APPROVER}),
    # Approvers approve placement plans and set their agency's mutation policy; the service decides who may.
    "placement-rounds": Family(STAFF, HR | {Role.APPROVER}),
    "mutation-policies": Family(STAFF, HR | {Role.APPROVER}),
    "audit": Family(frozenset({Role.ADMIN, Role.AUDITOR}), frozenset({Role.ADMIN, Role.AUDITOR})),
    "mutation": Family(STAFF, HR),
    # training service
    "programmes": Family(ALL, HR_AND_SYSTEMS),
    "sessions": Family(ALL, HR_AND_SYSTEMS | {Role.SUPERVISOR}),
    "enrolments": Family(ALL, CHANGERS - {Role.BKN_REVIEWER}),
    "development-plans": Family(ALL, HR | {Role.SUPERVISOR, Role.EMPLOYEE}),
    "jp": Family(ALL, HR_AND_SYSTEMS),
    "training": Family(STAFF, HR),
    # the gateway's own
    "dossiers": Family(ALL, NOBODY),
    "overviews": Family(STAFF, NOBODY),
    "webhooks": Family(HR_AND_SYSTEMS, HR_AND_SYSTEMS),
    "identity": Family(frozenset({Role.ADMIN}), frozenset({Role.ADMIN})),
    "gateway": Family(STAFF, NOBODY),
    "auth": Family(ALL, ALL, anyone=True),
}


def family_of(path: str) -> Family | None:
    """The family of an /api/v1/ path; None for a segment nobody serves."""
    segments = path[len("/api/v1/") :].split("/", 2)
    if len(segments) > 1 and segments[0] in SEGMENTS_BY_SERVICE and segments[1] == "jobs":
        return FAMILIES["jobs"]
    return FAMILIES.get(segments[0])
