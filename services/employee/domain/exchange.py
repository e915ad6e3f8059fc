"""Bulk exchange of employees, units and positions: the columns of an import or export file, named our way
(`native`, the fields of the API) or SIASN's (BKN's national system, camelCase), and the check of one row.

Pure Python: reading and writing CSV and XLSX lives in `adapters/spreadsheets.py`. A row is checked whole,
every bad cell reported rather than only the first, and then through the domain's own rules
(`model.register`: NIP agreement, NIK; `organisation.define_unit` / `define_position`), so a file accepts
what the API accepts. Rules that need other records (the agency, a parent unit, a NIP already registered)
are checked by the service, which looks them up for the whole file at once.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

from services.employee.domain import model
from services.employee.domain.model import (
    NIK_LENGTH,
    DisciplinaryStatus,
    EducationLevel,
    Employee,
    EmployeeStatus,
    EmploymentType,
    Placement,
    Rank,
)
from services.employee.domain.nip import InvalidNip, Nip, parse_nip
from services.employee.domain.organisation import Position, PositionType, Unit, UnitKind
from services.employee.domain.ranks import RankGrade, rank_by_code, rank_by_siasn_code
from services.employee.siasn.domain.identities import SIASN_ID_MAX_LENGTH, InvalidSiasnId, normalise_siasn_id
from shared.errors import DomainError, FieldProblem, InvalidInput
from shared.inputs import control_character_in
from shared.uploads import SPREADSHEET_IMPORT_BYTES

# A spreadsheet stores numbers as doubles: beyond 15 digits (a NIP has 18, a NIK 16) the last ones are lost.
SPREADSHEET_DIGITS = 15

Cell = str | int | float | date | datetime | None


class Mapping(StrEnum):
    """Whose column names a file uses."""

    NATIVE = "native"
    SIASN = "siasn"


# How each mapping writes dates in text (CSV). Both read ISO 8601 and DD-MM-YYYY / DD/MM/YYYY, the form
# Indonesian spreadsheets use. SIASN writing DD-MM-YYYY is our assumption, not confirmed.
DATE_FORMATS = {Mapping.NATIVE: "%Y-%m-%d", Mapping.SIASN: "%d-%m-%Y"}


class Kind(Enum):
    TEXT = "text"
    NIP = "nip"
    NIK = "nik"
    DATE = "date"
    RANK = "rank"
    CHOICE = "choice"
    UUID = "uuid"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    STANDARD = "standard"
    # A record named by its SIASN GUID or by our own id, resolved by the service against the SIASN ids
    # our records keep (services/employee/siasn).
    SIASN_REFERENCE = "siasn_reference"
    SIASN_ID = "siasn_id"  # SIASN's own id of the row's record, kept with it
    # A unit or position of a SIASN file: SIASN's GUID, or our own id (a UUID with its dashes) where our
    # SIASN export wrote a record SIASN does not know.
    SIASN_OR_OWN_ID = "siasn_or_own_id"
    STATUS = "status"  # an employee status, or SIASN's kedudukan hukum name


@dataclass(frozen=True)
class Column:
    field: str
    siasn: str | None
    kind: Kind = Kind.TEXT
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    # Other names SIASN gives the same field (golRuangAkhir beside golRuangAkhirId): a file may hold any of
    # them; where it holds several, their values must agree.
    siasn_also: tuple[str, ...] = ()
    # How a SIASN file writes the field, where that differs from ours (its GUIDs for our ids).
    siasn_kind: Kind | None = None
    native: bool = True  # a column of native files too
    # Whether a SIASN file must have the column, where that differs from `required` (SIASN lacks the field
    # and the row derives it).
    siasn_required: bool | None = None

    def name(self, mapping: Mapping) -> str | None:
        """The column's header in a file of `mapping`; None where that mapping has no such column."""
        if mapping is Mapping.NATIVE:
            return self.field if self.native else None
        return self.siasn

    def names(self, mapping: Mapping) -> tuple[str, ...]:
        """Every header the column may have in a file of `mapping`."""
        if mapping is Mapping.NATIVE:
            return (self.field,) if self.native else ()
        return (self.siasn, *self.siasn_also) if self.siasn else ()

    def kind_in(self, mapping: Mapping) -> Kind:
        return self.siasn_kind if mapping is Mapping.SIASN and self.siasn_kind else self.kind

    def required_in(self, mapping: Mapping) -> bool:
        if mapping is Mapping.SIASN and self.siasn_required is not None:
            return self.siasn_required
        return self.required


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


# The fields of the registration API (EmployeeCreate) but `education`, a list that a flat row cannot hold.
# SIASN's names are those of its data-utama (shared/design/SIASN.md §3), which a SIASN extract carries among
# its 100+ columns; the others are ignored. Where SIASN.md calls a fact uncertain (statusPegawai's values, the
# kedudukan names), this table and KEDUDUKAN below are the one place to correct it. SIASN has no column for
# the 10-year bond or the disciplinary status: a SIASN file leaves them to their defaults.
COLUMNS: tuple[Column, ...] = (
    Column("nip", "nipBaru", Kind.NIP, required=True),
    Column("name", "nama", required=True, max_length=200),
    Column("front_title", "gelarDepan", max_length=50),
    Column("back_title", "gelarBelakang", max_length=50),
    Column("birth_date", "tglLahir", Kind.DATE, required=True),
    Column("birth_place", "tempatLahir", max_length=100),
    Column("gender", "jenisKelamin", Kind.CHOICE, required=True, choices=("M", "F")),
    Column("nik", "nik", Kind.NIK),
    Column("employment_type", "statusPegawai", Kind.CHOICE, choices=_values(EmploymentType)),
    Column(
        "status", "kedudukanPnsNama", Kind.CHOICE, choices=_values(EmployeeStatus), siasn_kind=Kind.STATUS
    ),
    Column("tmt_cpns", "tmtCpns", Kind.DATE),
    Column("tmt_pns", "tmtPns", Kind.DATE),
    Column("rank_code", "golRuangAkhirId", Kind.RANK, siasn_also=("golRuangAkhir",)),
    Column("rank_tmt", "tmtGolAkhir", Kind.DATE),
    # SIASN names the agency, unit and position by its GUIDs, which our records keep as their SIASN ids.
    Column("agency_code", "instansiKerjaId", required=True, max_length=20, siasn_kind=Kind.SIASN_REFERENCE),
    Column("unit_id", "unorId", Kind.UUID, siasn_kind=Kind.SIASN_REFERENCE),
    Column(
        "position_id",
        "jabatanFungsionalId",
        Kind.UUID,
        # jabatanId: what our SIASN exports wrote before they used SIASN's own names.
        siasn_also=("jabatanFungsionalUmumId", "jabatanStrukturalId", "jabatanId"),
        siasn_kind=Kind.SIASN_REFERENCE,
    ),
    Column("position_tmt", "tmtJabatan", Kind.DATE),
    Column("work_location", "lokasiKerja", max_length=100),
    Column("ten_year_bond_until", None, Kind.DATE),
    Column("disciplinary_status", None, Kind.CHOICE, choices=_values(DisciplinaryStatus)),
    # The person's PNS orang id in SIASN, kept as the employee's SIASN id; a native file has no such column.
    Column("siasn_id", "id", Kind.SIASN_ID, siasn_also=("pnsId", "pnsOrangId"), native=False),
)

# SIASN's kedudukan hukum (kedudukanPnsNama) as our employee status, by the words its names hold (read in
# order: "PPPK Aktif" is active, "Pemberhentian Sementara" suspended before any other pemberhentian).
KEDUDUKAN: tuple[tuple[str, EmployeeStatus], ...] = (
    ("aktif", EmployeeStatus.ACTIVE),
    ("cltn", EmployeeStatus.LEAVE),
    ("cuti", EmployeeStatus.LEAVE),
    ("tugas belajar", EmployeeStatus.STUDY_LEAVE),
    ("sementara", EmployeeStatus.SUSPENDED),
    ("pensiun", EmployeeStatus.RETIRED),
    ("wafat", EmployeeStatus.DECEASED),
    ("meninggal", EmployeeStatus.DECEASED),
    ("berhenti", EmployeeStatus.DISMISSED),
)
# What a SIASN export of ours writes for each status (each reads back through KEDUDUKAN).
KEDUDUKAN_NAMES: dict[str, str] = {
    EmployeeStatus.ACTIVE: "Aktif",
    EmployeeStatus.LEAVE: "CLTN",
    EmployeeStatus.STUDY_LEAVE: "Tugas Belajar",
    EmployeeStatus.SUSPENDED: "Pemberhentian Sementara",
    EmployeeStatus.RETIRED: "Pensiun",
    EmployeeStatus.DECEASED: "Wafat",
    EmployeeStatus.DISMISSED: "Diberhentikan",
}

# Units (SIASN's "unor"), named as SIASN's ref-unor names them (SIASN.md §2: PascalCase in real items; the
# camelCase that SW documents differs only in case, which a header may vary). A SIASN file names a unit, its
# agency and its parent by SIASN's GUIDs (or by our own ids, where our SIASN export wrote a record SIASN
# does not know); the service resolves them. The rest of a ref-unor item (EselonId, NamaJabatan, CepatKode,
# IndukUnorId, PemimpinPnsId, JenisUnorId) is ignored. SIASN does not say a unit's kind in our terms
# (JenisUnorId's codes are not published): `jenisUnor` is ours, and without it a row's kind is read from
# its name (`kind_from_name`). `lokasi` is ours too.
UNIT_COLUMNS: tuple[Column, ...] = (
    # unorId: what our SIASN exports wrote before they used ref-unor's names.
    Column("id", "Id", Kind.UUID, siasn_also=("unorId",), siasn_kind=Kind.SIASN_OR_OWN_ID),
    Column("agency_code", "InstansiId", required=True, max_length=20, siasn_kind=Kind.SIASN_REFERENCE),
    Column("parent_id", "DiatasanId", Kind.UUID, siasn_kind=Kind.SIASN_OR_OWN_ID),
    Column("name", "NamaUnor", required=True, max_length=200),
    Column("kind", "jenisUnor", Kind.CHOICE, required=True, choices=_values(UnitKind), siasn_required=False),
    Column("location", "lokasi", max_length=100),
)

# Positions. `unorId` names the unit (by SIASN's GUID, or our id) and the jabatan's SIASN id becomes the
# position's, under whichever of data-utama's names the file uses; `jabatanNama` is SIASN's, the others
# are our assumption. `unit_head` marks the position that heads its unit; the competency standard is
# written `Integritas=3; Kerjasama=3`.
POSITION_COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "jabatanId",
        Kind.UUID,
        siasn_also=("jabatanFungsionalId", "jabatanFungsionalUmumId", "jabatanStrukturalId"),
        siasn_kind=Kind.SIASN_OR_OWN_ID,
    ),
    Column("unit_id", "unorId", Kind.UUID, required=True, siasn_kind=Kind.SIASN_OR_OWN_ID),
    Column("name", "jabatanNama", required=True, max_length=200),
    Column("type", "jenisJabatan", Kind.CHOICE, required=True, choices=_values(PositionType)),
    Column("job_class", "kelasJabatan", Kind.INTEGER, required=True),
    Column("authorised_headcount", "jumlahFormasi", Kind.INTEGER, required=True),
    Column("competency_standard", "standarKompetensi", Kind.STANDARD),
    Column("minimum_rank", "golRuangMinimalId", Kind.RANK),
    Column("minimum_education", "pendidikanMinimal", Kind.CHOICE, choices=_values(EducationLevel)),
    Column("retirement_age", "bup", Kind.INTEGER),
    Column("unit_head", "pimpinanUnor", Kind.BOOLEAN),
)

# Record fields `model.register` takes as details; missing ones keep the aggregate's defaults.
_DETAILS = ("front_title", "back_title", "birth_place", "tmt_pns", "work_location")


class InvalidFile(InvalidInput):
    """The file as a whole cannot be imported (its columns, encoding, format); nothing was read from it."""

    code, title = "invalid-file", "File cannot be imported"


class InvalidRows(InvalidInput):
    code, title = "invalid-rows", "Rows failed validation"


class OverLimits(InvalidFile):
    """The file is larger than an import takes (rows, columns, a cell's length, its declared size)."""

    code, title = "import-limit", "File over the import limits"


@dataclass(frozen=True)
class ImportLimits:
    """What one imported file may hold, checked before the work it bounds; the defaults are the service's."""

    upload_bytes: int = SPREADSHEET_IMPORT_BYTES
    rows: int = 100_000
    columns: int = 200
    cell_chars: int = 32 * 1024
    # Problems a refusal lists (the first by line); it counts them all.
    errors: int = 1_000


@dataclass(frozen=True)
class Layout:
    """A file's header, resolved: which cell each column reads."""

    mapping: Mapping
    # One per cell read; a field SIASN names several ways may have several.
    columns: tuple[Column, ...]
    # One parser per column, made once per file: a large import calls them millions of times.
    parsers: tuple["Parser", ...]
    names: tuple[str, ...]  # each column's header, as the file writes it
    cells: tuple[int, ...]  # the cell of each column in a row
    width: int  # cells in the header, read or not
    required: frozenset[str]  # the fields a row must fill
    # Columns of a SIASN file this import does not use, ignored.
    ignored: tuple[str, ...] = ()

    def cell_of(self, field: str) -> int | None:
        """The cell of a row holding `field` (its first, where it has several)."""
        return next((at for c, at in zip(self.columns, self.cells, strict=True) if c.field == field), None)


def header(mapping: Mapping, columns: tuple[Column, ...] = COLUMNS) -> list[str]:
    """The header an export of `mapping` writes: every column that mapping names, in the table's order."""
    return [name for column in columns if (name := column.name(mapping))]


def layout_of(names: Sequence[Cell], mapping: Mapping, columns: tuple[Column, ...] = COLUMNS) -> Layout:
    """Resolve a file's header. Repeated or missing required columns refuse the whole file, and so do
    unknown ones in a native file; a SIASN extract holds many columns we do not use, which are ignored."""
    table = columns
    by_name = {name.casefold(): column for column in table for name in column.names(mapping)}
    kept, kept_names, cells, unknown, seen_names, seen_fields = [], [], [], [], set(), set()
    for cell, raw in enumerate(names):
        name = str(raw).strip() if raw is not None else ""
        column = by_name.get(name.casefold())
        if column is None:
            unknown.append(name or "(empty)")
        elif name.casefold() in seen_names:
            raise InvalidFile(f"column {name!r} appears twice", code="duplicate-columns")
        else:
            seen_names.add(name.casefold())
            seen_fields.add(column.field)
            kept.append(column)
            kept_names.append(name)
            cells.append(cell)
    if unknown and mapping is Mapping.NATIVE:
        raise InvalidFile(
            f"unknown column(s) for the {mapping.value} mapping: {', '.join(unknown)}"
            + _hint(unknown, mapping, table),
            code="unknown-columns",
            errors=[FieldProblem(field=name, message="unknown column", line=1) for name in unknown],
        )
    missing = [
        column.name(mapping) or ""
        for column in table
        if column.required_in(mapping) and column.field not in seen_fields
    ]
    if missing:
        raise InvalidFile(
            f"required column(s) missing: {', '.join(missing)}" + _hint(unknown, mapping, table),
            code="missing-columns",
            errors=[FieldProblem(field=name, message="required column", line=1) for name in missing],
        )
    parsers = tuple(_PARSERS[c.kind_in(mapping)](c, mapping) for c in kept)
    required = frozenset(column.field for column in table if column.required_in(mapping))
    return Layout(
        mapping, tuple(kept), parsers, tuple(kept_names), tuple(cells), len(names), required, tuple(unknown)
    )


def _hint(unknown: list[str], mapping: Mapping, columns: tuple[Column, ...]) -> str:
    other = Mapping.SIASN if mapping is Mapping.NATIVE else Mapping.NATIVE
    theirs = {name.casefold() for name in header(other, columns)}
    if unknown and all(name.casefold() in theirs for name in unknown):
        return f" (these are {other.value} names: import with mapping={other.value})"
    return ""


class _BadCell(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def check_row(layout: Layout, line: int, cells: Sequence[Cell]) -> Employee | list[FieldProblem]:
    """The employee a row describes, or every problem of the row (each naming `line` and its column)."""
    values, problems = read_row(layout, line, cells)
    return problems if problems else employee_of(layout, line, values)


def read_row(layout: Layout, line: int, cells: Sequence[Cell]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """A row's values by field, and every problem of its cells. The service resolves a SIASN file's
    references (`Kind.SIASN_REFERENCE`) in the values before `employee_of`."""
    values, problems = _read(layout, line, cells)
    if values.get("rank_tmt") is not None and values.get("rank_code") is None:
        rank_tmt = next(c for c in layout.columns if c.field == "rank_tmt")
        problems.append(_problem(layout, line, rank_tmt, "a rank TMT without its rank", values["rank_tmt"]))
    return values, problems


def employee_of(layout: Layout, line: int, values: dict[str, Any]) -> Employee | list[FieldProblem]:
    """The employee of a row's values, through the domain's own rules (problems under the file's columns)."""
    try:
        return _employee(values)
    except DomainError as refusal:
        return refused(layout, line, refusal)


def _read(layout: Layout, line: int, cells: Sequence[Cell]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """A row's values by field, and the problems of its cells."""
    if len(cells) != layout.width:
        message = f"{len(cells)} values, but the header has {layout.width} columns"
        return {}, [FieldProblem(line=line, message=message)]
    values: dict[str, Any] = {}
    read_from: dict[str, str] = {}  # field -> the column its value came from
    problems: list[FieldProblem] = []
    for column, name, parse, at in zip(
        layout.columns, layout.names, layout.parsers, layout.cells, strict=True
    ):
        cell = cells[at]
        try:
            value = parse(cell)
        except _BadCell as bad:
            problems.append(_cell_problem(line, name, bad.message, cell))
            read_from.setdefault(column.field, name)
            continue
        earlier = values.get(column.field)
        if earlier is None:
            values[column.field] = value
            if value is not None or column.field not in read_from:
                read_from[column.field] = name
        elif value is not None and value != earlier:
            message = f"disagrees with {read_from[column.field]} ({_shown(earlier)})"
            problems.append(_cell_problem(line, name, message, cell))
    for field, name in read_from.items():
        if values.get(field) is None and field in layout.required and not _has_problem(problems, name):
            problems.append(_cell_problem(line, name, "required", None))
    return values, problems


def _has_problem(problems: list[FieldProblem], name: str) -> bool:
    return any(problem.field == name for problem in problems)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def refused(layout: Layout, line: int, refusal: DomainError) -> list[FieldProblem]:
    """A domain rule's refusal of a row: the domain names our fields (`nip.birth_date`); the user needs the
    file's column."""
    if len(refusal.errors) <= 1:
        field = (refusal.errors[0].field or "") if refusal.errors else ""
        return [
            FieldProblem(line=line, field=_column_name(layout, field.split(".")[0]), message=refusal.detail)
        ]
    return [
        FieldProblem(
            line=line,
            field=_column_name(layout, (problem.field or "").split(".")[0]),
            message=problem.message,
            value=problem.value,
        )
        for problem in refusal.errors
    ]


@dataclass(frozen=True)
class UnitRow:
    """A unit as a file describes it; `id` None asks for a new one. A SIASN file's row may name the unit
    and its parent by SIASN ids (`siasn_id`, `parent_siasn_id`) and its agency by its SIASN id too: the
    service resolves them (`agency_code` and `parent_id` then ours)."""

    id: UUID | None
    agency_code: str
    parent_id: UUID | None
    name: str
    kind: UnitKind
    location: str | None
    siasn_id: str | None = None  # the unit's SIASN id, kept with the new unit
    parent_siasn_id: str | None = None


# Words a unit's name may start with for a kind whose own word it does not use.
_KIND_WORDS: dict[str, UnitKind] = {
    "setda": UnitKind.SEKRETARIAT,
    "sekretariat": UnitKind.SEKRETARIAT,
    "subbag": UnitKind.SUBBAGIAN,
    "uptd": UnitKind.UPT,
}


def kind_from_name(name: str) -> UnitKind | None:
    """A unit's kind as its name's first word says it ("Dinas Kesehatan", "Sub Bagian Umum", "UPTD
    Puskesmas"); None where that word is not a kind: SIASN's ref-unor does not say the kind in our terms."""
    words = [word.strip(".,-()").casefold() for word in name.split()]
    if not words:
        return None
    first = words[0] + words[1] if words[0] == "sub" and len(words) > 1 else words[0]
    if first in _KIND_WORDS:
        return _KIND_WORDS[first]
    return UnitKind(first) if first in UnitKind._value2member_map_ else None


def check_unit_row(layout: Layout, line: int, cells: Sequence[Cell]) -> UnitRow | list[FieldProblem]:
    """The unit a row describes, or every problem of the row's cells."""
    values, problems = _read(layout, line, cells)
    if problems:
        return problems
    get = values.get
    kind = get("kind") or kind_from_name(values["name"])
    if kind is None:
        kinds = ", ".join(_values(UnitKind))
        message = (
            f"SIASN does not say a unit's kind: it is read from the name's first word, which is not one of "
            f"{kinds} (or give it in a column jenisUnor)"
        )
        return [problem_at(layout, line, "name", message, values["name"])]
    unit_id, siasn_id = _own_or_siasn(get("id"))
    parent_id, parent_siasn_id = _own_or_siasn(get("parent_id"))
    return UnitRow(
        unit_id, values["agency_code"], parent_id, values["name"], UnitKind(kind), get("location"),
        siasn_id, parent_siasn_id,
    )  # fmt: skip


def _own_or_siasn(reference: UUID | str | None) -> tuple[UUID | None, str | None]:
    """A record's reference (`Kind.SIASN_OR_OWN_ID`) as our id or its SIASN id."""
    if isinstance(reference, str):
        return None, reference
    return reference, None


@dataclass(frozen=True)
class PositionRow:
    """A position as a file describes it; `id` None asks for a new one. A SIASN file's row may name it and
    its unit by SIASN ids (`siasn_id`, `unit_siasn_id`; then `unit_id` is None until the service resolves
    it)."""

    id: UUID | None
    unit_id: UUID | None
    name: str
    type: PositionType
    job_class: int
    authorised_headcount: int
    competency_standard: dict[str, int]
    minimum_rank: str | None
    minimum_education: EducationLevel | None
    retirement_age: int | None
    unit_head: bool
    siasn_id: str | None = None  # the position's SIASN jabatan id, kept with the new position
    unit_siasn_id: str | None = None


def check_position_row(layout: Layout, line: int, cells: Sequence[Cell]) -> PositionRow | list[FieldProblem]:
    """The position a row describes, or every problem of the row's cells."""
    values, problems = _read(layout, line, cells)
    if problems:
        return problems
    get = values.get
    education = get("minimum_education")
    position_id, siasn_id = _own_or_siasn(get("id"))
    unit_id, unit_siasn_id = _own_or_siasn(values["unit_id"])
    return PositionRow(
        id=position_id,
        unit_id=unit_id,
        name=values["name"],
        type=PositionType(values["type"]),
        job_class=values["job_class"],
        authorised_headcount=values["authorised_headcount"],
        competency_standard=get("competency_standard") or {},
        minimum_rank=get("minimum_rank"),
        minimum_education=EducationLevel(education) if education else None,
        retirement_age=get("retirement_age"),
        unit_head=bool(get("unit_head")),
        siasn_id=siasn_id,
        unit_siasn_id=unit_siasn_id,
    )


def problem_at(layout: Layout, line: int, field: str, message: str, value: Any = None) -> FieldProblem:
    """A problem of a row found beyond the row itself (a duplicate id, an unknown agency or unit)."""
    shown = str(value) if isinstance(value, UUID) else value
    return FieldProblem(line=line, field=_column_name(layout, field), message=message, value=shown)


def _employee(values: dict[str, Any]) -> Employee:
    get = values.get
    details: dict[str, Any] = {name: values[name] for name in _DETAILS if get(name) is not None}
    if get("status") is not None:
        details["status"] = EmployeeStatus(values["status"])
    if get("disciplinary_status") is not None:
        details["disciplinary_status"] = DisciplinaryStatus(values["disciplinary_status"])
    employee = model.register(
        nip=values["nip"],
        name=values["name"],
        birth_date=values["birth_date"],
        gender=values["gender"],
        placement=Placement(
            values["agency_code"], _text_of(get("unit_id")), _text_of(get("position_id")), get("position_tmt")
        ),
        employment_type=EmploymentType(get("employment_type") or EmploymentType.PNS),
        nik=get("nik"),
        tmt_cpns=get("tmt_cpns"),
        ten_year_bond_until=get("ten_year_bond_until"),
        **details,
    )
    if get("rank_code") is not None:
        # As a registration through the API: a rank without its TMT counts from the TMT CPNS.
        employee.rank = Rank(values["rank_code"], get("rank_tmt") or employee.tmt_cpns or employee.birth_date)
    return employee


def _text_of(identifier: UUID | None) -> str | None:
    return None if identifier is None else str(identifier)


def _problem(layout: Layout, line: int, column: Column, message: str, value: Any) -> FieldProblem:
    return _cell_problem(line, _column_name(layout, column.field), message, value)


def _cell_problem(line: int, name: str | None, message: str, value: Any) -> FieldProblem:
    return FieldProblem(line=line, field=name, message=message, value=_shown(value))


def nip_problem(layout: Layout, line: int, nip: str, message: str) -> FieldProblem:
    """A problem of a row's NIP found beyond the row itself (a duplicate in the file or the register)."""
    return FieldProblem(line=line, field=_column_name(layout, "nip"), message=message, value=nip)


def _column_name(layout: Layout, field: str) -> str | None:
    """The file's header of `field` (the first, where it has several)."""
    return next((n for c, n in zip(layout.columns, layout.names, strict=True) if c.field == field), None)


Parser = Callable[[Cell], Any]


def _text_parser(column: Column, mapping: Mapping) -> Parser:
    limit = column.max_length

    def parse(cell: Cell) -> str | None:
        text = cell.strip() if isinstance(cell, str) else _as_text(cell)
        if not text:
            return None
        if (character := control_character_in(text)) is not None:
            raise _BadCell(f"holds the control character {character}, which text may not hold")
        if limit is not None and len(text) > limit:
            raise _BadCell(f"at most {limit} characters, got {len(text)}")
        return text

    return parse


def _as_text(cell: Cell) -> str | None:
    """A spreadsheet's non-text cell, as text."""
    if cell is None:
        return None
    if isinstance(cell, float):
        if abs(cell) >= 10**SPREADSHEET_DIGITS:
            raise _BadCell(
                f"a spreadsheet number keeps only {SPREADSHEET_DIGITS} digits; store the column as text"
            )
        return str(int(cell)) if cell.is_integer() else str(cell)
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _nip_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> Nip | None:
        raw = text(cell)
        if raw is None:
            return None
        try:
            return parse_nip(raw)
        except InvalidNip as invalid:
            raise _BadCell(invalid.errors[0].message) from None

    return parse


def _nik_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> str | None:
        nik = text(cell)
        if nik is not None and (len(nik) != NIK_LENGTH or not nik.isdigit()):
            raise _BadCell(f"{NIK_LENGTH} digits")
        return nik

    return parse


# SIASN writes an empty date as the first day of year 1 (SIASN.md §3).
SIASN_EMPTY_DATE = "01-01-0001"


def _date_parser(column: Column, mapping: Mapping) -> Parser:
    if mapping is Mapping.NATIVE:
        return _parse_date

    def parse(cell: Cell) -> date | None:
        if isinstance(cell, str) and cell.strip() == SIASN_EMPTY_DATE:
            return None
        return _parse_date(cell)

    return parse


def _parse_date(cell: Cell) -> date | None:
    if isinstance(cell, str):
        text = cell.strip()
    elif isinstance(cell, datetime):
        return cell.date()
    elif isinstance(cell, date):
        return cell
    elif isinstance(cell, int | float):
        raise _BadCell("a number, not a date: write YYYY-MM-DD or format the cell as a date")
    else:
        return None
    if not text:
        return None
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        if len(text) == 10 and text[2] in "-/" and text[5] == text[2]:
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError:
        raise _BadCell(f"{text} is not a real date") from None
    raise _BadCell("a date as YYYY-MM-DD or DD-MM-YYYY")


def _rank_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)
    grade_of: Callable[[str], RankGrade | None]
    if mapping is Mapping.SIASN:
        expected = "a SIASN rank code, 11 (I/a) to 45 (IV/e), or the rank as I/a to IV/e"
        grade_of = _siasn_rank
    else:
        expected, grade_of = "a rank from I/a to IV/e", rank_by_code

    def parse(cell: Cell) -> str | None:
        raw = text(cell)
        if raw is None:
            return None
        grade = grade_of(raw)
        if grade is None:
            raise _BadCell(f"unknown rank; expected {expected}")
        return grade.code

    return parse


def _siasn_rank(raw: str) -> RankGrade | None:
    """SIASN's numeric code (golRuangAkhirId) or its text (golRuangAkhir, "III/a")."""
    if raw.isdigit():
        return rank_by_siasn_code(int(raw))
    golongan, _, ruang = raw.partition("/")
    return rank_by_code(f"{golongan.strip().upper()}/{ruang.strip().lower()}")


def _choice_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)
    choices = {choice.casefold(): choice for choice in column.choices}

    def parse(cell: Cell) -> str | None:
        raw = text(cell)
        if raw is None:
            return None
        choice = choices.get(raw.casefold())
        if choice is None:
            raise _BadCell(f"one of {', '.join(column.choices)}")
        return choice

    return parse


def _uuid_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> UUID | None:
        raw = text(cell)
        if raw is None:
            return None
        try:
            return UUID(raw)
        except ValueError:
            raise _BadCell("an id (UUID) such as an export writes") from None

    return parse


def _integer_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> int | None:
        raw = text(cell)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise _BadCell("a whole number") from None

    return parse


def _siasn_reference_parser(column: Column, mapping: Mapping) -> Parser:
    """A SIASN GUID or one of our ids (an agency code, a unit or position UUID), as text: the service
    resolves it against the SIASN ids our records keep."""
    text = _text_parser(replace(column, max_length=SIASN_ID_MAX_LENGTH), mapping)
    return text


def _siasn_id_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> str | None:
        raw = text(cell)
        if raw is None:
            return None
        try:
            return normalise_siasn_id(raw)
        except InvalidSiasnId as invalid:
            raise _BadCell(str(invalid)) from None

    return parse


def _siasn_or_own_id_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(replace(column, max_length=SIASN_ID_MAX_LENGTH + 4), mapping)

    def parse(cell: Cell) -> UUID | str | None:
        raw = text(cell)
        if raw is None:
            return None
        if "-" in raw:
            try:
                return UUID(raw)
            except ValueError:
                pass
        try:
            return normalise_siasn_id(raw)
        except InvalidSiasnId:
            raise _BadCell(
                "a SIASN id (a GUID such as SIASN writes) or an id (UUID) such as an export writes"
            ) from None

    return parse


def _status_parser(column: Column, mapping: Mapping) -> Parser:
    """SIASN's kedudukan hukum name as our status (KEDUDUKAN)."""
    text = _text_parser(column, mapping)
    known = ", ".join(sorted({status.value for _, status in KEDUDUKAN}))

    def parse(cell: Cell) -> str | None:
        raw = text(cell)
        if raw is None:
            return None
        words = raw.casefold()
        status = next((status for word, status in KEDUDUKAN if word in words), None)
        if status is None:
            raise _BadCell(f"a kedudukan this import does not know; it reads kedudukan meaning {known}")
        return status.value

    return parse


_BOOLEANS = {
    "true": True,
    "ya": True,
    "y": True,
    "1": True,
    "false": False,
    "tidak": False,
    "n": False,
    "0": False,
}


def _boolean_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> bool | None:
        if isinstance(cell, bool):
            return cell
        raw = text(cell)
        if raw is None:
            return None
        if raw.casefold() not in _BOOLEANS:
            raise _BadCell("true or false (ya or tidak)")
        return _BOOLEANS[raw.casefold()]

    return parse


def _standard_parser(column: Column, mapping: Mapping) -> Parser:
    text = _text_parser(column, mapping)

    def parse(cell: Cell) -> dict[str, int] | None:
        raw = text(cell)
        if raw is None:
            return None
        standard: dict[str, int] = {}
        for part in raw.split(";"):
            name, separator, level = part.replace(":", "=").rpartition("=")
            if not part.strip():
                continue
            if not separator or not name.strip() or not level.strip().isdigit():
                raise _BadCell(f"competencies as `Integritas=3; Kerjasama=3`, not {part.strip()!r}")
            standard[name.strip()] = int(level)
        return standard

    return parse


def standard_text(standard: dict[str, int]) -> str:
    """A competency standard as a file writes it."""
    return "; ".join(f"{name}={level}" for name, level in standard.items())


_PARSERS: dict[Kind, Callable[[Column, Mapping], Parser]] = {
    Kind.TEXT: _text_parser,
    Kind.NIP: _nip_parser,
    Kind.NIK: _nik_parser,
    Kind.DATE: _date_parser,
    Kind.RANK: _rank_parser,
    Kind.CHOICE: _choice_parser,
    Kind.UUID: _uuid_parser,
    Kind.INTEGER: _integer_parser,
    Kind.BOOLEAN: _boolean_parser,
    Kind.STANDARD: _standard_parser,
    Kind.SIASN_REFERENCE: _siasn_reference_parser,
    Kind.SIASN_ID: _siasn_id_parser,
    Kind.SIASN_OR_OWN_ID: _siasn_or_own_id_parser,
    Kind.STATUS: _status_parser,
}


def export_row(employee: Employee, mapping: Mapping, *, siasn_id: str | None = None) -> list[Cell]:
    """The employee as one row of an export of `mapping`, in `header(mapping)`'s order; `siasn_id`: the
    person's SIASN id, if linked."""
    return _row({**_record(employee), "siasn_id": siasn_id}, COLUMNS, mapping)


def export_unit_row(unit: Unit, mapping: Mapping, siasn_ids: dict[str, str] | None = None) -> list[Cell]:
    """The unit as one row of an export of `mapping`, in `header(mapping, UNIT_COLUMNS)`'s order.
    `siasn_ids`: our ref (agency code, unit id) -> its SIASN id, which a SIASN export writes where the
    record is linked."""
    ids = (siasn_ids or {}) if mapping is Mapping.SIASN else {}
    parent = str(unit.parent_id) if unit.parent_id else None
    record = {
        "id": ids.get(str(unit.id), str(unit.id)),
        "agency_code": ids.get(unit.agency_code, unit.agency_code),
        "parent_id": ids.get(parent, parent) if parent else None,
        "name": unit.name,
        "kind": unit.kind.value,
        "location": unit.location,
    }
    return _row(record, UNIT_COLUMNS, mapping)


def export_position_row(
    position: Position, unit_head: bool, mapping: Mapping, siasn_ids: dict[str, str] | None = None
) -> list[Cell]:
    """The position as one row of an export of `mapping`, in `header(mapping, POSITION_COLUMNS)`'s order.
    `siasn_ids`: our ref (position or unit id) -> its SIASN id, which a SIASN export writes where linked."""
    ids = (siasn_ids or {}) if mapping is Mapping.SIASN else {}
    record = {
        "id": ids.get(str(position.id), str(position.id)),
        "unit_id": ids.get(str(position.unit_id), str(position.unit_id)),
        "name": position.name,
        "type": position.type.value,
        "job_class": position.job_class,
        "authorised_headcount": position.authorised_headcount,
        "competency_standard": standard_text(dict(position.competency_standard)) or None,
        "minimum_rank": position.minimum_rank,
        "minimum_education": position.minimum_education.value if position.minimum_education else None,
        "retirement_age": position.custom_retirement_age,
        "unit_head": "true" if unit_head else "false",
    }
    return _row(record, POSITION_COLUMNS, mapping)


def _row(record: dict[str, Any], columns: tuple[Column, ...], mapping: Mapping) -> list[Cell]:
    return [_exported(column, record[column.field], mapping) for column in columns if column.name(mapping)]


def _exported(column: Column, value: Any, mapping: Mapping) -> Cell:
    if value is None or mapping is Mapping.NATIVE:
        return value
    if column.kind is Kind.RANK:
        grade = rank_by_code(value)
        return grade.siasn_code if grade else value
    if column.kind_in(mapping) is Kind.STATUS:
        return KEDUDUKAN_NAMES[value]
    return value


def _record(employee: Employee) -> dict[str, Any]:
    rank, placement = employee.rank, employee.placement
    return {
        "nip": str(employee.nip),
        "name": employee.name,
        "front_title": employee.front_title,
        "back_title": employee.back_title,
        "birth_date": employee.birth_date,
        "birth_place": employee.birth_place,
        "gender": employee.gender,
        "nik": employee.nik,
        "employment_type": employee.employment_type.value,
        "status": employee.status.value,
        "tmt_cpns": employee.tmt_cpns,
        "tmt_pns": employee.tmt_pns,
        "rank_code": rank.code if rank else None,
        "rank_tmt": rank.tmt if rank else None,
        "agency_code": placement.agency_code,
        "unit_id": placement.unit_id,
        "position_id": placement.position_id,
        "position_tmt": placement.tmt,
        "work_location": employee.work_location,
        "ten_year_bond_until": employee.ten_year_bond_until,
        "disciplinary_status": employee.disciplinary_status.value,
    }
