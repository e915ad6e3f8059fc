"""The mutation decree (SK): its number from the issuing office's register, its content (legal basis, the
person, from and to, TMT, signatory), and its versions — an amendment or a revocation is a new decree with
its own number that names the one it changes; nothing is overwritten."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.mutation.domain.mutation_types import AUTHORITIES, MutationType
from services.mutation.domain.workflow import OnBehalf, acting_for
from shared.errors import Conflict, FieldProblem, InvalidInput


class DecreeKind(StrEnum):
    ORIGINAL = "original"
    AMENDMENT = "amendment"
    REVOCATION = "revocation"


class DecreeStatus(StrEnum):
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"  # amended by a later version
    REVOKED = "revoked"


# Classification code of staffing letters (kode klasifikasi arsip 800: kepegawaian); agencies may set theirs.
DEFAULT_CLASSIFICATION = "800.2.3"


def decree_number(
    register: str, year: int, sequence: int, classification: str = DEFAULT_CLASSIFICATION
) -> str:
    """e.g. 800.2.3/0007/7602/2026: classification / sequence in the register's year / register / year."""
    return f"{classification}/{sequence:04d}/{register}/{year}"


_COMMON_BASIS = (
    "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara",
    "Peraturan Pemerintah Nomor 11 Tahun 2017 tentang Manajemen Pegawai Negeri Sipil sebagaimana telah "
    "diubah dengan Peraturan Pemerintah Nomor 17 Tahun 2020",
    "Peraturan Badan Kepegawaian Negara Nomor 5 Tahun 2019 tentang Tata Cara Pelaksanaan Mutasi",
)
_REGIONAL_BASIS = ("Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",)


def legal_basis(mutation_type: MutationType) -> list[str]:
    """The "Mengingat" clauses of the decree."""
    regional = mutation_type in (
        MutationType.WITHIN_AGENCY,
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        MutationType.BETWEEN_PROVINCES,
        MutationType.REGIONAL_CENTRAL,
    )
    return [*_COMMON_BASIS, *(_REGIONAL_BASIS if regional else ())]


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str
    nip: str | None = None

    @property
    def named(self) -> str:
        return f"{self.name}, {self.title}"


@dataclass(frozen=True)
class Decree:
    """One numbered version of a proposal's decree, as recorded: its content, the stored PDF and who
    entered it."""

    id: UUID
    proposal_id: UUID
    number: str
    register: str
    year: int
    sequence: int
    kind: DecreeKind
    version: int
    changes_id: UUID | None
    status: DecreeStatus
    tmt: date
    content: Mapping[str, Any]
    storage_key: str
    sha256: str
    size: int
    issued_by: str  # who entered it: the caller
    issued_at: datetime
    on_behalf_reason: str | None = None  # issued_by entered it for its signatory: why

    @property
    def signatory(self) -> Signatory:
        return Signatory(**self.content["signatory"])


def signing(caller_nip: str | None, signatory: Signatory, on_behalf_reason: str | None) -> OnBehalf | None:
    """A decree is its signatory's act, the deciding official's. The official may enter it themself (the
    signatory's NIP is theirs); whoever else may issue it (the office's approver or administration) enters
    the decree the official signed for them, saying why, and is recorded beside the signature."""
    return acting_for(
        "signatory",
        signatory.named,
        on_behalf_reason,
        acting_themself=signatory.nip is not None and signatory.nip == caller_nip,
        why_not=f"you are not the signatory {signatory.named}",
    )


@dataclass(frozen=True)
class Post:
    """One side of the move as the decree writes it."""

    agency: str
    unit: str
    position: str


@dataclass(frozen=True)
class DecreeContent:
    number: str
    kind: DecreeKind
    register: str
    year: int
    mutation_type: MutationType
    nip: str
    name: str
    rank: str
    origin: Post
    target: Post
    tmt: date
    place: str
    signed_on: date
    signatory: Signatory
    considerations: tuple[str, ...]
    legal_basis: tuple[str, ...]
    changes_number: str | None = None
    reason: str | None = None

    @property
    def heading(self) -> str:
        return {
            DecreeKind.ORIGINAL: "TENTANG MUTASI PEGAWAI NEGERI SIPIL",
            DecreeKind.AMENDMENT: f"TENTANG PERUBAHAN ATAS KEPUTUSAN NOMOR {self.changes_number}",
            DecreeKind.REVOCATION: f"TENTANG PENCABUTAN KEPUTUSAN NOMOR {self.changes_number}",
        }[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind.value,
            "register": self.register,
            "year": self.year,
            "mutation_type": self.mutation_type.value,
            "nip": self.nip,
            "name": self.name,
            "rank": self.rank,
            "origin": vars(self.origin),
            "target": vars(self.target),
            "tmt": self.tmt.isoformat(),
            "place": self.place,
            "signed_on": self.signed_on.isoformat(),
            "signatory": vars(self.signatory),
            "considerations": list(self.considerations),
            "legal_basis": list(self.legal_basis),
            "changes_number": self.changes_number,
            "reason": self.reason,
        }


def considerations(mutation_type: MutationType, reason: str) -> tuple[str, ...]:
    """The "Menimbang" clauses."""
    authority = AUTHORITIES[mutation_type]
    found = [
        f"bahwa dalam rangka {reason.rstrip('.')}, perlu dilakukan mutasi Pegawai Negeri Sipil",
        "bahwa Pegawai Negeri Sipil yang namanya tercantum dalam Keputusan ini telah memenuhi syarat "
        "untuk dimutasikan",
    ]
    if authority.technical_consideration:
        found.append(f"bahwa telah mendapat pertimbangan teknis {authority.technical_consideration}")
    return tuple(found)


def check_tmt(tmt: date, signed_on: date) -> None:
    """A decree may take effect on or after a past date (retroactive TMT is common) but not years away."""
    if tmt.year > signed_on.year + 1:
        raise InvalidInput(
            f"TMT {tmt} is too far ahead of the decree's date {signed_on}",
            errors=[FieldProblem(field="tmt", message="at most next year", value=tmt.isoformat())],
        )


def check_changeable(status: DecreeStatus, *, effective: bool) -> None:
    """Only the decree in force changes, and only before the move took effect."""
    if status is not DecreeStatus.IN_FORCE:
        raise Conflict(f"the decree is {status.value}; change the one in force", code="decree-not-in-force")
    if effective:
        raise Conflict(
            "the mutation has taken effect; a new mutation is needed to change it", code="decree-effective"
        )
