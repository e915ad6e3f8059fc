"""The six kinds of mutation and who decides each (PP 11/2017 Pasal 190-197 as amended by PP 17/2020;
Peraturan BKN 5/2019). The type is derived from the origin and target agencies, never typed by hand."""

from dataclasses import dataclass
from enum import StrEnum

from shared.errors import FieldProblem, InvalidInput


class AgencyKind(StrEnum):
    CENTRAL = "central"
    PROVINCE = "province"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


@dataclass(frozen=True)
class AgencyRef:
    code: str
    kind: AgencyKind
    province_code: str | None
    name: str = ""

    @property
    def is_central(self) -> bool:
        return self.kind is AgencyKind.CENTRAL


class MutationType(StrEnum):
    WITHIN_AGENCY = "within_agency"
    BETWEEN_REGENCIES_IN_PROVINCE = "between_regencies_in_province"
    BETWEEN_PROVINCES = "between_provinces"
    REGIONAL_CENTRAL = "regional_central"
    BETWEEN_CENTRAL = "between_central"
    ABROAD = "abroad"


@dataclass(frozen=True)
class Authority:
    """Who issues the decree of a type, who gives the technical consideration (pertek), and under which
    rule; `unconfirmed` marks rows DOMAIN.md could not verify against the regulation's own text."""

    label: str
    deciding_official: str
    technical_consideration: str | None
    regulation: str
    unconfirmed: bool = False

    @property
    def needs_technical_consideration(self) -> bool:
        return self.technical_consideration is not None


AUTHORITIES: dict[MutationType, Authority] = {
    MutationType.WITHIN_AGENCY: Authority(
        "Mutasi dalam satu instansi",
        "PPK instansi",
        None,
        "PP 11/2017 Pasal 191 (after the performance assessment team's advice)",
    ),
    MutationType.BETWEEN_REGENCIES_IN_PROVINCE: Authority(
        "Mutasi antar-kabupaten/kota dalam satu provinsi",
        "Gubernur",
        "Kepala Kantor Regional BKN",
        "PP 11/2017 Pasal 192; Peraturan BKN 5/2019",
    ),
    MutationType.BETWEEN_PROVINCES: Authority(
        "Mutasi antar-kabupaten/kota antar-provinsi atau antar-provinsi",
        "Menteri Dalam Negeri",
        "Kepala BKN",
        "PP 11/2017 Pasal 193; Peraturan BKN 5/2019",
    ),
    MutationType.REGIONAL_CENTRAL: Authority(
        "Mutasi antara instansi daerah dan instansi pusat",
        "Kepala BKN",
        "BKN",
        "PP 11/2017 Pasal 194",
        unconfirmed=True,
    ),
    MutationType.BETWEEN_CENTRAL: Authority(
        "Mutasi antar-instansi pusat",
        "Kepala BKN",
        "BKN",
        "PP 11/2017 Pasal 195",
        unconfirmed=True,
    ),
    MutationType.ABROAD: Authority(
        "Mutasi ke perwakilan Negara Kesatuan Republik Indonesia di luar negeri",
        "Kepala BKN",
        "BKN",
        "PP 11/2017 Pasal 196",
        unconfirmed=True,
    ),
}

# The organisation model has no "abroad" marker, so a representation is recognised by the names the
# Ministry of Foreign Affairs gives them (embassies, consulates, permanent missions).
ABROAD_UNIT_PREFIXES = ("KBRI", "KJRI", "KDEI", "PTRI", "Kedutaan Besar", "Konsulat", "Perutusan Tetap")


def is_representation_abroad(unit_name: str | None) -> bool:
    return bool(unit_name) and unit_name.strip().upper().startswith(  # type: ignore[union-attr]
        tuple(p.upper() for p in ABROAD_UNIT_PREFIXES)
    )


def derive_type(origin: AgencyRef, target: AgencyRef, *, target_unit_name: str | None = None) -> MutationType:
    """The mutation type of a move from `origin` to `target`. A province and its own kabupaten/kota count as
    one province (the Gubernur decides) *(unconfirmed: the regulation names only kabupaten/kota)*."""
    if is_representation_abroad(target_unit_name):
        return MutationType.ABROAD
    if origin.code == target.code:
        return MutationType.WITHIN_AGENCY
    if origin.is_central and target.is_central:
        return MutationType.BETWEEN_CENTRAL
    if origin.is_central or target.is_central:
        return MutationType.REGIONAL_CENTRAL
    if origin.province_code is None or target.province_code is None:
        raise InvalidInput(
            "a regional agency without a province cannot be placed in a mutation type",
            errors=[FieldProblem(field="agency", message="province unknown", value=origin.code)],
        )
    if origin.province_code == target.province_code:
        return MutationType.BETWEEN_REGENCIES_IN_PROVINCE
    return MutationType.BETWEEN_PROVINCES


# Decree registers of officials above the agencies: the Mendagri's and BKN's own numbering.
MENDAGRI_REGISTER = "KEMENDAGRI"
BKN_REGISTER = "BKN"


def decree_register(mutation_type: MutationType, origin: AgencyRef, target: AgencyRef) -> str:
    """The register (issuing office) whose numbering the decree takes: the deciding official's office."""
    if mutation_type is MutationType.WITHIN_AGENCY:
        return target.code
    if mutation_type is MutationType.BETWEEN_REGENCIES_IN_PROVINCE:
        assert target.province_code is not None
        return target.province_code
    if mutation_type is MutationType.BETWEEN_PROVINCES:
        return MENDAGRI_REGISTER
    return BKN_REGISTER


def is_cross_agency(mutation_type: MutationType) -> bool:
    return mutation_type is not MutationType.WITHIN_AGENCY
