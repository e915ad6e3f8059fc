"""The one CSV reader: its delimiter rule, its line numbers, blank rows and what it refuses."""

import pytest

from shared.csv_text import CsvError, delimiter_of, read_csv_rows

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [
        ("nip,title,jp", ","),
        ("nip;title;jp", ";"),  # Excel in the Indonesian locale
        ("nip\ttitle\tjp", "\t"),  # copied from a sheet
        ("nip;title;note, with a comma", ";"),
        ("nip,title;jp", ","),  # a tie: comma
        ("nip", ","),
    ],
)
def test_the_delimiter_is_the_one_line_1_uses_most(first_line: str, delimiter: str) -> None:
    assert delimiter_of(first_line) == delimiter


def test_rows_come_with_the_line_they_start_on_and_blank_rows_are_left_out() -> None:
    content = '\ufeffnip;note\n1;"two\nlines"\n\n ; \n2;x\n'.encode()
    assert list(read_csv_rows(content)) == [(1, ["nip", "note"]), (2, ["1", "two\nlines"]), (6, ["2", "x"])]


def test_a_file_that_is_not_utf8_is_refused_naming_the_line() -> None:
    with pytest.raises(CsvError) as refused:
        list(read_csv_rows(b"nip,name\n1,Andi\n2,Sitt\xe9\n"))
    problem = refused.value
    assert (problem.encoding, problem.line, problem.message) == (True, 3, "byte 0xe9 on line 3")


def test_a_stray_quote_is_refused_rather_than_merging_cells() -> None:
    with pytest.raises(CsvError) as refused:
        list(read_csv_rows(b'nip,name\n1,"Andi"x\n'))
    assert (refused.value.encoding, refused.value.line) == (False, 2)
