"""Training completions pushed to SIASN as a riwayat kursus (SIASN.md §2: `POST /kursus/save`, read back
from `GET /pns/rw-kursus/{nip}`, the certificate uploaded as id_ref_dokumen 881).

Why kursus and not diklat: SIASN's rw-diklat is the *struktural* latihan (Diklat Prajabatan, PIM/PKA/PKP,
`latihanStrukturalId` 1..8), and its save body needs that id. A completion names only its form of
competency development (Peraturan LAN 10/2018: classical, bimtek, e_learning, ...) and no latihan
struktural level, so every completion is a kursus; a completion that named one would be the place to choose
diklat (`riwayat_of`).

Like a jabatan push, a kursus push is sent at least once and saved at most once: before saving again after a
save that may have arrived, rw-kursus is read and a row with the same certificate number (or, without one,
the same name) and the same dates is adopted instead.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.employee.siasn.domain.pushes import PushKind, PushRefused, dmy

SERTIFIKAT_KURSUS = "881"  # SIASN's id_ref_dokumen of a course certificate (SIASN.md §2)


def riwayat_of(form: str) -> PushKind:
    """The riwayat a completion of this form goes to: always kursus (module docstring)."""
    return PushKind.KURSUS


@dataclass(frozen=True)
class KursusOrder:
    """What a training completion asks SIASN to record, as the push's payload keeps it."""

    enrolment_id: str
    nip: str
    agency_code: str
    title: str
    programme_code: str
    form: str
    jp: int
    starts_on: date
    completed_on: date
    certificate_number: str | None
    provider: str

    def to_payload(self) -> dict[str, Any]:
        return {
            "enrolment_id": self.enrolment_id,
            "nip": self.nip,
            "agency_code": self.agency_code,
            "title": self.title,
            "programme_code": self.programme_code,
            "form": self.form,
            "jp": self.jp,
            "starts_on": self.starts_on.isoformat(),
            "completed_on": self.completed_on.isoformat(),
            "certificate_number": self.certificate_number,
            "provider": self.provider,
        }

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> "KursusOrder":
        return cls(
            enrolment_id=str(payload["enrolment_id"]),
            nip=str(payload["nip"]),
            agency_code=str(payload["agency_code"]),
            title=str(payload["title"]),
            programme_code=str(payload["programme_code"]),
            form=str(payload["form"]),
            jp=int(payload["jp"]),
            starts_on=date.fromisoformat(payload["starts_on"]),
            completed_on=date.fromisoformat(payload["completed_on"]),
            certificate_number=payload.get("certificate_number") or None,
            provider=str(payload.get("provider") or ""),
        )


def kursus_save_body(
    order: KursusOrder,
    *,
    pns_id: str | None,
    instansi_id: str | None,
    jenis_diklat_id: str,
    document: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The `/kursus/save` body (SIASN.md §3: the identity is `pnsOrangId`, dates dd-mm-yyyy; jumlahJam and
    tahunKursus are numbers in the clients' bodies); PushRefused naming every SIASN id our records lack."""
    missing = [
        what
        for what, value in (
            (f"the PNS orang id of employee {order.nip}", pns_id),
            (f"the instansi id of agency {order.agency_code}", instansi_id),
        )
        if not value
    ]
    if missing:
        raise PushRefused("our records lack what SIASN needs: " + "; ".join(missing))
    return {
        "id": "",
        "pnsOrangId": pns_id,
        "instansiId": instansi_id,
        "institusiPenyelenggara": order.provider,
        "jenisDiklatId": jenis_diklat_id,
        "jenisKursus": "",
        # Its values are not public (clients send "T", "Workshop" or nothing): left empty.
        "jenisKursusSertipikat": "",
        "jumlahJam": order.jp,
        "lokasiId": "",
        "namaKursus": order.title,
        "nomorSertipikat": order.certificate_number or "",
        "tahunKursus": order.completed_on.year,
        "tanggalKursus": dmy(order.starts_on),
        "tanggalSelesaiKursus": dmy(order.completed_on),
        "path": [dict(document)] if document else [],
    }


def kursus_saved_already(riwayat: Iterable[Mapping[str, Any]], order: KursusOrder) -> str | None:
    """The id of the rw-kursus row a save of `order` made, if SIASN has one: the same certificate number (or,
    for a course without a certificate, the same name) and the same first and last day. rw-kursus items are
    read under the save body's names (no public client shows its read shape: SIASN.md §5)."""

    def same(value: Any, ours: str) -> bool:
        return str(value or "").strip().casefold() == ours.strip().casefold()

    for item in riwayat:
        if order.certificate_number:
            matches = same(item.get("nomorSertipikat"), order.certificate_number)
        else:
            matches = not item.get("nomorSertipikat") and same(item.get("namaKursus"), order.title)
        dates = (item.get("tanggalKursus"), item.get("tanggalSelesaiKursus"))
        if matches and dates == (dmy(order.starts_on), dmy(order.completed_on)):
            found = str(item.get("id") or "")
            if found:
                return found
    return None
