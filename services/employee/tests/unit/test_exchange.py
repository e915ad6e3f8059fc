from datetime import date, datetime
from uuid import UUID

import pytest

from services.employee.domain import exchange
from services.employee.domain.exchange import InvalidFile, Mapping
from services.employee.domain.model import DisciplinaryStatus, EmployeeStatus, EmploymentType
from services.employee.domain.organisation import Position, PositionType, Unit, UnitKind

pytestmark = pytest.mark.unit

NATIVE = exchange.header(Mapping.NATIVE)
SIASN = exchange.header(Mapping.SIASN)

ANDI = {
    "nip": "198503122010011001",
    "name": "Andi Mappaseng",
    "birth_date": "1985-03-12",
    "gender": "M",
    "agency_code": "7601",
}


def row(layout, **values):
    """Cells in the layout's column order; unnamed columns are empty."""
    return [values.get(column.name(layout.mapping)) for column in layout.columns]


def native(**values):
    layout = exchange.layout_of(NATIVE, Mapping.NATIVE)
    return layout, row(layout, **{**ANDI, **values})


def test_the_native_header_is_the_registration_fields_but_education():
    assert NATIVE[:5] == ["nip", "name", "front_title", "back_title", "birth_date"]
    assert "education" not in NATIVE and "disciplinary_status" in NATIVE and len(NATIVE) == 21


def test_the_siasn_header_uses_siasn_names_and_has_no_columns_siasn_lacks():
    assert {"nipBaru", "nama", "tglLahir", "golRuangAkhirId", "unorId", "instansiKerjaId", "id"} <= set(SIASN)
    assert "ten_year_bond_until" not in SIASN and len(SIASN) == 20


def test_a_header_matches_whatever_the_case_and_order():
    layout = exchange.layout_of([" NIP", "Gender", "name", "agency_code", "birth_date"], Mapping.NATIVE)
    assert [c.field for c in layout.columns] == ["nip", "gender", "name", "agency_code", "birth_date"]


def test_unknown_columns_refuse_the_file_and_hint_at_the_other_mapping():
    with pytest.raises(InvalidFile) as refused:
        exchange.layout_of(["nipBaru", "nama", "tglLahir"], Mapping.NATIVE)
    assert refused.value.code == "unknown-columns"
    assert "mapping=siasn" in refused.value.detail
    assert [e.field for e in refused.value.errors] == ["nipBaru", "nama", "tglLahir"]


def test_missing_required_columns_refuse_the_file():
    with pytest.raises(InvalidFile) as refused:
        exchange.layout_of(["nip", "name"], Mapping.NATIVE)
    assert refused.value.code == "missing-columns"
    assert {e.field for e in refused.value.errors} == {"birth_date", "gender", "agency_code"}


def test_a_repeated_column_refuses_the_file():
    with pytest.raises(InvalidFile) as refused:
        exchange.layout_of([*NATIVE, "Name"], Mapping.NATIVE)
    assert refused.value.code == "duplicate-columns"


def test_a_valid_native_row_gives_the_employee_with_the_registrations_defaults():
    layout, cells = native(rank_code="III/a", front_title=" Dr. ", nik="7601011203850001")
    employee = exchange.check_row(layout, 2, cells)
    assert not isinstance(employee, list)
    assert (str(employee.nip), employee.name, employee.front_title) == (ANDI["nip"], "Andi Mappaseng", "Dr.")
    assert employee.tmt_cpns == date(2010, 1, 1)  # from the NIP, as a registration does
    assert employee.rank is not None and (employee.rank.code, employee.rank.tmt) == (
        "III/a",
        date(2010, 1, 1),
    )
    assert (employee.status, employee.employment_type) == (EmployeeStatus.ACTIVE, EmploymentType.PNS)
    assert employee.ten_year_bond_until is None  # appointed before 2021


def test_choices_accept_any_case_and_dates_the_indonesian_way():
    layout, cells = native(
        gender="m", status="Retired", employment_type="pppk", disciplinary_status="SANCTIONED",
        birth_date="12-03-1985", position_tmt="02/01/2019",
    )  # fmt: skip
    employee = exchange.check_row(layout, 2, cells)
    assert not isinstance(employee, list)
    assert (employee.gender, employee.status, employee.employment_type) == (
        "M",
        EmployeeStatus.RETIRED,
        EmploymentType.PPPK,
    )
    assert employee.disciplinary_status == DisciplinaryStatus.SANCTIONED
    assert employee.placement.tmt == date(2019, 1, 2)


def test_every_bad_cell_of_a_row_is_reported_with_its_line_and_column():
    layout, cells = native(
        nip="19850312201001100", name="", birth_date="1985-02-30", gender="X", rank_code="V/a", nik="123",
    )  # fmt: skip
    problems = exchange.check_row(layout, 7, cells)
    assert isinstance(problems, list)
    assert {p.line for p in problems} == {7}
    assert {p.field: p.message for p in problems} == {
        "nip": "must be 18 digits, got 17 characters",
        "name": "required",
        "birth_date": "1985-02-30 is not a real date",
        "gender": "one of M, F",
        "rank_code": "unknown rank; expected a rank from I/a to IV/e",
        "nik": "16 digits",
    }


def test_a_nip_that_disagrees_with_the_birth_date_is_refused_by_the_domain_under_the_files_column():
    layout = exchange.layout_of(SIASN, Mapping.SIASN)
    cells = row(
        layout,
        nipBaru=ANDI["nip"],
        nama="Andi",
        tglLahir="13-03-1985",
        jenisKelamin="M",
        instansiKerjaId="7601",
    )
    problems = exchange.check_row(layout, 3, cells)
    assert isinstance(problems, list) and len(problems) == 1
    assert (problems[0].line, problems[0].field) == (3, "nipBaru")
    assert "birth date" in problems[0].message


def test_a_siasn_row_maps_the_numeric_rank_code_and_the_siasn_names():
    layout = exchange.layout_of(SIASN, Mapping.SIASN)
    cells = row(
        layout,
        nipBaru=ANDI["nip"],
        nama="Andi",
        tglLahir="12-03-1985",
        jenisKelamin="M",
        instansiKerjaId="7601",
        golRuangAkhirId=31,
        tmtGolAkhir=datetime(2014, 4, 1),
        unorId="8AE4821B1C3A4F0E9D2B5C6A7E8F9012",
        tmtJabatan="2019-01-02",
    )
    values, problems = exchange.read_row(layout, 2, cells)
    assert problems == []
    # SIASN's GUIDs are left for the service to resolve against the SIASN ids our records keep.
    assert values["unit_id"] == "8AE4821B1C3A4F0E9D2B5C6A7E8F9012"
    values["unit_id"] = None
    employee = exchange.employee_of(layout, 2, values)
    assert not isinstance(employee, list)
    assert employee.rank is not None and (employee.rank.code, employee.rank.tmt) == (
        "III/a",
        date(2014, 4, 1),
    )
    assert employee.placement.tmt == date(2019, 1, 2)
    cells[SIASN.index("golRuangAkhirId")] = "35"
    bad = exchange.check_row(layout, 2, cells)
    assert isinstance(bad, list) and bad[0].message.startswith("unknown rank; expected a SIASN rank code")


def test_a_control_character_in_a_cell_is_a_problem_of_its_line_and_column():
    layout, cells = native(name="Andi\x00Palsu", birth_place="Mamuju\x1b")
    problems = exchange.check_row(layout, 7, cells)
    assert isinstance(problems, list)
    assert [(p.line, p.field) for p in problems] == [(7, "name"), (7, "birth_place")]
    assert "U+0000" in problems[0].message and "U+001B" in problems[1].message


def test_a_nip_stored_as_a_spreadsheet_number_is_refused_rather_than_silently_changed():
    layout, cells = native(nip=1.98503122010011e17)
    problems = exchange.check_row(layout, 2, cells)
    assert isinstance(problems, list) and "15 digits" in problems[0].message


def test_a_rank_tmt_without_a_rank_and_a_short_row_are_problems():
    layout, cells = native(rank_tmt="2014-04-01")
    problems = exchange.check_row(layout, 4, cells)
    assert isinstance(problems, list) and problems[0].field == "rank_tmt"
    short = exchange.check_row(layout, 5, cells[:3])
    assert isinstance(short, list) and "3 values" in short[0].message


@pytest.mark.parametrize("mapping", list(Mapping))
def test_an_exported_row_reads_back_as_the_same_employee(mapping):
    layout, cells = native(
        rank_code="IV/a", rank_tmt="2020-04-01", nik="7601011203850001", back_title="S.Kom.",
        unit_id="2b6e1f40-3c5d-4e7f-8a9b-0c1d2e3f4a5b", position_id="6f1c3b52-7c7e-4b59-9d53-0c3f8a2b9e11",
        position_tmt="2021-01-04",
        tmt_pns="2011-03-01",
    )  # fmt: skip
    employee = exchange.check_row(layout, 2, cells)
    assert not isinstance(employee, list)
    exported = exchange.export_row(employee, mapping)
    if mapping is Mapping.SIASN:
        assert exported[SIASN.index("golRuangAkhirId")] == 41
    again = exchange.check_row(exchange.layout_of(exchange.header(mapping), mapping), 2, exported)
    assert again == employee


def test_a_siasn_extracts_unused_columns_are_ignored_and_named():
    layout = exchange.layout_of([*SIASN, "nipLama", "agama", "unorNama"], Mapping.SIASN)
    assert layout.ignored == ("nipLama", "agama", "unorNama")
    assert layout.width == len(SIASN) + 3
    with pytest.raises(exchange.InvalidFile) as refused:
        exchange.layout_of([*NATIVE, "hobby"], Mapping.NATIVE)
    assert refused.value.code == "unknown-columns"


def test_siasn_formats_read_as_our_values():
    layout = exchange.layout_of(
        ["nipBaru", "nama", "tglLahir", "jenisKelamin", "instansiKerjaId", "tmtPns", "golRuangAkhir",
         "kedudukanPnsNama", "id"],
        Mapping.SIASN,
    )  # fmt: skip
    values, problems = exchange.read_row(
        layout,
        2,
        [ANDI["nip"], "Andi", "12-03-1985", "M", "7601", "01-01-0001", "iii/A", "PPPK Aktif",
         "ab12cd34ef56ab12cd34ef56ab12cd34"],
    )  # fmt: skip
    assert problems == []
    assert values["birth_date"] == date(1985, 3, 12)
    assert values["tmt_pns"] is None  # SIASN's empty date
    assert values["rank_code"] == "III/a"
    assert values["status"] == "active"
    assert values["siasn_id"] == "AB12CD34EF56AB12CD34EF56AB12CD34"


@pytest.mark.parametrize(
    ("kedudukan", "status"),
    [("Aktif", "active"), ("CLTN", "leave"), ("Tugas Belajar", "study_leave"),
     ("Pemberhentian Sementara", "suspended"), ("Pensiun BUP", "retired"), ("Wafat", "deceased"),
     ("Diberhentikan Tidak Hormat", "dismissed")],
)  # fmt: skip
def test_siasn_kedudukan_names_read_as_our_status_and_our_export_writes_them_back(kedudukan, status):
    layout = exchange.layout_of(["nipBaru", "nama", "tglLahir", "jenisKelamin", "instansiKerjaId",
                                 "kedudukanPnsNama"], Mapping.SIASN)  # fmt: skip
    values, _ = exchange.read_row(layout, 2, [ANDI["nip"], "Andi", "12-03-1985", "M", "7601", kedudukan])
    assert values["status"] == status
    written = exchange.KEDUDUKAN_NAMES[exchange.EmployeeStatus(status)]
    again, _ = exchange.read_row(layout, 2, [ANDI["nip"], "Andi", "12-03-1985", "M", "7601", written])
    assert again["status"] == status


def test_two_siasn_columns_of_one_field_must_agree():
    layout = exchange.layout_of(
        [
            "nipBaru",
            "nama",
            "tglLahir",
            "jenisKelamin",
            "instansiKerjaId",
            "golRuangAkhirId",
            "golRuangAkhir",
        ],
        Mapping.SIASN,
    )
    base = [ANDI["nip"], "Andi", "12-03-1985", "M", "7601"]
    agreeing, problems = exchange.read_row(layout, 2, [*base, "31", "III/a"])
    assert problems == [] and agreeing["rank_code"] == "III/a"
    only_text, problems = exchange.read_row(layout, 2, [*base, "", "IV/b"])
    assert problems == [] and only_text["rank_code"] == "IV/b"
    _, problems = exchange.read_row(layout, 2, [*base, "31", "III/b"])
    assert [(p.line, p.field) for p in problems] == [(2, "golRuangAkhir")]
    assert problems[0].message == "disagrees with golRuangAkhirId (III/a)"


UNOR = "8AE483A8682F9A7F01686AC7D9F80A1B"
INSTANSI = "A5EB03E23BF8F6A0E040640A040252AD"
OURS = "2b6e1f40-3c5d-4e7f-8a9b-0c1d2e3f4a5b"
REF_UNOR = ["Id", "InstansiId", "DiatasanId", "EselonId", "NamaUnor", "NamaJabatan", "CepatKode",
            "IndukUnorId", "PemimpinPnsId", "JenisUnorId"]  # fmt: skip


def ref_unor(**values: str) -> list[str]:
    """A ref-unor item as a row of REF_UNOR's columns."""
    return [values.get(name, "") for name in REF_UNOR]


def test_a_siasn_unit_file_reads_ref_unors_names_in_either_case_and_ignores_the_rest():
    assert exchange.header(Mapping.SIASN, exchange.UNIT_COLUMNS)[:4] == [
        "Id",
        "InstansiId",
        "DiatasanId",
        "NamaUnor",
    ]
    pascal = exchange.layout_of(REF_UNOR, Mapping.SIASN, exchange.UNIT_COLUMNS)
    assert pascal.ignored == (
        "EselonId",
        "NamaJabatan",
        "CepatKode",
        "IndukUnorId",
        "PemimpinPnsId",
        "JenisUnorId",
    )
    camel = exchange.layout_of(
        ["id", "instansiId", "diatasanId", "namaUnor"], Mapping.SIASN, exchange.UNIT_COLUMNS
    )
    assert [c.field for c in camel.columns] == [
        "id",
        "agency_code",
        "parent_id",
        "name",
    ] and camel.ignored == ()
    with pytest.raises(InvalidFile) as refused:  # a native file still names the kind
        exchange.layout_of(["agency_code", "name"], Mapping.NATIVE, exchange.UNIT_COLUMNS)
    assert [e.field for e in refused.value.errors] == ["kind"]


def test_a_ref_unor_row_names_the_unit_and_its_parent_by_siasn_ids_and_its_kind_by_its_name():
    layout = exchange.layout_of(REF_UNOR, Mapping.SIASN, exchange.UNIT_COLUMNS)
    row = exchange.check_unit_row(
        layout, 2, ref_unor(Id=UNOR.lower(), InstansiId=INSTANSI, DiatasanId=OURS, NamaUnor="Bidang Mutasi",
                            JenisUnorId="5")
    )  # fmt: skip
    assert row == exchange.UnitRow(
        id=None, agency_code=INSTANSI, parent_id=UUID(OURS), name="Bidang Mutasi", kind=UnitKind.BIDANG,
        location=None, siasn_id=UNOR, parent_siasn_id=None,
    )  # fmt: skip
    top = exchange.check_unit_row(layout, 3, ref_unor(Id=OURS, InstansiId="7601", DiatasanId=UNOR,
                                                      NamaUnor="Sub Bagian Umum"))  # fmt: skip
    assert not isinstance(top, list)
    assert (top.id, top.siasn_id, top.parent_siasn_id, top.kind) == (
        UUID(OURS),
        None,
        UNOR,
        UnitKind.SUBBAGIAN,
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Dinas Kesehatan", UnitKind.DINAS), ("BADAN Kepegawaian Daerah", UnitKind.BADAN),
     ("Seksi Mutasi", UnitKind.SEKSI), ("UPTD Puskesmas Tampa Padang", UnitKind.UPT),
     ("Kecamatan Mamuju", UnitKind.KECAMATAN), ("Pemerintah Kabupaten Mamuju", None), ("", None)],
)  # fmt: skip
def test_a_units_kind_is_read_from_its_names_first_word(name, kind):
    assert exchange.kind_from_name(name) == kind


def test_a_ref_unor_row_whose_name_says_no_kind_or_whose_ids_are_not_ids_is_a_problem_of_its_column():
    layout = exchange.layout_of(REF_UNOR, Mapping.SIASN, exchange.UNIT_COLUMNS)
    nameless = exchange.check_unit_row(
        layout, 4, ref_unor(Id=UNOR, InstansiId=INSTANSI, NamaUnor="Pemerintah X")
    )
    assert isinstance(nameless, list) and [(p.line, p.field) for p in nameless] == [(4, "NamaUnor")]
    assert "first word" in nameless[0].message and "jenisUnor" in nameless[0].message
    bad = exchange.check_unit_row(layout, 5, ref_unor(Id="nope", InstansiId=INSTANSI, DiatasanId="x-y",
                                                      NamaUnor="Dinas A"))  # fmt: skip
    assert isinstance(bad, list) and [(p.line, p.field) for p in bad] == [(5, "Id"), (5, "DiatasanId")]
    kind_given = exchange.layout_of([*REF_UNOR, "jenisUnor"], Mapping.SIASN, exchange.UNIT_COLUMNS)
    given = exchange.check_unit_row(
        kind_given, 6, [*ref_unor(Id=UNOR, InstansiId=INSTANSI, NamaUnor="Pemda"), "badan"]
    )
    assert not isinstance(given, list) and given.kind is UnitKind.BADAN


def test_a_siasn_position_row_names_its_jabatan_and_its_unit_by_siasn_ids():
    header = ["jabatanFungsionalId", "jabatanFungsionalUmumId", "unorId", "jabatanNama", "jenisJabatan",
              "kelasJabatan", "jumlahFormasi", "jenisJabatanId"]  # fmt: skip
    layout = exchange.layout_of(header, Mapping.SIASN, exchange.POSITION_COLUMNS)
    assert layout.ignored == ("jenisJabatanId",)
    jabatan = "8ae48289620e8bf601620fab4c7c2b5d"
    row = exchange.check_position_row(
        layout, 2, [jabatan, "", UNOR, "Analis SDM", "fungsional", "8", "3", "2"]
    )
    assert not isinstance(row, list)
    assert (row.id, row.siasn_id, row.unit_id, row.unit_siasn_id) == (None, jabatan.upper(), None, UNOR)
    ours = exchange.check_position_row(layout, 3, [OURS, "", OURS, "Analis SDM", "fungsional", "8", "3", "2"])
    assert not isinstance(ours, list) and (ours.id, ours.unit_id, ours.siasn_id) == (
        UUID(OURS),
        UUID(OURS),
        None,
    )


def test_a_siasn_export_of_units_and_positions_writes_siasn_ids_where_linked_and_reads_back():
    unlinked_parent = Unit(UUID(OURS), "7601", None, "Dinas Kesehatan", UnitKind.DINAS)
    unit = Unit(UUID(int=7, version=4), "7601", UUID(OURS), "Bidang Mutasi", UnitKind.BIDANG, "Mamuju")
    linked = {str(unit.id): UNOR, "7601": INSTANSI}
    header = exchange.header(Mapping.SIASN, exchange.UNIT_COLUMNS)
    cells = exchange.export_unit_row(unit, Mapping.SIASN, linked)
    assert dict(zip(header, cells, strict=True)) == {
        "Id": UNOR, "InstansiId": INSTANSI, "DiatasanId": OURS, "NamaUnor": "Bidang Mutasi",
        "jenisUnor": "bidang", "lokasi": "Mamuju",
    }  # fmt: skip
    layout = exchange.layout_of(header, Mapping.SIASN, exchange.UNIT_COLUMNS)
    again = exchange.check_unit_row(layout, 2, cells)
    assert not isinstance(again, list)
    assert (again.siasn_id, again.agency_code, again.parent_id) == (UNOR, INSTANSI, UUID(OURS))
    assert exchange.export_unit_row(unlinked_parent, Mapping.SIASN)[:3] == [OURS, "7601", None]
    assert exchange.export_unit_row(unit, Mapping.NATIVE, linked)[0] == str(unit.id)  # native: always ours

    position = Position(
        id=UUID(int=9, version=4), unit_id=unit.id, agency_code="7601", name="Analis SDM",
        type=PositionType.FUNGSIONAL, job_class=8, authorised_headcount=3,
    )  # fmt: skip
    written = exchange.export_position_row(position, False, Mapping.SIASN, {str(unit.id): UNOR})
    position_layout = exchange.layout_of(
        exchange.header(Mapping.SIASN, exchange.POSITION_COLUMNS), Mapping.SIASN, exchange.POSITION_COLUMNS
    )
    read = exchange.check_position_row(position_layout, 2, written)
    assert not isinstance(read, list)
    assert (read.id, read.unit_siasn_id, read.name) == (position.id, UNOR, "Analis SDM")
