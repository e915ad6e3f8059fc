"""SIASN identities: which SIASN record each of our agencies, units, positions and employees is.

SIASN names its records by GUIDs (32 hex digits, Oracle-style uppercase or lowercase; a PNS orang id may be
up to 42 characters). We keep them beside our records rather than in them, as an integration id: our ids
stay ours, and a record SIASN does not know yet simply has no identity.

Uniqueness follows what each id names: an instansi and a person are one record nationally; a unit (unor)
belongs to one agency; a position is ours per unit, while a SIASN jabatan fungsional or pelaksana id names
the jabatan nationally, so several of our positions (one per unit) share it and it is unique per unit.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

SIASN_ID_MAX_LENGTH = 42
# Hex digits, with the dashes of the UUID-style ids SIASN also uses.
_SIASN_ID = re.compile(r"^[0-9A-Fa-f][0-9A-Fa-f-]{7,41}$")


class RecordKind(StrEnum):
    AGENCY = "agency"
    UNIT = "unit"
    POSITION = "position"
    EMPLOYEE = "employee"


class InvalidSiasnId(ValueError):
    pass


def normalise_siasn_id(raw: str) -> str:
    """A SIASN id as we keep it: stripped and uppercase, so the two cases SIASN writes compare equal."""
    text = raw.strip()
    if not _SIASN_ID.fullmatch(text):
        raise InvalidSiasnId(
            f"a SIASN id is 8 to {SIASN_ID_MAX_LENGTH} hex digits (a GUID such as SIASN writes), not {raw!r}"
        )
    return text.upper()


def looks_like_siasn_id(raw: str) -> bool:
    return bool(_SIASN_ID.fullmatch(raw.strip()))


@dataclass(frozen=True)
class Identity:
    """Our record `ref` (an agency code, a unit or position id, a NIP) is SIASN's record `siasn_id`."""

    kind: RecordKind
    ref: str
    siasn_id: str
    # Within what the SIASN id is unique: "" nationally, an agency code for a unit, a unit id for a position.
    scope: str


def identity(kind: RecordKind, ref: str, siasn_id: str, *, agency_code: str, unit_id: str | None) -> Identity:
    """The identity of a record of `kind`; `agency_code` and `unit_id` are the record's own."""
    if kind is RecordKind.UNIT:
        scope = agency_code
    elif kind is RecordKind.POSITION:
        scope = unit_id or ""
    else:
        scope = ""
    return Identity(kind, ref, normalise_siasn_id(siasn_id), scope)
