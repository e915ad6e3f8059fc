"""Pushes of completed mutations to SIASN: what SIASN is sent when a person moved, and how far it got.

A push is written in the transaction that moves the person, then sent step by step by a background loop:
the decree PDF uploaded as SK Jabatan (`upload-dok`, id_ref_dokumen 872: SIASN's save body carries the
uploaded document's path, SIASN.md §2), the riwayat jabatan saved (`/jabatan/unorjabatan/save`), and
data-utama refreshed from it (`data-utama-jabatansync`). Each step is stored as it is done, with SIASN's
rwJabatanId, so an attempt resumes where the last one stopped and a save is never made twice: before saving
again after a save that may have arrived, SIASN's rw-jabatan is read and a row with the decree's number and
TMT is adopted instead.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class PushKind(StrEnum):
    """What a push records at SIASN, and so what caused it."""

    JABATAN = "jabatan"  # a completed mutation's new position (rw-jabatan)
    KURSUS = "kursus"  # a training completion (rw-kursus; siasn/domain/kursus.py)


class PushState(StrEnum):
    WAITING = "waiting"  # due at next_attempt_at
    SENDING = "sending"  # held by one attempt until next_attempt_at (its lease)
    SENT = "sent"
    FAILED = "failed"  # refused by SIASN, or our records lack what it needs: HR mends and retries


class PushStep(StrEnum):
    """How far a push got, in the order of the steps."""

    NONE = "none"
    UPLOADED = "uploaded"  # the decree PDF is at SIASN (its path object in the payload)
    SAVED = "saved"  # the riwayat jabatan is saved (rw_jabatan_id)
    SYNCED = "synced"  # data-utama refreshed: the push is sent


SK_JABATAN = "872"  # SIASN's id_ref_dokumen of an SK Jabatan (SIASN.md §2)
PENUGASAN_DEFINITIF = "D"  # SIASN.md §3: jenis penugasan D (definitif); a mutation's decree is one
MUTASI_JABATAN = "MJ"  # the person takes another jabatan
MUTASI_UNOR = "MU"  # the same jabatan in another unit (unor)

# SIASN.md §3: jenisJabatan by our position type, and the save body's field that names the jabatan. A
# struktural jabatan has no field of its own in SIASN's published save body; data-utama calls its id
# `jabatanStrukturalId`, so it is sent under that name (a guess, kept to this one entry) with the unor's
# eselon.
STRUKTURAL_TYPES = frozenset({"jpt", "administrator", "pengawas"})
JENIS_JABATAN = {"fungsional": "2", "pelaksana": "4", **dict.fromkeys(STRUKTURAL_TYPES, "1")}
JABATAN_FIELD = {
    "fungsional": "jabatanFungsionalId",
    "pelaksana": "jabatanFungsionalUmumId",
    **dict.fromkeys(STRUKTURAL_TYPES, "jabatanStrukturalId"),
}


class PushRefused(Exception):
    """Our own records cannot make the push (a SIASN id missing): it fails until HR mends them."""


@dataclass(frozen=True)
class PushOrder:
    """What a completed mutation asks SIASN to record, as the push's payload keeps it."""

    mutation_id: str
    nip: str
    agency_code: str
    unit_id: str
    position_id: str
    tmt: date
    decree_number: str
    decree_date: date | None
    decree_id: str | None
    jenis_mutasi: str

    def to_payload(self) -> dict[str, Any]:
        return {
            "mutation_id": self.mutation_id,
            "nip": self.nip,
            "agency_code": self.agency_code,
            "unit_id": self.unit_id,
            "position_id": self.position_id,
            "tmt": self.tmt.isoformat(),
            "decree_number": self.decree_number,
            "decree_date": self.decree_date.isoformat() if self.decree_date else None,
            "decree_id": self.decree_id,
            "jenis_mutasi": self.jenis_mutasi,
        }

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> "PushOrder":
        return cls(
            mutation_id=str(payload["mutation_id"]),
            nip=str(payload["nip"]),
            agency_code=str(payload["agency_code"]),
            unit_id=str(payload["unit_id"]),
            position_id=str(payload["position_id"]),
            tmt=date.fromisoformat(payload["tmt"]),
            decree_number=str(payload["decree_number"]),
            decree_date=date.fromisoformat(payload["decree_date"]) if payload.get("decree_date") else None,
            decree_id=payload.get("decree_id"),
            jenis_mutasi=str(payload["jenis_mutasi"]),
        )


@dataclass(frozen=True)
class PositionSeen:
    """A position as the jenis mutasi compares it."""

    type: str
    name: str
    siasn_id: str | None


def jenis_mutasi(before: PositionSeen | None, after: PositionSeen) -> str:
    """MU when the person keeps their jabatan in another unit (the same SIASN jabatan, or for positions not
    linked to SIASN the same type and name), MJ otherwise."""
    if before is None:
        return MUTASI_JABATAN
    if before.siasn_id and after.siasn_id:
        same = before.siasn_id == after.siasn_id
    else:
        same = (before.type, before.name.strip().casefold()) == (after.type, after.name.strip().casefold())
    return MUTASI_UNOR if same else MUTASI_JABATAN


@dataclass(frozen=True)
class SiasnIds:
    """The SIASN ids our records hold for a push, read when it is sent (HR may link them meanwhile)."""

    pns_id: str | None
    instansi_id: str | None
    satuan_kerja_id: str | None
    unor_id: str | None
    jabatan_id: str | None
    position_type: str
    eselon_id: str | None = None  # a struktural position's: its unor's EselonId from ref-unor, when known


def save_body(order: PushOrder, ids: SiasnIds, document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `/jabatan/unorjabatan/save` body (SIASN.md §3: all strings, dates dd-mm-yyyy, unused ids "");
    PushRefused naming every SIASN id our records lack."""
    missing = [
        what
        for what, value in (
            (f"the PNS orang id of employee {order.nip}", ids.pns_id),
            (f"the instansi id of agency {order.agency_code}", ids.instansi_id),
            (f"the unor id of unit {order.unit_id}", ids.unor_id),
            (f"the jabatan id of position {order.position_id}", ids.jabatan_id),
        )
        if not value
    ]
    if not order.decree_number:
        missing.append(f"the decree number of mutation {order.mutation_id}")
    if ids.position_type not in JENIS_JABATAN:
        missing.append(f"a SIASN jenis jabatan for position type {ids.position_type!r}")
    if missing:
        raise PushRefused("our records lack what SIASN needs: " + "; ".join(missing))
    body: dict[str, Any] = {
        "id": "",
        "pnsId": ids.pns_id,
        "instansiId": ids.instansi_id,
        "instansiIndukId": ids.instansi_id,
        "satuanKerjaId": ids.satuan_kerja_id or ids.instansi_id,
        "unorId": ids.unor_id,
        "jenisJabatan": JENIS_JABATAN[ids.position_type],
        "eselonId": (ids.eselon_id or "") if ids.position_type in STRUKTURAL_TYPES else "",
        "jabatanFungsionalId": "",
        "jabatanFungsionalUmumId": "",
        "nomorSk": order.decree_number,
        "tanggalSk": dmy(order.decree_date) if order.decree_date else "",
        "tmtJabatan": dmy(order.tmt),
        "tmtPelantikan": "",
        "tmtMutasi": dmy(order.tmt),
        "jenisMutasiId": order.jenis_mutasi,
        "jenisPenugasanId": PENUGASAN_DEFINITIF,
        "subJabatanId": "",
        "path": [dict(document)] if document else [],
    }
    body[JABATAN_FIELD[ids.position_type]] = ids.jabatan_id
    return body


def saved_already(riwayat: Iterable[Mapping[str, Any]], order: PushOrder) -> str | None:
    """The id of the rw-jabatan row a save of `order` made, if SIASN has one: the same decree number and
    TMT (SIASN.md §5: SIASN is not known to refuse a duplicate, so we look before saving again)."""
    number = order.decree_number.strip().casefold()
    tmt = dmy(order.tmt)
    for item in riwayat:
        if str(item.get("nomorSk") or "").strip().casefold() == number and item.get("tmtJabatan") == tmt:
            found = str(item.get("id") or "")
            if found:
                return found
    return None


def dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")
