"""The file of a mutation proposal (Peraturan BKN 5/2019 Pasal 3): which documents it needs and when."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.mutation.domain.mutation_types import MutationType, is_cross_agency


class DocumentKind(StrEnum):
    PNS_STATUS = "pns_status"
    TARGET_ABK = "target_abk"
    PERSONAL_REQUEST = "personal_request"
    DESTINATION_PROPOSAL = "destination_proposal"
    ORIGIN_RELEASE = "origin_release"
    NO_DISCIPLINARY_PROCESS = "no_disciplinary_process"
    LATEST_RANK_DECREE = "latest_rank_decree"
    LATEST_POSITION_DECREE = "latest_position_decree"
    APPRAISAL_TWO_YEARS = "appraisal_two_years"
    NO_STUDY_LEAVE_OR_BOND = "no_study_leave_or_bond"
    NO_AUDIT_FINDINGS = "no_audit_findings"
    OTHER = "other"

    @property
    def label(self) -> str:
        return LABELS[self]


# Shown to users as they are (Bahasa Indonesia).
LABELS: dict[DocumentKind, str] = {
    DocumentKind.PNS_STATUS: "Bukti status PNS (SK CPNS dan SK PNS)",
    DocumentKind.TARGET_ABK: "Anjab/ABK jabatan tujuan yang menunjukkan kebutuhan",
    DocumentKind.PERSONAL_REQUEST: "Surat permohonan pegawai (mutasi atas permintaan sendiri)",
    DocumentKind.DESTINATION_PROPOSAL: "Usul PPK instansi penerima dengan menyebut jabatan",
    DocumentKind.ORIGIN_RELEASE: "Persetujuan PPK instansi asal dengan menyebut jabatan",
    DocumentKind.NO_DISCIPLINARY_PROCESS: "Surat pernyataan tidak sedang menjalani proses hukuman disiplin "
    "atau proses peradilan",
    DocumentKind.LATEST_RANK_DECREE: "SK pangkat terakhir",
    DocumentKind.LATEST_POSITION_DECREE: "SK jabatan terakhir",
    DocumentKind.APPRAISAL_TWO_YEARS: "Penilaian kinerja 2 tahun terakhir (predikat minimal Baik)",
    DocumentKind.NO_STUDY_LEAVE_OR_BOND: "Surat pernyataan tidak sedang tugas belajar atau ikatan dinas",
    DocumentKind.NO_AUDIT_FINDINGS: "Surat keterangan bebas temuan dari Inspektorat instansi asal",
    DocumentKind.OTHER: "Dokumen lain",
}

_ALWAYS = (
    DocumentKind.PNS_STATUS,
    DocumentKind.TARGET_ABK,
    DocumentKind.NO_DISCIPLINARY_PROCESS,
    DocumentKind.LATEST_RANK_DECREE,
    DocumentKind.LATEST_POSITION_DECREE,
    DocumentKind.APPRAISAL_TWO_YEARS,
    DocumentKind.NO_STUDY_LEAVE_OR_BOND,
)


def required_documents(
    mutation_type: MutationType, *, self_requested: bool, for_decision: bool
) -> tuple[DocumentKind, ...]:
    """What the file must hold. Verification needs everything but the origin's release letter, which the
    origin PPK gives later in the flow; the decision steps after the release need the whole file."""
    needed = list(_ALWAYS)
    if self_requested:
        needed.append(DocumentKind.PERSONAL_REQUEST)
    if is_cross_agency(mutation_type):
        needed += [DocumentKind.DESTINATION_PROPOSAL, DocumentKind.NO_AUDIT_FINDINGS]
        if for_decision:
            needed.append(DocumentKind.ORIGIN_RELEASE)
    return tuple(needed)


def missing_documents(
    mutation_type: MutationType, present: set[str], *, self_requested: bool, for_decision: bool
) -> list[DocumentKind]:
    return [
        kind
        for kind in required_documents(
            mutation_type, self_requested=self_requested, for_decision=for_decision
        )
        if kind.value not in present
    ]


@dataclass(frozen=True)
class Document:
    """A document in a proposal's file: what kind, the stored file and its SHA-256, who added it."""

    id: UUID
    proposal_id: UUID
    kind: DocumentKind
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    uploaded_by: str
    uploaded_at: datetime
