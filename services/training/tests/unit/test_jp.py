from datetime import date

import pytest

from services.training.domain.jp import (
    ExternalRecord,
    JpEntry,
    JpRules,
    JpSource,
    Person,
    check_header,
    compliance,
    external_records,
    identity,
    standing,
    total_in_year,
    totals_by_year,
)
from services.training.settings import training_settings
from shared.errors import InvalidInput
from shared.settings import Settings

pytestmark = pytest.mark.unit


def entry(day: date, jp: int) -> JpEntry:
    return JpEntry(day, jp, "Pelatihan", JpSource.COMPLETION, str(day))


def test_jp_count_in_the_year_of_completion_across_the_new_year():
    entries = [
        entry(date(2025, 12, 31), 12),  # a session of 29 December to 2 January counts when it ends
        entry(date(2026, 1, 1), 8),
        entry(date(2026, 1, 2), 16),
        entry(date(2026, 12, 31), 4),
        entry(date(2027, 1, 1), 30),
    ]
    assert totals_by_year(entries) == {2025: 12, 2026: 28, 2027: 30}
    assert total_in_year(entries, 2026) == 28
    assert total_in_year(entries, 2024) == 0


RULES = JpRules()


def test_a_pns_stands_against_the_20_jp_right():
    below = standing([entry(date(2026, 3, 1), 12), entry(date(2025, 12, 31), 30)], 2026, "PNS", RULES)
    assert (below.total, below.required, below.shortfall, below.meets_right) == (12, 20, 8, False)
    assert (below.ceiling, below.excess) == (None, None)
    exactly = standing([entry(date(2026, 3, 1), 20)], 2026, "CPNS", RULES)
    assert (exactly.shortfall, exactly.meets_right) == (0, True)
    above = standing([entry(date(2026, 3, 1), 45)], 2026, "PNS", RULES)
    assert above.shortfall == 0


def test_a_pppk_has_a_ceiling_of_24_jp_and_no_right_to_fall_below():
    none = standing([], 2026, "PPPK", RULES)
    assert (none.required, none.shortfall, none.meets_right) == (None, None, None)
    assert (none.ceiling, none.excess) == (24, 0)
    beyond = standing([entry(date(2026, 3, 1), 30)], 2026, "PPPK", RULES)
    assert beyond.excess == 6


def test_the_compliance_report_lists_who_is_below_fewest_first_and_counts_pppk_apart():
    people = [Person(nip, f"P{nip}", "unit", "PNS") for nip in ("1", "2", "3", "4")] + [
        Person(nip, f"P{nip}", "unit", "PPPK") for nip in ("5", "6", "7")
    ]
    report = compliance(people, {"1": 20, "2": 12, "4": 24, "6": 30, "7": 25}, 2026, RULES)
    assert (report.employees, report.compliant, report.compliance_percent) == (4, 2, 50.0)
    assert [(b.person.nip, b.standing.total, b.standing.shortfall) for b in report.below] == [
        ("3", 0, 20),
        ("2", 12, 8),
    ]
    pppk = report.pppk
    assert (pppk.ceiling, pppk.employees, pppk.within) == (24, 3, 1)
    assert [(a.person.nip, a.standing.excess) for a in pppk.above] == [("6", 6), ("7", 1)]
    assert compliance([], {}, 2026, RULES).compliance_percent is None


def test_the_right_and_the_ceiling_are_the_settings_of_the_service(monkeypatch):
    assert training_settings(Settings(service="training")).jp_rules == JpRules(pns_right=20, pppk_ceiling=24)
    monkeypatch.setenv("ASN_JP_CEILING_PPPK", "30")
    monkeypatch.setenv("ASN_JP_RIGHT_PNS", "24")
    rules = training_settings(Settings(service="training")).jp_rules
    report = compliance(
        [Person("1", "P1", None, "PPPK"), Person("2", "P2", None, "PNS")], {"1": 28, "2": 20}, 2026, rules
    )
    assert (report.required, report.compliant, report.pppk.ceiling, report.pppk.above) == (24, 0, 30, [])


A, B = "198503122010011001", "198503122010011002"
TODAY = date(2026, 7, 1)


def rows(*lines: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    return [(number, line) for number, line in enumerate(lines, start=2)]


def record(
    nip: str = A, title: str = "Diklat PBJ", completed_on: str = "2026-03-04", jp: str = "16", **extra: str
):
    return {"nip": nip, "title": title, "completed_on": completed_on, "jp": jp, **extra}


def parse(lines, existing=frozenset()):
    return external_records(
        lines,
        agency_of={A: "7601", B: "7601"},
        existing=set(existing),
        today=TODAY,
    )


def test_a_clean_file_gives_its_records():
    found = parse(
        rows(record(provider="LKPP"), record(B, "Seminar", "2026-01-02", "8", certificate_number="S-1"))
    )
    assert found == [
        ExternalRecord(A, "Diklat PBJ", "LKPP", date(2026, 3, 4), 16, None),
        ExternalRecord(B, "Seminar", None, date(2026, 1, 2), 8, "S-1"),
    ]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_returned():
    with pytest.raises(InvalidInput) as refused:
        parse(
            rows(
                record(),  # line 2: fine
                record(nip="123"),  # 3
                record(nip="199001012015031099"),  # 4: unknown
                record(jp="1001"),  # 5: too many JP
                record(completed_on="04/03/2026", jp="0"),  # 6: two problems
                record(completed_on="2026-08-01"),  # 7: in the future
                record(title="  diklat  pbj "),  # 8: repeats line 2
                record(title=""),  # 9
                record(B, title="Already", completed_on="2026-02-02"),  # 10: recorded before
            ),
            existing={identity(B, "already", date(2026, 2, 2))},
        )
    problems = [(p.line, p.field, p.message) for p in refused.value.errors]
    assert problems == [
        (3, "nip", "18 digits"),
        (4, "nip", "no such employee"),
        (5, "jp", "a whole number 1 to 1000"),
        (6, "completed_on", "a date YYYY-MM-DD"),
        (6, "jp", "a whole number 1 to 1000"),
        (7, "completed_on", "in the future"),
        (8, "title", "repeats line 2"),
        (9, "title", "required"),
        (10, "title", "already recorded"),
    ]
    assert "8 line(s)" in refused.value.detail


def test_an_empty_file_or_a_wrong_header_is_refused():
    with pytest.raises(InvalidInput):
        parse([])
    check_header(["nip", "title", "completed_on", "jp", "provider"])
    with pytest.raises(InvalidInput) as header:
        check_header(["nip", "judul", "jp"])
    assert [(p.line, p.field) for p in header.value.errors] == [
        (1, "title"),
        (1, "completed_on"),
        (1, "judul"),
    ]
