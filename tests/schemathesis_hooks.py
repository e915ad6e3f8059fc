"""Schemathesis hooks for fuzzing the gateway (`tests/test_merged_openapi.py`).

Every request carries an access token of its own for a national administrator, minted with the gateway's
signing secret (the environment's `ASN_TOKEN_SECRET`), so that no request the fuzzer sends - a logout, a
password change, an account disabled - ends the sign-in of the requests after it.

In the stateful phase, the operations that create something (the ones whose 201 answer carries the OpenAPI
links the phase follows) send what a client would: a body naming the agencies, units, positions and people
the platform knows (the test's world, `ASN_FUZZ_WORLD`, and what the phase itself created), with NIPs that
follow the NIP rules and dates in range. Generated bodies almost never are: an agency code or a NIP made up
at random is refused, and the links of a refused creation lead nowhere. Only the stateful phase's positive
cases are replaced; the examples and fuzzing phases, and the stateful phase's negative cases, send what
schemathesis generates.
"""

import itertools
import json
import os
import random
import threading
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import schemathesis
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import TestPhase

from services.gateway.service.tokens import AccessTokens
from services.gateway.settings import GatewaySettings
from shared.principal import Principal, Role

ADMINISTRATOR = Principal(subject="fuzzer", roles=frozenset({Role.ADMIN}), agencies=None, name="Fuzzer")
TOKENS = AccessTokens(GatewaySettings(service="gateway"))


@schemathesis.auth(refresh_interval=None)
class FreshAccessToken:
    def get(self, case: Any, context: Any) -> str:
        return TOKENS.issue(ADMINISTRATOR, uuid.uuid4())

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class Known:
    """What the platform holds that a body may name: the world the test set up (`ASN_FUZZ_WORLD`: its
    agencies, and per side a unit, a position with free places and the people in it) and what the stateful
    phase created since (recorded from the 201 answers). Shared by the run's workers."""

    def __init__(self, world: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self.random = random.Random(20261207)
        self.world = world
        self.agencies: list[str] = list(world.get("agencies", []))
        self.units: list[tuple[str, str]] = [(s["unit"], s["agency"]) for s in world.get("sides", [])]
        self.positions: list[tuple[str, str]] = [(s["position"], s["unit"]) for s in world.get("sides", [])]
        self.periods: list[tuple[str, str]] = []  # id, agency
        self.placed: list[str] = []  # NIPs of employees created in the own side's position

    def serial(self) -> int:
        with self._lock:
            return next(self._serial)

    def choice(self, items: list[Any]) -> Any:
        with self._lock:
            return self.random.choice(items)

    def chance(self, probability: float) -> bool:
        with self._lock:
            return self.random.random() < probability

    @property
    def own(self) -> dict[str, Any]:
        return self.world["sides"][0]

    @property
    def other(self) -> dict[str, Any]:
        return self.world["sides"][1]

    def record(self, label: str, body: dict[str, Any]) -> None:
        with self._lock:
            if label == "POST /api/v1/agencies":
                self.agencies.append(body["code"])
            elif label == "POST /api/v1/units":
                self.units.append((body["id"], body["agency_code"]))
            elif label == "POST /api/v1/positions":
                self.positions.append((body["id"], body["unit_id"]))
            elif label == "POST /api/v1/appraisal-periods":
                self.periods.append((body["id"], body["agency_code"]))
            elif label == "POST /api/v1/employees" and body.get("position_id") == self.own["position"]:
                self.placed.append(body["nip"])


KNOWN = Known(json.loads(os.environ.get("ASN_FUZZ_WORLD") or "{}"))


def nip_of(serial: int) -> tuple[str, date, str]:
    """A NIP by the NIP rules (`services/employee/domain/nip.py`), new for each serial: birth date, TMT CPNS
    month after it, gender digit, sequence; with the birth date and gender it must agree with."""
    birth = date(1970, 1, 1) + timedelta(days=serial)
    gender_digit = 1 + serial % 2
    nip = f"{birth:%Y%m%d}{birth.year + 25}{1 + serial % 12:02d}{gender_digit}{serial % 999 + 1:03d}"
    return nip, birth, "M" if gender_digit == 1 else "F"


def agency(n: int) -> dict[str, Any]:
    return {
        "code": f"FZ{n}",
        "name": f"Pemerintah Kabupaten Uji {n}",
        "kind": "kabupaten",
        "province_code": "7600",
    }


def unit(n: int) -> dict[str, Any]:
    unit_id, agency_code = KNOWN.choice(KNOWN.units)
    body: dict[str, Any] = {"agency_code": agency_code, "name": f"Bidang Uji {n}", "kind": "bidang"}
    if KNOWN.chance(0.5):
        body["parent_id"] = unit_id
        body["kind"] = "seksi"
    return body


def position(n: int) -> dict[str, Any]:
    unit_id, _ = KNOWN.choice(KNOWN.units)
    return {
        "unit_id": unit_id,
        "name": f"Analis Uji {n}",
        "type": "pelaksana",
        "job_class": 7,
        "authorised_headcount": 20,
        "competency_standard": {"Integritas": 3},
        "minimum_rank": "II/c",
        "minimum_education": "SMA",
    }


def employee(n: int) -> dict[str, Any]:
    nip, birth, gender = nip_of(10_000 + n)
    side = KNOWN.choice(KNOWN.world["sides"])
    body: dict[str, Any] = {
        "nip": nip,
        "name": f"Pegawai Uji {n}",
        "birth_date": birth.isoformat(),
        "gender": gender,
        "agency_code": side["agency"],
    }
    if KNOWN.chance(0.7):
        body |= {"unit_id": side["unit"], "position_id": side["position"]}
    return body


def period(n: int) -> dict[str, Any]:
    # Mostly the own side's: its people have SKP to plan.
    side = KNOWN.own if KNOWN.chance(0.75) else KNOWN.other
    return {
        "agency_code": side["agency"],
        "year": 2000 + n % 100,
        "frequency": KNOWN.choice(["monthly", "quarterly", "semester"]),
        "approver_nip": side["people"][-1],
    }


def skp(n: int) -> dict[str, Any]:
    own = KNOWN.own
    periods = [period_id for period_id, agency_code in KNOWN.periods if agency_code == own["agency"]]
    return {
        "period_id": KNOWN.choice(periods) if periods else str(uuid.uuid4()),
        "nip": KNOWN.choice(own["people"][:-1]),
        "appraiser_nip": own["people"][-1],
        "position_type": "pelaksana",
        "position_id": own["position"],
        "indicators": [
            {
                "description": f"Dokumen analisis jabatan tersusun ({n})",
                "target": {
                    "quantity": 12,
                    "quantity_unit": "dokumen",
                    "quality_percent": 100,
                    "time_months": 12,
                },
            }
        ],
    }


def programme(n: int) -> dict[str, Any]:
    return {
        "code": f"PUJI-{n}",
        "title": f"Pelatihan Uji {n}",
        "form": "classical",
        "agency_code": KNOWN.own["agency"],
        "provider": "BPSDM Provinsi Uji",
        "jp": 30,
    }


def session(n: int) -> dict[str, Any]:
    starts = date(2027, 1, 4) + timedelta(days=7 * (n % 50))
    return {
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=4)).isoformat(),
        "delivery": "online",
        "online_url": "https://elearning.example.go.id/kelas",
        "capacity": 30,
        "waiting_list_capacity": 10,
    }


def enrolment(n: int) -> dict[str, Any]:
    return {"nip": KNOWN.choice(KNOWN.own["people"])}


def plan(n: int) -> dict[str, Any]:
    return {"nip": KNOWN.choice(KNOWN.own["people"]), "reason": "Rencana pengembangan tahunan"}


def move(n: int) -> dict[str, Any]:
    # One open proposal an employee: the people the phase placed give later proposals someone to move.
    return {
        "nip": KNOWN.choice(KNOWN.own["people"] + KNOWN.placed),
        "target_position_id": KNOWN.other["position"],
        "reason": "Pemerataan pegawai sesuai hasil ABK",
        "organisational_reason": "Kebutuhan organisasi di unit tujuan",
    }


def mutation_round(n: int) -> dict[str, Any]:
    return {"name": f"Mutasi Uji {n}", "items": [move(n)]}


def placement_round(n: int) -> dict[str, Any]:
    return {
        "name": f"Penempatan Uji {n}",
        "scope": {"kind": "agency", "code": KNOWN.own["agency"]},
        "pool": [{"kind": "explicit", "nips": KNOWN.own["people"]}],
    }


# The operations whose 201 answers carry links (`shared/links.py`), and a valid body for each.
CREATING: dict[str, Callable[[int], dict[str, Any]]] = {
    "POST /api/v1/agencies": agency,
    "POST /api/v1/units": unit,
    "POST /api/v1/positions": position,
    "POST /api/v1/employees": employee,
    "POST /api/v1/appraisal-periods": period,
    "POST /api/v1/skp": skp,
    "POST /api/v1/programmes": programme,
    "POST /api/v1/programmes/{programme_id}/sessions": session,
    "POST /api/v1/sessions/{session_id}/enrolments": enrolment,
    "POST /api/v1/development-plans": plan,
    "POST /api/v1/mutations": move,
    "POST /api/v1/mutations/rounds": mutation_round,
    "POST /api/v1/placement-rounds": placement_round,
}


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = case._meta
    build = CREATING.get(case.operation.label)
    if (
        build is None
        or not KNOWN.world
        or meta is None
        or meta.phase.name != TestPhase.STATEFUL
        or meta.generation.mode != GenerationMode.POSITIVE
    ):
        return case
    case.body = build(KNOWN.serial())
    return case


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if response.status_code == 201 and case.operation.label in CREATING:
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict):
            KNOWN.record(case.operation.label, body)
