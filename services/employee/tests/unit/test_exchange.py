from datetime import date, datetime

import pytest

from services.employee.domain import exchange
from services.employee.domain.exchange import InvalidFile, Mapping
from services.employee.domain.model import DisciplinaryStatus, EmployeeStatus, EmploymentType

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
